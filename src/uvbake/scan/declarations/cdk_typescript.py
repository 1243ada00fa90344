"""AWS CDK apps in TypeScript or JavaScript, read with a small tolerant scanner (there is no
TypeScript parser here, and nothing is run).

The scanner knows strings, template literals (one with ${} is not a literal), comments,
regular expressions and brackets. An expression it does not know becomes an opaque node, so an
unusual construct call is read in part, never misread. `tokenize`, `Node`, `Site`, `sites` and
`Script` are shared with the SST reader.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from .cdk_python import (
    Found,
    Text,
    app_folder,
    concat,
    join,
    parent,
    place,
    python_handler,
    relative,
)
from .model import Declared, Problem, Read

KIND = "cdk-typescript"
_SKIP = frozenset({"node_modules", "cdk.out", "dist", ".git"})
_SPACE = re.compile(r"\s+")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"\d[\w.]*")
_REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^")
_KEYWORDS = frozenset({"return", "typeof", "case", "do", "else", "in", "of", "new", "void"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\n": ""}
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_TEXT = 80
_CLASSES = frozenset({"Function", "SingletonFunction", "DockerImageFunction", "PythonFunction"})


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


_EMPTY = Node("object", "")


def _is(token: Token, *texts: str) -> bool:
    return token.kind == "punct" and token.text in texts


def _closer(toks: list[Token], at: int) -> int:
    """Index of the bracket that closes the one at `at` (len(toks) when none does)."""
    depth = 0
    for j in range(at, len(toks)):
        depth += _is(toks[j], "(", "[", "{") - _is(toks[j], ")", "]", "}")
        if depth == 0:
            return j
    return len(toks)


def _split(toks: list[Token], lo: int, hi: int, sep: str) -> list[tuple[int, int]]:
    parts, depth, start = [], 0, lo
    for j in range(lo, hi):
        depth += _is(toks[j], "(", "[", "{") - _is(toks[j], ")", "]", "}")
        if depth == 0 and toks[j].text == sep and toks[j].kind in ("punct", "name"):
            parts.append((start, j))
            start = j + 1
    return [*parts, (start, hi)]


def parse(toks: list[Token], lo: int, hi: int, source: str) -> Node:
    """The expression toks[lo:hi]."""
    hi = _split(toks, lo, hi, "as")[0][1]
    while hi > lo and _is(toks[hi - 1], "!"):
        hi -= 1
    if hi <= lo:
        return Node("opaque", "")
    text = " ".join(source[toks[lo].start : toks[hi - 1].end].split())
    text = text if len(text) <= _TEXT else text[: _TEXT - 3] + "..."
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
    if _is(first, "(", "[", "{") and _closer(toks, lo) == hi - 1:
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
    while end + 2 < hi and _is(toks[end + 1], ".", "?.") and toks[end + 2].kind == "name":
        end += 2
    name = "".join(t.text for t in toks[lo + new : end + 1]).replace("?.", ".")
    if end + 1 == hi and not new:
        return Node("ref", text, value=name)
    if end + 1 < hi and _is(toks[end + 1], "(") and _closer(toks, end + 1) == hi - 1:
        args = tuple(parse(toks, a, b, source) for a, b in _list(toks, end + 2, hi - 1, source))
        return Node("new" if new else "call", text, value=name, items=args)
    return None


def _object(toks: list[Token], items: list[tuple[int, int]], source: str, text: str) -> Node:
    keys: list[str] = []
    values: list[Node] = []
    for a, b in items:
        if _is(toks[a], "..."):
            keys.append("...")
            values.append(parse(toks, a + 1, b, source))
        elif toks[a].kind in ("name", "str", "num") and a + 1 < b and _is(toks[a + 1], ":"):
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
        if not _is(toks[i + 1], "("):
            continue
        start = i
        while start >= 2 and _is(toks[start - 1], ".", "?.") and toks[start - 2].kind == "name":
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
        if _is(token, "(", "[", "{"):
            stack.append(token)
        elif _is(token, ")", "]", "}") and (not stack or _PAIRS[stack.pop().text] != token.text):
            return token
    return stack[0] if stack else None


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
            return join(args, resolve=name.endswith("resolve"))
        if name == "path.dirname" and len(args) == 1:
            return parent(args[0])
        if name in ("path.normalize", "url.fileURLToPath", "String") and len(args) == 1:
            return args[0]
        return Text(".") if name == "process.cwd" and not args else None

    def string(self, node: Node) -> str | None:
        text = self.text(node)
        return text.value if text and not text.anchored else None


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
        if not named and not _is(toks[j], "*", "{", "}", ",", ":", "="):
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
    if not _is(toks[at], "=", ":"):
        return None
    depth = 0
    for j in range(at, min(len(toks) - 1, at + 100)):
        depth += _is(toks[j], "(", "[", "{", "<") - _is(toks[j], ")", "]", "}", ">")
        if depth == 0 and _is(toks[j], "=") and not _is(toks[j + 1], ">", "="):
            return j
        if depth < 0 or _is(toks[j], ";"):
            return None
    return None


def _statement_end(toks: list[Token], lo: int) -> int:
    depth = 0
    for j in range(lo, len(toks)):
        depth += _is(toks[j], "(", "[", "{") - _is(toks[j], ")", "]", "}")
        if depth < 0 or (depth == 0 and _is(toks[j], ";", ",")):
            return j
        follows = j > lo and depth == 0 and toks[j].line > toks[j - 1].line
        ended = toks[j - 1].kind != "punct" or _is(toks[j - 1], ")", "]", "}")
        if follows and ended and not _is(toks[j], ".", "?.", "+", "?", ":", "(", "["):
            return j
    return len(toks)


def wants(path: PurePosixPath) -> bool:
    if path.name.endswith(".d.ts") or _SKIP.intersection(path.parts[:-1]):
        return False
    return path.suffix in (".ts", ".js", ".mjs")


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    try:
        source = file.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        return Read(problems=(Problem(rel, 1, f"cannot read: {err.strerror or err}"),))
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
        _python_function(found, props=dict(pairs), script=script, app=app)
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
    asset = method in ("fromAsset", "asset", "AssetCode")
    if not (asset or method in ("fromAssetImage", "fromImageAsset")) or not call.items:
        why = "inline code, no folder" if method == "fromInline" else "not an asset folder"
        found.skipped.append(f"code: {node.text} ({why})")
        return
    folder = script.text(call.items[0])
    where = place(script.top, text=folder, base=app) if folder else None
    if folder is None:
        found.note("code", call.items[0].text)
    if asset:
        found.code_root = where
        return
    found.image = True
    options = script.deref(call.items[1]) if len(call.items) > 1 else _EMPTY
    file_node = options.get("file")
    dockerfile = script.string(file_node) if file_node else "Dockerfile"
    if file_node and dockerfile is None:
        found.note("file", file_node.text)
    if where is not None and dockerfile is not None:
        found.dockerfile = posixpath.normpath(posixpath.join(where, dockerfile))
    cmd = options.get("cmd")
    first = script.deref(cmd).items[:1] if cmd else ()
    found.handler = script.string(first[0]) if first else None
    if cmd and found.handler is None:
        found.note("cmd", cmd.text)


def _python_function(found: Found, *, props: dict[str, Node], script: Script, app: str) -> None:
    parts = []
    for key, default in (("index", "index.py"), ("handler", "handler")):
        node = props.get(key)
        value = default if node is None else script.string(node)
        if node is not None and value is None:
            found.note(key, node.text)
        parts.append(value)
    index, handler = parts
    found.handler = python_handler(index, handler) if index and handler else None
    entry = props.get("entry")
    folder = script.text(entry) if entry else None
    found.code_root = place(script.top, text=folder, base=app) if folder else None
    if entry and folder is None:
        found.note("entry", entry.text)
