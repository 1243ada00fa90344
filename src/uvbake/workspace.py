"""The workspace model: root and member pyprojects plus uv.lock, loaded into frozen records."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from . import config
from .errors import UvbakeError
from .lock import RELOCK, Lock, load_lock
from .tomlfile import read_toml, table

PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
WORKSPACE_FIX = 'add [tool.uv.workspace] with members = ["services/*", "services/common/*"]'


@dataclass(frozen=True)
class Member:
    """One workspace member. `path` is relative to the root ("." for the root project)."""

    name: str
    path: PurePosixPath
    pyproject: str
    version: str | None
    description: str
    dependencies: tuple[Requirement, ...]
    workspace_sources: frozenset[str]
    packaged: bool
    settings: Mapping[str, Any]

    @property
    def folder(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Workspace:
    root: Path
    members: tuple[Member, ...]
    lock: Lock
    settings: config.Settings

    @cached_property
    def _by_name(self) -> dict[str, Member]:
        return {m.name: m for m in self.members}

    def member(self, name: str) -> Member | None:
        return self._by_name.get(name)


def _linked_folder(root: Path, path: Path, pattern: str, *, where: str) -> bool:
    """Whether a glob match is a folder; links that loop or leave the workspace are errors."""
    rel = path.relative_to(root).as_posix()
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except FileNotFoundError:
            return False
        except (OSError, RuntimeError):
            raise UvbakeError(
                where,
                f"workspace member '{rel}' (matched by {pattern!r}) is a symbolic link loop",
                f'remove the link or add "{rel}" to [tool.uv.workspace] exclude',
            ) from None
        if not target.is_relative_to(root.resolve()):
            raise UvbakeError(
                where,
                f"workspace member '{rel}' (matched by {pattern!r}) links outside the workspace",
                "move the member into the workspace folder",
            )
    return path.is_dir()


def _glob(root: Path, pattern: Any, *, where: str) -> list[Path]:
    """Every path `pattern` matches under `root`, folders or not, links not followed."""
    if not isinstance(pattern, str) or not pattern or pattern.startswith("/"):
        raise UvbakeError(
            where,
            f"workspace glob {pattern!r} is not a relative path",
            'write globs relative to the workspace root, like "services/*"',
        )
    if ".." in PurePosixPath(pattern).parts or "\\" in pattern:
        raise UvbakeError(
            where,
            f"workspace glob {pattern!r} leaves the workspace root",
            "keep members inside the workspace folder",
        )
    if not any(char in pattern for char in "*?["):
        # a plain path names its folder even when it is a link that glob would not follow
        return [root / pattern] if os.path.lexists(root / pattern) else []
    try:
        return sorted(root.glob(pattern))
    except (OSError, RuntimeError, ValueError) as exc:
        raise UvbakeError(where, f"cannot expand {pattern!r} ({exc})", "fix the folders") from None


def _member_dirs(root: Path, workspace: dict[str, Any], *, where: str) -> list[Path]:
    members = workspace.get("members", [])
    excludes = workspace.get("exclude", [])
    for key, value in (("members", members), ("exclude", excludes)):
        if not isinstance(value, list):
            raise UvbakeError(
                where,
                f"[tool.uv.workspace] {key} must be a list of globs",
                f'write it as {key} = ["services/*"]',
            )
    excluded = {
        os.path.normpath(p) for pattern in excludes for p in _glob(root, pattern, where=where)
    }
    dirs: dict[Path, None] = {}
    for pattern in members:
        matched = [
            p
            for p in _glob(root, pattern, where=where)
            if os.path.normpath(p) not in excluded and _linked_folder(root, p, pattern, where=where)
        ]
        if not matched:
            raise UvbakeError(
                where,
                f"workspace member glob {pattern!r} matches no folder",
                "remove it from [tool.uv.workspace] members or create the member",
            )
        for path in sorted(matched):
            if not (path / "pyproject.toml").is_file():
                rel = path.relative_to(root).as_posix()
                raise UvbakeError(
                    where,
                    f"workspace member '{rel}' has no pyproject.toml (matched by {pattern!r})",
                    f'add "{rel}" to [tool.uv.workspace] exclude',
                )
            dirs.setdefault(path, None)
    return list(dirs)


def _requirements(raw: Any, *, where: str) -> tuple[Requirement, ...]:
    if not isinstance(raw, list):
        raise UvbakeError(
            where,
            "[project] dependencies must be a list of strings",
            'write it as dependencies = ["httpx>=0.27"]',
        )
    out = []
    for item in raw:
        try:
            out.append(Requirement(item))
        except (InvalidRequirement, TypeError):
            raise UvbakeError(
                where,
                f"dependency {item!r} is not a valid requirement",
                'write it like "httpx>=0.27" (PEP 508)',
            ) from None
    return tuple(out)


def _workspace_sources(data: dict[str, Any]) -> set[str]:
    sources = table(data, "tool.uv.sources")
    return {
        canonicalize_name(name)
        for name, spec in sources.items()
        if isinstance(spec, dict) and spec.get("workspace") is True
    }


def _load_member(root: Path, path: Path, data: dict[str, Any], root_sources: set[str]) -> Member:
    rel = PurePosixPath(path.relative_to(root).as_posix()) if path != root else PurePosixPath(".")
    where = (rel / "pyproject.toml").as_posix()
    project = data.get("project")
    if not isinstance(project, dict):
        raise UvbakeError(where, "has no [project] table", "add [project] with a name")
    name = project.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UvbakeError(where, "[project] has no name", 'add name = "..." to [project]')
    if not PROJECT_NAME.fullmatch(name):
        raise UvbakeError(
            where,
            f"[project] name {name!r} is not a valid project name",
            "use letters, digits and . _ - (starting and ending with a letter or digit)",
        )
    deps = _requirements(project.get("dependencies", []), where=where)
    sources = _workspace_sources(data) | root_sources
    uv_package = table(data, "tool.uv").get("package")
    packaged = uv_package if isinstance(uv_package, bool) else "build-system" in data
    keys = {**config.ROOT_KEYS, **config.MEMBER_KEYS} if rel.name == "" else config.MEMBER_KEYS
    raw = config.validate(table(data, "tool").get("uvbake", {}), keys=keys, where=where)
    settings = {k: v for k, v in raw.items() if k in config.MEMBER_KEYS}
    version = project.get("version")
    description = project.get("description", "")
    return Member(
        name=canonicalize_name(name),
        path=rel,
        pyproject=where,
        version=version if isinstance(version, str) else None,
        description=description if isinstance(description, str) else "",
        dependencies=deps,
        workspace_sources=frozenset(sources),
        packaged=packaged,
        settings=settings,
    )


def _python(root: Path, raw: dict[str, Any], lock: Lock) -> str:
    if "python" in raw:
        value = str(raw["python"])
        where = "pyproject.toml"
    elif (root / ".python-version").is_file():
        value = (root / ".python-version").read_text(encoding="utf-8", errors="replace")
        value = value.strip().splitlines()[0] if value.strip() else ""
        where = ".python-version"
    else:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(lock.requires_python or "")
        except InvalidSpecifier:
            spec = SpecifierSet()
        for candidate in config.LAMBDA_PYTHONS:
            if spec.contains(f"{candidate}.0") or spec.contains(f"{candidate}.99"):
                return candidate
        raise UvbakeError(
            "uv.lock",
            f"requires-python {lock.requires_python!r} allows no Lambda Python",
            'set [tool.uvbake] python = "3.13" in pyproject.toml',
        )
    minor = ".".join(value.split(".")[:2])
    if minor not in config.LAMBDA_PYTHONS:
        raise UvbakeError(
            where,
            f"Python {value!r} is not a Lambda Python runtime",
            f"use one of {', '.join(config.LAMBDA_PYTHONS)}",
        )
    return minor


def _settings(root: Path, raw: dict[str, Any], lock: Lock) -> config.Settings:
    python = _python(root, raw, lock)
    return config.Settings(
        services=tuple(raw.get("services", config.DEFAULT_SERVICES)),
        libraries=tuple(raw.get("libraries", config.DEFAULT_LIBRARIES)),
        python=python,
        platform=raw.get("platform", config.DEFAULT_PLATFORM),
        base_image=raw.get("base-image", f"public.ecr.aws/lambda/python:{python}"),
        uv_image=raw.get("uv-image", f"ghcr.io/astral-sh/uv:{config.UV_VERSION}"),
        registry=raw.get("registry", "local"),
        arm64_runner=raw.get("arm64-runner"),
    )


def load(root: Path) -> Workspace:
    """Read the workspace at `root`. Every problem is a UvbakeError naming the file to fix."""
    if not root.is_dir():
        raise UvbakeError(root, "is not a folder", "pass the workspace root with --root")
    data = read_toml(
        root / "pyproject.toml",
        display="pyproject.toml",
        fix="run uvbake in the workspace root or pass --root",
    )
    workspace = table(data, "tool.uv").get("workspace")
    if not isinstance(workspace, dict):
        raise UvbakeError("pyproject.toml", "has no [tool.uv.workspace] table", WORKSPACE_FIX)
    raw = config.validate(
        table(data, "tool").get("uvbake", {}), keys=config.ROOT_KEYS, where="pyproject.toml"
    )
    root_sources = _workspace_sources(data)
    loaded: dict[Path, dict[str, Any]] = {}
    if isinstance(data.get("project"), dict):
        loaded[root] = data
    for path in _member_dirs(root, workspace, where="pyproject.toml"):
        rel = path.relative_to(root).as_posix()
        loaded[path] = read_toml(
            path / "pyproject.toml", display=f"{rel}/pyproject.toml", fix="create it"
        )
    members = [_load_member(root, p, d, root_sources) for p, d in loaded.items()]
    by_name: dict[str, Member] = {}
    for member in sorted(members, key=lambda m: m.path.as_posix()):
        if member.name in by_name:
            raise UvbakeError(
                member.pyproject,
                f"project name '{member.name}' is also used by {by_name[member.name].pyproject}",
                "give every workspace member its own [project] name",
            )
        by_name[member.name] = member
    lock = load_lock(root / "uv.lock", display="uv.lock")
    _check_lock(lock, set(by_name))
    _check_sources(by_name)
    return Workspace(
        root=root,
        members=tuple(sorted(by_name.values(), key=lambda m: m.path.as_posix())),
        lock=lock,
        settings=_settings(root, raw, lock),
    )


def _check_lock(lock: Lock, names: set[str]) -> None:
    locked = set(lock.members) or {
        p.name for p in lock.packages if p.source_kind in ("editable", "virtual")
    }
    if locked != names:
        missing = sorted(names - locked)
        extra = sorted(locked - names)
        parts = []
        if missing:
            parts.append(f"does not list member(s) {', '.join(missing)}")
        if extra:
            parts.append(f"lists {', '.join(extra)} which are not members")
        raise UvbakeError("uv.lock", f"is out of date: it {' and '.join(parts)}", RELOCK)


def _check_sources(members: dict[str, Member]) -> None:
    for member in members.values():
        declared = {canonicalize_name(r.name) for r in member.dependencies}
        for name in sorted(member.workspace_sources & declared):
            if name not in members:
                raise UvbakeError(
                    member.pyproject,
                    f"'{name}' has a {{ workspace = true }} source but is not a workspace member",
                    "add its folder to [tool.uv.workspace] members or drop the source",
                )
