"""Finding a member's import packages, modules and Lambda handler on disk.

The only module the planner calls that reads the checkout (folder listings and Python
sources); `load` has already read every pyproject.toml and uv.lock.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from uvbake.errors import UvbakeError
from uvbake.load.workspace import Member, Workspace

SAFE_PATH = re.compile(r"^[A-Za-z0-9._+@/-]+$")
DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")
# Folders of a flat layout that are never import packages, and scripts next to a pyproject.toml
# that are never modules of the project.
FLAT_SKIP = frozenset({"tests", "test", "docs", "doc", "build", "dist", "scripts", "examples"})
TOOL_SCRIPTS = frozenset({"setup", "conftest", "noxfile", "fabfile", "tasks", "dodo", "manage"})
PACKAGES_FIX = '"package_name"'


@dataclass(frozen=True)
class AppSource:
    """A path of the workspace (relative to its root) and its name in the folder it is copied
    to: /var/task for a service's own code, site-packages for a library shipped as source."""

    source: str
    dest: str


def defines(module: Path, function: str) -> bool:
    """Whether `module` defines, assigns or imports `function` at its top level."""
    try:
        source = module.read_bytes()
    except OSError:
        return False
    # The common case, a plain top-level `def function(`, needs no syntax tree (a module that
    # does not compile then fails the image build's byte-compile step, naming the file).
    if re.search(rb"^(?:async +)?def +" + re.escape(function.encode()) + rb" *\(", source, re.M):
        return True
    try:
        tree = ast.parse(source, filename=str(module))
    except (SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            return True
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == function for t in targets):
                return True
        if isinstance(node, ast.ImportFrom | ast.Import) and any(
            (a.asname or a.name.split(".")[-1]) == function for a in node.names
        ):
            return True
    return False


def _src_layout(base: Path) -> bool:
    """Whether `base` has a src layout; a src/ with an __init__.py is an import package named
    src (handlers such as src.handler.handler)."""
    return (base / "src").is_dir() and not (base / "src" / "__init__.py").is_file()


def source_root(root: Path, member: Member) -> PurePosixPath:
    return member.path / "src" if _src_layout(root / member.path) else member.path


def find_module(root: Path, member: Member, dotted: str) -> Path | None:
    base = root / source_root(root, member)
    module = base.joinpath(*dotted.split("."))
    for candidate in (module.with_suffix(".py"), module / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _holders(ws: Workspace, member: Member) -> frozenset[str]:
    """Names of the folders next to `member`'s pyproject.toml that hold other members."""
    out = set()
    for other in ws.members:
        if other is not member and other.path.is_relative_to(member.path):
            rel = other.path.relative_to(member.path)
            if rel.parts:
                out.add(rel.parts[0])
    return frozenset(out)


def _has_python(folder: Path) -> bool:
    return next(folder.rglob("*.py"), None) is not None


def _src_entry(entry: Path) -> bool:
    """An import package of a src layout: a folder holding Python files (a namespace package
    holds them only deeper down), or a module."""
    if entry.is_dir():
        return entry.name.isidentifier() and _has_python(entry)
    return entry.suffix == ".py" and entry.stem.isidentifier()


def _flat_entry(entry: Path, *, module: str, skip: frozenset[str]) -> bool:
    """An import package of a flat layout: a folder with __init__.py, a namespace folder whose
    subfolders have one, or the module named after the project."""
    if entry.is_file():
        return entry.name == f"{module}.py"
    if not entry.name.isidentifier() or entry.name in skip:
        return False
    if (entry / "__init__.py").is_file():
        return True
    if (entry / "pyproject.toml").exists():
        return False
    return any((child / "__init__.py").is_file() for child in entry.iterdir() if child.is_dir())


def package_source(root: Path, member: Member, name: str) -> AppSource | None:
    """Where the import package (or module) `name` of `member` is, if it exists."""
    base = source_root(root, member)
    if (root / base / name).is_dir():
        return AppSource(source=(base / name).as_posix(), dest=name)
    if (root / base / f"{name}.py").is_file():
        return AppSource(source=(base / f"{name}.py").as_posix(), dest=f"{name}.py")
    return None


def discovered_packages(ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    """The import packages a member holds: every package or module under src/, else (a flat
    layout) the packages next to its pyproject.toml, leaving out tests, docs and the folders
    of other members."""
    base = source_root(ws.root, member)
    folder = ws.root / base
    if not folder.is_dir():
        return ()
    entries = sorted(folder.iterdir(), key=lambda e: e.name)
    if base != member.path:
        found = [e for e in entries if _src_entry(e)]
    else:
        module = member.name.replace("-", "_")
        skip = FLAT_SKIP | _holders(ws, member)
        found = [e for e in entries if _flat_entry(e, module=module, skip=skip)]
    return tuple(AppSource(source=(base / e.name).as_posix(), dest=e.name) for e in found)


def import_packages(ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    """The import packages of a member: its [tool.uvbake] packages, else those it holds."""
    names = member.settings.packages
    if not names:
        return discovered_packages(ws, member)
    out = []
    for name in names:
        found = package_source(ws.root, member, name)
        if found is None:
            raise UvbakeError(
                member.pyproject,
                f"import package '{name}' of '{member.name}' is not in "
                f"{source_root(ws.root, member).as_posix()}",
                "fix [tool.uvbake] packages",
            )
        out.append(found)
    return tuple(out)


def handler_names(ws: Workspace, member: Member) -> Iterator[str]:
    """Dotted packages that may hold `main.handler`, each once: the project name as a package
    (also as a namespace, acme-orders -> acme.orders), the folder name, [tool.uvbake] packages,
    then every package the member holds (and the subpackages of a namespace package), which
    are only listed when the names before them do not match."""
    seen: set[str] = set()
    for name in _handler_candidates(ws, member):
        if name not in seen and all(part.isidentifier() for part in name.split(".")):
            seen.add(name)
            yield name


def _handler_candidates(ws: Workspace, member: Member) -> Iterator[str]:
    yield member.name.replace("-", "_")
    yield member.name.replace("-", ".")
    yield re.sub(r"[^\w]", "_", member.folder).lower()
    yield from member.settings.packages or ()
    for package in discovered_packages(ws, member):
        path = ws.root / package.source
        if not path.is_dir():
            continue
        yield package.dest
        if not (path / "__init__.py").is_file():
            children = sorted(c.name for c in path.iterdir() if c.is_dir())
            yield from (f"{package.dest}.{c}" for c in children if c.isidentifier())


def app_sources(ws: Workspace, member: Member, *handlers: str) -> tuple[AppSource, ...]:
    """The service's import packages: [tool.uvbake] packages, else every package it holds and
    the handlers' top-level packages."""
    explicit = member.settings.packages
    names = list(explicit or dict.fromkeys(h.split(".")[0] for h in handlers))
    found = (
        {} if explicit else {a.dest.removesuffix(".py"): a for a in discovered_packages(ws, member)}
    )
    for name in names:
        source = found.get(name) or package_source(ws.root, member, name)
        if source is None:
            base = source_root(ws.root, member).as_posix()
            raise UvbakeError(
                member.pyproject,
                f"import package '{name}' of service '{member.name}' is not in {base}",
                "fix [tool.uvbake] packages or the handler",
            )
        found[name] = source
    app = tuple(sorted(found.values(), key=lambda a: a.dest))
    for source in app:
        check_safe(source.source, where=member.pyproject)
    return app


def check_safe(path: str, *, where: str) -> None:
    """Stop at a path that uvbake would have to quote in a Dockerfile."""
    if not SAFE_PATH.match(path):
        raise UvbakeError(
            where,
            f"path {path!r} has characters uvbake will not put in a Dockerfile",
            "rename it to ASCII letters, digits and . _ - + @",
        )


def _kind(member: Member) -> str:
    if member.is_root:
        return f"the workspace root project '{member.name}'"
    return f"virtual library '{member.name}'"


def _loose_python(ws: Workspace, member: Member) -> str | None:
    """A Python file of `member` that package discovery cannot place, if any: one under src/,
    or one next to pyproject.toml (or a folder down) that is not a tool script."""
    base = ws.root / member.path
    if _src_layout(base):
        found = next((base / "src").rglob("*.py"), None)
    else:
        skip = FLAT_SKIP | _holders(ws, member)
        top = (p for p in sorted(base.glob("*.py")) if p.stem not in TOOL_SCRIPTS)
        nested = (
            p
            for d in sorted(base.iterdir())
            if d.is_dir() and d.name.isidentifier() and d.name not in skip
            for p in sorted(d.glob("*.py"))
        )
        found = next(top, None) or next(nested, None)
    return found.relative_to(ws.root).as_posix() if found is not None else None


def source_copies(ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    """The import packages of a member that is shipped as source (a virtual member or the
    root project), to copy into site-packages."""
    copies = import_packages(ws, member)
    if not copies:
        loose = _loose_python(ws, member)
        if loose is not None:
            raise UvbakeError(
                member.pyproject,
                f"{_kind(member)} is shipped as source, but uvbake finds no import package "
                f"to copy (it has {loose})",
                f"set [tool.uvbake] packages = [{PACKAGES_FIX}] in {member.pyproject}",
            )
    for copy in copies:
        check_safe(copy.source, where=member.pyproject)
    return copies


def check_file(root: Path, path: str, *, member: Member, key: str, value: str) -> None:
    """Stop when a file a library's build reads ([project] readme, license) is missing."""
    if not (root / path).is_file():
        raise UvbakeError(
            member.pyproject,
            f"[project] {key} '{value}' of library '{member.name}' is not a file ({path})",
            f"create {path} or fix [project] {key}",
        )
