"""What a first release needs: a REGISTRY (an empty one stops the bake), the repositories
`ci github` names, a workflow `check` keeps fresh, and `repository` per service."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import init_repo
from helpers import HANDLER, bake_blocks, build_tree, root_pyproject, seed_workspace, uvbake
from uvbake.api import generated_files
from uvbake.render.files import REGISTRY_EMPTY

BAKEFILE = "docker-bake.hcl"
WORKFLOW = ".github/workflows/uvbake.yml"
API = "services/api/pyproject.toml"
WORKER = "services/worker/pyproject.toml"
NEEDS = (
    "a first release needs:\n"
    "  repository variables: REGISTRY (such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com), "
    "AWS_REGION, AWS_ROLE_ARN (a role GitHub's OIDC provider may assume, allowed to push to "
    "these repositories)\n"
)


def append(root: Path, rel: str, text: str) -> None:
    with (root / rel).open("a", encoding="utf-8") as handle:
        handle.write(text)


def test_an_empty_registry_fails_in_the_variable_every_tag_uses(tmp_path: Path) -> None:
    _, files = generated_files(seed_workspace(tmp_path))
    variables = bake_blocks(files[BAKEFILE], "variable")
    assert variables["_REGISTRY"] == {
        "default": f'${{REGISTRY != "" ? REGISTRY : parseint("{REGISTRY_EMPTY}", 10)}}'
    }
    text = files[BAKEFILE]
    assert "${REGISTRY}" not in text.split('variable "TAG"', 1)[1].replace("(${REGISTRY}", "")
    assert text.count("${_REGISTRY}/api:") == 5


def test_repository_names_each_services_images(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    append(root, API, '\n[tool.uvbake]\nrepository = "acme/api-lambda"\n')
    build_tree(root, {"services/worker/src/worker/sweep.py": HANDLER})
    append(
        root,
        WORKER,
        '\n[tool.uvbake]\nrepository = "acme/worker"\n'
        'functions = { ingest = "worker.main.handler", sweep = "worker.sweep.handler" }\n',
    )
    _, files = generated_files(root)
    targets = bake_blocks(files[BAKEFILE], "target")
    assert targets["api"]["tags"] == (
        '${VERSION == "" ? ["${_REGISTRY}/acme/api-lambda:${TAG}"] : '
        '["${_REGISTRY}/acme/api-lambda:${TAG}", "${_REGISTRY}/acme/api-lambda:${VERSION}"]}'
    )
    assert "ref=${_REGISTRY}/acme/api-lambda:buildcache" in str(targets["api"]["cache-to"])
    assert "${_REGISTRY}/acme/worker-sweep:${TAG}" in str(targets["worker-sweep"]["tags"])
    init_repo(root)
    ran = uvbake("ci", "github", cwd=root)
    assert ran.stdout == (
        f"wrote {WORKFLOW}\n"
        + NEEDS
        + "  ECR repositories in REGISTRY: acme/api-lambda, acme/worker-ingest, acme/worker-sweep\n"
    )


@pytest.mark.parametrize("value", ["Acme/API", "acme//api", "-api", "api-"])
def test_a_repository_that_is_no_repository_name_is_named(tmp_path: Path, value: str) -> None:
    root = seed_workspace(tmp_path)
    append(root, API, f'\n[tool.uvbake]\nrepository = "{value}"\n')
    ran = uvbake("generate", cwd=root)
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr == (
        f"uvbake: error: {API}: [tool.uvbake] repository '{value}' is not an image repository "
        'name; write it as repository = "acme/orders" (lowercase letters and digits, parts '
        "joined by . _ - or /)\n"
    )


def test_ci_github_says_what_a_first_release_needs(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    init_repo(root)
    ran = uvbake("ci", "github", cwd=root)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout == (
        f"wrote {WORKFLOW}\n" + NEEDS + "  ECR repositories in REGISTRY: api, worker\n"
    )
    assert uvbake("-q", "ci", "github", cwd=root).stdout == ""
    assert uvbake("ci", "github", "--check", cwd=root).stdout == ""
    append(
        root,
        "pyproject.toml",
        '\n[[tool.uv.index]]\nname = "private"\nurl = "https://pypi.example.invalid/simple"\n',
    )
    ran = uvbake("ci", "github", cwd=root)
    assert ran.stdout.splitlines()[-1] == (
        "  environment package-index with the secrets UVBAKE_NETRC and/or UVBAKE_UV_ENV "
        "(the package index credentials)"
    )


def test_check_flags_a_workflow_ci_github_would_rewrite(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    init_repo(root)
    assert uvbake("generate", cwd=root).returncode == 0
    # no workflow: nothing to flag
    assert uvbake("check", cwd=root).stdout == ""
    assert uvbake("ci", "github", cwd=root).returncode == 0
    assert uvbake("check", cwd=root).stdout == ""
    append(root, API, '\n[tool.uvbake]\nrepository = "acme/api"\n')
    assert uvbake("generate", cwd=root).returncode == 0
    ran = uvbake("check", cwd=root)
    # the workflow does not name repositories: a new one leaves it fresh
    assert (ran.returncode, ran.stdout) == (0, "")
    build_tree(root, {"pyproject.toml": root_pyproject(uvbake='arm64-runner = "arm-4core"')})
    assert uvbake("generate", cwd=root).returncode == 0
    ran = uvbake("check", cwd=root)
    assert (ran.returncode, ran.stdout) == (1, f"{WORKFLOW}: is stale; run `uvbake ci github`\n")
    # a workflow of the user's own at that path is not uvbake's to judge
    (root / WORKFLOW).write_text("name: mine\n")
    assert uvbake("check", cwd=root).stdout == ""
