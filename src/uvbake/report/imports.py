"""`uvbake check`'s import findings: what a service's code and local libraries import that
their dependencies do not cover, and what the Lambda runtime provides."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from uvbake.errors import UvbakeError
from uvbake.load.records import Member, Workspace
from uvbake.plan.packages import discovered_packages, package_source
from uvbake.plan.records import Plan, ServicePlan
from uvbake.report import importnames
from uvbake.report.finding import Finding
from uvbake.scan.tree import Tree

PROBE = (
    "import importlib.metadata, json; "
    "print(json.dumps(importlib.metadata.packages_distributions()))"
)


@dataclass(frozen=True)
class Import:
    module: str
    line: int


def distributions(root: Path) -> dict[str, tuple[str, ...]]:
    """Top-level import name -> normalised distribution names, read from installed metadata
    in the workspace's `.venv` when there is one, else in the running interpreter."""
    python = root / ".venv" / "bin" / "python"
    raw: Mapping[str, list[str]]
    if python.is_file():
        try:
            result = subprocess.run(
                [str(python), "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
            )
            raw = json.loads(result.stdout)
        except (OSError, subprocess.SubprocessError, ValueError):
            raise UvbakeError(
                ".venv/bin/python",
                "cannot list the installed distributions",
                "recreate the environment with `uv sync`",
            ) from None
    else:
        raw = importlib.metadata.packages_distributions()
    return {
        module: tuple(sorted({canonicalize_name(d) for d in dists}))
        for module, dists in raw.items()
    }


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return handler.type is None or any(isinstance(k, ast.Name) and k.id in names for k in kinds)


def _type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def imports(tree: ast.Module) -> list[Import]:
    """Absolute imports (top-level names), leaving out optional ones: under
    `if TYPE_CHECKING:` or in a `try:` that catches ImportError."""
    optional: set[int] = set()
    for node in ast.walk(tree):
        body: list[ast.stmt] = []
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            body = node.body
        if isinstance(node, ast.If) and _type_checking(node.test):
            body = node.body
        optional.update(id(inner) for stmt in body for inner in ast.walk(stmt))
    found: list[Import] = []
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found.extend(Import(a.name.split(".")[0], node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(Import(node.module.split(".")[0], node.lineno))
    return sorted(found, key=lambda i: (i.line, i.module))


def member_packages(tree: Tree, ws: Workspace, member: Member) -> dict[str, Path]:
    """The import packages a member ships, as the planner finds them, plus any
    [tool.uvbake] packages: import name -> file or folder."""
    found = list(discovered_packages(tree, ws, member))
    for name in member.settings.packages or ():
        source = package_source(tree, member, name)
        if source is not None:
            found.append(source)
    return {a.dest.removesuffix(".py"): ws.root / a.source for a in found}


def _python_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path] if path.suffix == ".py" else []
    return sorted(p for p in path.rglob("*.py") if p.is_file())


def _sources(
    root: Path, service: ServicePlan, shipped: Mapping[str, dict[str, Path]]
) -> Iterator[tuple[Member, Path]]:
    for app in service.app:
        for path in _python_files(root / app.source):
            yield service.member, path
    for lib in service.closure:
        for package in shipped[lib.name].values():
            for path in _python_files(package):
                yield lib, path


def _parse(root: Path, path: Path) -> ast.Module | Finding:
    rel = path.relative_to(root).as_posix()
    try:
        return ast.parse(path.read_bytes(), filename=rel)
    except SyntaxError as exc:
        return Finding(f"{rel}:{exc.lineno or 0}", f"does not parse ({exc.msg})", "fix the syntax")
    except (OSError, ValueError) as exc:
        return Finding(rel, f"cannot be read ({exc})", "fix the file")


def undeclared_imports(
    plan: Plan, *, distributions: Mapping[str, tuple[str, ...]]
) -> list[Finding]:
    """Imports of a service's code and local libraries that its dependencies do not cover."""
    root = plan.workspace.root
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    # path dependencies on folders that are not members are shipped like libraries
    folders = [lib.member for lib in plan.shipped]
    shipped = {
        m.name: member_packages(plan.scanned.tree, plan.workspace, m)
        for m in (*plan.workspace.members, *folders)
    }
    owners = {
        name: member
        for member in plan.workspace.members
        if member.path.as_posix() != "."
        for name in shipped[member.name]
    }
    pins = frozenset(name for s in plan.services for name, _ in s.third_party)
    locked = frozenset(p.name for p in plan.workspace.lock.packages)
    trees: dict[Path, ast.Module | Finding] = {}  # a library shared by services is parsed once
    findings: dict[tuple[str, str], Finding] = {}
    for service in plan.services:
        local = [service.member, *service.closure]
        allowed = {n for m in local for n in shipped[m.name]}
        allowed |= {a.dest.removesuffix(".py") for a in service.app}
        third = {name for name, _ in service.third_party}
        for owner, path in _sources(root, service, shipped):
            if path not in trees:
                trees[path] = _parse(root, path)
            tree = trees[path]
            rel = path.relative_to(root).as_posix()
            if isinstance(tree, Finding):
                findings.setdefault((tree.where, ""), tree)
                continue
            for imp in imports(tree):
                if imp.module in stdlib or imp.module in allowed:
                    continue
                where = f"{rel}:{imp.line}"
                who = (
                    f"service '{service.name}'"
                    if owner is service.member
                    else f"library '{owner.name}' (in service '{service.name}')"
                )
                member = owners.get(imp.module)
                if member is not None:
                    problem = (
                        f"{who} imports '{imp.module}' (workspace member {member.name}) but "
                        "does not declare it"
                    )
                    fix = (
                        f'add "{member.name}" to [project] dependencies of {owner.pyproject}'
                        f" with a {{ workspace = true }} source"
                    )
                else:
                    # A module no installed distribution provides: the wheels uv unpacked for
                    # the lock's pins, else a table of well-known names; else it is unknown,
                    # and the lock's distributions named like it are the candidates.
                    dists = distributions.get(imp.module) or _not_installed(imp.module, pins)
                    if _runtime_provided(imp.module, third) or _accepted(path, imp.line):
                        continue
                    found = _third_party(
                        imp.module, dists, third=third, locked=locked, who=who, owner=owner
                    )
                    if found is None:
                        continue
                    problem, fix = found
                findings.setdefault((where, imp.module), Finding(where, problem, fix))
    return list(findings.values())


@functools.lru_cache(maxsize=8)
def _cached_wheels(pins: frozenset[str], cache: Path) -> dict[str, tuple[str, ...]]:
    return importnames.cached_wheels(pins, cache)


def _not_installed(module: str, pins: frozenset[str]) -> tuple[str, ...]:
    """The distributions that provide `module` by the wheels uv cached for the lock's pins,
    else by the tables of well-known names and of the runtime's; () when none knows it."""
    cached = _cached_wheels(pins, importnames.uv_cache()).get(module)
    if cached:
        return cached
    known = importnames.WELL_KNOWN.get(module) or importnames.RUNTIME_PROVIDED.get(module)
    return (known,) if known else ()


def _third_party(
    module: str,
    dists: tuple[str, ...],
    *,
    third: set[str],
    locked: frozenset[str],
    who: str,
    owner: Member,
) -> tuple[str, str] | None:
    """(problem, fix) of an import of a third-party module the service does not declare, or
    None when it does (or declares a distribution named like it, when none is known)."""
    if not dists:
        candidates = importnames.named_like(module, locked)
        if third.intersection(candidates):
            return None
        return _unknown(module, candidates, who=who, owner=owner)
    if third.intersection(dists):
        return None
    problem = f"{who} imports '{module}' (distribution {dists[0]}) but does not declare it"
    pinned = sorted(third & set(importnames.RUNTIME_PROVIDED.values()))
    if module in importnames.RUNTIME_PROVIDED and pinned:
        problem += (
            f" (the Lambda runtime's {module} does not count: the service pins "
            f"{', '.join(pinned)}, which replaces the runtime's copy, so the runtime's packages "
            "that go with it must be pinned too)"
        )
    return problem, f'add "{dists[0]}" to [project] dependencies of {owner.pyproject}'


def _unknown(
    module: str, candidates: tuple[str, ...], *, who: str, owner: Member
) -> tuple[str, str]:
    """An import no distribution uvbake knows of provides: never a name made up from it."""
    considered = (
        "no installed distribution, no wheel uv cached for uv.lock's pins and no well-known "
        "import name provides it"
    )
    if candidates:
        considered += f"; named like it in uv.lock: {', '.join(candidates)}"
    else:
        considered += "; no distribution in uv.lock is named like it"
    return (
        f"{who} imports '{module}', which uvbake cannot map to a distribution ({considered})",
        f"declare the distribution that provides it in [project] dependencies of "
        f"{owner.pyproject}, or install the workspace (uv sync) so that its metadata names it",
    )


def _runtime_provided(module: str, third: set[str]) -> bool:
    """The Lambda runtime provides `module`, and the service pins none of the runtime's own
    packages (a pin would replace the runtime's copy, so its imports must be declared)."""
    provided = set(importnames.RUNTIME_PROVIDED.values())
    return module in importnames.RUNTIME_PROVIDED and not third & provided


def _accepted(path: Path, line: int) -> bool:
    """`# uvbake: ignore[undeclared-import]` (or `# uvbake: ignore`) on the import's line."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()[line - 1]
    except (OSError, IndexError):
        return False
    return importnames.ignored(text, "undeclared-import")
