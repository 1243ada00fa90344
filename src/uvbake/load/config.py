"""The typed settings [tool.uvbake] tables become, with every default: `Settings` for the
workspace, `MemberSettings` for a member. Their keys are declared in `keys`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from uvbake import names, runtime
from uvbake.errors import UvbakeError, one_line
from uvbake.load.keys import (
    DEFAULT_LIBRARIES,
    DEFAULT_MAX_LAYERS,
    DEFAULT_MIN_SHARED_LAYER_KB,
    DEFAULT_REGISTRY,
    DEFAULT_SERVICES,
    FUNCTION_NAME,
    HANDLER,
    UV_IMAGE,
)


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
    # Kilobytes of locked wheels from which a group shared by several images is a layer.
    min_shared_layer_kb: int = DEFAULT_MIN_SHARED_LAYER_KB
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
        platform=raw.get("platform", runtime.DEFAULT_PLATFORM),
        base_image=raw.get("base-image", runtime.BASE_IMAGE.format(python=python)),
        uv_image=raw.get("uv-image", UV_IMAGE),
        registry=raw.get("registry", DEFAULT_REGISTRY),
        arm64_runner=raw.get("arm64-runner"),
        native_builds=raw.get("native-builds", True),
        glibc=raw.get("glibc", runtime.glibc(python)),
        max_layers=raw.get("max-layers", DEFAULT_MAX_LAYERS),
        min_shared_layer_kb=raw.get("min-shared-layer-kb", DEFAULT_MIN_SHARED_LAYER_KB),
        services_given="services" in raw,
        source_builds=tuple(sorted({canonicalize_name(n) for n in raw.get("source-builds", ())})),
    )


def deprecation(settings: Settings, *, today: date | None = None) -> str | None:
    """A warning when the workspace's Python is a Lambda runtime deprecated by `today`."""
    since = runtime.DEPRECATED.get(settings.python)
    if since is None or since > (today or date.today()):
        return None
    newest = runtime.PYTHONS[-1]
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
        for candidate in reversed(runtime.PYTHONS):
            if spec.contains(f"{candidate}.0") or spec.contains(f"{candidate}.99"):
                return candidate, "uv.lock"
        raise UvbakeError(
            "uv.lock",
            f"requires-python {requires_python!r} allows no Lambda Python",
            'set [tool.uvbake] python = "3.13" in pyproject.toml',
        )
    minor = ".".join(value.split(".")[:2])
    if minor not in runtime.PYTHONS:
        raise UvbakeError(
            where,
            f"Python {value!r} is not a Lambda Python runtime",
            f"use one of {', '.join(runtime.PYTHONS)}",
        )
    return minor, where
