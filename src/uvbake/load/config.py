"""[tool.uvbake] tables: known keys, their types, "did you mean" for the rest, and the typed
settings they become, with every default in this module."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from uvbake import names
from uvbake.errors import UvbakeError, one_line

DEFAULT_SERVICES = ("services/*",)
DEFAULT_LIBRARIES = ("services/common/*",)
DEFAULT_PLATFORM = "linux/arm64"
# Lambda platforms and the machine (PEP 508 platform_machine) each one runs on.
MACHINES: Mapping[str, str] = {"linux/arm64": "aarch64", "linux/amd64": "x86_64"}
PLATFORMS = tuple(MACHINES)
UV_VERSION = "0.13.9"
LAMBDA_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
# When AWS Lambda deprecated (or deprecates) each Python runtime: the "deprecation date" column
# of the supported-runtimes table in the AWS Lambda Developer Guide, "Lambda runtimes"
# (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Update it from that table.
DEPRECATED: Mapping[str, date] = {"3.9": date(2025, 12, 15), "3.10": date(2026, 10, 31)}
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
LAMBDA_BASE_IMAGE = "public.ecr.aws/lambda/python:{python}"
UV_IMAGE = f"ghcr.io/astral-sh/uv:{UV_VERSION}"

# key -> (type name, checker)
_STR = ("a string", lambda v: isinstance(v, str))
_BOOL = ("true or false", lambda v: isinstance(v, bool))
_GLOBS = ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))
_FUNCTIONS = (
    'a table of names to handlers, like { api = "pkg.api.handler" }',
    lambda v: isinstance(v, dict) and bool(v) and all(isinstance(x, str) for x in v.values()),
)

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
    "glibc": _STR,
    "max-layers": ("a whole number from 2 to 100", lambda v: type(v) is int and 2 <= v <= 100),
    "bake-file": _STR,
    "source-builds": _GLOBS,
}
# An example of each key, for the error that says what its value must be.
EXAMPLES: Mapping[str, str] = {
    "services": 'services = ["services/*"]',
    "libraries": 'libraries = ["services/common/*"]',
    "python": 'python = "3.13"',
    "platform": 'platform = "linux/arm64"',
    "base-image": 'base-image = "public.ecr.aws/lambda/python:3.13"',
    "uv-image": f'uv-image = "ghcr.io/astral-sh/uv:{UV_VERSION}"',
    "registry": 'registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"',
    "arm64-runner": 'arm64-runner = "ubuntu-24.04-arm"',
    "native-builds": "native-builds = true",
    "glibc": 'glibc = "2.34"',
    "max-layers": "max-layers = 16",
    "bake-file": 'bake-file = "uvbake.hcl"',
    "source-builds": 'source-builds = ["docopt"]',
    "service": "service = true",
    "handler": 'handler = "acme_orders.main.handler"',
    "packages": 'packages = ["acme_orders"]',
    "functions": 'functions = { api = "acme_orders.api.handler" }',
    "base-dockerfile": 'base-dockerfile = "docker/orders.base.Dockerfile"',
    "repository": 'repository = "acme/orders"',
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


MEMBER_KEYS: Mapping[str, tuple[str, Any]] = {
    "service": _BOOL,
    "handler": _STR,
    "platform": _STR,
    "base-image": _STR,
    "packages": _GLOBS,
    "glibc": _STR,
    "functions": _FUNCTIONS,
    "base-dockerfile": _STR,
    "repository": _STR,
}


_IMAGE = (IMAGE_REF, "is not an image reference", "use ASCII letters, digits and . _ - / : @ only")
# The string keys whose value has a shape: (pattern, what is wrong otherwise, the fix).
SHAPES: Mapping[str, tuple[re.Pattern[str], str, str]] = {
    "base-image": _IMAGE,
    "uv-image": _IMAGE,
    "registry": _IMAGE,
    "bake-file": (
        BAKE_FILE,
        "is not a file name ending in .hcl",
        'write it as bake-file = "uvbake.hcl" (ASCII letters, digits and . _ -, in the root)',
    ),
    "glibc": (GLIBC, "is not a glibc version", 'write it as glibc = "2.34" (2.17 or newer)'),
    "repository": (
        REPOSITORY,
        "is not an image repository name",
        'write it as repository = "acme/orders" (lowercase letters and digits, parts joined '
        "by . _ - or /)",
    ),
}


def validate(raw: Any, *, keys: Mapping[str, tuple[str, Any]], where: str) -> dict[str, Any]:
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
    glibc: str
    max_layers: int
    arm64_runner: str | None = None
    # Build workspace code on the build machine's platform (the base image must have it).
    native_builds: bool = True
    # Whether [tool.uvbake] services is set (else members are also found by their handlers).
    services_given: bool = False
    # Where `python` comes from: pyproject.toml, .python-version or uv.lock (requires-python).
    python_from: str = "pyproject.toml"
    # The generated bake file's name, in the workspace root.
    bake_file: str = names.BAKE_FILE
    # Packages allowed to be built from source on the target platform (normalised names).
    source_builds: tuple[str, ...] = ()


@dataclass(frozen=True)
class MemberSettings:
    """A member's [tool.uvbake] table; None where the key is not set."""

    service: bool | None = None
    handler: str | None = None
    platform: str | None = None
    base_image: str | None = None
    packages: tuple[str, ...] | None = None
    glibc: str | None = None
    # (function name, handler) of a member that is several Lambda functions.
    functions: tuple[tuple[str, str], ...] | None = None
    # A Dockerfile (relative to the member's folder) whose last stage the image starts from.
    base_dockerfile: str | None = None
    # The image repository (in REGISTRY) of the service; None: the service's name.
    repository: str | None = None


def member_settings(raw: Mapping[str, Any], *, where: str) -> MemberSettings:
    """The member keys of a validated [tool.uvbake] table."""
    handler = raw.get("handler")
    if handler is not None and not HANDLER.fullmatch(handler):
        raise UvbakeError(
            where,
            f"handler {handler!r} is not a dotted module.function path",
            'set [tool.uvbake] handler = "package.module.function"',
        )
    packages = raw.get("packages")
    functions = _functions(raw, where=where)
    return MemberSettings(
        service=raw.get("service"),
        handler=handler,
        platform=raw.get("platform"),
        base_image=raw.get("base-image"),
        packages=tuple(packages) if packages is not None else None,
        glibc=raw.get("glibc"),
        functions=functions,
        base_dockerfile=raw.get("base-dockerfile"),
        repository=raw.get("repository"),
    )


def _functions(raw: Mapping[str, Any], *, where: str) -> tuple[tuple[str, str], ...] | None:
    functions = raw.get("functions")
    if functions is None:
        return None
    if "handler" in raw:
        raise UvbakeError(
            where,
            "[tool.uvbake] sets both handler and functions",
            "keep functions and remove handler",
        )
    for name, handler in functions.items():
        if not FUNCTION_NAME.fullmatch(name):
            raise UvbakeError(
                where,
                f"[tool.uvbake] functions name {name!r} is not a bake target name",
                "use lowercase letters, digits, - and _",
            )
        if not HANDLER.fullmatch(handler):
            raise UvbakeError(
                where,
                f"handler {handler!r} of function '{name}' is not a dotted module.function path",
                f'set {name} = "package.module.function" in [tool.uvbake] functions',
            )
    return tuple(sorted(functions.items()))


def settings(
    raw: Mapping[str, Any], *, python_version_file: str | None, requires_python: str | None
) -> Settings:
    """The workspace settings of a validated root [tool.uvbake] table. `python_version_file`
    is the text of .python-version, if the workspace has one."""
    python, python_from = _python(raw, python_version_file, requires_python)
    return Settings(
        python_from=python_from,
        bake_file=raw.get("bake-file", names.BAKE_FILE),
        services=tuple(raw.get("services", DEFAULT_SERVICES)),
        libraries=tuple(raw.get("libraries", DEFAULT_LIBRARIES)),
        python=python,
        platform=raw.get("platform", DEFAULT_PLATFORM),
        base_image=raw.get("base-image", LAMBDA_BASE_IMAGE.format(python=python)),
        uv_image=raw.get("uv-image", UV_IMAGE),
        registry=raw.get("registry", DEFAULT_REGISTRY),
        arm64_runner=raw.get("arm64-runner"),
        native_builds=raw.get("native-builds", True),
        glibc=raw.get("glibc", lambda_glibc(python)),
        max_layers=raw.get("max-layers", DEFAULT_MAX_LAYERS),
        services_given="services" in raw,
        source_builds=tuple(sorted({canonicalize_name(n) for n in raw.get("source-builds", ())})),
    )


def lambda_glibc(python: str) -> str:
    """The glibc of the Lambda runtime for `python`: Amazon Linux 2023 for 3.12 and later,
    Amazon Linux 2 before."""
    return "2.34" if tuple(int(p) for p in python.split(".")) >= (3, 12) else "2.26"


def deprecation(settings: Settings, *, today: date | None = None) -> str | None:
    """A warning when the workspace's Python is a Lambda runtime deprecated by `today`."""
    since = DEPRECATED.get(settings.python)
    if since is None or since > (today or date.today()):
        return None
    newest = LAMBDA_PYTHONS[-1]
    return one_line(
        settings.python_from,
        f"Python {settings.python} is a deprecated Lambda runtime (python{settings.python} "
        f"since {since.isoformat()}: no more security patches)",
        f'move to a supported one, such as python = "{newest}"',
    )


def _python(
    raw: Mapping[str, Any], python_version_file: str | None, requires_python: str | None
) -> tuple[str, str]:
    """The Python of every image and where it comes from: [tool.uvbake] python, else
    .python-version, else the newest Lambda Python that requires-python allows."""
    if "python" in raw:
        value = str(raw["python"])
        where = "pyproject.toml"
    elif python_version_file is not None:
        text = python_version_file.strip()
        value = text.splitlines()[0] if text else ""
        where = ".python-version"
    else:
        try:
            spec = SpecifierSet(requires_python or "")
        except InvalidSpecifier:
            spec = SpecifierSet()
        for candidate in reversed(LAMBDA_PYTHONS):
            if spec.contains(f"{candidate}.0") or spec.contains(f"{candidate}.99"):
                return candidate, "uv.lock"
        raise UvbakeError(
            "uv.lock",
            f"requires-python {requires_python!r} allows no Lambda Python",
            'set [tool.uvbake] python = "3.13" in pyproject.toml',
        )
    minor = ".".join(value.split(".")[:2])
    if minor not in LAMBDA_PYTHONS:
        raise UvbakeError(
            where,
            f"Python {value!r} is not a Lambda Python runtime",
            f"use one of {', '.join(LAMBDA_PYTHONS)}",
        )
    return minor, where
