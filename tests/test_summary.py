"""The summary `uvbake generate` prints: services and functions, the Python and where it came
from, the base image, and the image targets added or removed since the last bake file."""

from __future__ import annotations

from pathlib import Path

from helpers import HANDLER, build_tree, seed_workspace, uvbake
from uvbake.report.summary import targets_in

WORKER = "services/worker/pyproject.toml"
FUNCTIONS = (
    '\n[tool.uvbake]\nfunctions = { ingest = "worker.main.handler", '
    'sweep = "worker.sweep.handler" }\n'
)


def test_first_generate_then_functions_replace_a_target(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('python = "3.13"\n', "")
    )
    build_tree(root, {".python-version": "3.12\n"})
    first = uvbake("generate", cwd=root)
    assert first.stdout.splitlines()[3:] == [
        "2 services, 2 images: api, worker",
        "python 3.12, from .python-version",
        "base image public.ecr.aws/lambda/python:3.12",
    ]
    build_tree(root, {"services/worker/src/worker/sweep.py": HANDLER})
    with (root / WORKER).open("a", encoding="utf-8") as handle:
        handle.write(FUNCTIONS)
    again = uvbake("generate", cwd=root)
    assert again.stdout.splitlines()[3:] == [
        "2 services, 3 images: api, worker",
        "  worker: one image per function: worker-ingest (worker.main.handler), "
        "worker-sweep (worker.sweep.handler)",
        "python 3.12, from .python-version",
        "base image public.ecr.aws/lambda/python:3.12",
        "targets: added worker-ingest, worker-sweep; removed worker "
        "(compared with the previous docker-bake.hcl)",
    ]


def test_targets_of_a_bake_file_uvbake_did_not_write_are_unknown() -> None:
    assert targets_in(None) is None
    assert targets_in('target "x" {}\n') is None
    assert targets_in('group "default" {\n  description = "d"\n  targets = ["a", "b"]\n}\n') == (
        "a",
        "b",
    )
