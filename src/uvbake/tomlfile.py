"""Reading TOML files, with every failure turned into a UvbakeError; and the one import of
a TOML parser (tomllib, tomli before Python 3.11)."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

from uvbake.errors import UvbakeError

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """Parse TOML text; TOMLDecodeError when it is not TOML."""
    return tomllib.loads(text)


def read_toml(
    path: Path, *, display: str, fix: str, skip: re.Pattern[str] | None = None
) -> dict[str, Any]:
    """Parse `path`; `display` names it in errors and `fix` says what to do when it is missing.

    Whole lines matching `skip` are left out before parsing (they must be lines whose removal
    keeps the document valid, such as array items); errors are still reported on the file as
    it is, with its real line numbers.
    """
    return read_toml_text(path, display=display, fix=fix, skip=skip)[0]


def read_toml_text(
    path: Path, *, display: str, fix: str, skip: re.Pattern[str] | None = None
) -> tuple[dict[str, Any], str]:
    """`read_toml`, and the file's text as well."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UvbakeError(display, "file not found", fix) from None
    except IsADirectoryError:
        raise UvbakeError(
            display, "is a folder, not a file", "replace it with the TOML file"
        ) from None
    except OSError as exc:
        raise UvbakeError(
            display, f"cannot be read ({exc.strerror})", "check its permissions"
        ) from None
    return parse_toml_text(raw, display=display, skip=skip)


def parse_toml_text(
    raw: bytes, *, display: str, skip: re.Pattern[str] | None = None
) -> tuple[dict[str, Any], str]:
    """`read_toml_text` of a file's bytes already read (from git, say)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UvbakeError(
            display, f"is not UTF-8 (byte {exc.start})", "save the file as UTF-8"
        ) from None
    try:
        return tomllib.loads(skip.sub("", text) if skip else text), text
    except tomllib.TOMLDecodeError:
        pass
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise UvbakeError(display, f"is not valid TOML ({exc})", "fix the syntax") from None


def table(data: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """The nested table at `dotted` ("tool.uv.workspace"), or {} when any part is absent."""
    node: Any = data
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return {}
        node = node.get(key, {})
    return node if isinstance(node, dict) else {}
