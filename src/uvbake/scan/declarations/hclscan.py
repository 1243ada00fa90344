"""A small tolerant HCL scanner, not a parser of the whole language: it splits a Terraform
file into blocks and `name = expression` attributes (strings, comments and heredocs skipped over
correctly) and reads literal strings and lists of strings. `${path.module}` is "."; any other
interpolation, reference or function call is not a literal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .common import brief

_TOKEN = re.compile(
    r"(?P<nl>\n)|(?P<space>[ \t\r\f]+)|(?P<comment>(?:#|//)[^\n]*)|(?P<long>/\*)"
    r"|(?P<heredoc><<-?[ \t]*\"?(?P<tag>[A-Za-z_][\w-]*)\"?[ \t]*\r?\n)|(?P<string>\")"
    r"|(?P<ident>[A-Za-z_][\w-]*)|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<op>==|!=|<=|>=|=>|&&|\|\||\.\.\.|[{}\[\]()=,.:?!<>+\-*/%])"
)
_PIECE = re.compile(
    r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{|\$\{\s*path\.module\s*\}|[$%]\{"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class Bad(Exception):
    """A text the scanner cannot split into blocks and attributes, at `line`."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Tok:
    """nl, heredoc, string (its text with the quotes), ident, number or op."""

    kind: str
    text: str
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class Attr:
    """An attribute's expression: its tokens, and its text as written (for `skipped`)."""

    tokens: tuple[Tok, ...]
    source: str


@dataclass(frozen=True)
class Block:
    """`type "label" ... { attrs and blocks }`."""

    type: str
    labels: tuple[str, ...]
    line: int
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def first(self, block_type: str) -> Block | None:
        return next((b for b in self.blocks if b.type == block_type), None)


def _string_end(text: str, i: int, line: int) -> int:
    """The index after the closing quote of the string opened before `i`; interpolations
    (`${ ... }`, `%{ ... }`) may hold braces, newlines and strings of their own."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
        elif depth == 0 and c == '"':
            return i + 1
        elif depth == 0 and c == "\n":
            break
        elif depth == 0 and text.startswith(("$${", "%%{"), i):
            i += 3
        elif text.startswith(("${", "%{"), i) or (depth and c == "{"):
            depth, i = depth + 1, i + (1 if c == "{" else 2)
        elif depth and c == "}":
            depth, i = depth - 1, i + 1
        elif depth and c == '"':
            i = _string_end(text, i + 1, line)
        else:
            i += 1
    raise Bad(line, "string not closed")


def _tokens(text: str) -> list[Tok]:
    tokens, i, line = [], 0, 1
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise Bad(line, f"unexpected character {text[i]!r}")
        kind, end = m.lastgroup or "", m.end()
        if kind == "long":
            end = text.find("*/", end)
            if end < 0:
                raise Bad(line, "comment not closed")
            end += 2
        elif kind == "heredoc":
            closing = re.compile(rf"^[ \t]*{re.escape(m['tag'])}[ \t]*\r?$", re.M)
            found = closing.search(text, end)
            if found is None:
                raise Bad(line, f"heredoc <<{m['tag']} not closed")
            end = found.end()
        elif kind == "string":
            end = _string_end(text, end, line)
        if kind in ("nl", "heredoc", "string", "ident", "number", "op"):
            tokens.append(Tok(kind, text[i:end], line, i, end))
        line += text.count("\n", i, end)
        i = end
    return tokens


def _body(text: str, tokens: list[Tok], i: int, opened: Tok | None) -> tuple[Block, int]:
    """The attributes and blocks from `i` to the `}` that closes `opened` (or the end)."""
    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "nl":
            i += 1
        elif tok.text == "}" and opened is not None:
            return Block("", (), opened.line, attrs, tuple(blocks)), i + 1
        elif tok.kind != "ident":
            raise Bad(tok.line, f"unexpected {tok.text!r}")
        elif i + 1 < len(tokens) and tokens[i + 1].text == "=":
            end = _expression_end(tokens, i + 2)
            value = tokens[i + 2 : end]
            source = brief(text[value[0].start : value[-1].end]) if value else ""
            attrs.setdefault(tok.text, Attr(tuple(value), source))
            i = end
        else:
            j = i + 1
            while j < len(tokens) and tokens[j].kind in ("string", "ident"):
                j += 1
            if j >= len(tokens) or tokens[j].text != "{":
                raise Bad(tok.line, f"{tok.text}: expected '=' or a block")
            labels = tuple(
                _string(t.text) or t.text if t.kind == "string" else t.text
                for t in tokens[i + 1 : j]
            )
            inner, i = _body(text, tokens, j + 1, tokens[j])
            blocks.append(Block(tok.text, labels, tok.line, inner.attrs, inner.blocks))
    if opened is not None:
        raise Bad(opened.line, "block not closed")
    return Block("", (), 1, attrs, tuple(blocks)), i


def _expression_end(tokens: list[Tok], i: int) -> int:
    """The end of an attribute's expression: a newline or a closer outside brackets."""
    depth = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "nl" and depth == 0:
            break
        if tok.kind == "op" and tok.text in ("(", "[", "{"):
            depth += 1
        elif tok.kind == "op" and tok.text in (")", "]", "}"):
            if depth == 0:
                break
            depth -= 1
        i += 1
    return i


def _string(raw: str) -> str | None:
    """A quoted string's value; None when it interpolates anything but `path.module`."""
    body, out, pos = raw[1:-1], [], 0
    for m in _PIECE.finditer(body):
        out.append(body[pos : m.start()])
        escape, piece = m.group(1), m.group()
        if escape:
            long = escape[0] in "uU" and len(escape) > 1
            out.append(chr(int(escape[1:], 16)) if long else _ESCAPES.get(escape, escape))
        elif piece in ("$${", "%%{"):
            out.append(piece[1:])
        elif "path.module" in piece:
            out.append(".")
        else:
            return None
        pos = m.end()
    out.append(body[pos:])
    return "".join(out)


def plain(attr: Attr | None) -> list[Tok]:
    return [t for t in attr.tokens if t.kind != "nl"] if attr is not None else []


def literal(attr: Attr | None) -> str | None:
    """A string (or `path.module`) attribute's value; None for any other expression."""
    tokens = plain(attr)
    if len(tokens) == 1 and tokens[0].kind == "string":
        return _string(tokens[0].text)
    return "." if [t.text for t in tokens] == ["path", ".", "module"] else None


def is_false(attr: Attr | None) -> bool:
    return [t.text for t in plain(attr)] == ["false"]


def literals(attr: Attr) -> list[str] | None:
    """A list of strings' values; None for any other expression."""
    tokens = plain(attr)
    if len(tokens) < 2 or tokens[0].text != "[" or tokens[-1].text != "]":
        return None
    items, commas = tokens[1:-1:2], tokens[2:-1:2]
    values = [_string(t.text) if t.kind == "string" else None for t in items]
    if any(c.text != "," for c in commas) or None in values:
        return None
    return [v for v in values if v is not None]


def parse(text: str) -> tuple[Block, ...]:
    """The top-level blocks of an HCL text; Bad when it cannot be split."""
    try:
        return _body(text, _tokens(text), 0, None)[0].blocks
    except RecursionError:
        raise Bad(1, "nested too deeply") from None
