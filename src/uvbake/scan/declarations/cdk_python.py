"""AWS CDK apps in Python, read with `ast` (the app is never imported or run).

Constructs: aws_lambda.Function and SingletonFunction (Code.from_asset, Code.from_asset_image),
aws_lambda.DockerImageFunction (DockerImageCode.from_image_asset) and the alpha PythonFunction
(entry, index, handler). Names resolve through the module's imports and through single literal
assignments of the module or the enclosing function (`pyscan`). A path built from __file__ is
relative to the file's folder; a plain string is relative to the CDK app's folder (the nearest
cdk.json).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .common import unreadable
from .construct import Found, asset, python_function
from .model import Declared, Problem, Read
from .paths import Text, app_folder, relative
from .pyscan import Module, Scope, calls, source

KIND = "cdk-python"
_SKIP = frozenset({"node_modules", "cdk.out", ".venv", "venv", ".git", "tests", "test"})
_FUNCTIONS = ("Function", "SingletonFunction", "DockerImageFunction")
_CLASSES = (*_FUNCTIONS, "PythonFunction")


def wants(path: PurePosixPath) -> bool:
    return path.suffix == ".py" and not _SKIP.intersection(path.parts[:-1])


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    try:
        data = file.read_bytes()
    except OSError as err:
        return unreadable(rel, err)
    if b"aws_lambda" not in data and b"Function(" not in data:
        return Read()
    try:
        tree = ast.parse(data, filename=rel)
    except SyntaxError as err:
        return Read(problems=(Problem(rel, err.lineno or 1, f"does not parse: {err.msg}"),))
    except (ValueError, RecursionError) as err:
        return Read(problems=(Problem(rel, 1, f"does not parse: {err}"),))
    reader = _Reader(top=top, app=app_folder(top, file), module=Module(rel, _imports(tree)))
    try:  # a very deep expression, or a name defined by itself (invalid code), recurses
        ordered = sorted(calls(tree), key=lambda c: (c[0].lineno, c[0].col_offset))
        found = [reader.construct(call, _In(reader.module, scope)) for call, scope in ordered]
    except RecursionError:
        return Read(problems=(Problem(rel, 1, "does not parse: nested too deeply"),))
    return Read(functions=tuple(f for f in found if f is not None))


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name it was imported as; a star import of a Lambda module brings
    the construct classes."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname, a.name) for a in node.names if a.asname)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    names[a.asname or a.name] = f"{node.module}.{a.name}"
                elif "lambda" in node.module:
                    names.update((c, f"{node.module}.{c}") for c in _CLASSES)
    return names


def _src(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class _In:
    """The values of expressions in one scope of the module (`Values` of `construct`)."""

    module: Module
    scope: Scope

    def deref(self, node: ast.expr) -> tuple[ast.expr, _In]:
        """What a name is bound to, and the values in the scope that binds it."""
        node, scope = self.module.deref(node, self.scope)
        return node, _In(self.module, scope)

    def text(self, node: ast.expr) -> Text | None:
        return self.module.text(node, self.scope)

    def string(self, node: ast.expr) -> str | None:
        return self.module.string(node, self.scope)

    def source(self, node: ast.expr) -> str:
        return source(node)


@dataclass(frozen=True)
class _Reader:
    top: Path
    app: str
    module: Module

    def construct(self, call: ast.Call, values: _In) -> Declared | None:
        module, _, cls = self.module.dotted(call.func).rpartition(".")
        if "lambda" not in re.split(r"[./]", module)[-1] or cls not in _CLASSES:
            return None
        found = Found(image=cls == "DockerImageFunction")
        kwargs = self.keywords(call, values, found)
        for key, value in kwargs.items():
            if cls != "PythonFunction" or key != "handler":
                self._property(found, key=key, node=value, values=values)
        if cls == "PythonFunction":
            python_function(found, values, props=kwargs, top=self.top, app=self.app)
        if found.other_runtime:
            return None
        id_node = call.args[1] if len(call.args) > 1 else kwargs.get("id")
        name = values.string(id_node) if id_node is not None else None
        if id_node is not None and name is None:
            found.skipped.insert(0, _skip("id", id_node))
        return found.declared(kind=KIND, file=self.module.rel, line=call.lineno, name=name or "")

    def keywords(self, call: ast.Call, values: _In, found: Found) -> dict[str, ast.expr]:
        """A call's keyword arguments, with those of the literal dicts it unpacks (`**props`)."""
        kwargs: dict[str, ast.expr] = {}
        for k in call.keywords:
            if k.arg is not None:
                kwargs[k.arg] = k.value
                continue
            value = values.deref(k.value)[0]
            pairs = (
                list(zip(value.keys, value.values, strict=True))
                if isinstance(value, ast.Dict)
                else []
            )
            names = [
                n.value
                for n, _ in pairs
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            if isinstance(value, ast.Dict) and len(names) == len(pairs):
                kwargs.update(zip(names, (v for _, v in pairs), strict=True))
            else:
                found.skipped.append(f"**{source(k.value)} (not a literal)")
        return kwargs

    def _property(self, found: Found, *, key: str, node: ast.expr, values: _In) -> None:
        target = values.deref(node)[0]
        attr = target.attr if isinstance(target, ast.Attribute) else ""
        if key == "handler" and attr != "FROM_IMAGE":
            found.handler = values.string(node)
            found.skipped.extend([] if found.handler else [_skip(key, node)])
        elif key == "runtime" and attr != "FROM_IMAGE":
            literal = values.string(node)  # Runtime("python3.12")
            found.set_runtime(attr=attr, literal=literal, label=key, source=source(node))
        elif key in ("architecture", "architectures"):
            items = target.elts if isinstance(target, (ast.List, ast.Tuple)) else [target]
            names = [i.attr if isinstance(i, ast.Attribute) else "" for i in items]
            found.set_architectures(names, label=key, source=source(node))
        elif key == "code":
            self._code(found, node=node, values=values)

    def _code(self, found: Found, *, node: ast.expr, values: _In) -> None:
        call, values = values.deref(node)
        name = self.module.dotted(call.func) if isinstance(call, ast.Call) else ""
        method = name.rpartition(".")[2]
        image = method in ("from_asset_image", "from_image_asset")
        is_asset = method in ("from_asset", "asset") or name.endswith("AssetCode")
        if not isinstance(call, ast.Call) or not (is_asset or image) or not call.args:
            why = "inline code, no folder" if method == "from_inline" else "not an asset folder"
            found.skipped.append(f"code: {source(node)} ({why})")
            return
        options = {k.arg: k.value for k in call.keywords if k.arg} if image else {}
        file, app = options.get("file"), self.app
        asset(found, values, folder=call.args[0], file=file, image=image, top=self.top, app=app)
        cmd = values.deref(options["cmd"])[0] if "cmd" in options else None
        if isinstance(cmd, (ast.List, ast.Tuple)) and cmd.elts:
            found.handler = values.string(cmd.elts[0])
        if cmd is not None and found.handler is None:
            found.skipped.append(_skip("cmd", options["cmd"]))


def _skip(label: str, node: ast.AST) -> str:
    return f"{label}: {source(node)} (not a literal)"
