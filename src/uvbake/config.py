"""[tool.uvbake] tables: known keys, their types, and "did you mean" for the rest."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import UvbakeError

DEFAULT_SERVICES = ("services/*",)
DEFAULT_LIBRARIES = ("services/common/*",)
DEFAULT_PLATFORM = "linux/arm64"
PLATFORMS = ("linux/arm64", "linux/amd64")
UV_VERSION = "0.13.9"
LAMBDA_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
IMAGE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@-]*")

# key -> (type name, checker)
_STR = ("a string", lambda v: isinstance(v, str))
_BOOL = ("true or false", lambda v: isinstance(v, bool))
_GLOBS = ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))

ROOT_KEYS: Mapping[str, tuple[str, Any]] = {
    "services": _GLOBS,
    "libraries": _GLOBS,
    "python": _STR,
    "platform": _STR,
    "base-image": _STR,
    "uv-image": _STR,
    "registry": _STR,
    "arm64-runner": _STR,
    "native-builds": _BOOL,
}
MEMBER_KEYS: Mapping[str, tuple[str, Any]] = {
    "service": _BOOL,
    "handler": _STR,
    "platform": _STR,
    "base-image": _STR,
    "packages": _GLOBS,
}


def validate(raw: Any, *, keys: Mapping[str, tuple[str, Any]], where: str) -> dict[str, Any]:
    """Return `raw` checked against `keys`, or raise naming the first bad key."""
    if not isinstance(raw, dict):
        raise UvbakeError(where, "[tool.uvbake] is not a table", "write it as [tool.uvbake]")
    for key in sorted(raw):
        if key not in keys:
            close = difflib.get_close_matches(key, list(keys), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(keys)}"
            raise UvbakeError(where, f"unknown key '{key}' in [tool.uvbake]", hint)
        kind, check = keys[key]
        if not check(raw[key]):
            raise UvbakeError(where, f"[tool.uvbake] {key} must be {kind}", f"set {key} to {kind}")
    for key in ("base-image", "uv-image", "registry"):
        if key in raw and not IMAGE_REF.fullmatch(raw[key]):
            raise UvbakeError(
                where,
                f"[tool.uvbake] {key} {raw[key]!r} is not an image reference",
                "use letters, digits and . _ - / : @ only",
            )
    platform = raw.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise UvbakeError(
            where,
            f"[tool.uvbake] platform '{platform}' is not a Lambda platform",
            f"use one of {', '.join(PLATFORMS)}",
        )
    return dict(raw)


@dataclass(frozen=True)
class Settings:
    """Workspace-wide settings after defaults."""

    services: tuple[str, ...]
    libraries: tuple[str, ...]
    python: str
    platform: str
    base_image: str
    uv_image: str
    registry: str
    arm64_runner: str | None = None
    # Build workspace code on the build machine's platform (the base image must have it).
    native_builds: bool = True
