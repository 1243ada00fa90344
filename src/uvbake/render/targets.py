"""A bake file's targets, each with a digest of everything it is built from: its own lines,
the targets it inherits or names as a context, and every variable and function. Two bake
files give a target the same digest when buildx would build it the same way; `uvbake
affected` uses it to tell which images a change of the generated bake file reaches, as
`stages` does for the Dockerfile. Groups build nothing of their own and do not count."""

from __future__ import annotations

import hashlib
import re

BLOCK = re.compile(r'^(?P<kind>target|group|variable|function) "(?P<name>[^"]+)" \{$')
INHERITS = re.compile(r"^\s*inherits\s*=\s*\[(?P<names>[^\]]*)\]", flags=re.M)
CONTEXT = re.compile(r'"target:(?P<name>[^"]+)"')
QUOTED = re.compile(r'"([^"]+)"')


def blocks(text: str) -> dict[tuple[str, str], str] | None:
    """(kind, name) -> the block's lines without comments, for a bake file of top-level
    blocks closed by a `}` line, as uvbake writes it; None for any other shape."""
    found: dict[tuple[str, str], str] = {}
    current: tuple[str, str] | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if current is not None:
            if line == "}":
                found[current] = "\n".join(lines)
                current, lines = None, []
            elif not line.strip().startswith("#"):
                lines.append(line)
            continue
        opened = BLOCK.match(line)
        if opened:
            current = (opened["kind"], opened["name"])
        elif line.strip() and not line.startswith("#"):
            return None
    return found if current is None else None


def _named(block: str) -> set[str]:
    """The targets a target block builds from: inherits, and target: contexts."""
    names = {m["name"] for m in CONTEXT.finditer(block)}
    for inherits in INHERITS.finditer(block):
        names |= set(QUOTED.findall(inherits["names"]))
    return names


def target_digests(text: str) -> dict[str, str] | None:
    """Target name -> digest; None when the file is not of the shape uvbake writes."""
    found = blocks(text)
    if found is None:
        return None
    shared = "\n".join(
        f"{kind} {name}\n{body}"
        for (kind, name), body in sorted(found.items())
        if kind in ("variable", "function")
    )
    targets = {name: body for (kind, name), body in found.items() if kind == "target"}
    digests: dict[str, str] = {}

    def digest(name: str) -> str:
        if name not in digests:
            digests[name] = ""  # a target that names itself in a loop
            parts = [shared, targets[name]]
            parts += [digest(n) for n in sorted(_named(targets[name])) if n in targets]
            digests[name] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return digests[name]

    return {name: digest(name) for name in targets}
