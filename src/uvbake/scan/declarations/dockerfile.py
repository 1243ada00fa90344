"""A function's own Dockerfile: the handler its image runs and the folder it copies into the
task root (/var/task), read from the last stage and the stages it is built FROM.

Only Lambda Python images are read: the last stage's base is public.ecr.aws/lambda/python or
amazon/aws-lambda-python, or the file sets a dotted handler as CMD and copies into the task root
(an image of its own with awslambdaric). The build context is the Dockerfile's folder, unless
the sources it copies exist only from a folder above it (up to top), which is then the context.
The code root is the folder whose layout the copies keep in the task root: `COPY app/ .` ->
app, `COPY services/orders/src ./src` -> services/orders; single files that are not Python
(requirements.txt, pyproject.toml) do not decide it.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from uvbake.names import DOCKERFILE, MARK, MARK_LINES

from .common import code_text
from .dockerscan import Line, assign, build_chain, expand, instructions, split_stages, split_words
from .model import Declared, Read
from .paths import relative

KIND = "dockerfile"
_TASK_ROOT = "/var/task"
_BASES = ("public.ecr.aws/lambda/python", "amazon/aws-lambda-python")
_SKIP = frozenset({"node_modules", "cdk.out", ".venv", ".git", ".aws-sam"})
_HANDLER = re.compile(r"[A-Za-z_]\w*(?:[./][A-Za-z_]\w*)*\.[A-Za-z_]\w*")
_GLOB = re.compile(r"[*?\[]")


def wants(path: PurePosixPath) -> bool:
    name = path.name
    if name == DOCKERFILE or name.endswith(".dockerignore"):
        return False
    named = name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")
    return named and not _SKIP.intersection(path.parts[:-1])


@dataclass(frozen=True)
class _Copy:
    line: int
    sources: tuple[str, ...]
    sub: str
    """Where the copy lands under the task root ("." the task root itself)."""
    into: bool
    """The destination is a folder: a file copied keeps its name."""
    parents: bool


@dataclass
class _Image:
    env: dict[str, str]
    workdir: str | None
    handler: str | None = None
    copies: list[_Copy] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    text = code_text(file, rel)
    if isinstance(text, Read):
        return text
    if any(MARK in line.lower() for line in text.splitlines()[:MARK_LINES]):
        return Read()
    globals_, stages = split_stages(instructions(text))
    if not stages:
        return Read()
    chain = build_chain(stages)
    base = chain[0].image.lower().removeprefix("docker.io/")
    lambda_base = base.startswith(_BASES)
    image = _Image({"LAMBDA_TASK_ROOT": _TASK_ROOT}, _TASK_ROOT if lambda_base else "/")
    for stage in chain:
        for line in stage.body:
            _apply(image, line, globals_=globals_)
    if not lambda_base and not (image.handler and image.copies):
        return Read()
    folder = posixpath.dirname(rel) or "."
    context = _context(top, folder=folder, sources=image.sources)
    name = posixpath.basename(folder) if folder != "." else Path(os.path.abspath(top)).name
    runtime, architectures = _platform(base, platform=chain[-1].platform, lambda_base=lambda_base)
    function = Declared(
        kind=KIND,
        file=rel,
        line=chain[-1].line,
        name=name,
        handler=image.handler,
        code_root=_code_root(top, context=context, image=image),
        dockerfile=rel,
        image=True,
        runtime=runtime,
        architectures=architectures,
        skipped=tuple(image.skipped),
    )
    return Read(functions=(function,))


def _apply(image: _Image, line: Line, *, globals_: dict[str, str]) -> None:
    if line.word in ("ARG", "ENV"):
        assign(image.env, line.args, globals_=globals_, arg=line.word == "ARG")
    elif line.word == "WORKDIR":
        path = expand(line.args.strip("\"'"), image.env)
        known = path is not None and (image.workdir is not None or path.startswith("/"))
        image.workdir = (
            posixpath.normpath(posixpath.join(image.workdir or "/", path or "")) if known else None
        )
    elif line.word in ("COPY", "ADD"):
        _copy(image, line)
    elif line.word == "CMD":
        words = split_words(line.args)
        if not line.args.startswith("["):
            words = (expand(line.args, image.env) or "$").split()
        lambdaric = len(words) > 1 and any("awslambdaric" in w for w in words)
        handler = words[-1] if len(words) == 1 or lambdaric else ""
        image.handler = (
            handler if _HANDLER.fullmatch(handler) and not handler.endswith(".py") else None
        )
        image.skipped[:] = [s for s in image.skipped if not s.startswith("CMD:")]  # the last wins
        if "$" in line.args and image.handler is None:
            image.skipped.append(f"CMD: {line.args} (not a literal)")


def _copy(image: _Image, line: Line) -> None:
    words = split_words(line.args)
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    if any(f.startswith("--from") for f in flags) or len(paths) < 2:
        return
    *sources, dest = paths
    expanded = expand(dest, image.env)
    target = None
    if expanded is not None and (image.workdir is not None or expanded.startswith("/")):
        target = posixpath.normpath(posixpath.join(image.workdir or "/", expanded))
    expanded_sources = [expand(s, image.env) for s in sources]
    literal = [s for s in expanded_sources if s is not None]
    literal = [s for s in literal if "://" not in s and not s.startswith(("git@", "<<"))]
    image.sources.extend(s for s in literal if not _GLOB.search(s))
    if target is None:
        image.skipped.append(f"{line.word} {line.args}: the destination is not a literal")
        return
    if target != _TASK_ROOT and not target.startswith(_TASK_ROOT + "/"):
        return
    if None in expanded_sources:
        image.skipped.append(f"{line.word} {line.args}: a source is not a literal path")
    sub = posixpath.relpath(target, _TASK_ROOT)
    into = dest.endswith("/") or target == image.workdir or sub == "." or len(sources) > 1
    image.copies.append(_Copy(line.number, tuple(literal), sub, into, "--parents" in flags))


def _context(top: Path, *, folder: str, sources: list[str]) -> str:
    """The build context, relative to top: the Dockerfile's folder or the nearest folder
    above it (up to top) from which every source (else any) the file copies exists."""
    candidates, up = [folder], folder
    while up not in (".", "") and not up.startswith(".."):
        up = posixpath.dirname(up) or "."
        candidates.append(up)
    paths = [posixpath.normpath(s.lstrip("/")) for s in sources]
    for test in (all, any):
        for candidate in candidates if paths else ():
            if test((top / candidate / p).exists() for p in paths):
                return candidate
    return folder


def _code_root(top: Path, *, context: str, image: _Image) -> str | None:
    roots: set[str | None] = set()
    for copy in image.copies:
        for source in copy.sources:
            root = _root(top / context, source=source, copy=copy)
            if root is not False:
                roots.add(root)
    if len(roots) > 1 or None in roots:
        lines = ", ".join(str(c.line) for c in image.copies)
        image.skipped.append(
            f"code_root: the copies into {_TASK_ROOT} (lines {lines}) keep no one folder's layout"
        )
        return None
    kept = next(iter(roots), None)
    return None if kept is None else posixpath.normpath(posixpath.join(context, kept))


def _root(context: Path, *, source: str, copy: _Copy) -> str | Literal[False] | None:
    """The folder, relative to the context, whose layout this copy keeps in the task root;
    None when it keeps none (a renamed file), False for a single file that is not Python."""
    path = posixpath.normpath(source.lstrip("/"))
    if copy.parents:
        return _strip(path, posixpath.normpath(posixpath.join(copy.sub, path)))
    if _GLOB.search(path):
        folder = posixpath.dirname(path) or "."
        if _GLOB.search(folder) or not copy.into:
            return None
        return _strip(folder, copy.sub) if path.endswith(("*", ".py")) else False
    full = context / path
    is_dir = full.is_dir() if full.exists() else source.endswith("/") or not Path(path).suffix
    if is_dir:
        return _strip(path, copy.sub)
    if not path.endswith(".py"):
        return False
    target = posixpath.join(copy.sub, posixpath.basename(path)) if copy.into else copy.sub
    return _strip(path, posixpath.normpath(target))


def _strip(path: str, tail: str) -> str | None:
    """`path` without `tail` at its end: the folder that holds `tail` as `path`."""
    if tail == ".":
        return path
    if path == tail:
        return "."
    return path[: -len(tail) - 1] if path.endswith("/" + tail) else None


def _platform(base: str, *, platform: str, lambda_base: bool) -> tuple[str | None, tuple[str, ...]]:
    """python3.12 from a Lambda base's tag, and the architecture its tag or --platform names."""
    ref = base.partition("@")[0]
    tag = ref.rpartition(":")[2] if ":" in ref.rpartition("/")[2] else ""
    version = re.match(r"(\d+\.\d+)", tag)
    runtime = f"python{version[1]}" if version and lambda_base else None
    if "arm64" in tag or platform.endswith("arm64"):
        return runtime, ("arm64",)
    if "x86_64" in tag or platform.endswith("amd64"):
        return runtime, ("x86_64",)
    return runtime, ()
