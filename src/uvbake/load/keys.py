"""The [tool.uvbake] keys, each declared once (where it may stand, its type, an example, its
shape), and the check of a table against them, with "did you mean" for the rest."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from uvbake import runtime
from uvbake.errors import UvbakeError

DEFAULT_SERVICES = ("services/*",)
DEFAULT_LIBRARIES = ("services/common/*",)
UV_VERSION = "0.13.9"
IMAGE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@-]*")
GLIBC = re.compile(r"2\.(1[7-9]|[2-9][0-9])")
PACKAGE_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
HANDLER = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+")
# A function's name: the bake target of a member's function is "<service>-<function>".
FUNCTION_NAME = re.compile(r"[a-z0-9]([a-z0-9_-]*[a-z0-9])?")
DEFAULT_REGISTRY = "local"
# An image repository's name in a registry, as docker reads it (path parts of lowercase
# letters and digits, joined by . _ __ or dashes).
REPOSITORY = re.compile(r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*")
BAKE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.hcl")
# Third-party layers per image at most; past it an image's smallest ones are merged.
DEFAULT_MAX_LAYERS = 16
# A third-party group shared by several images gets a layer of its own from this many
# kilobytes (1000 bytes) of locked wheels; a smaller one joins each image's own layer.
DEFAULT_MIN_SHARED_LAYER_KB = 1000
UV_IMAGE = f"ghcr.io/astral-sh/uv:{UV_VERSION}"
# The runtime's facts, as this module's users have read them from here.
MACHINES = runtime.MACHINES
PLATFORMS = runtime.PLATFORMS
LAMBDA_PYTHONS = runtime.PYTHONS

Check = Callable[[Any], bool]
_STR: tuple[str, Check] = ("a string", lambda v: isinstance(v, str))
_BOOL: tuple[str, Check] = ("true or false", lambda v: isinstance(v, bool))
_GLOBS: tuple[str, Check] = (
    "a list of strings",
    lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
)
_FUNCTIONS: tuple[str, Check] = (
    'a table of names to handlers, like { api = "pkg.api.handler" }',
    lambda v: isinstance(v, dict) and bool(v) and all(isinstance(x, str) for x in v.values()),
)
_LAYERS: tuple[str, Check] = (
    "a whole number from 2 to 100",
    lambda v: type(v) is int and 2 <= v <= 100,
)
_KILOBYTES: tuple[str, Check] = (
    "a whole number from 0 to 1000000",
    lambda v: type(v) is int and 0 <= v <= 1_000_000,
)
_IMAGE = (IMAGE_REF, "is not an image reference", "use ASCII letters, digits and . _ - / : @ only")

ROOT = "workspace"
MEMBER = "member"
BOTH = "both"


@dataclass(frozen=True)
class Key:
    """One [tool.uvbake] key, declared once: where it may stand (the workspace root's table,
    a member's, or both), the type of its value and how to check it, an example for the
    errors, and, for a string with a shape, the pattern, what is wrong otherwise and the fix.
    Its field in `Settings` or `MemberSettings` is `attr` (the key with _ for -)."""

    name: str
    scope: str
    kind: tuple[str, Check]
    example: str
    shape: tuple[re.Pattern[str], str, str] | None = None

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")


KEYS: tuple[Key, ...] = (
    Key("services", ROOT, _GLOBS, 'services = ["services/*"]'),
    Key("libraries", ROOT, _GLOBS, 'libraries = ["services/common/*"]'),
    Key("python", ROOT, _STR, 'python = "3.13"'),
    Key("platform", BOTH, _STR, 'platform = "linux/arm64"'),
    Key("base-image", BOTH, _STR, 'base-image = "public.ecr.aws/lambda/python:3.13"', _IMAGE),
    Key("uv-image", ROOT, _STR, f'uv-image = "ghcr.io/astral-sh/uv:{UV_VERSION}"', _IMAGE),
    Key(
        "registry",
        ROOT,
        _STR,
        'registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"',
        _IMAGE,
    ),
    Key("arm64-runner", ROOT, _STR, 'arm64-runner = "ubuntu-24.04-arm"'),
    Key("native-builds", ROOT, _BOOL, "native-builds = true"),
    Key(
        "glibc",
        BOTH,
        _STR,
        'glibc = "2.34"',
        (GLIBC, "is not a glibc version", 'write it as glibc = "2.34" (2.17 or newer)'),
    ),
    Key("max-layers", ROOT, _LAYERS, "max-layers = 16"),
    Key("min-shared-layer-kb", ROOT, _KILOBYTES, "min-shared-layer-kb = 1000"),
    Key(
        "bake-file",
        ROOT,
        _STR,
        'bake-file = "uvbake.hcl"',
        (
            BAKE_FILE,
            "is not a file name ending in .hcl",
            'write it as bake-file = "uvbake.hcl" (ASCII letters, digits and . _ -, in the root)',
        ),
    ),
    Key("source-builds", ROOT, _GLOBS, 'source-builds = ["docopt"]'),
    Key("service", MEMBER, _BOOL, "service = true"),
    Key("handler", MEMBER, _STR, 'handler = "acme_orders.main.handler"'),
    Key("packages", MEMBER, _GLOBS, 'packages = ["acme_orders"]'),
    Key("functions", MEMBER, _FUNCTIONS, 'functions = { api = "acme_orders.api.handler" }'),
    Key("base-dockerfile", MEMBER, _STR, 'base-dockerfile = "docker/orders.base.Dockerfile"'),
    Key(
        "repository",
        MEMBER,
        _STR,
        'repository = "acme/orders"',
        (
            REPOSITORY,
            "is not an image repository name",
            'write it as repository = "acme/orders" (lowercase letters and digits, parts '
            "joined by . _ - or /)",
        ),
    ),
)
# Views of the one table: the keys of each table with their type, every example, every shape.
ROOT_KEYS: Mapping[str, tuple[str, Check]] = {k.name: k.kind for k in KEYS if k.scope != MEMBER}
MEMBER_KEYS: Mapping[str, tuple[str, Check]] = {k.name: k.kind for k in KEYS if k.scope != ROOT}
EXAMPLES: Mapping[str, str] = {k.name: k.example for k in KEYS}
SHAPES: Mapping[str, tuple[re.Pattern[str], str, str]] = {
    k.name: k.shape for k in KEYS if k.shape is not None
}

# What a TOML value is, in the words of the errors.
TOML_TYPES = (
    (bool, "true or false"),
    (str, "a string"),
    (int, "a whole number"),
    (float, "a number with a fraction"),
    (list, "a list"),
    (dict, "a table"),
)


def toml_type(value: Any) -> str:
    return next((name for kind, name in TOML_TYPES if isinstance(value, kind)), "a date or time")


def found(value: Any) -> str:
    """What a wrong value is: a number or boolean as written, else its TOML type."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        odd = next((item for item in value if not isinstance(item, str)), None)
        return "a list" if odd is None else f"a list holding {found(odd)}"
    return toml_type(value)


def validate(raw: Any, *, keys: Mapping[str, tuple[str, Check]], where: str) -> dict[str, Any]:
    """Return `raw` checked against `keys`, or raise naming the first bad key."""
    if not isinstance(raw, dict):
        raise UvbakeError(where, "[tool.uvbake] is not a table", "write it as [tool.uvbake]")
    for key in sorted(raw):
        if key not in keys and keys is MEMBER_KEYS and key in ROOT_KEYS:
            raise UvbakeError(
                where,
                f"'{key}' in [tool.uvbake] is a workspace setting, not a member's",
                "move it to [tool.uvbake] of the workspace root's pyproject.toml",
            )
        if key not in keys:
            close = difflib.get_close_matches(key, list(keys), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(keys)}"
            raise UvbakeError(where, f"unknown key '{key}' in [tool.uvbake]", hint)
        kind, check = keys[key]
        if not check(raw[key]):
            example = EXAMPLES.get(key)
            raise UvbakeError(
                where,
                f"[tool.uvbake] {key} must be {kind}, not {found(raw[key])}",
                f"write it as {example}" if example else f"set {key} to {kind}",
            )
    for key, (pattern, problem, fix) in SHAPES.items():
        if key in raw and not pattern.fullmatch(raw[key]):
            raise UvbakeError(where, f"[tool.uvbake] {key} {raw[key]!r} {problem}", fix)
    for name in raw.get("source-builds", ()):
        if not PACKAGE_NAME.fullmatch(name):
            raise UvbakeError(
                where,
                f"[tool.uvbake] source-builds names {name!r}, which is not a package name",
                f"write it as {EXAMPLES['source-builds']}",
            )
    platform = raw.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise UvbakeError(
            where,
            f"[tool.uvbake] platform '{platform}' is not a Lambda platform",
            f"use one of {', '.join(PLATFORMS)}",
        )
    return dict(raw)
