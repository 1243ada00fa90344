"""Lambda handlers: found on disk by the conventions of Lambda projects, and explicit ones
checked against the code an image ships.

The conventions: a top-level `def handler(event, context)` or `def lambda_handler(event,
context)` (two positional parameters) in a module named main, index, app, handler or
lambda_function, at any depth of the packages a member ships (src, flat and single-module
layouts, a flat `app.py` next to pyproject.toml, an import package named `src`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from uvbake.errors import UvbakeError
from uvbake.load.workspace import Member, Workspace
from uvbake.scan import discovery
from uvbake.scan.discovery import AppSource

MODULES = ("main", "index", "app", "handler", "lambda_function")
FUNCTIONS = ("handler", "lambda_handler")
_DEF = re.compile(rb"^def +(?:handler|lambda_handler) *\(", re.M)
# Values that are never callable: a handler bound to one is a variable, not a function.
_DATA = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr, ast.BinOp)


@dataclass(frozen=True)
class Function:
    """One Lambda function of a service: `name` is None for a service with one handler."""

    name: str | None
    handler: str


@dataclass(frozen=True)
class Found:
    """Handlers found by convention in a member, and the first convention module that does
    not parse (as an error naming its file and line)."""

    handlers: tuple[str, ...]
    broken: UvbakeError | None = None


def _modules(ws: Workspace, member: Member) -> Iterator[tuple[str, Path]]:
    """(dotted name, file) of every convention module the member ships."""
    try:
        packages = discovery.import_packages(ws, member)
    except UvbakeError:
        packages = ()
    base = discovery.source_root(ws.root, member)
    # A flat layout ships a top-level convention module (app.py) named after no project.
    loose = () if member.settings.packages else (ws.root / base / f"{m}.py" for m in MODULES)
    seen: set[Path] = set()
    for path in (*(ws.root / p.source for p in packages), *loose):
        if path in seen:
            continue
        seen.add(path)
        if path.is_file():
            if path.suffix == ".py" and path.stem in MODULES:
                yield path.stem, path
            continue
        if not path.is_dir():
            continue
        for file in sorted(path.rglob("*.py")):
            rel = file.relative_to(path.parent).with_suffix("").parts
            named = file.stem in MODULES and all(p.isidentifier() for p in rel)
            if named and not any(p in discovery.FLAT_SKIP for p in rel[1:-1]):
                yield ".".join(rel), file


def _parse(ws: Workspace, file: Path) -> ast.Module:
    rel = file.relative_to(ws.root).as_posix()
    try:
        return ast.parse(file.read_bytes(), filename=rel)
    except SyntaxError as exc:
        raise UvbakeError(
            rel,
            f"does not parse (line {exc.lineno}: {exc.msg})",
            f"fix the syntax at line {exc.lineno}",
        ) from None
    except (OSError, ValueError) as exc:
        raise UvbakeError(rel, f"cannot be read as Python ({exc})", "fix the file") from None


def _takes_event_and_context(node: ast.FunctionDef) -> bool:
    return len(node.args.posonlyargs) + len(node.args.args) == 2


def found(ws: Workspace, member: Member) -> Found:
    """The handlers of `member` found by the Lambda conventions, in module order."""
    out: list[str] = []
    broken = None
    for dotted, file in _modules(ws, member):
        try:
            source = file.read_bytes()
        except OSError:
            continue
        if not _DEF.search(source):
            continue
        try:
            tree = _parse(ws, file)
        except UvbakeError as exc:
            broken = broken or exc
            continue
        out.extend(
            f"{dotted}.{node.name}"
            for node in tree.body
            if isinstance(node, ast.FunctionDef)
            and node.name in FUNCTIONS
            and _takes_event_and_context(node)
        )
    return Found(handlers=tuple(dict.fromkeys(out)), broken=broken)


def legacy(ws: Workspace, member: Member) -> str | None:
    """The default of the `services/` layout: the first `<package>.main.handler` that exists."""
    for name in discovery.handler_names(ws, member):
        module = discovery.find_module(ws.root, member, f"{name}.main")
        if module is not None and discovery.defines(module, "handler"):
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


def choose(ws: Workspace, member: Member) -> tuple[Function, ...]:
    """A service's functions: [tool.uvbake] functions or handler, else the default
    `<package>.main.handler`, else the one handler found by convention."""
    settings = member.settings
    if settings.functions is not None:
        return tuple(Function(name, handler) for name, handler in settings.functions)
    if settings.handler is not None:
        return (Function(None, settings.handler),)
    default = legacy(ws, member)
    if default is not None:
        return (Function(None, default),)
    conventions = found(ws, member)
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
    tried = [f"{name}.main.handler" for name in discovery.handler_names(ws, member)]
    raise UvbakeError(
        member.pyproject,
        f"service '{member.name}' has no Lambda handler ({' or '.join(tried)} not found)",
        'set [tool.uvbake] handler = "package.module.function"',
    )


def _module_file(ws: Workspace, app: Sequence[AppSource], module: str) -> Path | None:
    """The file of the dotted `module` among the code a service ships to /var/task."""
    top, *rest = module.split(".")
    for source in app:
        path = ws.root / source.source
        if source.dest == f"{top}.py":
            return path if not rest and path.is_file() else None
        if source.dest == top and path.is_dir():
            inner = path.joinpath(*rest)
            for candidate in (inner.with_suffix(".py") if rest else None, inner / "__init__.py"):
                if candidate is not None and candidate.is_file():
                    return candidate
    return None


def check(ws: Workspace, member: Member, handler: str, app: Sequence[AppSource]) -> None:
    """Stop unless the explicit `handler` names a function of a module the image ships."""
    module, _, function = handler.rpartition(".")
    fix = f"fix [tool.uvbake] handler in {member.pyproject}"
    file = _module_file(ws, app, module)
    if file is None:
        shipped = ", ".join(a.dest for a in app)
        raise UvbakeError(
            member.pyproject,
            f"handler module '{module}' of service '{member.name}' is not in the code the "
            f"image ships ({shipped})",
            fix,
        )
    where = file.relative_to(ws.root).as_posix()
    kind = None
    for node in _top_level(_parse(ws, file).body):
        names = _bound(node)
        if function in names:
            kind = names[function]
    if kind == "function":
        return
    what = {
        None: f"does not define '{function}'",
        "class": f"'{function}' is a class, not a function",
        "variable": f"'{function}' is a variable, not a function",
        "coroutine": f"'{function}' is an async function, which the Lambda runtime never awaits",
    }[kind]
    raise UvbakeError(
        where,
        f"{what}, and it is the handler of service '{member.name}'",
        f"define def {function}(event, context) or {fix}",
    )


def _top_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements run at import time: the module's, and those inside its top-level if,
    try and with blocks (try: from fast import handler / except ImportError: def handler)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level([*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            inner = [*node.body, *(s for h in node.handlers for s in h.body)]
            yield from _top_level([*inner, *node.orelse, *node.finalbody])
        elif isinstance(node, ast.With):
            yield from _top_level(node.body)


def _bound(node: ast.stmt) -> dict[str, str]:
    """Names a top-level statement binds, and what to: function, class, variable, coroutine.
    A name bound to a call or another name may be callable (handler = Mangum(app))."""
    if isinstance(node, ast.FunctionDef):
        return {node.name: "function"}
    if isinstance(node, ast.AsyncFunctionDef):
        return {node.name: "coroutine"}
    if isinstance(node, ast.ClassDef):
        return {node.name: "class"}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name.split(".")[0]): "function" for a in node.names}
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        kind = "variable" if node.value is None or isinstance(node.value, _DATA) else "function"
        return {t.id: kind for t in targets if isinstance(t, ast.Name)}
    return {}
