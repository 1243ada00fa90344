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


def _readers() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in READERS)


def files(top: Path) -> Iterator[PurePosixPath]:
    """Every file under `top` a reader might want, relative to it, in a stable order."""
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.endswith(".egg-info"))
        rel = PurePosixPath(Path(folder).relative_to(top).as_posix())
        for name in sorted(names):
            yield rel / name


def read_all(top: Path) -> Read:
    """What every declaration file under `top` declares, in path order."""
    readers = _readers()
    functions: list[Declared] = []
    problems: list[Problem] = []
    for rel in files(top):
        for reader in readers:
            if reader.wants(rel):
                found: Read = reader.read(top, top / rel)
                functions.extend(found.functions)
                problems.extend(found.problems)
    return Read(functions=tuple(functions), problems=tuple(problems))
