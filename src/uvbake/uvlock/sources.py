"""Where a requirement comes from, as uv.lock records it (and as uvbake lowers a pyproject's
[tool.uv.sources] to compare with it): an index, a folder, git, a URL, or a source compared by
name only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Registry:
    """The index uv picks: the only source (with Index) whose version bound uv records."""

    def shown(self) -> str:
        return ""


@dataclass(frozen=True)
class Index:
    url: str

    def shown(self) -> str:
        return f" (from index {self.url})"


# A folder's role: a workspace member (whose own package decides how it installs), or a path
# dependency installed editable or built.
TreeRole = Literal["member", "editable", "built"]


@dataclass(frozen=True)
class Tree:
    path: str  # from the workspace root
    role: TreeRole

    def shown(self) -> str:
        return f" (from {self.path})"


@dataclass(frozen=True)
class Git:
    repository: str  # without git+, the query and .git
    ref: str  # rev=..., tag=..., branch=... or ""
    subdirectory: str

    def shown(self) -> str:
        return f" (from {self.repository})"


@dataclass(frozen=True)
class Url:
    url: str
    subdirectory: str

    def shown(self) -> str:
        return f" (from {self.url})"


@dataclass(frozen=True)
class Loose:
    """A source uvbake does not lower exactly (a direct URL, a list of sources, one on a
    condition, the member's own extras): the requirement is compared by its name only."""

    def shown(self) -> str:
        return ""


Source = Registry | Index | Tree | Git | Url | Loose
REGISTRY = Registry()
LOOSE = Loose()


def git_source(url: str, subdirectory: Any = None, ref: tuple[str, str] | None = None) -> Git:
    """A git source, however it is spelled."""
    parts = urlsplit(url.removeprefix("git+"))
    query = dict(parse_qsl(parts.query))
    base = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/").removesuffix(".git")
    if ref is None:
        ref = next(((k, query[k]) for k in ("rev", "tag", "branch") if k in query), ("", ""))
    sub = str(subdirectory or query.get("subdirectory", ""))
    return Git(base, f"{ref[0]}={ref[1]}" if ref[1] else "", sub)
