"""The plan's records: what each service's image holds, each library's way into it, and the
plan itself, which carries every decision the renderers and commands read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from uvbake import runtime
from uvbake.errors import UvbakeError
from uvbake.load.records import Member, Workspace
from uvbake.plan import basecopies
from uvbake.plan.layers import Layer
from uvbake.plan.packages import AppSource
from uvbake.plan.wheels import Pin, Target
from uvbake.scan.scanner import Scan


@dataclass(frozen=True)
class Role:
    """Whether a member is a service, and why (for `uvbake list`). `fix`: the setting that
    would make it a service, where it is not one."""

    service: bool
    reason: str
    fix: str | None = None


@dataclass(frozen=True)
class Function:
    """One Lambda function of a service: `name` is None for a service with one handler.
    `app`: the code of its own that /var/task holds (a declared code root), else () for the
    service's; `declared`: where it is declared ("template.yaml:12"), if it is."""

    name: str | None
    handler: str
    app: tuple[AppSource, ...] = ()
    declared: str | None = None


@dataclass(frozen=True)
class LibraryPlan:
    """How a workspace member reaches site-packages in the image of a service that needs it.

    A packaged member is built and installed from a bind mount of its folder, plus `files`
    outside that folder which its build reads (a readme or license such as ../README.md). A
    virtual member (no [build-system], or [tool.uv] package = false) cannot be built, and the
    workspace root project is never mounted whole, so their import packages are copied as
    source (`copies`); their third-party dependencies are among the service's pins."""

    member: Member
    install: bool
    files: tuple[str, ...]
    copies: tuple[AppSource, ...]
    scm_version: str | None = None
    # A workspace member, or a folder a path dependency names that is not a member.
    kind: str = "workspace member"

    @property
    def folder(self) -> str:
        return self.member.path.as_posix()

    @property
    def build_files(self) -> tuple[str, ...]:
        """Files outside the member's folder that its build reads."""
        return tuple(f for f in self.files if not inside(f, self.folder))

    @property
    def build_env(self) -> tuple[str, ...]:
        """NAME=value settings for the build: the version, when the build would ask git for
        it (setuptools-scm, hatch-vcs), since the build context has no .git. hatch-vcs does
        not pass the project name to setuptools-scm, so the plain name is set too."""
        if self.scm_version is None:
            return ()
        return (
            f"SETUPTOOLS_SCM_PRETEND_VERSION={self.scm_version}",
            f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_{env_name(self.member.name)}={self.scm_version}",
        )


@dataclass(frozen=True)
class ServicePlan:
    name: str
    member: Member
    handler: str
    platform: str
    base_image: str | None
    libraries: tuple[LibraryPlan, ...]
    third_party: tuple[tuple[str, str], ...]
    app: tuple[AppSource, ...]
    reason: str

    target: Target
    pins: tuple[Pin, ...] = ()
    layers: tuple[Layer, ...] = ()
    # [tool.uvbake] functions: one image each, differing only in CMD; () for one handler.
    functions: tuple[Function, ...] = ()
    # A Dockerfile (relative to the root) whose last stage the image starts from.
    base_dockerfile: str | None = None
    # Where the one function of a service is declared ("template.yaml:12"), if it is.
    declared: str | None = None

    @property
    def targets(self) -> tuple[tuple[str, str], ...]:
        """(bake target, handler) of each image: the service's name, or <service>-<function>."""
        if not self.functions:
            return ((self.name, self.handler),)
        return tuple((f"{self.name}-{f.name}", f.handler) for f in self.functions)

    @property
    def closure(self) -> tuple[Member, ...]:
        """The workspace members the service needs at run time, other than itself."""
        return tuple(lib.member for lib in self.libraries)

    @property
    def replaces(self) -> tuple[str, ...]:
        """Distributions the Lambda base image ships in site-packages that the service pins
        itself: its copies go to /var/task, ahead of the base's (basecopies)."""
        return tuple(p.name for p in self.pins if basecopies.shipped(p.name))

    @property
    def copies(self) -> tuple[AppSource, ...]:
        """Import packages of virtual members (and the root project), copied as source."""
        return tuple(c for lib in self.libraries for c in lib.copies)

    @property
    def build_files(self) -> tuple[str, ...]:
        """Files outside the library folders that their builds read."""
        return tuple(sorted({f for lib in self.libraries for f in lib.build_files}))

    @property
    def emulated(self) -> tuple[Pin, ...]:
        """Pins with no wheel for the target: installed on the target platform."""
        return tuple(p for p in self.pins if not p.cross)


@dataclass(frozen=True)
class Skipped:
    """A member that would be a service but is not built, and why (one line)."""

    member: Member
    problem: UvbakeError


@dataclass(frozen=True)
class Plan:
    """Every decision: the services and what each image holds, each member's role, the
    members left out and why, and what the declarations said that could not be used."""

    workspace: Workspace
    services: tuple[ServicePlan, ...]
    libraries: tuple[Member, ...]
    layers: tuple[Layer, ...]
    scanned: Scan
    roles: dict[str, Role] = field(default_factory=dict)
    # The handlers each member that is not a service has (for `list`: what would be built).
    handlers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    no_service: UvbakeError | None = None

    def role(self, member: Member) -> Role:
        return self.roles[member.name]

    @property
    def shipped(self) -> tuple[LibraryPlan, ...]:
        """Every member some service installs or copies, once, in path order."""
        found = {lib.member.name: lib for s in self.services for lib in s.libraries}
        return tuple(sorted(found.values(), key=lambda lib: lib.folder))

    @property
    def site_packages(self) -> str:
        return runtime.site_packages(self.workspace.settings.python)


def inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or below it (every path is below ".")."""
    return folder == "." or path == folder or path.startswith(f"{folder}/")


def env_name(name: str) -> str:
    """A project name as an environment variable suffix: acme-orders -> ACME_ORDERS."""
    return re.sub(r"[-_.]+", "_", name).upper()
