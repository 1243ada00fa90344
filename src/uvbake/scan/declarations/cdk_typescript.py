"""AWS CDK apps in TypeScript or JavaScript, read with the tolerant scanner of `tsscan` (there
is no TypeScript parser here, and nothing is run): an unusual construct call is read in part,
never misread.

Constructs: lambda.Function and SingletonFunction (Code.fromAsset, Code.fromAssetImage),
DockerImageFunction (DockerImageCode.fromImageAsset) and the alpha PythonFunction. Names
resolve through the file's imports and single `const` declarations (`tsscript`); a path built
from __dirname is relative to the file's folder, a plain string to the CDK app's folder (the
nearest cdk.json).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from .common import code_text
from .construct import Found, asset, python_function
from .model import Declared, Problem, Read
from .paths import app_folder, relative
from .tsscan import Node, Site, sites, tokenize, unbalanced
from .tsscript import Script, entries

KIND = "cdk-typescript"
_SKIP = frozenset({"node_modules", "cdk.out", "dist", ".git"})
_CLASSES = frozenset({"Function", "SingletonFunction", "DockerImageFunction", "PythonFunction"})
_EMPTY = Node("object", "")


def wants(path: PurePosixPath) -> bool:
    if path.name.endswith(".d.ts") or _SKIP.intersection(path.parts[:-1]):
        return False
    return path.suffix in (".ts", ".js", ".mjs")


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    source = code_text(file, rel)
    if isinstance(source, Read):
        return source
    if "Function" not in source or "lambda" not in source.lower():  # no Lambda construct
        return Read()
    toks = tokenize(source)
    if (wrong := unbalanced(toks)) is not None:
        return Read(
            problems=(Problem(rel, wrong.line, f"does not parse: unbalanced '{wrong.text}'"),)
        )
    try:
        script = Script(toks=toks, source=source, top=top, file=file)
        app = app_folder(top, file)
        found = [_construct(s, script=script, app=app) for s in sites(toks, source, names=_CLASSES)]
    except RecursionError:
        return Read(problems=(Problem(rel, 1, "does not parse: nested too deeply"),))
    return Read(functions=tuple(f for f in found if f is not None))


def _construct(site: Site, *, script: Script, app: str) -> Declared | None:
    module, _, cls = script.qualified(site.callee).rpartition(".")
    lambda_module = "lambda" in re.split(r"[./]", module)[-1].lower()
    if not site.new or not lambda_module or len(site.args) < 2:  # (scope, id, props)
        return None
    found = Found(image=cls == "DockerImageFunction")
    name = script.string(site.args[1])
    if name is None:
        found.note("id", site.args[1].text)
    props = script.deref(site.args[2]) if len(site.args) > 2 else _EMPTY
    if props.kind != "object":
        found.skipped.append(f"props: {props.text} (not an object literal)")
    pairs = entries(props, script)
    for key, value in pairs:
        if key == "...":
            found.skipped.append(f"...{value.text} (not a literal)")
        elif cls != "PythonFunction" or key != "handler":
            _property(found, key=key, node=value, script=script, app=app)
    if cls == "PythonFunction":
        python_function(found, script, props=dict(pairs), top=script.top, app=app)
    if found.other_runtime:
        return None
    return found.declared(kind=KIND, file=script.rel, line=site.line, name=name or "")


def _property(found: Found, *, key: str, node: Node, script: Script, app: str) -> None:
    target = script.deref(node)
    attr = target.value.rpartition(".")[2] if target.kind == "ref" else ""
    if key == "handler" and attr != "FROM_IMAGE":
        found.handler = script.string(node)
        if found.handler is None:
            found.note(key, node.text)
    elif key == "runtime" and attr != "FROM_IMAGE":
        made = target.kind == "new" and target.value.endswith("Runtime") and target.items
        literal = script.string(target.items[0]) if made else script.string(target)
        found.set_runtime(attr=attr, literal=literal, label=key, source=node.text)
    elif key in ("architecture", "architectures"):
        items = target.items if target.kind == "array" else (target,)
        names = [script.deref(i).value.rpartition(".")[2] for i in items]
        found.set_architectures(names, label=key, source=node.text)
    elif key == "code":
        _code(found, node=node, script=script, app=app)


def _code(found: Found, *, node: Node, script: Script, app: str) -> None:
    call = script.deref(node)
    method = call.value.rpartition(".")[2] if call.kind in ("call", "new") else ""
    image = method in ("fromAssetImage", "fromImageAsset")
    if not (image or method in ("fromAsset", "asset", "AssetCode")) or not call.items:
        why = "inline code, no folder" if method == "fromInline" else "not an asset folder"
        found.skipped.append(f"code: {node.text} ({why})")
        return
    options = script.deref(call.items[1]) if len(call.items) > 1 and image else _EMPTY
    file, cmd = options.get("file"), options.get("cmd")
    asset(found, script, folder=call.items[0], file=file, image=image, top=script.top, app=app)
    if not image:
        return
    first = script.deref(cmd).items[:1] if cmd else ()
    found.handler = script.string(first[0]) if first else None
    if cmd and found.handler is None:
        found.note("cmd", cmd.text)
