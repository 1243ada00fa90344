"""A Dockerfile's instructions and build stages, with ARG and ENV values expanded where they
are literals (nothing is built or run)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

_VAR = re.compile(r"\$(?:\{(\w+)(?::?([-+])([^}]*))?\}|(\w+))")
_HEREDOC = re.compile(r"(?<!<)<<-?\s*[\"']?(\w+)[\"']?")
_DIRECTIVE = re.compile(r"#\s*(\w+)\s*=\s*(\S+)\s*$")


@dataclass(frozen=True)
class Line:
    """One instruction: its first line, its word in capitals, the rest."""

    number: int
    word: str
    args: str


@dataclass
class Stage:
    """A FROM and the instructions after it."""

    line: int
    image: str
    name: str
    platform: str
    body: list[Line] = field(default_factory=list)


def instructions(text: str) -> list[Line]:
    """Instructions with continuations joined, comments and heredoc bodies left out."""
    lines, escape, out, i = text.splitlines(), "\\", list[Line](), 0
    for raw in lines:
        if not (directive := _DIRECTIVE.match(raw)):
            break
        escape = directive[2][:1] if directive[1].lower() == "escape" else escape
    while i < len(lines):
        number, body, parts = i + 1, lines[i].rstrip(), list[str]()
        i += 1
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        while body.endswith(escape):
            parts.append(body[:-1])
            while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                i += 1
            body, i = (lines[i].rstrip(), i + 1) if i < len(lines) else ("", i)
        word, _, args = " ".join([*parts, body]).strip().partition(" ")
        if word.upper() in ("RUN", "COPY", "ADD"):
            for delimiter in _HEREDOC.findall(args):
                while i < len(lines) and lines[i].strip() != delimiter:
                    i += 1
                i += 1
        out.append(Line(number, word.upper(), args.strip()))
    return out


def split_stages(lines: list[Line]) -> tuple[dict[str, str], list[Stage]]:
    """The ARGs before the first FROM, and the stages."""
    globals_: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        if line.word == "FROM":
            words = line.args.split()
            flags = dict(w[2:].partition("=")[::2] for w in words if w.startswith("--"))
            rest = [w for w in words if not w.startswith("--")]
            image = (expand(rest[0], globals_) or "") if rest else ""
            name = rest[2].lower() if len(rest) > 2 and rest[1].lower() == "as" else ""
            platform = expand(flags.get("platform", ""), globals_) or ""
            stages.append(Stage(line.number, image, name, platform))
        elif stages:
            stages[-1].body.append(line)
        elif line.word == "ARG":
            assign(globals_, line.args, globals_=globals_, arg=True)
    return globals_, stages


def build_chain(stages: list[Stage]) -> list[Stage]:
    """The last stage and the stages it is built FROM, the first one first."""
    chain = [stages[-1]]
    while len(chain) <= len(stages):
        before = stages[: stages.index(chain[0])]
        built_on = [s for s in before if s.name and s.name == chain[0].image.lower()]
        if not built_on:
            break
        chain.insert(0, built_on[-1])
    return chain


def expand(text: str, env: dict[str, str]) -> str | None:
    """`text` with $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative} replaced; None
    when it names a variable that has no literal value."""
    unknown = False

    def value(match: re.Match[str]) -> str:
        nonlocal unknown
        known = env.get(match[1] or match[4])
        if match[2]:
            return (known or match[3]) if match[2] == "-" else (match[3] if known else "")
        unknown = unknown or known is None
        return known or ""

    expanded = _VAR.sub(value, text)
    return None if unknown else expanded


def split_words(args: str) -> list[str]:
    if args.startswith("["):
        try:
            parsed = json.loads(args)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(w) for w in parsed]
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()


def assign(env: dict[str, str], args: str, *, globals_: dict[str, str], arg: bool) -> None:
    """ARG and ENV: a literal value is kept, any other makes the name unknown."""
    words = split_words(args)
    if not arg and len(words) > 1 and "=" not in words[0]:
        words = [f"{words[0]}={' '.join(words[1:])}"]  # ENV NAME value
    for word in words:
        name, eq, raw = word.partition("=")
        value = expand(raw, env) if eq else globals_.get(name)
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
