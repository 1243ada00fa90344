from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import seed_workspace, snapshot, uvbake

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"


def test_checked_in_example_is_fresh() -> None:
    result = uvbake("generate", "--check", cwd=EXAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_generate_then_check(tmp_path: Path) -> None:
    """Through `python -m uvbake`, in child processes."""
    seed_workspace(tmp_path)
    first = uvbake("generate", cwd=tmp_path, via="module")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "wrote docker-bake.hcl",
        "wrote uvbake.Dockerfile",
        "wrote uvbake.Dockerfile.dockerignore",
        "2 services, 2 images: api, worker",
        "python 3.13, from [tool.uvbake] python",
        "base image public.ecr.aws/lambda/python:3.13",
    ]
    checked = uvbake("generate", "--check", cwd=tmp_path, via="module")
    assert (checked.returncode, checked.stdout, checked.stderr) == (
        0,
        "",
        "uvbake: checked docker-bake.hcl, uvbake.Dockerfile, uvbake.Dockerfile.dockerignore: "
        "each is what uvbake would write\n",
    )
    again = uvbake("generate", cwd=tmp_path, via="module")
    assert again.stdout.count("unchanged") == 3
    assert again.stdout.splitlines()[-1] == "targets: the same as in the previous docker-bake.hcl"
    assert uvbake("-q", "generate", cwd=tmp_path, via="module").stdout == ""


def test_check_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    """Through the installed `uvbake` script, in child processes."""
    seed_workspace(tmp_path)
    uvbake("generate", cwd=tmp_path, via="script")
    (tmp_path / "services/api/pyproject.toml").write_text(
        (tmp_path / "services/api/pyproject.toml").read_text()
        + '\n[tool.uvbake]\nplatform = "linux/amd64"\n'
    )
    before = snapshot(tmp_path)
    result = uvbake("generate", "--check", cwd=tmp_path, via="script")
    assert result.returncode == 1
    assert '-  platforms = [PLATFORM]\n+  platforms = ["linux/amd64"]' in result.stdout
    assert result.stderr == (
        "uvbake: stale: docker-bake.hcl, uvbake.Dockerfile; run `uvbake generate`\n"
    )
    assert snapshot(tmp_path) == before


def test_stdout_writes_nothing(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    before = snapshot(tmp_path)
    result = uvbake("generate", "--stdout", cwd=tmp_path)
    assert result.returncode == 0
    assert "# ===== docker-bake.hcl =====" in result.stdout
    assert snapshot(tmp_path) == before


def test_bad_input_is_one_line_exit_1_no_files(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    (tmp_path / "uv.lock").write_text("not = [valid")
    before = snapshot(tmp_path)
    result = uvbake("generate", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("uvbake: error: uv.lock: is not valid TOML")
    assert snapshot(tmp_path) == before


def test_unwritable_output_leaves_nothing_behind(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    (tmp_path / "docker-bake.hcl").mkdir()  # a folder where the file must go
    before = snapshot(tmp_path)
    result = uvbake("generate", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("uvbake: error: ")
    assert "cannot write generated files" in result.stderr
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == []


def test_list_json(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    result = uvbake("list", "--format", "json", cwd=tmp_path)
    data = json.loads(result.stdout)
    # the one shared package (orjson, 1 kB) is in each image's own layer
    assert [s["layers"] for s in data["services"]] == [["uvbake.layer-1"], ["uvbake.layer-2"]]
    assert [(s["name"], s["local"], s["third_party"]) for s in data["services"]] == [
        ("api", ["common-log", "common-models"], 5),
        ("worker", ["common-log"], 1),
    ]
    assert [lib["name"] for lib in data["libraries"]] == ["common-log", "common-models"]


def test_root_option(tmp_path: Path) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(EXAMPLE, copy)
    result = uvbake("generate", "--check", "--root", str(copy), cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_bug_exits_3_with_one_line_and_the_traceback_only_with_verbose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from uvbake.errors import BUG, USER_ERROR, UvbakeError, handled

    with handled() as outcome:
        raise KeyError("oops")
    quiet = capsys.readouterr().err
    assert outcome.code == BUG
    assert quiet == (
        "uvbake: internal error: KeyError: 'oops'; this is a bug in uvbake, please report it "
        "(run again with -v for the traceback)\n"
    )
    with handled(verbose=True) as outcome:
        raise KeyError("oops")
    loud = capsys.readouterr().err
    assert outcome.code == BUG
    assert loud.startswith("Traceback (most recent call last):")
    assert loud.endswith(quiet)
    with handled() as outcome:
        raise UvbakeError("pyproject.toml", "is broken", "fix it")
    assert outcome.code == USER_ERROR
    assert capsys.readouterr().err == "uvbake: error: pyproject.toml: is broken; fix it\n"


def test_list_layers_shows_each_images_layers_and_the_byte_totals(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "min-shared-layer-kb = 0\n")
    text = uvbake("list", "--layers", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[-8:] == [
        "layers (bytes estimated from the locked wheel sizes):",
        "  api:",
        "    uvbake.layer-1      1.0 kB  shared by 2: orjson==1.0.0",
        "    uvbake.layer-2      4.0 kB  shared by 1: httpx==1.0.0, idna==1.0.0, "
        "pydantic==1.0.0, typing-extensions==1.0.0",
        "  worker:",
        "    uvbake.layer-1      1.0 kB  shared by 2: orjson==1.0.0",
        "total 6.0 kB in all images; unique 5.0 kB; lower bound (each package once) 5.0 kB",
        "a group shared by several images gets a layer from 0 kB (min-shared-layer-kb), else it "
        "is in each one's own layer; at most 16 per image (max-layers)",
    ]
    data = json.loads(uvbake("list", "--layers", "--format", "json", cwd=tmp_path).stdout)["layers"]
    assert data["images"] == {
        "api": ["uvbake.layer-1", "uvbake.layer-2"],
        "worker": ["uvbake.layer-1"],
    }
    assert (data["total_bytes"], data["unique_bytes"], data["lower_bound_bytes"]) == (
        6000,
        5000,
        5000,
    )
    assert data["layers"]["uvbake.layer-1"] == {
        "services": ["api", "worker"],
        "target": "linux/arm64, CPython 3.13, glibc 2.34",
        "cross": True,
        "bytes": 1000,
        "packages": [{"name": "orjson", "version": "1.0.0", "bytes": 1000}],
    }
