"""What a CDK Lambda construct call says, the same in Python and in TypeScript: `Found` gathers
it, and `asset` and `python_function` read the props whose meaning does not depend on the
language, through `Values`, the reader's own way of evaluating an expression."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from .model import Declared
from .paths import Text, place

_PYTHON = re.compile(r"PYTHON_(\d+)_(\d+)$")
_OTHER = re.compile(r"(NODEJS|JAVA|DOTNET|GO|RUBY|PROVIDED)")
_ARCHITECTURES = {"ARM_64": "arm64", "X86_64": "x86_64"}

N = TypeVar("N")
N_contra = TypeVar("N_contra", contravariant=True)


class Values(Protocol[N_contra]):
    """A reader's values of its expression nodes."""

    def text(self, node: N_contra) -> Text | None:
        """A string or path value, None when it is not known."""

    def string(self, node: N_contra) -> str | None:
        """A string that is not anchored to the file's location."""

    def source(self, node: N_contra) -> str:
        """The node as written, for `skipped`."""


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
        known = tuple(_ARCHITECTURES[n] for n in names if n in _ARCHITECTURES)
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


def asset(
    found: Found,
    values: Values[N],
    *,
    folder: N,
    file: N | None,
    image: bool,
    top: Path,
    app: str,
) -> None:
    """`Code.fromAsset(folder)`: the code root; an image asset (`fromAssetImage(folder,
    { file })`): the Dockerfile, "Dockerfile" in that folder unless `file` names another.
    A relative folder is relative to the CDK app's folder `app`."""
    text = values.text(folder)
    where = place(top, text=text, base=app) if text else None
    if text is None:
        found.note("code", values.source(folder))
    if not image:
        found.code_root = where
        return
    found.image = True
    dockerfile = values.string(file) if file is not None else "Dockerfile"
    if file is not None and dockerfile is None:
        found.note("file", values.source(file))
    if where is not None and dockerfile is not None:
        found.dockerfile = posixpath.normpath(posixpath.join(where, dockerfile))


def _python_handler(index: str, handler: str) -> str:
    """The handler a PythonFunction gives Lambda: its index file as a module, "." handler."""
    return f"{index.removesuffix('.py')}.{handler}".replace("/", ".")


def python_function(
    found: Found, values: Values[N], *, props: Mapping[str, N], top: Path, app: str
) -> None:
    """The alpha PythonFunction: `index` ("index.py") and `handler` ("handler") make the
    handler Lambda receives, `entry` is the code root."""
    parts = []
    for key, default in (("index", "index.py"), ("handler", "handler")):
        node = props.get(key)
        value = default if node is None else values.string(node)
        if node is not None and value is None:
            found.note(key, values.source(node))
        parts.append(value)
    index, handler = parts
    found.handler = _python_handler(index, handler) if index and handler else None
    entry = props.get("entry")
    folder = values.text(entry) if entry is not None else None
    found.code_root = place(top, text=folder, base=app) if folder else None
    if entry is not None and folder is None:
        found.note("entry", values.source(entry))
