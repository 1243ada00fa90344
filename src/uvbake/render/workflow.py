"""The GitHub Actions workflow that builds affected services on pull requests and releases all.

`workflow` and `render_files` are pure (a Plan in, YAML text out); writing is the writer's job.
"""

from __future__ import annotations

from typing import Any

import yaml

from uvbake import __version__, names
from uvbake.plan.records import Plan

# Actions are pinned to the commit of a release (a tag can be moved; a commit cannot), with
# the release named in a comment, as Dependabot and Renovate update them.
RELEASES = {
    "actions/checkout": ("11d5960a326750d5838078e36cf38b85af677262", "v4.4.0"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "docker/setup-qemu-action": ("c7c53464625b32c7a7e944ae62b3e17d2b600130", "v3.7.0"),
    "docker/setup-buildx-action": ("8d2750c68a42422c14e847fe6c8ac0403b4cbd6f", "v3.12.0"),
    "docker/bake-action": ("5be5f02ff8819ecd3092ea6b2e6261c31774f2b4", "v6.10.0"),
    "aws-actions/configure-aws-credentials": (
        "7474bc4690e29a8392af63c5b98e7449536d5c3a",
        "v4.3.1",
    ),
    "aws-actions/amazon-ecr-login": ("03f1aad4c6c7ffd436567f42f9384779290529bd", "v2.1.7"),
}
CHECKOUT, SETUP_PYTHON, QEMU, BUILDX, BAKE, AWS_CREDENTIALS, ECR_LOGIN = (
    f"{name}@{commit}" for name, (commit, _) in RELEASES.items()
)
EMPTY_MATRIX = '{"include":[]}'


def _checkout(**options: object) -> dict[str, Any]:
    """No job pushes to the repository: the checkout keeps no token in .git/config."""
    return {"uses": CHECKOUT, "with": {**options, "persist-credentials": False}}


def _install(plan: Plan) -> list[dict[str, Any]]:
    return [
        {"uses": SETUP_PYTHON, "with": {"python-version": plan.workspace.settings.python}},
        {"name": "Install uvbake", "run": f"pip install uvbake=={__version__}"},
    ]


# The GitHub environment holding the private index secrets, when the workspace has any.
INDEX_ENVIRONMENT = "package-index"


def _with_index_environment(plan: Plan, job: dict[str, Any]) -> dict[str, Any]:
    if plan.workspace.indexes:
        return {"environment": INDEX_ENVIRONMENT, **job}
    return job


def _bake_step(plan: Plan, step: dict[str, Any]) -> dict[str, Any]:
    """A bake step; with private indexes, the secrets UVBAKE_NETRC and UVBAKE_UV_ENV of the
    job's environment reach buildx as environment variables (the bake file's index secrets)."""
    if plan.workspace.indexes:
        step["env"] = {
            "UVBAKE_NETRC": "${{ secrets.UVBAKE_NETRC }}",
            "UVBAKE_UV_ENV": "${{ secrets.UVBAKE_UV_ENV }}",
        }
    return step


def _plan_job(plan: Plan) -> dict[str, Any]:
    return {
        "name": "Affected services",
        "if": "github.event_name == 'pull_request'",
        "runs-on": "ubuntu-latest",
        "outputs": {"matrix": "${{ steps.matrix.outputs.matrix }}"},
        "steps": [
            _checkout(**{"fetch-depth": 0}),
            *_install(plan),
            {"name": "Generated files are fresh", "run": "uvbake generate --check"},
            {
                "name": "Affected services",
                "id": "matrix",
                # The branch name reaches the shell as data, never as script text.
                "env": {"BASE_REF": "${{ github.base_ref }}"},
                "run": (
                    'uvbake matrix --since "origin/$BASE_REF" --format github >> "$GITHUB_OUTPUT"'
                ),
            },
        ],
    }


def _bake(plan: Plan, workdir: str, **options: Any) -> dict[str, Any]:
    """docker/bake-action's inputs: local files, run in the workspace folder; `files` when
    the bake file has another name."""
    name = plan.workspace.settings.bake_file
    return {
        "source": ".",
        **({"workdir": workdir} if workdir else {}),
        **({} if name == names.BAKE_FILE else {"files": name}),
        **options,
    }


def _build_job(plan: Plan, workdir: str) -> dict[str, Any]:
    return {
        "name": "Build ${{ matrix.service }}",
        "needs": "plan",
        "if": f"needs.plan.outputs.matrix != '{EMPTY_MATRIX}'",
        "runs-on": "${{ matrix.runs-on || 'ubuntu-latest' }}",
        "strategy": {"fail-fast": False, "matrix": "${{ fromJSON(needs.plan.outputs.matrix) }}"},
        "env": {"CACHE": "gha"},
        "steps": [
            _checkout(),
            {"name": "QEMU for foreign platforms", "if": "runner.arch != 'ARM64'", "uses": QEMU},
            {"uses": BUILDX},
            _bake_step(
                plan,
                {
                    "name": "Build ${{ matrix.service }}",
                    "uses": BAKE,
                    "with": _bake(
                        plan, workdir, targets="${{ matrix.target }}", load=True, push=False
                    ),
                },
            ),
            *_install(plan),
            {
                "name": "Verify ${{ matrix.service }}",
                # The target name reaches the shell as data, never as script text.
                "env": {"TARGET": "${{ matrix.target }}"},
                "run": 'uvbake verify --target "$TARGET"',
            },
        ],
    }


def _release_job(plan: Plan, workdir: str) -> dict[str, Any]:
    runner = plan.workspace.settings.arm64_runner or "ubuntu-latest"
    return {
        "name": "Release every service",
        "if": "github.event_name == 'push'",
        "runs-on": runner,
        "permissions": {"contents": "read", "id-token": "write"},
        "env": {
            "REGISTRY": "${{ vars.REGISTRY }}",
            "TAG": "${{ github.sha }}",
            "VERSION": "${{ github.ref_type == 'tag' && github.ref_name || '' }}",
            "CACHE": "registry",
        },
        "steps": [
            _checkout(),
            {"name": "QEMU for foreign platforms", "uses": QEMU},
            {"uses": BUILDX},
            {
                "uses": AWS_CREDENTIALS,
                "with": {
                    "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
                    "aws-region": "${{ vars.AWS_REGION }}",
                },
            },
            {"uses": ECR_LOGIN},
            _bake_step(
                plan,
                {
                    "name": "Build every service",
                    "uses": BAKE,
                    "with": _bake(
                        plan, workdir, targets=names.RELEASE_GROUP, load=True, push=False
                    ),
                },
            ),
            *_install(plan),
            {"name": "Verify every service", "run": "uvbake verify"},
            # Only verified images are pushed: the same bake again, every step from the
            # builder's cache.
            _bake_step(
                plan,
                {
                    "name": "Push every service",
                    "uses": BAKE,
                    "with": _bake(plan, workdir, targets=names.RELEASE_GROUP, push=True),
                },
            ),
        ],
    }


def workflow(plan: Plan, *, workdir: str = "") -> dict[str, Any]:
    """The workflow as data: plan → build and verify (pull requests), release (main and
    version tags: build, verify, then push).
    `workdir`: the workspace's folder in the git repository ("" at its top), where every
    command and bake runs."""
    defaults = {"defaults": {"run": {"working-directory": workdir}}} if workdir else {}
    return {
        "name": "uvbake",
        "on": {
            "pull_request": {},
            "push": {"branches": ["main"], "tags": ["v*"]},
        },
        "permissions": {"contents": "read"},
        **defaults,
        "concurrency": {
            "group": "uvbake-${{ github.ref }}",
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        "jobs": {
            "plan": _plan_job(plan),
            "build": _with_index_environment(plan, _build_job(plan, workdir)),
            "release": _with_index_environment(plan, _release_job(plan, workdir)),
        },
    }


def render_files(plan: Plan, *, workdir: str = "") -> dict[str, str]:
    """The workflow file, by its path from the top of the git repository."""
    data = workflow(plan, workdir=workdir)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    # Comments YAML data cannot hold: why each permission is there, which release a pin is.
    text = text.replace("  contents: read\n", "  contents: read  # check out the repository\n")
    text = text.replace("  id-token: write\n", "  id-token: write  # AWS role for ECR, by OIDC\n")
    for name, (commit, release) in RELEASES.items():
        text = text.replace(f"uses: {name}@{commit}\n", f"uses: {name}@{commit}  # {release}\n")
    return {names.WORKFLOW: f"# {names.header('ci github')}\n{text}"}
