"""A small tolerant scanner of TypeScript and JavaScript (there is no TypeScript parser here,
and nothing is run).

The scanner knows strings, template literals (one with ${} is not a literal), comments,
regular expressions and brackets. An expression it does not know becomes an opaque node, so an
unusual call is read in part, never misread.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from .common import brief

_SPACE = re.compile(r"\s+")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"\d[\w.]*")
_REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^")
_KEYWORDS = frozenset({"return", "typeof", "case", "do", "else", "in", "of", "new", "void"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\n": ""}
_PAIRS = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Token:
    kind: str
    """name, num, punct, regex; str: a literal (`text` is its value); tmpl: a template
    literal with ${} (`text` is its source)."""
    text: str
    line: int
    start: int
    end: int


def tokenize(source: str) -> list[Token]:
    return _Lexer(source).run()


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src, self.pos, self.out = source, 0, list[Token]()
        self.newlines = [i for i, c in enumerate(source) if c == "\n"]

    def emit(self, kind: str, text: str, start: int) -> None:
        line = bisect.bisect_left(self.newlines, start) + 1
        self.out.append(Token(kind, text, line, start, self.pos))

    def run(self, *, nested: bool = False) -> list[Token]:
        """Tokens up to the end, or up to the "}" that closes a template's ${ when nested."""
        src, depth = self.src, 0
        while self.pos < len(src):
            start, char = self.pos, src[self.pos]
            if space := _SPACE.match(src, start):
                self.pos = space.end()
            elif src.startswith(("//", "/*"), start):
                end = src.find("\n" if src[start + 1] == "/" else "*/", start + 2)
                self.pos = len(src) if end < 0 else end + (src[start + 1] == "*") * 2
            elif char in "'\"`":
                self.string(char)
            elif char == "/" and self.regex_allowed() and self.regex():
                pass
            elif word := _NAME.match(src, start) or _NUMBER.match(src, start):
                self.pos = word.end()
                self.emit("num" if char.isdigit() else "name", word[0], start)
            else:
                text = next((p for p in ("...", "?.") if src.startswith(p, start)), char)
                self.pos += len(text)
                depth += (char == "{") - (char == "}")
                if nested and depth < 0:
                    break
                self.emit("punct", text, start)
        return self.out

    def string(self, quote: str) -> None:
        src, start, chars, literal = self.src, self.pos, list[str](), True
        self.pos += 1
        while self.pos < len(src) and src[self.pos] != quote:
            if src[self.pos] == "\n" and quote != "`":
                break
            if src[self.pos] == "\\" and self.pos + 1 < len(src):
                chars.append(_ESCAPES.get(src[self.pos + 1], src[self.pos + 1]))
                self.pos += 2
            elif quote == "`" and src.startswith("${", self.pos):
                self.pos, literal, keep = self.pos + 2, False, len(self.out)
                self.run(nested=True)
                del self.out[keep:]
            else:
                chars.append(src[self.pos])
                self.pos += 1
        self.pos += 1
        self.emit(
            "str" if literal else "tmpl",
            "".join(chars) if literal else src[start : self.pos],
            start,
        )

    def regex_allowed(self) -> bool:
        last = self.out[-1] if self.out else None
        if last is None or (last.kind == "punct" and last.text[-1] in _REGEX_AFTER):
            return True
        return last.kind == "name" and last.text in _KEYWORDS

    def regex(self) -> bool:
        src, end, in_class = self.src, self.pos + 1, False
        while end < len(src) and src[end] != "\n":
            if src[end] == "\\":
                end += 1
            elif src[end] in "[]":
                in_class = src[end] == "["
            elif src[end] == "/" and not in_class:
                flags = _NAME.match(src, end + 1)
                start, self.pos = self.pos, flags.end() if flags else end + 1
                self.emit("regex", src[start : self.pos], start)
                return True
            end += 1
        return False


@dataclass(frozen=True)
class Node:
    """An expression: str (`value` the string), tmpl, ref (`value` the dotted name), call and
    new (`value` the dotted name called, `items` the arguments), array, object (`keys` and
    `items`, "..." for a spread), concat (a + b), opaque (anything else)."""

    kind: str
    text: str
    value: str = ""
    items: tuple[Node, ...] = ()
    keys: tuple[str, ...] = ()
    line: int = 0

    def get(self, key: str) -> Node | None:
        found = [v for k, v in zip(self.keys, self.items, strict=True) if k == key]
        return found[-1] if found else None


def is_punct(token: Token, *texts: str) -> bool:
    return token.kind == "punct" and token.text in texts


def _closer(toks: list[Token], at: int) -> int:
    """Index of the bracket that closes the one at `at` (len(toks) when none does)."""
    depth = 0
    for j in range(at, len(toks)):
        depth += is_punct(toks[j], "(", "[", "{") - is_punct(toks[j], ")", "]", "}")
        if depth == 0:
            return j
    return len(toks)


def _split(toks: list[Token], lo: int, hi: int, sep: str) -> list[tuple[int, int]]:
    parts, depth, start = [], 0, lo
    for j in range(lo, hi):
        depth += is_punct(toks[j], "(", "[", "{") - is_punct(toks[j], ")", "]", "}")
        if depth == 0 and toks[j].text == sep and toks[j].kind in ("punct", "name"):
            parts.append((start, j))
            start = j + 1
    return [*parts, (start, hi)]


def parse(toks: list[Token], lo: int, hi: int, source: str) -> Node:
    """The expression toks[lo:hi]."""
    hi = _split(toks, lo, hi, "as")[0][1]
    while hi > lo and is_punct(toks[hi - 1], "!"):
        hi -= 1
    if hi <= lo:
        return Node("opaque", "")
    text = brief(source[toks[lo].start : toks[hi - 1].end])
    parts = _split(toks, lo, hi, "+")
    if len(parts) > 1 and all(a < b for a, b in parts):
        node = Node("concat", text, items=tuple(parse(toks, a, b, source) for a, b in parts))
    else:
        node = _primary(toks, lo, hi, source, text) or Node("opaque", text)
    return replace(node, line=toks[lo].line)


def _list(toks: list[Token], lo: int, hi: int, source: str) -> list[tuple[int, int]]:
    return [(a, b) for a, b in _split(toks, lo, hi, ",") if a < b]


def _primary(toks: list[Token], lo: int, hi: int, source: str, text: str) -> Node | None:
    first = toks[lo]
    if hi - lo == 1 and first.kind in ("str", "tmpl"):
        return Node(first.kind, text, value=first.text)
    if is_punct(first, "(", "[", "{") and _closer(toks, lo) == hi - 1:
        items = _list(toks, lo + 1, hi - 1, source)
        if first.text == "(":
            return parse(toks, lo + 1, hi - 1, source) if len(items) == 1 else None
        nodes = tuple(parse(toks, a, b, source) for a, b in items)
        return (
            Node("array", text, items=nodes)
            if first.text == "["
            else _object(toks, items, source, text)
        )
    new = first.kind == "name" and first.text == "new"
    end = lo + new
    if end >= hi or toks[end].kind != "name":
        return None
    while end + 2 < hi and is_punct(toks[end + 1], ".", "?.") and toks[end + 2].kind == "name":
        end += 2
    name = "".join(t.text for t in toks[lo + new : end + 1]).replace("?.", ".")
    if end + 1 == hi and not new:
        return Node("ref", text, value=name)
    if end + 1 < hi and is_punct(toks[end + 1], "(") and _closer(toks, end + 1) == hi - 1:
        args = tuple(parse(toks, a, b, source) for a, b in _list(toks, end + 2, hi - 1, source))
        return Node("new" if new else "call", text, value=name, items=args)
    return None


def _object(toks: list[Token], items: list[tuple[int, int]], source: str, text: str) -> Node:
    keys: list[str] = []
    values: list[Node] = []
    for a, b in items:
        if is_punct(toks[a], "..."):
            keys.append("...")
            values.append(parse(toks, a + 1, b, source))
        elif toks[a].kind in ("name", "str", "num") and a + 1 < b and is_punct(toks[a + 1], ":"):
            keys.append(toks[a].text)
            values.append(parse(toks, a + 2, b, source))
        elif toks[a].kind == "name" and b == a + 1:
            keys.append(toks[a].text)
            values.append(Node("ref", toks[a].text, value=toks[a].text, line=toks[a].line))
    return Node("object", text, items=tuple(values), keys=tuple(keys))


@dataclass(frozen=True)
class Site:
    """A call of one of the names looked for: `new X.Y(...)` or `x.y(...)`."""

    line: int
    callee: str
    new: bool
    args: tuple[Node, ...]


def sites(toks: list[Token], source: str, *, names: frozenset[str]) -> list[Site]:
    """Every call of a dotted name whose last part is in `names`, in source order; the line is
    that of `new`, or of the name called."""
    found = []
    for i, token in enumerate(toks):
        if token.kind != "name" or token.text not in names or i + 1 >= len(toks):
            continue
        if not is_punct(toks[i + 1], "("):
            continue
        start = i
        while (
            start >= 2 and is_punct(toks[start - 1], ".", "?.") and toks[start - 2].kind == "name"
        ):
            start -= 2
        new = start > 0 and toks[start - 1].kind == "name" and toks[start - 1].text == "new"
        callee = "".join(t.text for t in toks[start : i + 1]).replace("?.", ".")
        args = _list(toks, i + 2, _closer(toks, i + 1), source)
        nodes = tuple(parse(toks, a, b, source) for a, b in args)
        found.append(Site(toks[start - 1 if new else i].line, callee, new, nodes))
    return found


def unbalanced(toks: list[Token]) -> Token | None:
    """The first bracket that closes nothing or does not close what it should."""
    stack: list[Token] = []
    for token in toks:
        if is_punct(token, "(", "[", "{"):
            stack.append(token)
        elif is_punct(token, ")", "]", "}") and (
            not stack or _PAIRS[stack.pop().text] != token.text
        ):
            return token
    return stack[0] if stack else None
