"""A Python module's scopes, and the string and path values of its expressions
(`Path(__file__).parent / "src"`, `os.path.join(...)`, f-strings), read with `ast` (the module
is never imported or run). A name resolves through single literal assignments of its scope and
the enclosing ones."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from .common import brief
from .paths import Text, concat, join_texts, parent

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Scope:
    names: dict[str, ast.expr | None]
    parent: Scope | None

    def find(self, name: str) -> tuple[ast.expr | None, Scope] | None:
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


def calls(tree: ast.Module) -> Iterator[tuple[ast.Call, Scope]]:
    """Every call, with the scope its names resolve in (a class body's names do not reach
    its methods, as in Python)."""
    stack: list[tuple[ast.AST, Scope]] = [(tree, Scope(_bindings(tree), None))]
    while stack:
        node, scope = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                yield child, scope
            inner = Scope(_bindings(child), scope) if isinstance(child, _DEFS) else scope
            stack.append((child, inner))


def source(node: ast.AST) -> str:
    """The node as written, for `skipped`."""
    return brief(ast.unparse(node))


@dataclass(frozen=True)
class Module:
    """The values of a module's expressions: `rel` is its path relative to top (what __file__
    is), `imports` maps a local name to the dotted name it was imported as."""

    rel: str
    imports: dict[str, str]

    def deref(self, node: ast.expr, scope: Scope) -> tuple[ast.expr, Scope]:
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

    def text(self, node: ast.expr, scope: Scope) -> Text | None:
        node, scope = self.deref(node, scope)
        if isinstance(node, ast.Constant):
            return Text(node.value) if isinstance(node.value, str) else None
        if isinstance(node, ast.Name) and node.id == "__file__":
            return Text(self.rel, anchored=True)
        if isinstance(node, ast.JoinedStr):
            return concat([self._part(v, scope) for v in node.values])
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            both = [self.text(node.left, scope), self.text(node.right, scope)]
            return concat(both) if isinstance(node.op, ast.Add) else join_texts(both)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return parent(self.text(node.value, scope))
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            return self._parents(node.value, node.slice, scope)
        return self._call(node, scope) if isinstance(node, ast.Call) else None

    def _parents(self, node: ast.Attribute, index: ast.expr, scope: Scope) -> Text | None:
        """Path(__file__).parents[n]"""
        if node.attr != "parents" or not isinstance(index, ast.Constant):
            return None
        times, up = index.value, self.text(node.value, scope)
        if not isinstance(times, int):
            return None
        for _ in range(times + 1):
            up = parent(up)
        return up

    def _part(self, node: ast.expr, scope: Scope) -> Text | None:
        if isinstance(node, ast.FormattedValue):
            plain = node.conversion == -1 and node.format_spec is None
            return self.text(node.value, scope) if plain else None
        return self.text(node, scope)

    def _call(self, node: ast.Call, scope: Scope) -> Text | None:
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
            return join_texts(args)
        if name in ("str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath"):
            return args[0] if len(args) == 1 else None
        if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute", "as_posix"):
            return None if args else self.text(func.value, scope)
        if isinstance(func, ast.Attribute) and func.attr == "joinpath":
            return join_texts([self.text(func.value, scope), *args])
        return None

    def string(self, node: ast.expr, scope: Scope) -> str | None:
        text = self.text(node, scope)
        return text.value if text and not text.anchored else None
