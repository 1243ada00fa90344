"""A member's import packages and modules, decided from the scanned tree (no I/O): which
packages it holds (src, flat and single-module layouts), which it ships, where a dotted
module is, and which packages may hold the `services/` default handler."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from uvbake.errors import UvbakeError
from uvbake.load.records import Member, Workspace
from uvbake.scan.tree import Tree

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


def _src_layout(tree: Tree, base: PurePosixPath) -> bool:
    """Whether `base` has a src layout; a src/ with an __init__.py is an import package named
    src (handlers such as src.handler.handler)."""
    src = (base / "src").as_posix()
    return tree.has_dir(src) and not tree.has_file(f"{src}/__init__.py")


def source_root(tree: Tree, member: Member) -> PurePosixPath:
    return member.path / "src" if _src_layout(tree, member.path) else member.path


def find_module(tree: Tree, member: Member, dotted: str) -> str | None:
    """The file of the dotted module under the member's source root, if it is there."""
    module = (source_root(tree, member) / PurePosixPath(*dotted.split("."))).as_posix()
    for candidate in (f"{module}.py", f"{module}/__init__.py"):
        if tree.has_file(candidate):
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


def _has_python(tree: Tree, folder: str) -> bool:
    return next(tree.walk_files(folder, suffix=".py"), None) is not None


def _src_entry(tree: Tree, entry: str) -> bool:
    """An import package of a src layout: a folder holding Python files (a namespace package
    holds them only deeper down), or a module."""
    name = posixpath.basename(entry)
    if tree.has_dir(entry):
        return name.isidentifier() and _has_python(tree, entry)
    return name.endswith(".py") and name[:-3].isidentifier()


def _flat_entry(tree: Tree, entry: str, *, module: str, skip: frozenset[str]) -> bool:
    """An import package of a flat layout: a folder with __init__.py, a namespace folder whose
    subfolders have one, or the module named after the project."""
    name = posixpath.basename(entry)
    if tree.has_file(entry):
        return name == f"{module}.py"
    if not name.isidentifier() or name in skip:
        return False
    if tree.has_file(f"{entry}/__init__.py"):
        return True
    if tree.has(f"{entry}/pyproject.toml"):
        return False
    return any(
        tree.has_file(f"{entry}/{child}/__init__.py")
        for child in tree.entries(entry)
        if tree.has_dir(f"{entry}/{child}")
    )


def package_source(tree: Tree, member: Member, name: str) -> AppSource | None:
    """Where the import package (or module) `name` of `member` is, if it exists."""
    base = source_root(tree, member)
    if tree.has_dir((base / name).as_posix()):
        return AppSource(source=(base / name).as_posix(), dest=name)
    if tree.has_file((base / f"{name}.py").as_posix()):
        return AppSource(source=(base / f"{name}.py").as_posix(), dest=f"{name}.py")
    return None


def discovered_packages(tree: Tree, ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    """The import packages a member holds: every package or module under src/, else (a flat
    layout) the packages next to its pyproject.toml, leaving out tests, docs and the folders
    of other members."""
    base = source_root(tree, member)
    folder = base.as_posix()
    if not tree.has_dir(folder):
        return ()
    entries = [(base / name).as_posix() for name in tree.entries(folder)]
    if base != member.path:
        found = [e for e in entries if _src_entry(tree, e)]
    else:
        module = member.name.replace("-", "_")
        skip = FLAT_SKIP | _holders(ws, member)
        found = [e for e in entries if _flat_entry(tree, e, module=module, skip=skip)]
    return tuple(AppSource(source=e, dest=posixpath.basename(e)) for e in found)


def import_packages(tree: Tree, ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    """The import packages of a member: its [tool.uvbake] packages, else those it holds."""
    names = member.settings.packages
    if not names:
        return discovered_packages(tree, ws, member)
    out = []
    for name in names:
        found = package_source(tree, member, name)
        if found is None:
            raise UvbakeError(
                member.pyproject,
                f"import package '{name}' of '{member.name}' is not in "
                f"{source_root(tree, member).as_posix()}",
                "fix [tool.uvbake] packages",
            )
        out.append(found)
    return tuple(out)


def handler_names(tree: Tree, ws: Workspace, member: Member) -> Iterator[str]:
    """Dotted packages that may hold `main.handler`, each once: the project name as a package
    (also as a namespace, acme-orders -> acme.orders), the folder name, [tool.uvbake] packages,
    then every package the member holds (and the subpackages of a namespace package), which
    are only listed when the names before them do not match."""
    seen: set[str] = set()
    for name in _handler_candidates(tree, ws, member):
        if name not in seen and all(part.isidentifier() for part in name.split(".")):
            seen.add(name)
            yield name


def _handler_candidates(tree: Tree, ws: Workspace, member: Member) -> Iterator[str]:
    yield member.name.replace("-", "_")
    yield member.name.replace("-", ".")
    yield re.sub(r"[^\w]", "_", member.folder).lower()
    yield from member.settings.packages or ()
    for package in discovered_packages(tree, ws, member):
        path = package.source
        if not tree.has_dir(path):
            continue
        yield package.dest
        if not tree.has_file(f"{path}/__init__.py"):
            children = [c for c in tree.entries(path) if tree.has_dir(f"{path}/{c}")]
            yield from (f"{package.dest}.{c}" for c in children if c.isidentifier())


def app_sources(tree: Tree, ws: Workspace, member: Member, *handlers: str) -> tuple[AppSource, ...]:
    """The service's import packages: [tool.uvbake] packages, else every package it holds and
    the handlers' top-level packages."""
    explicit = member.settings.packages
    names = list(explicit or dict.fromkeys(h.split(".")[0] for h in handlers))
    found = (
        {}
        if explicit
        else {a.dest.removesuffix(".py"): a for a in discovered_packages(tree, ws, member)}
    )
    for name in names:
        source = found.get(name) or package_source(tree, member, name)
        if source is None:
            base = source_root(tree, member).as_posix()
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


def _loose_python(tree: Tree, ws: Workspace, member: Member) -> str | None:
    """A Python file of `member` that package discovery cannot place, if any: one under src/,
    or one next to pyproject.toml (or a folder down) that is not a tool script."""
    base = member.path.as_posix()
    if _src_layout(tree, member.path):
        return next(tree.walk_files(f"{base}/src", suffix=".py"), None)
    skip = FLAT_SKIP | _holders(ws, member)
    entries = tree.entries(base)
    top = (
        posixpath.join(base, e)
        for e in entries
        if e.endswith(".py")
        and tree.has_file(posixpath.join(base, e))
        and e[:-3] not in TOOL_SCRIPTS
    )
    nested = (
        posixpath.join(base, d, f)
        for d in entries
        if tree.has_dir(posixpath.join(base, d)) and d.isidentifier() and d not in skip
        for f in tree.entries(posixpath.join(base, d))
        if f.endswith(".py") and tree.has_file(posixpath.join(base, d, f))
    )
    found = next(top, None) or next(nested, None)
    return posixpath.normpath(found) if found is not None else None


def source_copies(tree: Tree, ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    """The import packages of a member that is shipped as source (a virtual member or the
    root project), to copy into site-packages."""
    copies = import_packages(tree, ws, member)
    if not copies:
        loose = _loose_python(tree, ws, member)
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


def check_file(tree: Tree, path: str, *, member: Member, key: str, value: str) -> None:
    """Stop when a file a library's build reads ([project] readme, license) is missing."""
    if not tree.has_file(path):
        raise UvbakeError(
            member.pyproject,
            f"[project] {key} '{value}' of library '{member.name}' is not a file ({path})",
            f"create {path} or fix [project] {key}",
        )


# Entries of a code root that never reach /var/task: tool and build leftovers, and tests.
_LEFT_OUT = frozenset({"tests", "test", "node_modules", "cdk.out", "__pycache__", "dist", "build"})


def ship(tree: Tree, code_root: str, *, members: Iterable[Member]) -> tuple[AppSource, ...]:
    """What /var/task holds for a code root, as Lambda loads that folder: each of its entries
    (modules, packages, data files), less other members' folders, hidden entries, tool
    leftovers and tests."""
    root = posixpath.normpath(code_root)
    nested = {m.path.as_posix() for m in members} - {root}
    out = []
    for name in tree.entries(root):
        rel = posixpath.normpath(posixpath.join(root, name))
        hidden = name.startswith(".") or name.endswith((".egg-info", ".pyc"))
        if hidden or name in _LEFT_OUT or rel in nested:
            continue
        if tree.has_dir(rel) and any(m.startswith(f"{rel}/") for m in nested):
            continue
        out.append(AppSource(source=rel, dest=name))
    return tuple(out)
