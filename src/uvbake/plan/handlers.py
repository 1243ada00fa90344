"""Lambda handlers: which ones a member has, and which its image uses.

A handler is what `scan.bindings` says it is, however it is named. In order, a service's
functions are: [tool.uvbake] functions or handler (checked against the shipped code); those
its infrastructure declares (SAM, CloudFormation, Serverless, CDK, SST, Terraform, its own
Dockerfile); the `services/` default `<package>.main.handler`; else the one handler found by
convention: a top-level `handler` or `lambda_handler` taking (event, context), in a module
named main, index, app, handler or lambda_function, else in any module the member ships.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from uvbake.errors import UvbakeError
from uvbake.load.records import Member, Workspace
from uvbake.plan import packages as packages_of
from uvbake.plan.declared import declared_functions
from uvbake.plan.packages import AppSource
from uvbake.plan.records import Function
from uvbake.scan import bindings
from uvbake.scan.declared import DeclaredFunction
from uvbake.scan.tree import Tree

MODULES = ("main", "index", "app", "handler", "lambda_function")
FUNCTIONS = bindings.CONVENTIONAL


class NoHandler(UvbakeError):
    """A service with no handler at all (a web server, a fresh project): a member matched
    only by a service glob is then left out with a warning, and `list` names it."""


@dataclass(frozen=True)
class Found:
    """Handlers found by convention in a member; `refused`: convention-named functions that
    are not handlers (async, wrong parameters), with file:line; `broken`: the first
    convention module that does not parse."""

    handlers: tuple[str, ...]
    broken: UvbakeError | None = None
    refused: tuple[str, ...] = ()


def _modules(tree: Tree, ws: Workspace, member: Member) -> Iterator[tuple[str, str]]:
    """(dotted name, file) of every module the member ships, convention names first."""
    try:
        packages = packages_of.import_packages(tree, ws, member)
    except UvbakeError:
        packages = ()
    base = packages_of.source_root(tree, member).as_posix()
    # A flat layout ships top-level modules (app.py) named after no project.
    loose = (
        ()
        if member.settings.packages
        else tuple(posixpath.join(base, e) for e in tree.entries(base) if e.endswith(".py"))
    )
    seen: set[str] = set()
    named: list[tuple[str, str]] = []
    other: list[tuple[str, str]] = []
    for path in (*(p.source for p in packages), *loose):
        path = posixpath.normpath(path)
        if path in seen:
            continue
        seen.add(path)
        stem = posixpath.basename(path).removesuffix(".py")
        if tree.has_file(path):
            wanted = stem.isidentifier() and stem not in packages_of.TOOL_SCRIPTS
            if path.endswith(".py") and wanted:
                (named if stem in MODULES else other).append((stem, path))
            continue
        parent = posixpath.dirname(path)
        for file in tree.walk_files(path, suffix=".py"):
            rel = PurePosixPath(posixpath.relpath(file, parent or ".")).with_suffix("").parts
            if not all(p.isidentifier() for p in rel):
                continue
            if any(p in packages_of.FLAT_SKIP for p in rel[1:-1]):
                continue
            (named if rel[-1] in MODULES else other).append((".".join(rel), file))
    yield from named
    yield from other


def parse_error(parsed: bindings.Parsed) -> UvbakeError:
    """The one-line error of a module that does not parse or cannot be read."""
    if parsed.line:
        return UvbakeError(
            parsed.file,
            f"does not parse (line {parsed.line}: {parsed.error})",
            f"fix the syntax at line {parsed.line}",
        )
    return UvbakeError(parsed.file, parsed.error or "cannot be read", "fix the file")


def _handlers_in(parsed: bindings.Parsed, dotted: str) -> tuple[list[str], list[str]]:
    """Handlers of one module by the conventions' names, and the refused ones (file:line)."""
    if parsed.error is not None:
        raise parse_error(parsed)
    good, refused = [], []
    for name in FUNCTIONS:
        bound = parsed.binding(name)
        if bound is None or bound.kind == bindings.CALLABLE:
            continue
        if bound.is_handler:
            good.append(f"{dotted}.{name}")
        else:
            refused.append(f"{parsed.file}:{bound.line}: {bound.problem()}")
    return good, refused


def found(tree: Tree, ws: Workspace, member: Member) -> Found:
    """The handlers of `member` found by the Lambda conventions: those in convention-named
    modules, else those in any module it ships."""
    by_name: list[str] = []
    anywhere: list[str] = []
    refused: list[str] = []
    broken = None
    for dotted, file in _modules(tree, ws, member):
        parsed = tree.parsed.get(file)
        if parsed is None or file not in tree.handler_like:
            continue
        try:
            good, bad = _handlers_in(parsed, dotted)
        except UvbakeError as exc:
            broken = broken or exc
            continue
        named = dotted.rsplit(".", 1)[-1] in MODULES
        (by_name if named else anywhere).extend(good)
        refused.extend(bad)
    chosen = by_name or anywhere
    return Found(handlers=tuple(dict.fromkeys(chosen)), broken=broken, refused=tuple(refused))


def legacy(tree: Tree, ws: Workspace, member: Member) -> str | None:
    """The default of the `services/` layout: the first `<package>.main.handler` that exists."""
    for name in packages_of.handler_names(tree, ws, member):
        module = packages_of.find_module(tree, member, f"{name}.main")
        if module is None:
            continue
        bound = tree.binding(module, "handler")
        if bound is not None and bound.is_handler:
            return f"{name}.main.handler"
    return None


def function_names(handlers: Sequence[str]) -> list[str]:
    """A bake-target-friendly name for each handler: the part of its module path that tells
    it from the others (the convention module's own name left out where that is enough)."""
    parts = [h.split(".")[:-1] for h in handlers]
    common = 0
    while all(len(p) > common + 1 for p in parts) and len({p[common] for p in parts}) == 1:
        common += 1
    rest = [p[common:] for p in parts]
    short = [r[:-1] if len(r) > 1 and r[-1] in MODULES else r for r in rest]
    if len({tuple(s) for s in short}) == len(short):
        rest = short
    names = ["-".join(r).lower().replace("_", "-") for r in rest]
    if len(set(names)) < len(names):
        functions = (h.rsplit(".", 1)[1].replace("_", "-") for h in handlers)
        names = [f"{n}-{f}" for n, f in zip(names, functions, strict=True)]
    return names


def functions_line(handlers: Sequence[str]) -> str:
    """The [tool.uvbake] line that makes each handler a function of its own."""
    pairs = zip(function_names(handlers), handlers, strict=True)
    return "functions = { " + ", ".join(f'{n} = "{h}"' for n, h in pairs) + " }"


def choose(
    tree: Tree, ws: Workspace, member: Member, *, declared: Sequence[DeclaredFunction] = ()
) -> tuple[Function, ...]:
    """A service's functions: [tool.uvbake] functions or handler, else the declared ones,
    else the default `<package>.main.handler`, else the one handler found by convention."""
    settings = member.settings
    if settings.functions is not None:
        return tuple(Function(name, handler) for name, handler in settings.functions)
    if settings.handler is not None:
        return (Function(None, settings.handler),)
    from_declarations = declared_functions(tree, ws, member, declared)
    if from_declarations:
        return from_declarations
    default = legacy(tree, ws, member)
    if default is not None:
        return (Function(None, default),)
    conventions = found(tree, ws, member)
    if len(conventions.handlers) == 1:
        return (Function(None, conventions.handlers[0]),)
    if len(conventions.handlers) > 1:
        listed = ", ".join(conventions.handlers)
        raise UvbakeError(
            member.pyproject,
            f"service '{member.name}' has {len(conventions.handlers)} Lambda handlers "
            f"({listed}) and no choice",
            f'set [tool.uvbake] handler = "{conventions.handlers[0]}" to pick one, or '
            f"{functions_line(conventions.handlers)} for one image each",
        )
    if conventions.broken is not None:
        raise conventions.broken
    if conventions.refused:
        where, _, problem = conventions.refused[0].partition(": ")
        raise UvbakeError(
            where,
            f"{problem}, and it would be the handler of service '{member.name}'",
            "make it a def taking (event, context)",
        )
    tried = [f"{name}.main.handler" for name in packages_of.handler_names(tree, ws, member)]
    raise NoHandler(
        member.pyproject,
        f"service '{member.name}' has no Lambda handler ({' or '.join(tried)} not found)",
        'set [tool.uvbake] handler = "package.module.function"',
    )


def _module_file(tree: Tree, app: Sequence[AppSource], module: str) -> str | None:
    """The file of the dotted `module` among the code a service ships to /var/task."""
    top, *rest = module.split(".")
    for source in app:
        path = source.source
        if source.dest == f"{top}.py":
            return path if not rest and tree.has_file(path) else None
        if source.dest == top and tree.has_dir(path):
            inner = posixpath.join(path, *rest)
            for candidate in (f"{inner}.py" if rest else None, f"{inner}/__init__.py"):
                if candidate is not None and tree.has_file(candidate):
                    return candidate
    return None


def check(
    tree: Tree, ws: Workspace, member: Member, handler: str, app: Sequence[AppSource]
) -> None:
    """Stop unless the explicit `handler` names a handler of a module the image ships."""
    module, _, function = handler.rpartition(".")
    fix = f"fix [tool.uvbake] handler in {member.pyproject}"
    where = _module_file(tree, app, module)
    if where is None:
        shipped = ", ".join(a.dest for a in app)
        raise UvbakeError(
            member.pyproject,
            f"handler module '{module}' of service '{member.name}' is not in the code the "
            f"image ships ({shipped})",
            fix,
        )
    parsed = tree.parsed.get(where)
    if parsed is not None and parsed.error is not None:
        raise parse_error(parsed)
    bound = None if parsed is None else parsed.binding(function)
    if bound is not None and bound.is_handler:
        return
    what = f"does not define '{function}'" if bound is None else bound.problem()
    raise UvbakeError(
        where if bound is None else f"{where}:{bound.line}",
        f"{what}, and it is the handler of service '{member.name}'",
        f"define def {function}(event, context) or {fix}",
    )
