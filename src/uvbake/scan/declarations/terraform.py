"""Terraform `*.tf` files: `aws_lambda_function` resources and `terraform-aws-modules/lambda`
module calls.

A small tolerant HCL scanner, not a parser of the whole language: it splits a file into
blocks and `name = expression` attributes (strings, comments and heredocs skipped over
correctly) and reads literal strings and lists of strings. `${path.module}` is the .tf file's
folder; any other interpolation, reference or function call is not a literal. Paths are
relative to the .tf file's folder (a root module, where terraform runs).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .cloudformation import SKIP_FOLDERS, join, relative
from .model import Declared, Problem, Read

_LAMBDA_MODULE = re.compile(r"terraform-aws-modules/lambda/aws|terraform-aws-lambda(?:\.git)?\b")
_HINT = re.compile(r"aws_lambda_function|" + _LAMBDA_MODULE.pattern)
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
_ARCHIVE_REF = re.compile(r"^(?:data\.)?archive_file\.([\w-]+)\.output_path$")


class _Bad(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class _Attr:
    """An attribute's expression: its tokens, and its text as written (for `skipped`)."""

    tokens: tuple[_Tok, ...]
    source: str


@dataclass(frozen=True)
class _Block:
    type: str
    labels: tuple[str, ...]
    line: int
    attrs: dict[str, _Attr] = field(default_factory=dict)
    blocks: tuple[_Block, ...] = ()

    def first(self, block_type: str) -> _Block | None:
        return next((b for b in self.blocks if b.type == block_type), None)


@dataclass(frozen=True)
class _Where:
    """The .tf file being read: `folder` is its folder relative to `top`."""

    top: Path
    rel: str
    folder: str

    def path(self, value: str) -> str:
        return join(self.top, self.folder, value)


@dataclass(frozen=True)
class _Archive:
    """A `data "archive_file"`: its zip and the folder it zips, or why that is unknown."""

    output: str | None
    source_dir: str | None
    note: str


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
    raise _Bad(line, "string not closed")


def _tokens(text: str) -> list[_Tok]:
    tokens, i, line = [], 0, 1
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise _Bad(line, f"unexpected character {text[i]!r}")
        kind, end = m.lastgroup or "", m.end()
        if kind == "long":
            end = text.find("*/", end)
            if end < 0:
                raise _Bad(line, "comment not closed")
            end += 2
        elif kind == "heredoc":
            closing = re.compile(rf"^[ \t]*{re.escape(m['tag'])}[ \t]*\r?$", re.M)
            found = closing.search(text, end)
            if found is None:
                raise _Bad(line, f"heredoc <<{m['tag']} not closed")
            end = found.end()
        elif kind == "string":
            end = _string_end(text, end, line)
        if kind in ("nl", "heredoc", "string", "ident", "number", "op"):
            tokens.append(_Tok(kind, text[i:end], line, i, end))
        line += text.count("\n", i, end)
        i = end
    return tokens


def _body(text: str, tokens: list[_Tok], i: int, opened: _Tok | None) -> tuple[_Block, int]:
    """The attributes and blocks from `i` to the `}` that closes `opened` (or the end)."""
    attrs: dict[str, _Attr] = {}
    blocks: list[_Block] = []
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "nl":
            i += 1
        elif tok.text == "}" and opened is not None:
            return _Block("", (), opened.line, attrs, tuple(blocks)), i + 1
        elif tok.kind != "ident":
            raise _Bad(tok.line, f"unexpected {tok.text!r}")
        elif i + 1 < len(tokens) and tokens[i + 1].text == "=":
            end = _expression_end(tokens, i + 2)
            value = tokens[i + 2 : end]
            source = text[value[0].start : value[-1].end] if value else ""
            source = " ".join(source.split())
            source = source if len(source) <= 80 else source[:77] + "..."
            attrs.setdefault(tok.text, _Attr(tuple(value), source))
            i = end
        else:
            j = i + 1
            while j < len(tokens) and tokens[j].kind in ("string", "ident"):
                j += 1
            if j >= len(tokens) or tokens[j].text != "{":
                raise _Bad(tok.line, f"{tok.text}: expected '=' or a block")
            labels = tuple(
                _string(t.text) or t.text if t.kind == "string" else t.text
                for t in tokens[i + 1 : j]
            )
            inner, i = _body(text, tokens, j + 1, tokens[j])
            blocks.append(_Block(tok.text, labels, tok.line, inner.attrs, inner.blocks))
    if opened is not None:
        raise _Bad(opened.line, "block not closed")
    return _Block("", (), 1, attrs, tuple(blocks)), i


def _expression_end(tokens: list[_Tok], i: int) -> int:
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


def _plain(attr: _Attr | None) -> list[_Tok]:
    return [t for t in attr.tokens if t.kind != "nl"] if attr is not None else []


def _literal(attr: _Attr | None) -> str | None:
    """A string (or `path.module`) attribute's value; None for any other expression."""
    tokens = _plain(attr)
    if len(tokens) == 1 and tokens[0].kind == "string":
        return _string(tokens[0].text)
    return "." if [t.text for t in tokens] == ["path", ".", "module"] else None


def _is_false(attr: _Attr | None) -> bool:
    return [t.text for t in _plain(attr)] == ["false"]


def _literals(attr: _Attr) -> list[str] | None:
    """A list of strings' values; None for any other expression."""
    tokens = _plain(attr)
    if len(tokens) < 2 or tokens[0].text != "[" or tokens[-1].text != "]":
        return None
    items, commas = tokens[1:-1:2], tokens[2:-1:2]
    values = [_string(t.text) if t.kind == "string" else None for t in items]
    if any(c.text != "," for c in commas) or None in values:
        return None
    return [v for v in values if v is not None]


def _text(attrs: dict[str, _Attr], key: str, skipped: list[str], label: str = "") -> str | None:
    value = _literal(attrs.get(key))
    if value is None and key in attrs:
        skipped.append(f"{label or key}: {attrs[key].source} (not a literal)")
    return value


def _list(attrs: dict[str, _Attr], key: str, skipped: list[str], label: str = "") -> list[str]:
    values = _literals(attrs[key]) if key in attrs else []
    if values is None:
        skipped.append(f"{label or key}: {attrs[key].source} (not a literal)")
    return values or []


def wants(path: PurePosixPath) -> bool:
    return path.suffix == ".tf" and not any(p in SKIP_FOLDERS for p in path.parts[:-1])


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return Read(problems=(Problem(rel, 1, f"cannot read: {exc}"),))
    if not _HINT.search(text):
        return Read()
    try:
        blocks = _parse(text)
    except _Bad as exc:
        return Read(problems=(Problem(rel, exc.line, f"not valid Terraform: {exc}"),))
    where = _Where(top, rel, posixpath.dirname(rel))
    zips = any(_is_lambda(b) and "filename" in b.attrs for b in blocks)
    archives = _archives(file, blocks, where=where) if zips else {}
    found = []
    for block in blocks:
        if any(_is_false(block.attrs.get(key)) for key in ("create", "create_function")):
            continue  # a lambda module call that only builds a package or a layer
        source = _literal(block.attrs.get("source")) or ""
        module = block.type == "module" and len(block.labels) == 1
        module = module and _LAMBDA_MODULE.search(source) is not None
        if module or _is_lambda(block):
            declared = _function(block, where=where, archives=archives, module=module)
            if declared is not None:
                found.append(declared)
    return Read(functions=tuple(found))


def _parse(text: str) -> tuple[_Block, ...]:
    try:
        return _body(text, _tokens(text), 0, None)[0].blocks
    except RecursionError:
        raise _Bad(1, "nested too deeply") from None


def _is_lambda(block: _Block) -> bool:
    labels = block.labels
    return block.type == "resource" and len(labels) == 2 and labels[0] == "aws_lambda_function"


def _archives(file: Path, blocks: tuple[_Block, ...], *, where: _Where) -> dict[str, _Archive]:
    """The `archive_file` zips (data sources or resources) of the .tf files of the folder."""
    every = list(blocks)
    for sibling in sorted(file.parent.glob("*.tf")):
        try:
            if sibling != file and "archive_file" in (text := sibling.read_text("utf-8-sig")):
                every.extend(_parse(text))
        except (OSError, UnicodeDecodeError, _Bad):
            continue
    found: dict[str, _Archive] = {}
    for block in every:
        if block.type in ("data", "resource") and block.labels[:1] == ("archive_file",):
            notes: list[str] = []
            output = _text(block.attrs, "output_path", notes)
            source = _text(block.attrs, "source_dir", notes)
            if "source_dir" not in block.attrs:
                notes.append("no source_dir (source_file or source blocks: no folder)")
            found.setdefault(
                block.labels[-1],
                _Archive(
                    where.path(output) if output else None,
                    where.path(source) if source else None,
                    "; ".join(notes),
                ),
            )
    return found


def _zip(
    attr: _Attr, *, where: _Where, archives: dict[str, _Archive], skipped: list[str]
) -> str | None:
    """The folder a `filename` zip holds, when an archive_file of the folder builds it."""
    tokens = [t.text for t in _plain(attr)]
    ref = "".join(tokens)
    if len(tokens) == 1 and tokens[0].startswith('"${') and tokens[0].endswith('}"'):
        ref = tokens[0][3:-2].strip()
    match = _ARCHIVE_REF.match(ref)
    path = _literal(attr)
    if match:
        archive = archives.get(match[1])
    elif path is not None:
        archive = next((a for a in archives.values() if a.output == where.path(path)), None)
    else:
        skipped.append(f"filename: {attr.source} (not a literal)")
        return None
    if archive is None:
        skipped.append(f"filename: {attr.source} (no archive_file of this folder builds it)")
    elif archive.source_dir is None:
        skipped.append(f"filename: {attr.source} (archive_file: {archive.note})")
    return archive.source_dir if archive else None


def _function(
    block: _Block, *, where: _Where, archives: dict[str, _Archive], module: bool
) -> Declared | None:
    """An aws_lambda_function resource or a lambda module call; None for another language."""
    skipped: list[str] = []
    attrs = block.attrs
    image = (_text(attrs, "package_type", skipped) or "").lower() == "image"
    runtime = None if image else _text(attrs, "runtime", skipped)
    if runtime is not None and not runtime.startswith("python"):
        return None
    architectures = tuple(_list(attrs, "architectures", skipped))
    code_root = None
    if image:
        config = block if module else block.first("image_config")
        key, label = (
            ("image_config_command",) * 2 if module else ("command", "image_config.command")
        )
        commands = _list(config.attrs, key, skipped, label) if config else []
        handler = commands[0] if commands else None
    else:
        handler = _text(attrs, "handler", skipped)
        if module:
            code_root = _source_path(attrs, where=where, skipped=skipped)
        elif "filename" in attrs:
            code_root = _zip(attrs["filename"], where=where, archives=archives, skipped=skipped)
        elif "s3_bucket" in attrs:
            skipped.append(f"s3_bucket: {attrs['s3_bucket'].source} (code in S3)")
    return Declared(
        kind="terraform",
        file=where.rel,
        line=block.line,
        name=block.labels[-1],
        handler=handler,
        code_root=code_root,
        image=image,
        runtime=runtime,
        architectures=architectures,
        skipped=tuple(skipped),
    )


def _source_path(attrs: dict[str, _Attr], *, where: _Where, skipped: list[str]) -> str | None:
    """The folder a lambda module zips: `source_path` when it is one folder."""
    for key in ("local_existing_package", "s3_existing_package"):
        if key in attrs:
            skipped.append(f"{key}: {attrs[key].source} (a zip built elsewhere)")
    source = _text(attrs, "source_path", skipped)
    return where.path(source) if source is not None else None
