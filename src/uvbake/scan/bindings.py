"""What a module binds a name to, read with `ast` (never imported), and the one definition of
a Lambda handler that every way of naming one (declared, configured, found) is held to.

A handler is a `def` taking (event, context), or a name bound to something callable that the
code cannot see into: a call (`handler = Mangum(app)`), another name, an import. An `async
def` (the Python runtime never awaits it), a class (Lambda would instantiate it with the event
and context and return the instance), data and a `def` with another number of parameters are
not handlers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Values that are never callable: a name bound to one is data, not a function.
_DATA = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr, ast.BinOp)
FUNCTION = "function"
CALLABLE = "callable"
COROUTINE = "coroutine"
CLASS = "class"
DATA = "data"
SIGNATURE = "signature"
HANDLER_KINDS = frozenset({FUNCTION, CALLABLE})
# The names a handler has by convention.
CONVENTIONAL = ("handler", "lambda_handler")


@dataclass(frozen=True)
class Binding:
    """What `name` is bound to at the top level of `file` (relative to the workspace root), at
    `line`; `params`: how many positional parameters a `def` takes."""

    file: str
    name: str
    kind: str
    line: int
    params: int = 2

    @property
    def is_handler(self) -> bool:
        return self.kind in HANDLER_KINDS

    def problem(self) -> str:
        """Why this binding is not a handler, in words ("" when it is one)."""
        return {
            FUNCTION: "",
            CALLABLE: "",
            COROUTINE: f"'{self.name}' is an async function, which the Lambda runtime never awaits",
            CLASS: f"'{self.name}' is a class, not a function",
            DATA: f"'{self.name}' is a variable holding data, not a function",
            SIGNATURE: f"'{self.name}' takes {self.params} positional "
            f"parameter{'' if self.params == 1 else 's'}, not (event, context)",
        }[self.kind]


@dataclass(frozen=True)
class Parsed:
    """A module's top-level bindings, or why it could not be read (`error`, with `line`)."""

    file: str
    bindings: tuple[Binding, ...] = ()
    error: str | None = None
    line: int = 0

    def binding(self, name: str) -> Binding | None:
        """The last top-level binding of `name` (what the module leaves it bound to)."""
        found = [b for b in self.bindings if b.name == name]
        return found[-1] if found else None

    def facts(self, names: Iterable[str]) -> tuple[object, ...]:
        """All that planning can learn from this module when it asks for `names`: whether it
        parses (and where it does not), and what each name is bound to. A handler's line is
        left out: only a refusal shows a line."""
        bound = []
        for name in sorted(set(names)):
            b = self.binding(name)
            bound.append(None if b is None else (name, b.kind, b.params, b.is_handler or b.line))
        return (self.error, self.line, tuple(bound))


def parse(root: Path, rel: str) -> Parsed:
    """The top-level bindings of the module `rel` (a path relative to `root`)."""
    try:
        source = (root / rel).read_bytes()
    except OSError as exc:
        return Parsed(file=rel, error=f"cannot be read as Python ({exc})")
    return parse_source(source, rel=rel)


def parse_source(source: bytes, *, rel: str) -> Parsed:
    """The top-level bindings of a module's source (`rel` names it)."""
    try:
        tree = ast.parse(source, filename=rel)
    except SyntaxError as exc:
        return Parsed(file=rel, error=exc.msg, line=exc.lineno or 1)
    except ValueError as exc:
        return Parsed(file=rel, error=f"cannot be read as Python ({exc})")
    out: list[Binding] = []
    for node in _top_level(tree.body):
        out.extend(_bound(node, file=rel))
    return Parsed(file=rel, bindings=tuple(out))


def _top_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements run at import time: the module's, and those inside its top-level if,
    try and with blocks (try: from fast import handler / except ImportError: def handler)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level([*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            inner = [*node.body, *(s for h in node.handlers for s in h.body)]
            yield from _top_level([*inner, *node.orelse, *node.finalbody])
        elif isinstance(node, ast.With):
            yield from _top_level(node.body)


def _positional(args: ast.arguments) -> int:
    """How many positional arguments a call with (event, context) may pass: 2 when the
    signature accepts exactly that."""
    names = len(args.posonlyargs) + len(args.args)
    required = names - len(args.defaults)
    if args.vararg is not None and required <= 2:
        return 2
    return 2 if required <= 2 <= names else names


def _bound(node: ast.stmt, *, file: str) -> Iterator[Binding]:
    """The names a top-level statement binds, and what to."""
    line = node.lineno
    if isinstance(node, ast.FunctionDef):
        params = _positional(node.args)
        yield Binding(file, node.name, FUNCTION if params == 2 else SIGNATURE, line, params)
    elif isinstance(node, ast.AsyncFunctionDef):
        yield Binding(file, node.name, COROUTINE, line)
    elif isinstance(node, ast.ClassDef):
        yield Binding(file, node.name, CLASS, line)
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            yield Binding(file, alias.asname or alias.name.split(".")[0], CALLABLE, line)
    elif isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        data = node.value is None or isinstance(node.value, _DATA)
        for target in targets:
            if isinstance(target, ast.Name):
                yield Binding(file, target.id, DATA if data else CALLABLE, line)
