from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from gitrepo import git, init_repo
from helpers import build_tree, root_pyproject, seed_workspace, uvbake
from uvbake import __version__

WORKFLOW = ".github/workflows/uvbake.yml"
BIN = Path(sys.executable).parent


def written(root: Path) -> dict[str, Any]:
    result = uvbake("ci", "github", cwd=root)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = yaml.safe_load((root / WORKFLOW).read_text(encoding="utf-8"))
    return data


def step(job: dict[str, Any], uses: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in job["steps"] if s.get("uses", "").startswith(uses))
    return found


def test_workflow_is_valid_against_the_github_schema(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    written(tmp_path)
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(tmp_path / WORKFLOW),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pull_requests_build_the_affected_services_without_pushing(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    data = written(tmp_path)
    assert data["on"] == {
        "pull_request": {},
        "push": {"branches": ["main"], "tags": ["v*"]},
    }
    plan, build = data["jobs"]["plan"], data["jobs"]["build"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    runs = [s["run"] for s in plan["steps"] if "run" in s]
    assert "uvbake generate --check" in runs
    assert (
        runs[-1] == 'uvbake matrix --since "origin/$BASE_REF" --format github >> "$GITHUB_OUTPUT"'
    )
    # The branch name is passed as data, not spliced into the script.
    assert plan["steps"][-1]["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert all(
        s["with"]["persist-credentials"] is False
        for s in plan["steps"]
        if "with" in s and s["uses"].startswith("actions/checkout@")
    )
    assert build["needs"] == "plan"
    assert build["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert build["if"] == "needs.plan.outputs.matrix != '{\"include\":[]}'"
    assert build["env"] == {"CACHE": "gha"}
    assert step(build, "docker/setup-qemu-action")["if"] == "runner.arch != 'ARM64'"
    step(build, "docker/setup-buildx-action")
    assert step(build, "docker/bake-action")["with"] == {
        "source": ".",
        "targets": "${{ matrix.target }}",
        "load": True,
        "push": False,
    }
    # The loaded images are run and invoked, by the uvbake that wrote the workflow.
    assert build["steps"][-3:] == [
        {"uses": step(build, "actions/setup-python")["uses"], "with": {"python-version": "3.13"}},
        {"name": "Install uvbake", "run": f"pip install uvbake=={__version__}"},
        {
            "name": "Verify ${{ matrix.service }}",
            "env": {"TARGET": "${{ matrix.target }}"},
            "run": 'uvbake verify --target "$TARGET"',
        },
    ]


def test_pushes_to_main_and_tags_release_every_service(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    release = written(tmp_path)["jobs"]["release"]
    assert release["if"] == "github.event_name == 'push'"
    assert release["runs-on"] == "ubuntu-latest"
    assert release["env"] == {
        "REGISTRY": "${{ vars.REGISTRY }}",
        "TAG": "${{ github.sha }}",
        "VERSION": "${{ github.ref_type == 'tag' && github.ref_name || '' }}",
        "CACHE": "registry",
        "BUILDX_METADATA_PROVENANCE": "disabled",
    }
    assert release["permissions"] == {"contents": "read", "id-token": "write"}
    step(release, "aws-actions/configure-aws-credentials")
    step(release, "aws-actions/amazon-ecr-login")
    names = [s.get("name") or s["uses"].split("@")[0] for s in release["steps"]]
    assert names[names.index("aws-actions/amazon-ecr-login") :] == [
        "aws-actions/amazon-ecr-login",
        "Build every service",
        "Verify every service",
        "Push every service",
        "Images by digest",
        "Keep the images by digest",
    ]
    steps = {s.get("name"): s for s in release["steps"]}
    # Nothing is pushed before every image answered or raised: built and loaded first.
    assert steps["Build every service"]["with"] == {
        "source": ".",
        "targets": "release",
        "load": True,
        "push": False,
    }
    assert steps["Verify every service"]["run"] == "uvbake verify"
    assert steps["Push every service"]["with"] == {
        "source": ".",
        "targets": "release",
        "push": True,
    }


def test_the_release_hands_each_image_by_digest_to_deploys(tmp_path: Path) -> None:
    """Run the release job's images step as the runner would, on the metadata bake-action
    outputs; the job output and the artifact are what it writes."""
    seed_workspace(tmp_path)
    release = written(tmp_path)["jobs"]["release"]
    images = next(s for s in release["steps"] if s.get("id") == "images")
    # the digests are those of the push, which comes after verify
    push = next(s for s in release["steps"] if s.get("name") == "Push every service")
    assert push["id"] == "bake"
    assert images["env"] == {"METADATA": "${{ steps.bake.outputs.metadata }}"}
    assert release["outputs"] == {"images": "${{ steps.images.outputs.images }}"}
    assert step(release, "actions/upload-artifact")["with"] == {
        "name": "uvbake-images",
        "path": "uvbake-images.json",
        "if-no-files-found": "error",
    }
    digest = "sha256:" + "d4" * 32
    metadata = {
        name: {"containerimage.digest": digest, "image.name": f"r.example/{name}:abc"}
        for name in ("api", "worker")
    }
    output, summary = tmp_path.parent / "output", tmp_path.parent / "summary"
    env = {
        **os.environ,
        "METADATA": json.dumps(metadata),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    subprocess.run(["bash", "-ec", images["run"]], cwd=tmp_path, env=env, check=True)
    kept = json.loads((tmp_path / "uvbake-images.json").read_text())
    assert kept["worker"]["image"] == f"r.example/worker@{digest}"
    assert output.read_text() == "images=" + json.dumps(kept, separators=(",", ":")) + "\n"
    assert summary.read_text().splitlines()[-1] == (
        f"| worker | worker | - | `r.example/worker@{digest}` | `r.example/worker:abc` |"
    )


def test_arm64_runner_runs_the_release(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    build_tree(
        tmp_path, {"pyproject.toml": root_pyproject(uvbake='arm64-runner = "ubuntu-24.04-arm"')}
    )
    assert written(tmp_path)["jobs"]["release"]["runs-on"] == "ubuntu-24.04-arm"


def test_check_reports_a_stale_workflow_and_writes_nothing(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    missing = uvbake("ci", "github", "--check", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stdout.startswith(f"--- /dev/null\n+++ b/{WORKFLOW}\n")
    assert missing.stderr == f"uvbake: stale: {WORKFLOW}; run `uvbake ci github`\n"
    assert not (tmp_path / ".github").exists()
    written(tmp_path)
    fresh = uvbake("ci", "github", "--check", cwd=tmp_path)
    assert (fresh.returncode, fresh.stdout, fresh.stderr) == (0, "", "")
    assert uvbake("-q", "ci", "github", cwd=tmp_path).stdout == ""
    assert uvbake("ci", "github", cwd=tmp_path).stdout.startswith(f"unchanged {WORKFLOW}\n")


def test_the_pull_request_step_writes_a_matrix_output(tmp_path: Path) -> None:
    """Run the plan job's matrix step as the runner would, against a real origin branch."""
    seed_workspace(tmp_path)
    matrix_step = written(tmp_path)["jobs"]["plan"]["steps"][-1]
    init_repo(tmp_path)
    git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD")
    build_tree(tmp_path, {"services/api/src/api/routes.py": "R = 1\n"})
    output = tmp_path.parent / "github_output"
    step_env = {
        k: v.replace("${{ github.base_ref }}", "main") for k, v in matrix_step["env"].items()
    }
    env = {
        **os.environ,
        **step_env,
        "GITHUB_OUTPUT": str(output),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    subprocess.run(["bash", "-ec", matrix_step["run"]], cwd=tmp_path, env=env, check=True)
    assert output.read_text() == (
        'matrix={"include":[{"service":"api","target":"api","platform":"linux/arm64"}]}\n'
    )


def test_private_indexes_get_their_secrets_from_repository_secrets(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    assert "env" not in step(written(tmp_path)["jobs"]["build"], "docker/bake-action")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '\n[[tool.uv.index]]\nname = "private"\nurl = "https://pypi.example.invalid/simple"\n'
    )
    jobs = written(tmp_path)["jobs"]
    expected = {
        "UVBAKE_NETRC": "${{ secrets.UVBAKE_NETRC }}",
        "UVBAKE_UV_ENV": "${{ secrets.UVBAKE_UV_ENV }}",
    }
    assert step(jobs["build"], "docker/bake-action")["env"] == expected
    bakes = [s for s in jobs["release"]["steps"] if s.get("uses", "").startswith("docker/bake")]
    assert [s["env"] for s in bakes] == [expected, expected]
    assert jobs["build"]["environment"] == jobs["release"]["environment"] == "package-index"
