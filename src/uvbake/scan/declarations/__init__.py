"""Readers of the files where Lambda projects declare their functions (SAM and CloudFormation
templates, Serverless, CDK in Python and TypeScript, SST, Terraform, a function's own
Dockerfile). Each reader parses, never runs, the file it is given."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from types import ModuleType

from uvbake.scan import tree
from uvbake.scan.declarations.model import Declared, Problem, Read

# Folders never read for declarations: those never walked, plus build outputs (a CDK cloud
# assembly, a SAM build folder hold synthesised copies of the templates the app declares).
SKIP = tree.SKIP | {"dist", "build", "site-packages"}


READERS = (
    "cloudformation",
    "serverless",
    "terraform",
    "cdk_python",
    "cdk_typescript",
    "sst",
    "dockerfile",
)


# The readers that may want a Python file (a test holds every other reader to wanting none):
# CDK apps, and a Dockerfile named like Dockerfile.py.
PYTHON_READERS = ("cdk_python", "dockerfile")


def _readers(names: tuple[str, ...] = READERS) -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def readers_for(rel: PurePosixPath) -> tuple[ModuleType, ...]:
    """The readers that may want `rel`, imported: a Python file needs only its own."""
    return _readers(PYTHON_READERS if rel.suffix == ".py" else READERS)


def files(top: Path) -> Iterator[PurePosixPath]:
    """Every file under `top` a reader might want, relative to it, in a stable order."""
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.endswith(".egg-info"))
        rel = PurePosixPath(Path(folder).relative_to(top).as_posix())
        for name in sorted(names):
            yield rel / name


def _walked(rel: PurePosixPath) -> bool:
    """Whether `files` reaches the file `rel` (no folder on its way is skipped)."""
    return not any(p in SKIP or p.endswith(".egg-info") for p in rel.parts[:-1])


def read_one(top: Path, rel: PurePosixPath, *, readers: tuple[ModuleType, ...] = ()) -> Read:
    """What the file `rel` (relative to `top`) declares, as `read_all` reads it."""
    functions: list[Declared] = []
    problems: list[Problem] = []
    if not _walked(rel):
        return Read()
    for reader in readers or readers_for(rel):
        if reader.wants(rel):
            found: Read = reader.read(top, top / rel)
            functions.extend(found.functions)
            problems.extend(found.problems)
    return Read(functions=tuple(functions), problems=tuple(problems))


def read_all(top: Path) -> Read:
    """What every declaration file under `top` declares, in path order."""
    readers = _readers()
    functions: list[Declared] = []
    problems: list[Problem] = []
    for rel in files(top):
        found = read_one(top, rel, readers=readers)
        functions.extend(found.functions)
        problems.extend(found.problems)
    return Read(functions=tuple(functions), problems=tuple(problems))
