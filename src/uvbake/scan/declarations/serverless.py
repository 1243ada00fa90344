"""Serverless Framework services (`serverless.yml`, `.yaml`, `.json`): the Lambda functions
they declare. `serverless.ts` is code, not read.

A Serverless handler is a path: `src/orders/handler.main` is the function `main` of
`src/orders/handler.py`, relative to the service folder, which is the code root (the folder
`serverless package` zips). A value holding a variable (`${self:custom.x}`, `${env:X}`) is
not a literal. Zip functions with no runtime at all run Node.js, Serverless's default, and
are left out like any other non-Python function.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from .cfnyaml import Lined, documents, json_line, show
from .common import config_text
from .model import Declared, Problem, Read
from .paths import SKIP_FOLDERS, Where, relative

_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})
_IMAGE_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


@dataclass(frozen=True)
class _Service(Where):
    """The service file being read and its provider-wide defaults."""

    provider: dict[Any, Any]


def wants(path: PurePosixPath) -> bool:
    return path.name in _NAMES and not any(p.lower() in SKIP_FOLDERS for p in path.parts[:-1])


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    text = config_text(file, rel)
    if isinstance(text, Read):
        return text
    parsed = documents(rel, text, as_json=file.suffix == ".json")
    if isinstance(parsed, Problem):
        return Read(problems=(parsed,))
    doc = parsed[0] if parsed else None
    if doc is None:
        return Read()
    if not isinstance(doc, dict):
        return Read(problems=(Problem(rel, 1, "not a Serverless service (not a mapping)"),))
    provider = doc.get("provider")
    cloud = provider.get("name") if isinstance(provider, dict) else None
    if isinstance(cloud, str) and "${" not in cloud and cloud != "aws":
        return Read()  # Google Cloud Functions, OpenWhisk...: not Lambda
    service = _Service(top, rel, provider if isinstance(provider, dict) else {})
    functions, problems = _functions(doc, text=text, rel=rel)
    found = []
    for name, (config, line) in functions.items():
        declared = _function(config, name=name, line=line, service=service)
        if declared is not None:
            found.append(declared)
    return Read(functions=tuple(found), problems=problems)


def _functions(
    doc: dict[Any, Any], *, text: str, rel: str
) -> tuple[dict[str, tuple[object, int]], tuple[Problem, ...]]:
    """Every function key with its config and line; `functions` may be a list of mappings."""
    functions = doc.get("functions")
    if isinstance(doc, Lined):
        start, offset = doc.lines.get("functions", 1), 0
    else:
        start, offset = json_line(text, 0, "functions")
    parts = functions if isinstance(functions, list) else [functions]
    found: dict[str, tuple[object, int]] = {}
    problems = []
    for part in parts:
        if isinstance(part, dict):
            for key, config in part.items():
                if isinstance(part, Lined):
                    line = part.lines.get(key, start)
                else:
                    line = json_line(text, offset, str(key))[0]
                found.setdefault(str(key), (config, line))
        elif part is not None:
            message = f"functions: {show(part)} (not a literal): its functions are not read"
            problems.append(Problem(rel, start, message))
    return found, tuple(problems)


def _text(config: dict[Any, Any], key: str, label: str, skipped: list[str]) -> str | None:
    """A literal string setting: None (and a note) when it holds a variable."""
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        skipped.append(f"{label}: {show(value)} (not a string)")
        return None
    if "${" in value:
        skipped.append(f"{label}: {value} (not a literal)")
        return None
    return value


def _inherited(
    config: dict[Any, Any], key: str, *, service: _Service, skipped: list[str]
) -> str | None:
    """A function setting, or the provider's when the function has none."""
    if key in config:
        return _text(config, key, key, skipped)
    return _text(service.provider, key, f"provider.{key}", skipped)


def _function(config: object, *, name: str, line: int, service: _Service) -> Declared | None:
    skipped: list[str] = []
    if not isinstance(config, dict):
        skipped.append(f"functions.{name}: {show(config)} (not a literal)")
        config = {}
    architecture = _inherited(config, "architecture", service=service, skipped=skipped)
    record = Declared(
        kind="serverless",
        file=service.rel,
        line=line,
        name=name,
        handler=None,
        code_root=None,
        architectures=(architecture,) if architecture else (),
    )
    if config.get("image") is not None:
        return _image(config["image"], record=record, service=service, skipped=skipped)
    runtime = _inherited(config, "runtime", service=service, skipped=skipped)
    has_runtime = "runtime" in config or "runtime" in service.provider
    if not has_runtime or (runtime is not None and not runtime.startswith("python")):
        return None
    root = service.folder
    module = _text(config, "module", "module", skipped)
    if module is not None:  # serverless-python-requirements: the handler is in that folder
        root = service.path(module)
    package = config.get("package")
    artifact = package.get("artifact") if isinstance(package, dict) else None
    code_root: str | None = root
    if artifact is not None:
        skipped.append(f"package.artifact: {show(artifact)} (a zip built elsewhere)")
        code_root = None
    handler = _text(config, "handler", "handler", skipped)
    function, handler_file = _handler_path(handler, root=root, skipped=skipped)
    return replace(
        record,
        handler=function,
        handler_file=handler_file,
        code_root=code_root,
        runtime=runtime,
        skipped=tuple(skipped),
    )


def _handler_path(
    handler: str | None, *, root: str, skipped: list[str]
) -> tuple[str | None, str | None]:
    """(function name, Python file) of `src/orders/handler.main` or `orders.handler.main`."""
    if handler is None:
        return None, None
    module, _, function = handler.rpartition(".")
    if not module or not function:
        skipped.append(f"handler: {handler} (not module.function)")
        return None, None
    head, _, tail = module.rpartition("/")
    path = posixpath.join(head, tail.replace(".", "/") + ".py")
    return function, posixpath.normpath(posixpath.join(root, path))


def _image(image: object, *, record: Declared, service: _Service, skipped: list[str]) -> Declared:
    """An image function: `image: name`, `image: {name, command}`, or a built image's URI;
    the Docker context and Dockerfile come from `provider.ecr.images.<name>`."""
    config = image if isinstance(image, dict) else {"name": image}
    command = config.get("command")
    handler = None
    if isinstance(command, list) and command:
        handler = _text({"command": command[0]}, "command", "image.command", skipped)
    elif command is not None:
        why = "not a literal" if "${" in str(command) else "not a list"
        skipped.append(f"image.command: {show(command)} ({why})")
    code_root = dockerfile = None
    name = _text(config, "name", "image" if config is not image else "image.name", skipped)
    if name is not None and _IMAGE_NAME.match(name):
        code_root, dockerfile = _ecr_image(name, service=service, skipped=skipped)
    return replace(
        record,
        handler=handler,
        code_root=code_root,
        dockerfile=dockerfile,
        image=True,
        skipped=tuple(skipped),
    )


def _ecr_image(name: str, *, service: _Service, skipped: list[str]) -> tuple[str | None, ...]:
    """(Docker context, Dockerfile) of the image that `provider.ecr.images` builds."""
    ecr = service.provider.get("ecr")
    images = ecr.get("images") if isinstance(ecr, dict) else None
    image = images.get(name) if isinstance(images, dict) else None
    label = f"provider.ecr.images.{name}"
    if not isinstance(image, dict) or image.get("path") is None:
        if not isinstance(image, dict) or image.get("uri") is None:
            skipped.append(f"image: {name} (not built by {label})")
        return None, None
    context = _text(image, "path", f"{label}.path", skipped)
    dockerfile = _text(image, "file", f"{label}.file", skipped) if "file" in image else None
    if context is None:
        return None, None
    root = service.path(context)
    if "file" in image and dockerfile is None:
        return root, None
    return root, service.path(dockerfile or "Dockerfile", folder=root)
