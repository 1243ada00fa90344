"""The planner: which members are services, what each one needs, and what they all share."""

from __future__ import annotations

import ast
import functools
import posixpath
import re
from collections import deque
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName

from .errors import UvbakeError
from .lock import Lock, LockedPackage, git_packages, local_packages
from .tomlfile import read_toml, table
from .workspace import Member, Workspace

SAFE_PATH = re.compile(r"^[A-Za-z0-9._+@/-]+$")
MACHINES = {"linux/arm64": "aarch64", "linux/amd64": "x86_64"}
ROOT = PurePosixPath(".")
# Folders of a flat layout that are never import packages, and scripts next to a pyproject.toml
# that are never modules of the project.
FLAT_SKIP = frozenset({"tests", "test", "docs", "doc", "build", "dist", "scripts", "examples"})
TOOL_SCRIPTS = frozenset({"setup", "conftest", "noxfile", "fabfile", "tasks", "dodo", "manage"})
PACKAGES_FIX = '"package_name"'
# Build requirements that take a project's version from git; both read
# SETUPTOOLS_SCM_PRETEND_VERSION_FOR_<NAME> instead when it is set.
VCS_VERSIONING = frozenset({"setuptools-scm", "hatch-vcs"})


@dataclass(frozen=True)
class AppSource:
    """A path of the workspace (relative to its root) and its name in the folder it is copied
    to: /var/task for a service's own code, site-packages for a library shipped as source."""

    source: str
    dest: str


@dataclass(frozen=True)
class LibraryPlan:
    """How a workspace member reaches site-packages in the image of a service that needs it.

    A packaged member is built and installed from a bind mount of its folder, plus `files`
    outside that folder which its build reads (a readme or license such as ../README.md). A
    virtual member (no [build-system], or [tool.uv] package = false) cannot be built, and the
    workspace root project is never mounted whole, so their import packages are copied as
    source (`copies`); their third-party dependencies come from the service's export."""

    member: Member
    install: bool
    files: tuple[str, ...]
    copies: tuple[AppSource, ...]
    scm_version: str | None = None


@dataclass(frozen=True)
class ServicePlan:
    name: str
    member: Member
    handler: str
    platform: str
    base_image: str | None
    libraries: tuple[LibraryPlan, ...]
    third_party: tuple[tuple[str, str], ...]
    app: tuple[AppSource, ...]
    reason: str

    @property
    def closure(self) -> tuple[Member, ...]:
        """The workspace members the service needs at run time, other than itself."""
        return tuple(lib.member for lib in self.libraries)

    @property
    def installs(self) -> tuple[str, ...]:
        """Folders of the packaged members to build and install."""
        return tuple(lib.member.path.as_posix() for lib in self.libraries if lib.install)

    @property
    def build_files(self) -> tuple[str, ...]:
        """Files outside the installed folders that their builds read, each mounted once."""
        folders = self.installs
        files = {f for lib in self.libraries for f in lib.files}
        return tuple(sorted(f for f in files if not any(_inside(f, d) for d in folders)))

    @property
    def build_env(self) -> tuple[str, ...]:
        """NAME=value settings for the library builds: the version of each member whose build
        asks git for it (setuptools-scm, hatch-vcs), since the build context has no .git.
        hatch-vcs does not pass the project name to setuptools-scm, so only the plain
        SETUPTOOLS_SCM_PRETEND_VERSION reaches it: it is set when those versions agree."""
        scm = {lib.member.name: lib.scm_version for lib in self.libraries if lib.install}
        versions = {name: v for name, v in scm.items() if v is not None}
        plain = set(versions.values())
        env = [f"SETUPTOOLS_SCM_PRETEND_VERSION={plain.pop()}"] if len(plain) == 1 else []
        env += [
            f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_{_env_name(name)}={version}"
            for name, version in versions.items()
        ]
        return tuple(env)

    @property
    def copies(self) -> tuple[AppSource, ...]:
        """Import packages of virtual members (and the root project), copied as source."""
        return tuple(c for lib in self.libraries for c in lib.copies)


@dataclass(frozen=True)
class Plan:
    workspace: Workspace
    services: tuple[ServicePlan, ...]
    libraries: tuple[Member, ...]
    core: tuple[str, ...]

    @property
    def site_packages(self) -> str:
        return f"/var/lang/lib/python{self.workspace.settings.python}/site-packages"


def glob_match(path: str, pattern: str) -> bool:
    """uv-style glob on a relative posix path: `*` stays inside one folder, `**` crosses them."""
    return _glob_regex(pattern).fullmatch(path.rstrip("/")) is not None


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.compile(regex)


def marker_environment(*, platform: str, python: str) -> dict[str, str]:
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "posix",
        "platform_machine": MACHINES[platform],
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "linux",
        "extra": "",
    }


def _applies(marker: str | None, env: dict[str, str]) -> bool:
    if not marker:
        return True
    return _evaluate(marker, tuple(sorted(env.items())))


@functools.lru_cache(maxsize=4096)
def _evaluate(marker: str, env: tuple[tuple[str, str], ...]) -> bool:
    """A marker's value in an environment; a lock repeats the same markers many times."""
    try:
        return Marker(marker).evaluate(dict(env))
    except (InvalidMarker, UndefinedEnvironmentName):
        return True


def runtime_closure(
    lock: Lock, start: LockedPackage, *, env: dict[str, str]
) -> list[LockedPackage]:
    """Every locked package `start` needs at run time in `env`, as `uv export --no-dev` sees it."""
    seen: dict[tuple[str, str | None], LockedPackage] = {}
    visited: set[tuple[str, str | None, tuple[str, ...]]] = set()
    queue: deque[tuple[LockedPackage, tuple[str, ...]]] = deque([(start, ())])
    while queue:
        package, extras = queue.popleft()
        key = (package.name, package.version, extras)
        if key in visited:
            continue
        visited.add(key)
        seen[(package.name, package.version)] = package
        edges = list(package.dependencies)
        for extra in extras:
            edges.extend(package.optional.get(extra, ()))
        for dep in edges:
            if _applies(dep.marker, env):
                queue.append((lock.resolve(dep), dep.extras))
    return list(seen.values())


def split_packages(
    packages: Iterable[LockedPackage], *, members: Container[str]
) -> tuple[list[str], frozenset[tuple[str, str]]]:
    """Locked packages split into workspace member names and third-party pins."""
    local: list[str] = []
    third: set[tuple[str, str]] = set()
    for package in packages:
        if package.name in members:
            local.append(package.name)
        else:
            third.add((package.name, package.version or ""))
    return local, frozenset(third)


def split_closure(
    lock: Lock, start: LockedPackage, *, env: dict[str, str], members: set[str]
) -> tuple[list[str], frozenset[tuple[str, str]]]:
    """`start`'s runtime closure split into workspace member names and third-party pins."""
    return split_packages(runtime_closure(lock, start, env=env), members=members)


def membership(member: Member, ws: Workspace) -> tuple[bool, str]:
    """Whether `member` is a service, and why (for `uvbake list`)."""
    if "service" in member.settings:
        flag = bool(member.settings["service"])
        return flag, f"[tool.uvbake] service = {str(flag).lower()} in {member.pyproject}"
    if member.path == PurePosixPath("."):
        return False, "the workspace root is not a service unless it sets service = true"
    path = member.path.as_posix()
    lib = next((g for g in ws.settings.libraries if glob_match(path, g)), None)
    if lib is not None:
        return False, f"matches library glob {lib!r}"
    svc = next((g for g in ws.settings.services if glob_match(path, g)), None)
    if svc is not None:
        return True, f"matches service glob {svc!r}"
    return False, "matches no service glob"


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


def source_root(root: Path, member: Member) -> PurePosixPath:
    base = root / member.path
    return member.path / "src" if (base / "src").is_dir() else member.path


def find_module(root: Path, member: Member, dotted: str) -> Path | None:
    base = root / source_root(root, member)
    parts = dotted.split(".")
    module = base.joinpath(*parts)
    for candidate in (module.with_suffix(".py"), module / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _inside(path: str, folder: str) -> bool:
    return folder == "." or path == folder or path.startswith(f"{folder}/")


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


def shipped_packages(ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    """The import packages a member ships: its [tool.uvbake] packages, else those it holds."""
    names = member.settings.get("packages")
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


def _handler_names(ws: Workspace, member: Member) -> Iterator[str]:
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
    yield from member.settings.get("packages") or []
    for package in discovered_packages(ws, member):
        path = ws.root / package.source
        if not path.is_dir():
            continue
        yield package.dest
        if not (path / "__init__.py").is_file():
            children = sorted(c.name for c in path.iterdir() if c.is_dir())
            yield from (f"{package.dest}.{c}" for c in children if c.isidentifier())


def _handler(ws: Workspace, member: Member) -> str:
    explicit = member.settings.get("handler")
    if explicit is not None:
        if not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+", explicit):
            raise UvbakeError(
                member.pyproject,
                f"handler {explicit!r} is not a dotted module.function path",
                'set [tool.uvbake] handler = "package.module.function"',
            )
        return str(explicit)
    tried = []
    for name in _handler_names(ws, member):
        module = find_module(ws.root, member, f"{name}.main")
        if module is not None and defines(module, "handler"):
            return f"{name}.main.handler"
        tried.append(f"{name}.main.handler")
    raise UvbakeError(
        member.pyproject,
        f"service '{member.name}' has no Lambda handler ({' or '.join(tried)} not found)",
        'set [tool.uvbake] handler = "package.module.function"',
    )


def _app_sources(ws: Workspace, member: Member, handler: str) -> tuple[AppSource, ...]:
    """The service's import packages: [tool.uvbake] packages, else every package it holds and
    the handler's top-level package."""
    explicit = member.settings.get("packages")
    names = list(explicit or [handler.split(".")[0]])
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
        _check_safe(source.source, where=member.pyproject)
    return app


def _check_safe(path: str, *, where: str) -> None:
    if not SAFE_PATH.match(path):
        raise UvbakeError(
            where,
            f"path {path!r} has characters uvbake will not put in a Dockerfile",
            "rename it to letters, digits and . _ - + @",
        )


def _check_path(member: Member) -> None:
    if not SAFE_PATH.match(member.path.as_posix()):
        raise UvbakeError(
            member.pyproject,
            f"folder {member.path.as_posix()!r} has characters uvbake will not put in a Dockerfile",
            "rename the folder to letters, digits and . _ - + @",
        )


def _kind(member: Member) -> str:
    if member.path == ROOT:
        return f"the workspace root project '{member.name}'"
    return f"virtual library '{member.name}'"


def _loose_python(ws: Workspace, member: Member) -> str | None:
    """A Python file of `member` that package discovery cannot place, if any: one under src/,
    or one next to pyproject.toml (or a folder down) that is not a tool script."""
    base = ws.root / member.path
    if (base / "src").is_dir():
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


def _source_copies(ws: Workspace, member: Member) -> tuple[AppSource, ...]:
    copies = shipped_packages(ws, member)
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
        _check_safe(copy.source, where=member.pyproject)
    return copies


def _project_files(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(key, path) of the files a build backend reads for [project] metadata."""
    project = table(data, "project")
    readme = project.get("readme")
    if isinstance(readme, dict):
        readme = readme.get("file")
    if isinstance(readme, str):
        yield "readme", readme
    license_ = project.get("license")
    if isinstance(license_, dict) and isinstance(license_.get("file"), str):
        yield "license", license_["file"]
    files = project.get("license-files")
    for item in files if isinstance(files, list) else ():
        if isinstance(item, str) and not any(c in item for c in "*?[]"):
            yield "license-files", item


def _env_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).upper()


def _scm_version(data: dict[str, Any], member: Member) -> str | None:
    """The version to give a build that would read it from git, else None: the locked version,
    or 0.0.0 when uv.lock has none (dynamic versions are not locked)."""
    dynamic = table(data, "project").get("dynamic")
    requires = table(data, "build-system").get("requires")
    if not isinstance(dynamic, list) or "version" not in dynamic:
        return None
    names = {_requirement_name(r) for r in requires} if isinstance(requires, list) else set()
    return (member.version or "0.0.0") if names & VCS_VERSIONING else None


def _requirement_name(requirement: object) -> str:
    head = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(requirement))
    return re.sub(r"[-_.]+", "-", head.group(1)).lower() if head else ""


def _build_files(root: Path, data: dict[str, Any], member: Member) -> tuple[str, ...]:
    """Files outside `member`'s folder that building it reads: they must be in the build
    context and mounted at the same place relative to the folder's mount."""
    folder = member.path.as_posix()
    out = []
    for key, value in _project_files(data):
        path = posixpath.normpath(posixpath.join(folder, value))
        if value.startswith("/") or path == ".." or path.startswith("../"):
            raise UvbakeError(
                member.pyproject,
                f"[project] {key} '{value}' of library '{member.name}' is outside the "
                "workspace root, so the image build cannot read it",
                f"move the file into the workspace and point [project] {key} at it",
            )
        if not (root / path).is_file():
            raise UvbakeError(
                member.pyproject,
                f"[project] {key} '{value}' of library '{member.name}' is not a file ({path})",
                f"create {path} or fix [project] {key}",
            )
        if not _inside(path, folder):
            _check_safe(path, where=member.pyproject)
            out.append(path)
    return tuple(sorted(set(out)))


def _library(ws: Workspace, member: Member) -> LibraryPlan:
    _check_path(member)
    if member.packaged and member.path != ROOT:
        data = read_toml(ws.root / member.pyproject, display=member.pyproject, fix="create it")
        return LibraryPlan(
            member=member,
            install=True,
            files=_build_files(ws.root, data, member),
            copies=(),
            scm_version=_scm_version(data, member),
        )
    return LibraryPlan(member=member, install=False, files=(), copies=_source_copies(ws, member))


def _direct_dependent(ws: Workspace, local: Iterable[LockedPackage], package: LockedPackage) -> str:
    """The pyproject.toml of the first workspace member that depends on `package` directly,
    else uv.lock (it comes in through another third-party package)."""
    for owner in local:
        member = ws.member(owner.name)
        if member is not None and any(d.name == package.name for d in owner.dependencies):
            return member.pyproject
    return ws.lock.display


def _check_sources(
    ws: Workspace, service: Member, packages: list[LockedPackage], *, members: Container[str]
) -> None:
    """Third-party packages an image build cannot install from their pins: git sources (no git
    in the builder, no hash to require) and local paths (not in the export's context)."""
    if not any(p.name in ws.lock.unpinnable for p in packages):
        return
    local = [p for p in packages if p.name in members]
    third = [p for p in packages if p.name not in members]
    for package in git_packages(third)[:1]:
        url = package.source["git"].split("#", 1)[0]
        raise UvbakeError(
            _direct_dependent(ws, local, package),
            f"service '{service.name}' needs '{package.name}' from git ({url}), which the "
            "image build cannot install: the builder has no git and no hash can pin it",
            "vendor it as a workspace member, or publish a wheel to a package index "
            "and depend on that",
        )
    for package in local_packages(third)[:1]:
        kind = package.source_kind
        where = package.source[kind]
        what = f"the local index folder '{where}'" if kind == "registry" else f"'{where}'"
        raise UvbakeError(
            _direct_dependent(ws, local, package),
            f"service '{service.name}' needs '{package.name}' from {what}, which the image "
            "build does not have",
            "make it a workspace member, or publish it to a package index and depend on that",
        )


def _plan_service(
    ws: Workspace,
    member: Member,
    reason: str,
    *,
    names: frozenset[str],
    shipped: dict[str, LibraryPlan],
) -> ServicePlan:
    """Plan one service. `names`: every member's name, the missing ones too; `shipped` caches
    the LibraryPlan of each member across services."""
    _check_path(member)
    platform = str(member.settings.get("platform", ws.settings.platform))
    env = marker_environment(platform=platform, python=ws.settings.python)
    start = ws.lock.candidates(member.name)
    if not start:
        raise UvbakeError("uv.lock", f"does not lock service '{member.name}'", "run `uv lock`")
    packages = runtime_closure(ws.lock, start[0], env=env)
    _check_sources(ws, member, packages, members=names)
    local_names, third = split_packages(packages, members=names)
    closure = []
    for name in local_names:
        lib = ws.member(name)
        if lib is None:
            raise ws.missing_error(service=member, name=name)
        if lib is not member:
            closure.append(lib)
    for lib in closure:
        if lib.name not in shipped:
            shipped[lib.name] = _library(ws, lib)
    handler = _handler(ws, member)
    return ServicePlan(
        name=member.name,
        member=member,
        handler=handler,
        platform=platform,
        base_image=member.settings.get("base-image"),
        libraries=tuple(shipped[m.name] for m in sorted(closure, key=lambda m: m.path.as_posix())),
        third_party=tuple(sorted(third)),
        app=_app_sources(ws, member, handler),
        reason=reason,
    )


def _core(services: Iterable[ServicePlan], lock: Lock) -> tuple[str, ...]:
    plans = list(services)
    if len(plans) < 2:
        return ()
    shared = set.intersection(*({n for n, _ in p.third_party} for p in plans))
    single_version = {n for n in shared if len({p.version for p in lock.candidates(n)}) == 1}
    return tuple(sorted(single_version))


def plan(ws: Workspace) -> Plan:
    services = []
    libraries = []
    shipped: dict[str, LibraryPlan] = {}
    names = frozenset(m.name for m in ws.members) | ws.missing
    for member in ws.members:
        flag, reason = membership(member, ws)
        if flag:
            services.append(_plan_service(ws, member, reason, names=names, shipped=shipped))
        else:
            libraries.append(member)
    if not services:
        raise UvbakeError(
            "pyproject.toml",
            "no workspace member is a service",
            'put services under services/ or set [tool.uvbake] services = ["apps/*"]',
        )
    return Plan(
        workspace=ws,
        services=tuple(services),
        libraries=tuple(libraries),
        core=_core(services, ws.lock),
    )
