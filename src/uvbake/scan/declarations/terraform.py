"""Terraform `*.tf` files: `aws_lambda_function` resources and `terraform-aws-modules/lambda`
module calls.

Files are read with the tolerant scanner of `hclscan`: literal strings and lists of strings
only. `${path.module}` is the .tf file's folder; any other interpolation, reference or function
call is not a literal. Paths are relative to the .tf file's folder (a root module, where
terraform runs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .common import config_text
from .hclscan import Attr, Bad, Block, is_false, literal, literals, parse, plain
from .model import Declared, Problem, Read
from .paths import SKIP_FOLDERS, Where, relative

_LAMBDA_MODULE = re.compile(r"terraform-aws-modules/lambda/aws|terraform-aws-lambda(?:\.git)?\b")
_HINT = re.compile(r"aws_lambda_function|" + _LAMBDA_MODULE.pattern)
_ARCHIVE_REF = re.compile(r"^(?:data\.)?archive_file\.([\w-]+)\.output_path$")


@dataclass(frozen=True)
class _Archive:
    """A `data "archive_file"`: its zip and the folder it zips, or why that is unknown."""

    output: str | None
    source_dir: str | None
    note: str


def _text(attrs: dict[str, Attr], key: str, skipped: list[str], label: str = "") -> str | None:
    value = literal(attrs.get(key))
    if value is None and key in attrs:
        skipped.append(f"{label or key}: {attrs[key].source} (not a literal)")
    return value


def _list(attrs: dict[str, Attr], key: str, skipped: list[str], label: str = "") -> list[str]:
    values = literals(attrs[key]) if key in attrs else []
    if values is None:
        skipped.append(f"{label or key}: {attrs[key].source} (not a literal)")
    return values or []


def wants(path: PurePosixPath) -> bool:
    return path.suffix == ".tf" and not any(p in SKIP_FOLDERS for p in path.parts[:-1])


def read(top: Path, file: Path) -> Read:
    rel = relative(top, file)
    text = config_text(file, rel)
    if isinstance(text, Read):
        return text
    if not _HINT.search(text):
        return Read()
    try:
        blocks = parse(text)
    except Bad as exc:
        return Read(problems=(Problem(rel, exc.line, f"not valid Terraform: {exc}"),))
    where = Where(top, rel)
    zips = any(_is_lambda(b) and "filename" in b.attrs for b in blocks)
    archives = _archives(file, blocks, where=where) if zips else {}
    found = []
    for block in blocks:
        if any(is_false(block.attrs.get(key)) for key in ("create", "create_function")):
            continue  # a lambda module call that only builds a package or a layer
        source = literal(block.attrs.get("source")) or ""
        module = block.type == "module" and len(block.labels) == 1
        module = module and _LAMBDA_MODULE.search(source) is not None
        if module or _is_lambda(block):
            declared = _function(block, where=where, archives=archives, module=module)
            if declared is not None:
                found.append(declared)
    return Read(functions=tuple(found))


def _is_lambda(block: Block) -> bool:
    labels = block.labels
    return block.type == "resource" and len(labels) == 2 and labels[0] == "aws_lambda_function"


def _archives(file: Path, blocks: tuple[Block, ...], *, where: Where) -> dict[str, _Archive]:
    """The `archive_file` zips (data sources or resources) of the .tf files of the folder."""
    every = list(blocks)
    for sibling in sorted(file.parent.glob("*.tf")):
        try:
            if sibling != file and "archive_file" in (text := sibling.read_text("utf-8-sig")):
                every.extend(parse(text))
        except (OSError, UnicodeDecodeError, Bad):
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
    attr: Attr, *, where: Where, archives: dict[str, _Archive], skipped: list[str]
) -> str | None:
    """The folder a `filename` zip holds, when an archive_file of the folder builds it."""
    tokens = [t.text for t in plain(attr)]
    ref = "".join(tokens)
    if len(tokens) == 1 and tokens[0].startswith('"${') and tokens[0].endswith('}"'):
        ref = tokens[0][3:-2].strip()
    match = _ARCHIVE_REF.match(ref)
    path = literal(attr)
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
    block: Block, *, where: Where, archives: dict[str, _Archive], module: bool
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


def _source_path(attrs: dict[str, Attr], *, where: Where, skipped: list[str]) -> str | None:
    """The folder a lambda module zips: `source_path` when it is one folder."""
    for key in ("local_existing_package", "s3_existing_package"):
        if key in attrs:
            skipped.append(f"{key}: {attrs[key].source} (a zip built elsewhere)")
    source = _text(attrs, "source_path", skipped)
    return where.path(source) if source is not None else None
