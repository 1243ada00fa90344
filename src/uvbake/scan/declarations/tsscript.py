"""One TypeScript or JavaScript file's imports and single `const` declarations, and the string
and path values of its expressions (`__dirname`, `path.join`, `a + b`)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from .paths import Text, concat, join_texts, parent, relative
from .tsscan import Node, Token, is_punct, parse


class Script:
    """One file's imports and single `const` declarations, and the values of its expressions."""

    def __init__(self, *, toks: list[Token], source: str, top: Path, file: Path) -> None:
        self.top, self.rel = top, relative(top, file)
        self.folder = posixpath.dirname(self.rel) or "."
        self.imports = _imports(toks)
        self.consts = _consts(toks, source)

    def qualified(self, dotted: str) -> str:
        head, dot, rest = dotted.partition(".")
        return self.imports.get(head, head) + dot + rest

    def deref(self, node: Node) -> Node:
        for _ in range(20):
            if node.kind != "ref" or node.value not in self.consts:
                break
            node = self.consts[node.value]
        return node

    def text(self, node: Node) -> Text | None:
        node = self.deref(node)
        if node.kind == "str":
            return Text(node.value)
        if node.kind == "concat":
            return concat([self.text(n) for n in node.items])
        if node.kind == "ref" and node.value in ("__dirname", "import.meta.dirname"):
            return Text(self.folder, anchored=True)
        if node.kind == "ref" and node.value in ("__filename", "import.meta.url"):
            return Text(self.rel, anchored=True)
        if node.kind != "call":
            return None
        name, args = self.qualified(node.value), [self.text(n) for n in node.items]
        if name in ("path.join", "path.posix.join", "path.resolve", "join", "resolve") and args:
            return join_texts(args, resolve=name.endswith("resolve"))
        if name == "path.dirname" and len(args) == 1:
            return parent(args[0])
        if name in ("path.normalize", "url.fileURLToPath", "String") and len(args) == 1:
            return args[0]
        return Text(".") if name == "process.cwd" and not args else None

    def string(self, node: Node) -> str | None:
        text = self.text(node)
        return text.value if text and not text.anchored else None

    def source(self, node: Node) -> str:
        return node.text


def entries(props: Node, script: Script) -> list[tuple[str, Node]]:
    """An object literal's keys and values, with those of the `const` objects it spreads;
    a spread of anything else stays a "..." entry."""
    found: list[tuple[str, Node]] = []
    for key, value in zip(props.keys, props.items, strict=True):
        spread = script.deref(value) if key == "..." else None
        found.extend(
            entries(spread, script) if spread and spread.kind == "object" else [(key, value)]
        )
    return found


def _imports(toks: list[Token]) -> dict[str, str]:
    """Local name -> "module" or "module.Name", from import declarations and require()."""
    names: dict[str, str] = {}
    for i, token in enumerate(toks[:-1]):
        words: tuple[str, ...] = ("import",)
        if token.kind == "name" and token.text == "from" and toks[i + 1].kind == "str":
            module = toks[i + 1].text
        elif token.text == "require" and toks[i + 1].text == "(" and i + 2 < len(toks):
            words, module = ("const", "let", "var"), toks[i + 2].text
        else:
            continue
        start = _clause(toks, i, words)
        if start is not None:
            clause = " ".join(t.text for t in toks[start + 1 : i]).rstrip(" =")
            _bind(names, clause=clause, module=module.removeprefix("node:"))
    return names


def _clause(toks: list[Token], end: int, words: tuple[str, ...]) -> int | None:
    """Where the import (or const) that binds names before toks[end] starts; None when what
    comes before is no import clause (`export { x } from "y"`)."""
    for j in range(end - 1, max(end - 200, -1), -1):
        if toks[j].kind == "name" and toks[j].text in words:
            return j
        named = toks[j].kind == "name" and toks[j].text not in ("from", "export")
        if not named and not is_punct(toks[j], "*", "{", "}", ",", ":", "="):
            return None
    return None


def _bind(names: dict[str, str], *, clause: str, module: str) -> None:
    if star := re.search(r"\*\s*as\s+([\w$]+)", clause):
        names[star[1]] = module
    braces = re.search(r"\{(.*)\}", clause)
    for part in braces[1].split(",") if braces else ():
        words = re.findall(r"[\w$]+", part.removeprefix(" type "))
        if words:
            names[words[-1]] = f"{module}.{words[0]}"
    rest = re.sub(r"\{.*\}|\*\s*as\s+[\w$]+", "", clause)
    if (default := re.match(r"\s*(?:type\s+)?([\w$]+)", rest)) and default[1] != "type":
        names[default[1]] = module


def _consts(toks: list[Token], source: str) -> dict[str, Node]:
    """Names declared once, by `const NAME = value`, and their value."""
    values: dict[str, Node | None] = {}
    for i, token in enumerate(toks[:-2]):
        if token.kind != "name" or token.text not in ("const", "let", "var"):
            continue
        name = toks[i + 1].text if toks[i + 1].kind == "name" else ""
        equals = _equals(toks, i + 2)
        if equals is None or token.text != "const" or name in values:
            values[name] = None
            continue
        values[name] = parse(toks, equals + 1, _statement_end(toks, equals + 1), source)
    return {k: v for k, v in values.items() if v is not None}


def _equals(toks: list[Token], at: int) -> int | None:
    """The `=` of `= value` or `: Type = value` from toks[at]; None when there is none."""
    if not is_punct(toks[at], "=", ":"):
        return None
    depth = 0
    for j in range(at, min(len(toks) - 1, at + 100)):
        depth += is_punct(toks[j], "(", "[", "{", "<") - is_punct(toks[j], ")", "]", "}", ">")
        if depth == 0 and is_punct(toks[j], "=") and not is_punct(toks[j + 1], ">", "="):
            return j
        if depth < 0 or is_punct(toks[j], ";"):
            return None
    return None


def _statement_end(toks: list[Token], lo: int) -> int:
    depth = 0
    for j in range(lo, len(toks)):
        depth += is_punct(toks[j], "(", "[", "{") - is_punct(toks[j], ")", "]", "}")
        if depth < 0 or (depth == 0 and is_punct(toks[j], ";", ",")):
            return j
        follows = j > lo and depth == 0 and toks[j].line > toks[j - 1].line
        ended = toks[j - 1].kind != "punct" or is_punct(toks[j - 1], ")", "]", "}")
        if follows and ended and not is_punct(toks[j], ".", "?.", "+", "?", ":", "(", "["):
            return j
    return len(toks)
