"""Declared functions mapped onto the workspace: which member holds each one's code, the
handler's import path inside that code and what it is bound to, and what is wrong with a
declaration that points nowhere."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from uvbake.scan import bindings
from uvbake.scan.declarations.model import Declared


@dataclass(frozen=True)
class DeclaredFunction:
    """One declared Lambda function as the workspace sees it. Paths are relative to the
    workspace root. `problem`: why it cannot be built (it is then not built, and named)."""

    declared: Declared
    where: str
    name: str
    member: str | None
    handler: str | None
    code_root: str | None
    binding: bindings.Binding | None = None
    problem: str | None = None
    # The handler's module, which was parsed to check the handler (relative to the root).
    module_file: str | None = None


def target_name(name: str) -> str:
    """A bake-target-friendly form of a declared name: OrdersFunction -> orders-function."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    return re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-") or "function"


def _rel(top: Path, root: Path, path: str | None) -> str | None:
    """A path relative to `top` made relative to the workspace root."""
    if path is None:
        return None
    full = os.path.normpath(os.path.join(top, path))
    return Path(os.path.relpath(full, root)).as_posix()


def _outside(path: str) -> bool:
    return path == ".." or path.startswith("../") or path.startswith("/")


def _holder(path: str, members: Sequence[tuple[str, str]]) -> str | None:
    """The member (name) whose folder is the deepest one holding `path`."""
    best: tuple[int, str] | None = None
    for name, folder in members:
        inside = folder == "." or path == folder or path.startswith(f"{folder}/")
        depth = 0 if folder == "." else folder.count("/") + 1
        if inside and (best is None or depth > best[0]):
            best = (depth, name)
    return None if best is None else best[1]


def _module_file(root: Path, code_root: str, module: str) -> str | None:
    base = posixpath.join(code_root, *module.split("."))
    for candidate in (f"{base}.py", f"{base}/__init__.py"):
        if (root / candidate).is_file():
            return posixpath.normpath(candidate)
    return None


@dataclass(frozen=True)
class _Where:
    root: Path
    top: Path
    members: tuple[tuple[str, str], ...]


def resolve(declared: Declared, *, at: _Where) -> DeclaredFunction:
    """One declaration, resolved: its member, handler import path and shipped code."""
    rel_file = _rel(at.top, at.root, declared.file) or declared.file
    base = DeclaredFunction(
        declared=declared,
        where=f"{rel_file}:{declared.line}",
        name=target_name(declared.name),
        member=None,
        handler=declared.handler,
        code_root=_rel(at.top, at.root, declared.code_root),
    )
    handler_file = _rel(at.top, at.root, declared.handler_file)
    anchor = base.code_root or handler_file
    if anchor is None:
        why = "; ".join(declared.skipped) or "no code folder is given"
        return replace(base, problem=f"uvbake cannot tell where its code is ({why})")
    if _outside(anchor):
        return replace(base, problem=f"its code ({anchor}) is outside the workspace")
    member = _holder(anchor, at.members)
    if member is None:
        return replace(base, problem=f"no workspace member holds its code ({anchor})")
    base = replace(base, member=member)
    if handler_file is not None:
        base = _path_style(base, handler_file=handler_file, at=at)
        if base.problem is not None:
            return base
    if base.handler is None:
        why = "; ".join(declared.skipped) or "no handler is given"
        return replace(base, problem=f"its handler is not known ({why})")
    code_root = base.code_root or "."
    if not (at.root / code_root).is_dir():
        return replace(base, problem=f"its code folder {code_root} does not exist")
    return _check_handler(base, code_root=code_root, at=at)


def _path_style(base: DeclaredFunction, *, handler_file: str, at: _Where) -> DeclaredFunction:
    """A handler given as a file (SST, Serverless): the code root is the declared one, else
    the member's src/ (when the file is under it) or folder; the module is the file's path in
    it."""
    folder = dict(at.members)[base.member or ""]
    code_root = base.code_root
    if code_root is None:
        src = posixpath.normpath(posixpath.join(folder, "src"))
        code_root = src if handler_file.startswith(f"{src}/") else folder
    module = posixpath.relpath(handler_file, code_root).removesuffix(".py")
    if _outside(module):
        return replace(base, problem=f"its handler file {handler_file} is outside {code_root}")
    function = base.handler or "handler"
    return replace(base, code_root=code_root, handler=f"{module.replace('/', '.')}.{function}")


def _check_handler(base: DeclaredFunction, *, code_root: str, at: _Where) -> DeclaredFunction:
    handler = base.handler or ""
    module, _, function = handler.rpartition(".")
    if not module or not all(p.isidentifier() for p in handler.split(".")):
        return replace(base, problem=f"handler '{handler}' is not module.function")
    file = _module_file(at.root, code_root, module)
    if file is None:
        return replace(
            base, code_root=code_root, problem=f"handler module '{module}' is not in {code_root}"
        )
    base = replace(base, module_file=file)
    parsed = bindings.parse(at.root, file)
    if parsed.error is not None:
        problem = f"{file}:{parsed.line}: does not parse ({parsed.error})"
        return replace(base, code_root=code_root, problem=problem)
    bound = parsed.binding(function)
    if bound is None:
        return replace(base, code_root=code_root, problem=f"{file} does not define '{function}'")
    if not bound.is_handler:
        return replace(
            base,
            code_root=code_root,
            binding=bound,
            problem=f"{file}:{bound.line}: {bound.problem()}",
        )
    return replace(base, code_root=code_root, binding=bound)


def merge_images(functions: Sequence[Declared]) -> tuple[Declared, ...]:
    """An image function that names its Dockerfile takes the code root (and the handler, when
    it gives none) from that Dockerfile's own declaration, which then goes."""
    by_file = {d.file: d for d in functions if d.kind == "dockerfile"}
    used: set[str] = set()
    out = []
    for d in functions:
        if d.kind != "dockerfile" and d.dockerfile is not None and d.dockerfile in by_file:
            own = by_file[d.dockerfile]
            used.add(own.file)
            out.append(
                replace(
                    d,
                    code_root=own.code_root,
                    handler=d.handler or own.handler,
                    skipped=d.skipped + own.skipped,
                )
            )
        else:
            out.append(d)
    return tuple(d for d in out if d.kind != "dockerfile" or d.file not in used)


def resolve_all(
    functions: Sequence[Declared], *, root: Path, top: Path, members: Sequence[tuple[str, str]]
) -> tuple[DeclaredFunction, ...]:
    """Every declaration resolved; two that name one function of one member differently are
    both a problem. Declarations that leave the workspace from outside it are not its own."""
    at = _Where(root=root, top=top, members=tuple(members))
    out = []
    for declared in merge_images(functions):
        found = resolve(declared, at=at)
        if found.member is None and _outside(found.where):
            continue
        out.append(found)
    return _disagreements(out)


def _disagreements(found: list[DeclaredFunction]) -> tuple[DeclaredFunction, ...]:
    seen: dict[tuple[str | None, str], DeclaredFunction] = {}
    out: list[DeclaredFunction] = []
    for f in found:
        key = (f.member, f.name)
        first = seen.get(key)
        if first is None or f.member is None:
            seen[key] = f
            out.append(f)
            continue
        if (first.handler, first.code_root) == (f.handler, f.code_root):
            continue
        why = (
            f"declares function {first.declared.name} differently from {f.where} "
            f"({first.handler} in {first.code_root} against {f.handler} in {f.code_root})"
        )
        out[out.index(first)] = replace(first, problem=why)
        seen[key] = replace(first, problem=why)
    return tuple(out)
