"""`uvbake list --format mermaid`: which image gets which layer, as a Mermaid flowchart, with
exact outputs."""

from __future__ import annotations

from pathlib import Path

from helpers import Locked, build_tree, lock_text, seed_lock_packages, seed_workspace, uvbake
from uvbake.report.mermaid import label

WORKER = "services/worker/pyproject.toml"


def test_the_seed_workspace_as_a_flowchart(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path / "ws")
    # from 0 kB every shared group is a layer of its own, as the chart shows
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "min-shared-layer-kb = 0\n")
    done = uvbake("list", "--format", "mermaid", cwd=root)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "flowchart TB\n"
        '  L1["uvbake.layer-1 (1.0 kB)<br/>orjson"]\n'
        '  L2["uvbake.layer-2 (4.0 kB)<br/>httpx, idna, pydantic, typing-extensions"]\n'
        '  W1(["common-log<br/>services/common/log"])\n'
        '  W2(["common-models<br/>services/common/models"])\n'
        '  I1[["api<br/>api.main.handler"]]\n'
        '  I2[["worker<br/>worker.main.handler"]]\n'
        '  B1[/"public.ecr.aws/lambda/python:3.13"\\]\n'
        "  L1 --> I1\n"
        "  L2 --> I1\n"
        "  W1 --> I1\n"
        "  W2 --> I1\n"
        "  L1 --> I2\n"
        "  W1 --> I2\n"
        "  I1 -.- B1\n"
        "  I2 -.- B1\n"
    )


def test_functions_a_base_dockerfile_another_platform_and_long_layers(tmp_path: Path) -> None:
    """Each function is an image; a base Dockerfile sits between its images and the base
    image; an image on another platform says so; a layer installed on the target platform
    says so; past four packages, a layer names its biggest and counts the rest."""
    root = seed_workspace(tmp_path / "ws")
    extra = ("aa", "bb", "cc")
    packages = [p for p in seed_lock_packages(*extra) if p.name != "orjson"]
    packages.append(Locked("orjson", wheels=[], sdist=True))
    worker = (root / WORKER).read_text(encoding="utf-8")
    build_tree(
        root,
        {
            "uv.lock": lock_text(packages),
            "pyproject.toml": (root / "pyproject.toml").read_text(encoding="utf-8")
            + 'source-builds = ["orjson"]\n',
            "services/api/pyproject.toml": (root / "services/api/pyproject.toml")
            .read_text(encoding="utf-8")
            .replace('"httpx"]', '"httpx", "aa", "bb", "cc"]'),
            WORKER: worker + '\n[tool.uvbake]\nplatform = "linux/amd64"\n'
            'base-dockerfile = "docker/base.Dockerfile"\n'
            'functions = { ingest = "worker.main.handler", sweep = "worker.sweep.handler" }\n',
            "services/worker/docker/base.Dockerfile": "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n",
            "services/worker/src/worker/sweep.py": "def handler(event, context):\n    pass\n",
        },
    )
    done = uvbake("list", "--format", "mermaid", cwd=root)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "flowchart TB\n"
        '  L1["uvbake.layer-1 (7.0 kB)<br/>aa, bb, cc, httpx and 3 more"]\n'
        '  L2["uvbake.layer-2 (5.0 kB)<br/>orjson<br/>installed on linux/arm64"]\n'
        '  L3["uvbake.layer-3 (5.0 kB)<br/>orjson<br/>installed on linux/amd64"]\n'
        '  W1(["common-log<br/>services/common/log"])\n'
        '  W2(["common-models<br/>services/common/models"])\n'
        '  I1[["api<br/>api.main.handler"]]\n'
        '  I2[["worker-ingest<br/>worker.main.handler<br/>linux/amd64"]]\n'
        '  I3[["worker-sweep<br/>worker.sweep.handler<br/>linux/amd64"]]\n'
        '  D1[/"services/worker/docker/base.Dockerfile"\\]\n'
        '  B1[/"public.ecr.aws/lambda/python:3.13"\\]\n'
        "  L1 --> I1\n"
        "  L2 --> I1\n"
        "  W1 --> I1\n"
        "  W2 --> I1\n"
        "  L3 --> I2\n"
        "  W1 --> I2\n"
        "  L3 --> I3\n"
        "  W1 --> I3\n"
        "  I1 -.- B1\n"
        "  I2 -.- D1\n"
        "  I3 -.- D1\n"
        "  D1 -.- B1\n"
    )


def test_labels_escape_what_mermaid_reads_as_markup() -> None:
    assert label('a "b" #1', "<c>") == "a #quot;b#quot; #35;1<br/>#lt;c#gt;"
