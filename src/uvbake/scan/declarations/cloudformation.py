"""AWS SAM and CloudFormation templates, YAML or JSON: the Lambda functions they declare.

Templates are parsed, never transformed or deployed: a short-form intrinsic (`!Ref Name`,
`!Sub "..."`) is kept as a `Tagged` marker (see `cfnyaml`) and a value that is one is not a
literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .cfnyaml import Lined, Tagged, documents, json_line, show
from .common import unreadable
from .model import Declared, Problem, Read
from .paths import SKIP_FOLDERS, Where, relative

_SERVERLESS = "AWS::Serverless::Function"
_LAMBDA = "AWS::Lambda::Function"
_SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_FOLDERS = frozenset({"infra", "infrastructure", "cloudformation", "cfn", "templates", "sam"})
_NOT_TEMPLATES = frozenset({"package.json", "package-lock.json", "tsconfig.json", "cdk.json"})
_SUFFIXES = (".yaml", ".yml", ".json", ".template")
# A file without any of these is not a template: it is not even parsed.
_HINT = re.compile(
    r"AWSTemplateFormatVersion|AWS::Serverless|AWS::Lambda::Function|^[\"']?Resources[\"']?\s*:",
    re.M,
)
_GLOBALS = ("Handler", "Runtime", "CodeUri", "Architectures")
_SUB_VARIABLE = re.compile(r"\$\{(?!!)")


def wants(path: PurePosixPath) -> bool:
    name = path.name.lower()
    folders = [part.lower() for part in path.parts[:-1]]
    if path.suffix.lower() not in _SUFFIXES or any(f in SKIP_FOLDERS for f in folders):
        return False
    return not (name.startswith("samconfig") or name in _NOT_TEMPLATES)


def _named_like_template(path: PurePosixPath) -> bool:
    """Whether a file's name or folder says it is a template; any other YAML or JSON file is
    one only when it names an AWS resource type (two templates in one member, the second
    named after what it deploys, are common)."""
    stem = path.name.lower().rsplit(".", 1)[0]
    folders = [part.lower() for part in path.parts[:-1]]
    return "template" in stem or "stack" in stem or any(f in _FOLDERS for f in folders)


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return Read()
    except OSError as exc:
        return unreadable(rel, exc)
    if not _HINT.search(text):
        return Read()
    if "AWS::" not in text and not _named_like_template(PurePosixPath(rel)):
        return Read()
    as_json = file.suffix.lower() == ".json"
    found = None  # a JSON `.template` is read as JSON first: YAML takes no tabs
    if not as_json and text.lstrip().startswith("{"):
        found = documents(rel, text, as_json=True)
    if found is None or isinstance(found, Problem):
        found = documents(rel, text, as_json=as_json)
    if isinstance(found, Problem):
        return Read(problems=(found,))
    for doc in found:
        if isinstance(doc, dict) and _is_template(doc):
            try:
                return _template(doc, top=top, rel=rel, text=text)
            except RecursionError:  # a YAML alias that holds itself
                return Read(problems=(Problem(rel, 1, "a value refers to itself"),))
    return Read()


def _transforms(doc: dict[Any, Any]) -> tuple[object, ...]:
    transform = doc.get("Transform")
    return tuple(transform) if isinstance(transform, list) else (transform,)


def _type(resource: object) -> object:
    return resource.get("Type") if isinstance(resource, dict) else None


def _is_template(doc: dict[Any, Any]) -> bool:
    if "AWSTemplateFormatVersion" in doc or _SAM_TRANSFORM in _transforms(doc):
        return True
    resources = doc.get("Resources")
    return isinstance(resources, dict) and any(
        _type(r) in (_SERVERLESS, _LAMBDA) for r in resources.values()
    )


def _line(resources: dict[Any, Any], name: str, *, text: str, default: int) -> int:
    """The line of a resource's logical id: recorded by the YAML loader, searched for in
    JSON (the first `"Name":` after `"Resources":`)."""
    if isinstance(resources, Lined):
        return resources.lines.get(name, default)
    line, found = json_line(text, json_line(text, 0, "Resources")[1], name)
    return line if found else default


@dataclass(frozen=True)
class _Where(Where):
    """The template being read; `sam` when it uses the SAM transform."""

    sam: bool


def _template(doc: dict[Any, Any], *, top: Path, rel: str, text: str) -> Read:
    resources = doc.get("Resources")
    start = doc.lines.get("Resources", 1) if isinstance(doc, Lined) else 1
    if not isinstance(resources, dict):
        if resources is None:
            return Read()
        return Read(problems=(Problem(rel, start, "Resources is not a mapping"),))
    where = _Where(top, rel, _SAM_TRANSFORM in _transforms(doc))
    globals_ = doc.get("Globals")
    defaults = globals_.get("Function") if isinstance(globals_, dict) else None
    found = []
    for name, resource in resources.items():
        if _type(resource) in (_SERVERLESS, _LAMBDA) and isinstance(name, str):
            declared = _function(
                resource,
                name=name,
                line=_line(resources, name, text=text, default=start),
                defaults=defaults if isinstance(defaults, dict) else {},
                where=where,
            )
            if declared is not None:
                found.append(declared)
    return Read(functions=tuple(found))


def _literal(value: object) -> str | None:
    """A string, or a `!Sub` / `Fn::Sub` without variables; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, Tagged) and value.tag == "Sub":
        sub: object = value.value
    elif isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
    else:
        return None
    if isinstance(sub, str) and not _SUB_VARIABLE.search(sub):
        return sub.replace("${!", "${")
    return None


def _string(props: dict[Any, Any], key: str, skipped: list[str]) -> str | None:
    if props.get(key) is None:
        return None
    text = _literal(props[key])
    if text is None:
        skipped.append(f"{key}: {show(props[key])} (not a literal)")
    return text


def _strings(value: object, label: str, skipped: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = [_literal(v) for v in value] if isinstance(value, list) else [None]
    if any(item is None for item in items):
        why = "not a list" if isinstance(value, str) else "not a literal"
        skipped.append(f"{label}: {show(value)} ({why})")
        return None
    return tuple(item for item in items if item is not None)


def _function(
    resource: dict[Any, Any],
    *,
    name: str,
    line: int,
    defaults: dict[Any, Any],
    where: _Where,
) -> Declared | None:
    """One function's record, or None for a function of another language."""
    skipped: list[str] = []
    serverless = resource.get("Type") == _SERVERLESS
    props = resource.get("Properties") or {}
    if not isinstance(props, dict):
        skipped.append(f"Properties: {show(props)} (not a literal)")
        props = {}
    code = props.get("Code")
    package = _string(props, "PackageType", skipped)
    image = (package or "").lower() == "image" or "ImageUri" in props
    image = image or (isinstance(code, dict) and "ImageUri" in code)
    if serverless:
        inherited = ("Architectures",) if image else _GLOBALS
        props = {**{k: defaults[k] for k in inherited if k in defaults}, **props}
    runtime = None if image else _string(props, "Runtime", skipped)
    if runtime is not None and not runtime.startswith("python"):
        return None
    architectures = _strings(props.get("Architectures"), "Architectures", skipped) or ()
    dockerfile = None
    if image:
        config = props.get("ImageConfig")
        command = config.get("Command") if isinstance(config, dict) else None
        commands = _strings(command, "ImageConfig.Command", skipped)
        handler = commands[0] if commands else None
        code_root, dockerfile = _docker(resource.get("Metadata"), where, skipped)
    else:
        handler = _string(props, "Handler", skipped)
        code_root = _code(props, serverless=serverless, where=where, skipped=skipped)
    return Declared(
        kind="sam" if where.sam or serverless else "cloudformation",
        file=where.rel,
        line=line,
        name=name,
        handler=handler,
        code_root=code_root,
        dockerfile=dockerfile,
        image=image,
        runtime=runtime,
        architectures=architectures,
        skipped=tuple(skipped),
    )


def _docker(metadata: object, where: _Where, skipped: list[str]) -> tuple[str | None, str | None]:
    """(Docker context, Dockerfile) of an image function's `sam build` Metadata; the context
    stands for the code root, as the Dockerfile copies from it."""
    if not isinstance(metadata, dict) or metadata.get("DockerContext") is None:
        return None, None
    context = _string(metadata, "DockerContext", skipped)
    named = metadata.get("Dockerfile") is not None
    dockerfile = _string(metadata, "Dockerfile", skipped) if named else "Dockerfile"
    if context is None:
        return None, None
    root = where.path(context)
    return root, None if dockerfile is None else where.path(dockerfile, folder=root)


def _code(
    props: dict[Any, Any], *, serverless: bool, where: _Where, skipped: list[str]
) -> str | None:
    """The folder of a zip function's code: SAM CodeUri (the template's folder when not
    given, as `sam build` does), or a local CloudFormation `Code` path (`aws cloudformation
    package`)."""
    key = "CodeUri" if serverless else "Code"
    if serverless and props.get("InlineCode") is not None:
        skipped.append("InlineCode: inline code (no folder)")
        return None
    value = props.get(key, "." if serverless else None)
    if value is None:
        return None
    if isinstance(value, dict) and "ZipFile" in value:
        skipped.append(f"{key}.ZipFile: inline code (no folder)")
        return None
    if isinstance(value, dict) and ({"Bucket", "S3Bucket", "S3Key", "Key"} & value.keys()):
        skipped.append(f"{key}: {show(value)} (an S3 object)")
        return None
    text = _literal(value)
    if text is None:
        skipped.append(f"{key}: {show(value)} (not a literal)")
    elif text.startswith("s3://"):
        skipped.append(f"{key}: {text} (an S3 object)")
    elif text.lower().endswith((".zip", ".jar")):
        skipped.append(f"{key}: {text} (a zip built elsewhere)")
    else:
        return where.path(text)
    return None
