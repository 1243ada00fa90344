"""AWS CDK apps in Python, read with `ast` (the app is never imported or run).

Constructs: aws_lambda.Function and SingletonFunction (Code.from_asset, Code.from_asset_image),
aws_lambda.DockerImageFunction (DockerImageCode.from_image_asset) and the alpha PythonFunction
(entry, index, handler). Names resolve through the module's imports and through single literal
assignments of the module or the enclosing function. A path built from __file__ is relative to
the file's folder; a plain string is relative to the CDK app's folder (the nearest cdk.json).

`Text`, `Found`, `python_handler`, `relative`, `app_folder`, `place`, `join`, `parent` and
`concat` are shared with the TypeScript and SST readers.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .model import Declared, Problem, Read

KIND = "cdk-python"
_SKIP = frozenset({"cdk.out", "node_modules", ".venv", "venv", ".git", "tests", "test"})
_PYTHON = re.compile(r"PYTHON_(\d+)_(\d+)$")
_OTHER = re.compile(r"(NODEJS|JAVA|DOTNET|GO|RUBY|PROVIDED)")
ARCHITECTURES = {"ARM_64": "arm64", "X86_64": "x86_64"}
_FUNCTIONS = ("Function", "SingletonFunction", "DockerImageFunction")
_CLASSES = (*_FUNCTIONS, "PythonFunction")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Text:
    """A string value; an `anchored` one is a top-relative path built from the declaring file's
    own location (__file__, __dirname), a plain relative one is relative to the CDK app."""

    value: str
    anchored: bool = False


@dataclass
class Found:
    """What one construct call says, gathered before it becomes a `Declared`."""

    handler: str | None = None
    code_root: str | None = None
    dockerfile: str | None = None
    image: bool = False
    runtime: str | None = None
    architectures: tuple[str, ...] = ()
    skipped: list[str] = field(default_factory=list)
    other_runtime: bool = False

    def note(self, label: str, source: str) -> None:
        self.skipped.append(f"{label}: {source} (not a literal)")

    def set_runtime(self, *, attr: str, literal: str | None, label: str, source: str) -> None:
        """From `Runtime.PYTHON_3_12` (its last name in `attr`) or `Runtime("python3.12")`."""
        match = _PYTHON.match(attr)
        self.runtime = f"python{match[1]}.{match[2]}" if match else literal
        other = literal is not None and not literal.startswith("python")
        self.other_runtime = other or bool(_OTHER.match(attr))
        if self.runtime is None and not self.other_runtime:
            self.note(label, source)

    def set_architectures(self, names: list[str], *, label: str, source: str) -> None:
        """From the last names of `Architecture.ARM_64` and the like."""
        known = tuple(ARCHITECTURES[n] for n in names if n in ARCHITECTURES)
        self.architectures = known if names and len(known) == len(names) else ()
        if not self.architectures:
            self.note(label, source)

    def declared(self, *, kind: str, file: str, line: int, name: str) -> Declared:
        return Declared(
            kind=kind,
            file=file,
            line=line,
            name=name,
            handler=self.handler,
            code_root=self.code_root,
            dockerfile=self.dockerfile,
            image=self.image,
            runtime=self.runtime,
            architectures=self.architectures,
            skipped=tuple(self.skipped),
        )


def python_handler(index: str, handler: str) -> str:
    """The handler a PythonFunction gives Lambda: its index file as a module, "." handler."""
    return f"{index.removesuffix('.py')}.{handler}".replace("/", ".")


def relative(top: Path, path: Path) -> str:
    """`path` relative to `top`, POSIX and normalised ("../" kept when it leaves top)."""
    return posixpath.normpath(Path(os.path.relpath(path, top)).as_posix())


def app_folder(top: Path, file: Path) -> str:
    """The CDK app's working folder, relative to top: the nearest folder holding cdk.json from
    the file's own up to top, else the file's folder."""
    own = folder = relative(top, file.parent)
    while not folder.startswith(".."):
        if (top / folder / "cdk.json").is_file():
            return folder
        if folder == ".":
            break
        folder = posixpath.dirname(folder) or "."
    return own


def place(top: Path, *, text: Text, base: str) -> str:
    """Where a path value points, relative to top; a plain relative one is relative to `base`."""
    if text.anchored:
        return posixpath.normpath(text.value)
    if posixpath.isabs(text.value):
        return relative(top, Path(text.value))
    return posixpath.normpath(posixpath.join(base, text.value))


def parent(text: Text | None) -> Text | None:
    return text and Text(posixpath.normpath(posixpath.join(text.value, "..")), text.anchored)


def join(parts: list[Text | None], *, resolve: bool = False) -> Text | None:
    """os.path.join / path.join of path values; `resolve` starts over at an anchored one."""
    known = [p for p in parts if p is not None]
    if len(known) < len(parts) or not known:
        return None
    if resolve:
        known = known[max(i for i, p in enumerate(known) if p.anchored or not i) :]
    first, rest = known[0], known[1:]
    if any(p.anchored for p in rest):
        return None
    absolute = any(posixpath.isabs(p.value) for p in rest)
    value = posixpath.join(first.value, *(p.value for p in rest))
    return Text(value, first.anchored and not absolute)


def concat(parts: list[Text | None]) -> Text | None:
    """`a + b` of string values; only the first may be anchored."""
    if any(p is None or (i and p.anchored) for i, p in enumerate(parts)):
        return None
    known = [p for p in parts if p is not None]
    return Text("".join(p.value for p in known), bool(known) and known[0].anchored)


def wants(path: PurePosixPath) -> bool:
    return path.suffix == ".py" and not _SKIP.intersection(path.parts[:-1])


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    try:
        data = file.read_bytes()
    except OSError as err:
        return Read(problems=(Problem(rel, 1, f"cannot read: {err.strerror or err}"),))
    if b"aws_lambda" not in data and b"Function(" not in data:
        return Read()
    try:
        tree = ast.parse(data, filename=rel)
    except SyntaxError as err:
        return Read(problems=(Problem(rel, err.lineno or 1, f"does not parse: {err.msg}"),))
    except (ValueError, RecursionError) as err:
        return Read(problems=(Problem(rel, 1, f"does not parse: {err}"),))
    module = _Module(top=top, rel=rel, app=app_folder(top, file), imports=_imports(tree))
    try:  # a very deep expression, or a name defined by itself (invalid code), recurses
        calls = sorted(_calls(tree), key=lambda c: (c[0].lineno, c[0].col_offset))
        found = [module.construct(call, scope) for call, scope in calls]
    except RecursionError:
        return Read(problems=(Problem(rel, 1, "does not parse: nested too deeply"),))
    return Read(functions=tuple(f for f in found if f is not None))


@dataclass(frozen=True)
class _Scope:
    names: dict[str, ast.expr | None]
    parent: _Scope | None

    def find(self, name: str) -> tuple[ast.expr | None, _Scope] | None:
        if name in self.names:
            return self.names[name], self
        return self.parent.find(name) if self.parent else None


def _own(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a scope, without those of the functions and classes nested in it."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, (*_DEFS, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(child))


def _bindings(node: ast.AST) -> dict[str, ast.expr | None]:
    """Names a scope binds: to their value when bound once by a plain assignment, else None."""
    names: dict[str, ast.expr | None] = {}
    if isinstance(node, _DEFS):
        a = node.args
        names.update((p.arg, None) for p in (*a.posonlyargs, *a.args, *a.kwonlyargs))
        names.update((p.arg, None) for p in (a.vararg, a.kwarg) if p)
    nodes = list(_own(node))
    values: dict[int, ast.expr] = {}
    for sub in nodes:
        if isinstance(sub, ast.Assign) and len(sub.targets) == 1:
            values[id(sub.targets[0])] = sub.value
        elif isinstance(sub, ast.AnnAssign) and sub.value is not None:
            values[id(sub.target)] = sub.value
    for sub in nodes:
        if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
            names[sub.id] = None if sub.id in names else values.get(id(sub))
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[sub.name] = None
    return names


def _calls(tree: ast.Module) -> Iterator[tuple[ast.Call, _Scope]]:
    """Every call, with the scope its names resolve in (a class body's names do not reach
    its methods, as in Python)."""
    stack: list[tuple[ast.AST, _Scope]] = [(tree, _Scope(_bindings(tree), None))]
    while stack:
        node, scope = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                yield child, scope
            inner = _Scope(_bindings(child), scope) if isinstance(child, _DEFS) else scope
            stack.append((child, inner))


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


def _skip(label: str, node: ast.AST) -> str:
    return f"{label}: {_src(node)} (not a literal)"


@dataclass(frozen=True)
class _Module:
    top: Path
    rel: str
    app: str
    imports: dict[str, str]

    def deref(self, node: ast.expr, scope: _Scope) -> tuple[ast.expr, _Scope]:
        for _ in range(20):
            bound = scope.find(node.id) if isinstance(node, ast.Name) else None
            if bound is None or bound[0] is None:
                break
            node, scope = bound[0], bound[1]
        return node, scope

    def dotted(self, node: ast.expr) -> str:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return ""
        return ".".join((self.imports.get(node.id, node.id), *reversed(parts)))

    def text(self, node: ast.expr, scope: _Scope) -> Text | None:
        node, scope = self.deref(node, scope)
        if isinstance(node, ast.Constant):
            return Text(node.value) if isinstance(node.value, str) else None
        if isinstance(node, ast.Name) and node.id == "__file__":
            return Text(self.rel, anchored=True)
        if isinstance(node, ast.JoinedStr):
            return concat([self._part(v, scope) for v in node.values])
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            both = [self.text(node.left, scope), self.text(node.right, scope)]
            return concat(both) if isinstance(node.op, ast.Add) else join(both)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return parent(self.text(node.value, scope))
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            return self._parents(node.value, node.slice, scope)
        return self._call(node, scope) if isinstance(node, ast.Call) else None

    def _parents(self, node: ast.Attribute, index: ast.expr, scope: _Scope) -> Text | None:
        """Path(__file__).parents[n]"""
        if node.attr != "parents" or not isinstance(index, ast.Constant):
            return None
        times, up = index.value, self.text(node.value, scope)
        if not isinstance(times, int):
            return None
        for _ in range(times + 1):
            up = parent(up)
        return up

    def _part(self, node: ast.expr, scope: _Scope) -> Text | None:
        if isinstance(node, ast.FormattedValue):
            plain = node.conversion == -1 and node.format_spec is None
            return self.text(node.value, scope) if plain else None
        return self.text(node, scope)

    def _call(self, node: ast.Call, scope: _Scope) -> Text | None:
        func, name = node.func, self.dotted(node.func)
        args = [self.text(a, scope) for a in node.args]
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        if name.endswith("Runtime") and len(args) > 0:
            return args[0]
        if name in ("os.getcwd", "pathlib.Path.cwd", "Path.cwd"):
            return Text(".")
        if name == "os.path.dirname" and len(args) == 1:
            return parent(args[0])
        if name in ("os.path.join", "pathlib.Path", "Path", "pathlib.PurePath") and args:
            return join(args)
        if name in ("str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath"):
            return args[0] if len(args) == 1 else None
        if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute", "as_posix"):
            return None if args else self.text(func.value, scope)
        if isinstance(func, ast.Attribute) and func.attr == "joinpath":
            return join([self.text(func.value, scope), *args])
        return None

    def string(self, node: ast.expr, scope: _Scope) -> str | None:
        text = self.text(node, scope)
        return text.value if text and not text.anchored else None

    def construct(self, call: ast.Call, scope: _Scope) -> Declared | None:
        module, _, cls = self.dotted(call.func).rpartition(".")
        if "lambda" not in re.split(r"[./]", module)[-1] or cls not in _CLASSES:
            return None
        found = Found(image=cls == "DockerImageFunction")
        kwargs = self.keywords(call, scope, found)
        for key, value in kwargs.items():
            if cls != "PythonFunction" or key != "handler":
                self._property(found, key=key, node=value, scope=scope)
        if cls == "PythonFunction":
            self._python_function(found, kwargs=kwargs, scope=scope)
        if found.other_runtime:
            return None
        id_node = call.args[1] if len(call.args) > 1 else kwargs.get("id")
        name = self.string(id_node, scope) if id_node is not None else None
        if id_node is not None and name is None:
            found.skipped.insert(0, _skip("id", id_node))
        return found.declared(kind=KIND, file=self.rel, line=call.lineno, name=name or "")

    def keywords(self, call: ast.Call, scope: _Scope, found: Found) -> dict[str, ast.expr]:
        """A call's keyword arguments, with those of the literal dicts it unpacks (`**props`)."""
        kwargs: dict[str, ast.expr] = {}
        for k in call.keywords:
            if k.arg is not None:
                kwargs[k.arg] = k.value
                continue
            value = self.deref(k.value, scope)[0]
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
                found.skipped.append(f"**{_src(k.value)} (not a literal)")
        return kwargs

    def _property(self, found: Found, *, key: str, node: ast.expr, scope: _Scope) -> None:
        target, _ = self.deref(node, scope)
        attr = target.attr if isinstance(target, ast.Attribute) else ""
        if key == "handler" and attr != "FROM_IMAGE":
            found.handler = self.string(node, scope)
            found.skipped.extend([] if found.handler else [_skip(key, node)])
        elif key == "runtime" and attr != "FROM_IMAGE":
            literal = self.string(node, scope)  # Runtime("python3.12")
            found.set_runtime(attr=attr, literal=literal, label=key, source=_src(node))
        elif key in ("architecture", "architectures"):
            items = target.elts if isinstance(target, (ast.List, ast.Tuple)) else [target]
            names = [i.attr if isinstance(i, ast.Attribute) else "" for i in items]
            found.set_architectures(names, label=key, source=_src(node))
        elif key == "code":
            self._code(found, node=node, scope=scope)

    def _code(self, found: Found, *, node: ast.expr, scope: _Scope) -> None:
        call, scope = self.deref(node, scope)
        name = self.dotted(call.func) if isinstance(call, ast.Call) else ""
        method = name.rpartition(".")[2]
        asset = method in ("from_asset", "asset") or name.endswith("AssetCode")
        image = method in ("from_asset_image", "from_image_asset")
        if not isinstance(call, ast.Call) or not (asset or image) or not call.args:
            why = "inline code, no folder" if method == "from_inline" else "not an asset folder"
            found.skipped.append(f"code: {_src(node)} ({why})")
            return
        folder = self.text(call.args[0], scope)
        where = place(self.top, text=folder, base=self.app) if folder else None
        found.skipped.extend([] if folder else [_skip("code", call.args[0])])
        if asset:
            found.code_root = where
            return
        found.image = True
        options = {k.arg: k.value for k in call.keywords if k.arg}
        dockerfile = self.string(options["file"], scope) if "file" in options else "Dockerfile"
        if dockerfile is None:
            found.skipped.append(_skip("file", options["file"]))
        if where is not None and dockerfile is not None:
            found.dockerfile = posixpath.normpath(posixpath.join(where, dockerfile))
        cmd = self.deref(options["cmd"], scope)[0] if "cmd" in options else None
        if isinstance(cmd, (ast.List, ast.Tuple)) and cmd.elts:
            found.handler = self.string(cmd.elts[0], scope)
        if cmd is not None and found.handler is None:
            found.skipped.append(_skip("cmd", options["cmd"]))

    def _python_function(self, found: Found, *, kwargs: dict[str, ast.expr], scope: _Scope) -> None:
        parts = []
        for key, default in (("index", "index.py"), ("handler", "handler")):
            node = kwargs.get(key)
            value = default if node is None else self.string(node, scope)
            found.skipped.extend([] if value is not None or node is None else [_skip(key, node)])
            parts.append(value)
        index, handler = parts
        found.handler = python_handler(index, handler) if index and handler else None
        entry = kwargs.get("entry")
        folder = self.text(entry, scope) if entry is not None else None
        found.code_root = place(self.top, text=folder, base=self.app) if folder else None
        if entry is not None and folder is None:
            found.skipped.append(_skip("entry", entry))
