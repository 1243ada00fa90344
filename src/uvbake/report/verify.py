"""`uvbake verify`, the pure part: what a bake target's image is (from `docker buildx bake
--print`), what an answer of the Lambda Runtime Interface Emulator means, and the table and
JSON of the results. No docker here: commands/verify.py runs the images."""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# errorTypes the Lambda Python runtime gives when it cannot load the handler at all.
CANNOT_IMPORT = frozenset(
    {
        "Runtime.ImportModuleError",
        "Runtime.HandlerNotFound",
        "Runtime.UserCodeSyntaxError",
        "Runtime.MalformedHandlerName",
        "Runtime.BuiltInModuleConflict",
    }
)
DETAIL_WIDTH = 120
COLUMNS = ("target", "handler", "result", "time", "detail")


class Result(str, enum.Enum):
    """What an invocation showed; only `answered` and `raised` prove the image."""

    answered = "answered"
    raised = "raised"
    cannot_import = "cannot import"
    failed = "failed"
    timed_out = "timed out"


PASSING = frozenset({Result.answered, Result.raised})


@dataclass(frozen=True)
class Verdict:
    result: Result
    detail: str

    @property
    def ok(self) -> bool:
        return self.result in PASSING


@dataclass(frozen=True)
class Image:
    """A bake target's image: its first tag and the platform it is built for."""

    ref: str
    platform: str


@dataclass(frozen=True)
class Checked:
    """One bake target, run and invoked once."""

    target: str
    handler: str
    image: str
    verdict: Verdict
    seconds: float

    @property
    def ok(self) -> bool:
        return self.verdict.ok


def images(printed: str, *, targets: Sequence[str]) -> dict[str, Image]:
    """{target: Image} from the JSON `docker buildx bake --print` writes (buildx 0.13 and
    later); a target with no tag or no platform is left out."""
    data: Any = json.loads(printed)
    found = data.get("target", {}) if isinstance(data, dict) else {}
    out: dict[str, Image] = {}
    for target in targets:
        body = found.get(target) or {}
        tags, platforms = body.get("tags") or [], body.get("platforms") or []
        if tags and platforms:
            out[target] = Image(ref=str(tags[0]), platform=str(platforms[0]))
    return out


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= DETAIL_WIDTH else line[: DETAIL_WIDTH - 3] + "..."


def classify(body: bytes, *, function_error: str | None = None) -> Verdict:
    """What the emulator's answer to one invocation means. `function_error`: its
    X-Amz-Function-Error header.

    An error object whose errorType is one of CANNOT_IMPORT, or that the runtime posted while
    it started (before any request: an empty requestId, as for an exception raised at import
    time), means the handler cannot be loaded. Other dotted errorTypes (Runtime.ExitError,
    Sandbox.Timedout) are the runtime's, not the handler's: failed. Any other error is the
    handler's own exception: raised, which proves the import."""
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return Verdict(Result.failed, _short(f"not a JSON answer: {body.decode(errors='replace')}"))
    error = payload.get("errorType") if isinstance(payload, dict) else None
    if error is None and function_error is None:
        return Verdict(Result.answered, _short(json.dumps(payload)))
    error_type = str(error or function_error)
    message = str(payload.get("errorMessage", "")) if isinstance(payload, dict) else ""
    said = f"{error_type}: {message}" if message else error_type
    if error_type in CANNOT_IMPORT:
        return Verdict(Result.cannot_import, _short(message or error_type))
    if isinstance(payload, dict) and payload.get("requestId") == "":
        return Verdict(Result.cannot_import, _short(f"{said} (raised while importing)"))
    if "." in error_type:
        return Verdict(Result.failed, _short(said))
    return Verdict(Result.raised, _short(said))


def timed_out(seconds: float) -> Verdict:
    return Verdict(Result.timed_out, f"no answer within {seconds:g} s")


def exited(code: str, last_line: str) -> Verdict:
    """The container stopped before it answered."""
    said = f": {last_line}" if last_line else ""
    return Verdict(Result.failed, _short(f"the container exited ({code}) before answering{said}"))


def _row(checked: Checked) -> tuple[str, ...]:
    return (
        checked.target,
        checked.handler,
        checked.verdict.result.value,
        f"{checked.seconds:.1f} s",
        checked.verdict.detail,
    )


def table(checked: Sequence[Checked]) -> str:
    """One line per target under a header, columns aligned; the detail column last."""
    rows = [COLUMNS, *(_row(c) for c in checked)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = (
        "  ".join([*(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in rows
    )
    return "".join(line.rstrip() + "\n" for line in lines)


def as_json(checked: Sequence[Checked]) -> str:
    targets = [
        {
            "target": c.target,
            "handler": c.handler,
            "image": c.image,
            "result": c.verdict.result.value,
            "ok": c.ok,
            "seconds": round(c.seconds, 1),
            "detail": c.verdict.detail,
        }
        for c in checked
    ]
    return json.dumps({"ok": passed(checked), "targets": targets}, indent=2) + "\n"


def passed(checked: Sequence[Checked]) -> bool:
    return all(c.ok for c in checked)
