"""The planner: which members are services, what each one needs, and what they all share."""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName

from .errors import UvbakeError
from .lock import Lock, LockedPackage
from .workspace import Member, Workspace

SAFE_PATH = re.compile(r"^[A-Za-z0-9._+@/-]+$")
MACHINES = {"linux/arm64": "aarch64", "linux/amd64": "x86_64"}


@dataclass(frozen=True)
class AppSource:
    """A path of the service's code (relative to the workspace) and its name under /var/task."""

    source: str
    dest: str


@dataclass(frozen=True)
class ServicePlan:
    name: str
    member: Member
    handler: str
    platform: str
    base_image: str | None
    closure: tuple[Member, ...]
    third_party: tuple[tuple[str, str], ...]
    app: tuple[AppSource, ...]
    reason: str


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
    return re.fullmatch(regex, path.rstrip("/")) is not None


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
    try:
        return Marker(marker).evaluate(env)
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


def split_closure(
    lock: Lock, start: LockedPackage, *, env: dict[str, str], members: set[str]
) -> tuple[list[str], frozenset[tuple[str, str]]]:
    """`start`'s runtime closure split into workspace member names and third-party pins."""
    local: list[str] = []
    third: set[tuple[str, str]] = set()
    for package in runtime_closure(lock, start, env=env):
        if package.name in members:
            local.append(package.name)
        else:
            third.add((package.name, package.version or ""))
    return local, frozenset(third)


def _is_service(member: Member, ws: Workspace) -> tuple[bool, str]:
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
    try:
        tree = ast.parse(module.read_bytes(), filename=str(module))
    except (OSError, SyntaxError, ValueError):
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


def _handler(root: Path, member: Member) -> str:
    explicit = member.settings.get("handler")
    if explicit is not None:
        if not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+", explicit):
            raise UvbakeError(
                member.pyproject,
                f"handler {explicit!r} is not a dotted module.function path",
                'set [tool.uvbake] handler = "package.module.function"',
            )
        return str(explicit)
    imports = dict.fromkeys(
        [member.name.replace("-", "_"), re.sub(r"[^\w]", "_", member.folder).lower()]
    )
    for name in imports:
        module = find_module(root, member, f"{name}.main")
        if module is not None and defines(module, "handler"):
            return f"{name}.main.handler"
    tried = " or ".join(f"{n}.main.handler" for n in imports)
    raise UvbakeError(
        member.pyproject,
        f"service '{member.name}' has no Lambda handler ({tried} not found)",
        'set [tool.uvbake] handler = "package.module.function"',
    )


def _app_sources(root: Path, member: Member, handler: str) -> tuple[AppSource, ...]:
    base = source_root(root, member)
    names = member.settings.get("packages") or [handler.split(".")[0]]
    out = []
    for name in names:
        if (root / base / name).is_dir():
            out.append(AppSource(source=(base / name).as_posix(), dest=name))
        elif (root / base / f"{name}.py").is_file():
            out.append(AppSource(source=(base / f"{name}.py").as_posix(), dest=f"{name}.py"))
        else:
            raise UvbakeError(
                member.pyproject,
                f"import package '{name}' of service '{member.name}' is not in {base}",
                "fix [tool.uvbake] packages or the handler",
            )
    return tuple(out)


def _check_path(member: Member) -> None:
    if not SAFE_PATH.match(member.path.as_posix()):
        raise UvbakeError(
            member.pyproject,
            f"folder {member.path.as_posix()!r} has characters uvbake will not put in a Dockerfile",
            "rename the folder to letters, digits and . _ - + @",
        )


def _plan_service(ws: Workspace, member: Member, reason: str) -> ServicePlan:
    _check_path(member)
    platform = str(member.settings.get("platform", ws.settings.platform))
    env = marker_environment(platform=platform, python=ws.settings.python)
    start = ws.lock.candidates(member.name)
    if not start:
        raise UvbakeError("uv.lock", f"does not lock service '{member.name}'", "run `uv lock`")
    local_names, third = split_closure(
        ws.lock, start[0], env=env, members={m.name for m in ws.members}
    )
    closure = [m for m in map(ws.member, local_names) if m is not None and m is not member]
    for lib in closure:
        _check_path(lib)
        if lib.path == PurePosixPath("."):
            raise UvbakeError(
                member.pyproject,
                f"service '{member.name}' depends on the workspace root project '{lib.name}'",
                "move the shared code into its own member under services/common",
            )
        if not lib.packaged:
            raise UvbakeError(
                lib.pyproject,
                f"library '{lib.name}' has no [build-system], so it cannot be installed",
                'add a [build-system] table (for example requires = ["hatchling"])',
            )
    handler = _handler(ws.root, member)
    return ServicePlan(
        name=member.name,
        member=member,
        handler=handler,
        platform=platform,
        base_image=member.settings.get("base-image"),
        closure=tuple(sorted(closure, key=lambda m: m.path.as_posix())),
        third_party=tuple(sorted(third)),
        app=_app_sources(ws.root, member, handler),
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
    for member in ws.members:
        flag, reason = _is_service(member, ws)
        if flag:
            services.append(_plan_service(ws, member, reason))
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
