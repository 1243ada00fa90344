"""Paths as the readers record them: POSIX, normalised, relative to the folder the scan started
at (`top`), "../" when they leave it.

Two kinds of joining, kept apart on purpose:

- `locate` (and `Where.path`) resolves a path *written in a file* (a template's CodeUri, a
  Terraform source_dir, a CDK asset folder) against a folder relative to top; an absolute one
  is made relative to top.
- `join_texts` is the program's own `os.path.join` / `path.join` of path *values* (`Text`)
  that a CDK app builds, some of them still anchored to the file's location (__file__,
  __dirname); only where the result is used does `place` resolve it with `locate`.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

# Generated or downloaded copies: cdk synth, sam build, serverless package, terraform init.
SKIP_FOLDERS = frozenset(
    {"cdk.out", ".aws-sam", ".serverless", ".terraform", "node_modules", ".venv", ".git"}
)


def relative(top: Path, path: Path | str) -> str:
    """`path` relative to `top`, POSIX and normalised ("../" kept when it leaves top)."""
    return posixpath.normpath(Path(os.path.relpath(path, top)).as_posix())


def locate(top: Path, folder: str, value: str) -> str:
    """A path written in a file of `folder` (relative to `top`), relative to `top`."""
    if posixpath.isabs(value):
        return relative(top, value)
    return posixpath.normpath(posixpath.join(folder, value))


@dataclass(frozen=True)
class Where:
    """The file being read: `rel` is its path relative to `top`."""

    top: Path
    rel: str

    @property
    def folder(self) -> str:
        """The file's folder relative to top ("" at top itself)."""
        return posixpath.dirname(self.rel)

    def path(self, value: str, folder: str | None = None) -> str:
        """A path written in the file, relative to `folder` (by default the file's own)."""
        return locate(self.top, self.folder if folder is None else folder, value)


def app_folder(top: Path, file: Path) -> str:
    """The CDK app's working folder, relative to top: the nearest folder holding cdk.json from
    the file's own up to top, else the file's folder."""
    own = folder = relative(top, file.parent)
    while not folder.startswith(".."):
        if (top / folder / "cdk.json").is_file():
            return folder
        if folder == ".":
            break
        folder = posixpath.dirname(folder) or "."
    return own


@dataclass(frozen=True)
class Text:
    """A string value; an `anchored` one is a top-relative path built from the declaring file's
    own location (__file__, __dirname), a plain relative one is relative to the CDK app."""

    value: str
    anchored: bool = False


def place(top: Path, *, text: Text, base: str) -> str:
    """Where a path value points, relative to top; a plain relative one is relative to `base`."""
    if text.anchored:
        return posixpath.normpath(text.value)
    return locate(top, base, text.value)


def parent(text: Text | None) -> Text | None:
    return text and Text(posixpath.normpath(posixpath.join(text.value, "..")), text.anchored)


def join_texts(parts: list[Text | None], *, resolve: bool = False) -> Text | None:
    """os.path.join / path.join of path values; `resolve` starts over at an anchored one."""
    known = [p for p in parts if p is not None]
    if len(known) < len(parts) or not known:
        return None
    if resolve:
        known = known[max(i for i, p in enumerate(known) if p.anchored or not i) :]
    first, rest = known[0], known[1:]
    if any(p.anchored for p in rest):
        return None
    absolute = any(posixpath.isabs(p.value) for p in rest)
    value = posixpath.join(first.value, *(p.value for p in rest))
    return Text(value, first.anchored and not absolute)


def concat(parts: list[Text | None]) -> Text | None:
    """`a + b` of string values; only the first may be anchored."""
    if any(p is None or (i and p.anchored) for i, p in enumerate(parts)):
        return None
    known = [p for p in parts if p is not None]
    return Text("".join(p.value for p in known), bool(known) and known[0].anchored)
