"""Renderers: a Plan in, the text of every generated file out. No disk writes here."""

from __future__ import annotations

import json
import shlex
from importlib import resources
from typing import Any

import jinja2

from uvbake import edits, names
from uvbake.errors import UvbakeError
from uvbake.names import METADATA_TARGET, app_stage, base_target, library_stage, stage_name
from uvbake.plan import basecopies
from uvbake.plan.layers import Layer
from uvbake.plan.records import LibraryPlan, Plan, ServicePlan
from uvbake.render.cache import TemplateCache

# The argument of the bake file's failing parseint when REGISTRY is empty: what buildx prints.
REGISTRY_EMPTY = (
    "REGISTRY is empty: set it to the registry to push to, such as "
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com (in GitHub Actions, the repository "
    "variable REGISTRY)"
)


def repositories(service: ServicePlan) -> list[tuple[str, str]]:
    """(bake target, image repository) of each image of a service: [tool.uvbake] repository,
    else the service's name, and `-<function>` for each of its functions."""
    own = service.member.settings.repository or service.name
    if not service.functions:
        return [(service.name, own)]
    return [
        (target, f"{own}-{f.name}")
        for f, (target, _) in zip(service.functions, service.targets, strict=True)
    ]


def _own_names(service: ServicePlan) -> list[str]:
    """The bake names a service takes: its target (or group) and each function's target."""
    return [service.name, *(t for t, _ in service.targets if t != service.name)]


def name_conflicts(plan: Plan) -> list[UvbakeError]:
    """An error for each service whose name, or the target of one of its functions, is also
    a group or another target of the bake file."""
    taken = {group: f'group "{group}"' for group in names.BAKE_GROUPS}
    for service in plan.services:
        extra = [METADATA_TARGET.format(t) for t, _ in service.targets]
        if service.base_dockerfile is not None:
            extra.append(base_target(service.name))
        for target in extra:
            taken[target] = f"target \"{target}\" of service '{service.name}'"
    errors = []
    owners: dict[str, ServicePlan] = {}
    for s in plan.services:
        for name in _own_names(s):
            what = f"service name '{s.name}'" if name == s.name else f"bake target '{name}'"
            if name in taken:
                errors.append(
                    UvbakeError(
                        s.member.pyproject,
                        f"{what} is also the name of the bake {taken[name]}",
                        "rename the project in [project] name"
                        if name == s.name
                        else "rename the function in [tool.uvbake] functions",
                    )
                )
            elif name in owners:
                errors.append(
                    UvbakeError(
                        s.member.pyproject,
                        f"{what} of service '{s.name}' is also a bake target of service "
                        f"'{owners[name].name}'",
                        "rename a function in [tool.uvbake] functions or a project in "
                        "[project] name",
                    )
                )
            owners.setdefault(name, s)
    return errors


def hcl_string(value: Any) -> str:
    """An HCL2 literal: JSON escapes, and ${ / %{ doubled so nothing is interpolated."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("${", "$${").replace("%{", "%%{")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("uvbake.render", "templates"),
        bytecode_cache=TemplateCache(str(names.cache_folder("templates"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["hcl"] = hcl_string
    env.filters["json"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env


def _labels(service: ServicePlan, target: str, handler: str) -> list[tuple[str, str]]:
    member = service.member
    labels = {
        "org.opencontainers.image.title": target,
        "org.opencontainers.image.description": member.description,
        "org.opencontainers.image.version": member.version or "",
        "dev.uvbake.handler": handler,
        "dev.uvbake.member": member.path.as_posix(),
    }
    return sorted((k, v) for k, v in labels.items() if v)


def _index_options(layer: Layer) -> str:
    """` --index NAME=URL` for each index other than PyPI that installing the layer queries.

    uv applies UV_INDEX_<NAME>_USERNAME/_PASSWORD (the uv-env secret) only to named indexes.
    """
    options = ""
    for index in layer.indexes:
        value = f"{index.name}={index.url}" if index.name else index.url
        options += f" --index {shlex.quote(value)}"
    return options


def _service_context(plan: Plan, service: ServicePlan) -> dict[str, Any]:
    default_platform = service.platform == plan.workspace.settings.platform
    stage = stage_name(service.name)
    base = service.base_dockerfile
    # Functions with code of their own (declared code roots) get an app stage each; the
    # service's shared app stage is for the others.
    owns = [bool(f.app) for f in service.functions] or [False]
    shared = not all(owns)
    repository = dict(repositories(service))
    # The workspace libraries are built once each, and copied into the service's code layer:
    # a layer costs every bake of every image that has it, while a library's code is small.
    libraries = [library_stage(lib.member.name) for lib in service.libraries]
    return {
        "name": service.name,
        "stage": stage,
        "handler": service.handler,
        "functions": [f.name for f in service.functions],
        "targets": [
            {
                "name": target,
                "metadata_target": METADATA_TARGET.format(target),
                "repository": repository[target],
                "stage": stage_name(target),
                "handler": handler,
                "labels": _labels(service, target, handler),
                "app_stage": app_stage(stage_name(target)) if own else None,
            }
            for (target, handler), own in zip(service.targets, owns, strict=True)
        ],
        "apps": [
            *(
                [
                    {
                        "stage": app_stage(stage),
                        "sources": service.app if shared else (),
                        "libraries": libraries,
                    }
                ]
                if shared or libraries
                else []
            ),
            *(
                {"stage": app_stage(stage_name(target)), "sources": f.app, "libraries": []}
                for (target, _), f in zip(service.targets, service.functions, strict=False)
                if f.app
            ),
        ],
        "shared_app": shared or bool(libraries),
        "base": None if base is None else {"target": base_target(service.name), "dockerfile": base},
        "from": base_target(service.name) if base is not None else "${BASE_IMAGE}",
        "site_stages": [layer.name for layer in service.layers],
        "app": service.app,
        "platform": "PLATFORM" if default_platform else hcl_string(service.platform),
        "base_image": service.base_image,
    }


def _library_context(plan: Plan, library: LibraryPlan) -> dict[str, Any]:
    return {
        "kind": library.kind,
        "name": library.member.name,
        "stage": library_stage(library.member.name),
        "install": library.install,
        "folder": library.folder,
        "build_files": library.build_files,
        "build_env": "".join(f"{setting} " for setting in library.build_env),
        "copies": library.copies,
    }


def _layer_context(plan: Plan, layer: Layer) -> dict[str, Any]:
    target = layer.target
    native = plan.workspace.settings.native_builds
    reasons = sorted({f"{p.name} ({p.reason})" for p in layer.pins if not p.cross})
    folders = _layer_folders(layer, site=plan.site_packages)
    return {
        "name": layer.name,
        "target": target.label,
        "services": layer.services,
        "cross": layer.cross,
        "reasons": reasons,
        "builder": names.NATIVE_BUILDER if layer.cross and native else names.BUILDER,
        "folders": folders,
        "count": len(layer.pins),
        "finish": " ".join(f"/uvbake/out{folder['path']}" for folder in folders),
        "uv_platform": target.uv_platform,
        "python": target.python,
        "indexes": _index_options(layer),
    }


def _layer_folders(layer: Layer, *, site: str) -> list[dict[str, Any]]:
    """Where a layer installs its pins: site-packages, and /var/task for its copies of what
    the base image ships (basecopies), each from a requirements list of its own."""
    own, ahead = basecopies.split(layer.pins)
    folders = (
        (site, "REQUIREMENTS", own),
        (basecopies.TASK_ROOT, "TASK_REQUIREMENTS", ahead),
    )
    return [
        {
            "path": path,
            "heredoc": heredoc,
            "task": path == basecopies.TASK_ROOT,
            "names": [p.name for p in pins],
            "requirements": [p.requirement for p in pins],
        }
        for path, heredoc, pins in folders
        if pins
    ]


def build_script(name: str) -> str:
    """The text of one of uvbake's build scripts (templates/scripts), which the Dockerfile
    holds byte for byte in a heredoc ended by a line `uvbake-finish`."""
    text = (resources.files("uvbake.render") / "templates" / "scripts" / name).read_text(
        encoding="utf-8"
    )
    if not text.endswith("\n") or "\nuvbake-finish\n" in f"\n{text}":
        raise ValueError(f"build script {name} cannot be a heredoc ended by uvbake-finish")
    return text


def render(plan: Plan) -> dict[str, str]:
    """Map each generated file's path (relative to the workspace root) to its text."""
    conflicts = name_conflicts(plan)
    if conflicts:
        raise conflicts[0]
    settings = plan.workspace.settings
    env = _environment()
    context = {
        "header": names.header("generate"),
        "dockerfile": names.DOCKERFILE,
        "hidden_target": names.HIDDEN_TARGET,
        "default_group": names.DEFAULT_GROUP,
        "release_group": names.RELEASE_GROUP,
        "base_image": settings.base_image,
        "uv_image": settings.uv_image,
        "registry": settings.registry,
        "registry_empty": REGISTRY_EMPTY,
        "platform": settings.platform,
        "site": plan.site_packages,
        "native": settings.native_builds,
        "workspace_builder": names.NATIVE_BUILDER if settings.native_builds else names.BUILDER,
        "emulated": any(not layer.cross for layer in plan.layers),
        "layers": [_layer_context(plan, layer) for layer in plan.layers],
        "libraries": [_library_context(plan, lib) for lib in plan.shipped],
        "services": [_service_context(plan, s) for s in plan.services],
        "targets": [t for s in plan.services for t, _ in s.targets],
        "finish_script": build_script("finish.py"),
        "user_dockerignore": (plan.workspace.dockerignore or "").strip("\n"),
    }
    files = {
        settings.bake_file: env.get_template("docker-bake.hcl.j2").render(context),
        names.DOCKERFILE: env.get_template("Dockerfile.j2").render(context),
        names.DOCKERIGNORE: env.get_template("dockerignore.j2").render(context),
    }
    return {name: edits.stamp(text) for name, text in files.items()}
