"""Which folders are workspace members: [tool.uv.workspace] members and exclude globs
expanded as uv expands them, and the checkout's members compared with uv.lock's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from uvbake.errors import UvbakeError, one_line
from uvbake.load import globs
from uvbake.uvlock.lock import RELOCK, Lock, SourceKind


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


def _checked_glob(pattern: Any, *, where: str) -> str:
    """`pattern`, if it is a glob relative to the workspace root that stays inside it."""
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
    return pattern


@dataclass(frozen=True)
class Globbed:
    """[tool.uv.workspace] expanded: member folders with a pyproject.toml, member globs that
    match no folder, and matched folders without a pyproject.toml (with their glob)."""

    members: tuple[str, ...]
    exclude: tuple[str, ...]
    dirs: tuple[Path, ...]
    unmatched: tuple[str, ...]
    bare: tuple[tuple[str, str], ...]


def member_dirs(root: Path, workspace: dict[str, Any], *, where: str) -> Globbed:
    members = workspace.get("members", [])
    excludes = workspace.get("exclude", [])
    for key, value in (("members", members), ("exclude", excludes)):
        if not isinstance(value, list):
            raise UvbakeError(
                where,
                f"[tool.uv.workspace] {key} must be a list of globs",
                f'write it as {key} = ["services/*"]',
            )
    for pattern in excludes:
        _checked_glob(pattern, where=where)
    dirs: dict[Path, None] = {}
    unmatched: list[str] = []
    bare: list[tuple[str, str]] = []
    for pattern in members:
        found = globs.expand(root, _checked_glob(pattern, where=where))
        kept = [p for p in found if not _excluded(p.relative_to(root).as_posix(), excludes)]
        matched = [p for p in kept if _linked_folder(root, p, pattern, where=where)]
        # a glob whose folders are all excluded is fine, as it is for uv
        if not matched and (kept or not found):
            unmatched.append(pattern)
        for path in sorted(matched):
            if (path / "pyproject.toml").is_file():
                dirs.setdefault(path, None)
            else:
                bare.append((path.relative_to(root).as_posix(), pattern))
    return Globbed(
        members=tuple(members),
        exclude=tuple(excludes),
        dirs=tuple(dirs),
        unmatched=tuple(unmatched),
        bare=tuple(bare),
    )


def _excluded(path: str, patterns: Iterable[str]) -> bool:
    return any(globs.excludes(pattern, path) for pattern in patterns)


def check_globbed(globbed: Globbed, *, missing: Iterable[str], where: str) -> tuple[str, ...]:
    """Folders without a pyproject.toml are errors, unless uv.lock says a member lives there
    (generated code not in the checkout yet). A member entry that matches no folder is a
    warning, as uv accepts it: it is an error only for a service that needs the member."""
    gone = set(missing)
    warnings = []
    for pattern in globbed.unmatched:
        if not any(globs.matches(pattern, path) for path in gone):
            warnings.append(
                one_line(
                    where,
                    f"workspace member entry {pattern!r} matches no folder in the checkout",
                    "remove it from [tool.uv.workspace] members, or create the member",
                )
            )
    for rel, pattern in globbed.bare:
        if rel not in gone:
            raise UvbakeError(
                where,
                f"workspace member '{rel}' has no pyproject.toml (matched by {pattern!r})",
                f'add "{rel}" to [tool.uv.workspace] exclude',
            )
    return tuple(warnings)


def _absent(root: Path, path: str, globbed: Globbed) -> bool:
    """Whether the member folder `path` is covered by the member globs but not checked out."""
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return False
    text = rel.as_posix()
    covered = any(globs.matches(pattern, text) for pattern in globbed.members)
    return (
        covered
        and not _excluded(text, globbed.exclude)
        and not (root / rel / "pyproject.toml").is_file()
    )


def missing_members(root: Path, lock: Lock, names: set[str], *, globbed: Globbed) -> dict[str, str]:
    """Compare uv.lock's members with the checkout's; return {name: folder} of the locked
    members whose folders are missing from the checkout."""
    locked = set(lock.members) or {
        p.name for p in lock.packages if p.source_kind in (SourceKind.EDITABLE, SourceKind.VIRTUAL)
    }
    missing: dict[str, str] = {}
    for name in sorted(locked - names):
        path = lock.member_path(name)
        if path is not None and _absent(root, path, globbed):
            missing[name] = PurePosixPath(path).as_posix()
    if locked - set(missing) != names:
        unlisted = sorted(names - locked)
        extra = sorted(locked - names - set(missing))
        parts = []
        if unlisted:
            parts.append(f"does not list member(s) {', '.join(unlisted)}")
        if extra:
            parts.append(f"lists {', '.join(extra)} which are not members")
        raise UvbakeError("uv.lock", f"is out of date: it {' and '.join(parts)}", RELOCK)
    return missing
