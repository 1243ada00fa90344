"""The GitHub Actions workflow that builds affected services on pull requests and releases all.

`workflow` and `render_files` are pure (a Plan in, YAML text out); writing is the writer's job.
"""

from __future__ import annotations

from typing import Any

import yaml

from uvbake import __version__, edits, names
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
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
}
CHECKOUT, SETUP_PYTHON, QEMU, BUILDX, BAKE, AWS_CREDENTIALS, ECR_LOGIN, UPLOAD_ARTIFACT = (
    f"{name}@{commit}" for name, (commit, _) in RELEASES.items()
)
EMPTY_MATRIX = '{"include":[]}'
# What the release job hands to deploys: `uvbake images` of its bake, as a file (the
# artifact of this name) and as the job output `images`.
IMAGES_FILE = "uvbake-images.json"
IMAGES_ARTIFACT = "uvbake-images"


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


def _images_steps(workdir: str) -> list[dict[str, Any]]:
    """Each pushed image by digest, from bake-action's metadata: a job output, the step
    summary and an artifact."""
    run = (
        """printf '%s' "$METADATA" > bake-metadata.json\n"""
        f"uvbake images bake-metadata.json > {IMAGES_FILE}\n"
        'uvbake images bake-metadata.json --format github >> "$GITHUB_OUTPUT"\n'
        'uvbake images bake-metadata.json --format github-summary >> "$GITHUB_STEP_SUMMARY"\n'
    )
    return [
        {
            "name": "Images by digest",
            "id": "images",
            # The metadata reaches the shell as data, never as script text.
            "env": {"METADATA": "${{ steps.bake.outputs.metadata }}"},
            "run": run,
        },
        {
            "name": "Keep the images by digest",
            "uses": UPLOAD_ARTIFACT,
            "with": {
                "name": IMAGES_ARTIFACT,
                "path": f"{workdir}/{IMAGES_FILE}" if workdir else IMAGES_FILE,
                "if-no-files-found": "error",
            },
        },
    ]


def _release_job(plan: Plan, workdir: str) -> dict[str, Any]:
    runner = plan.workspace.settings.arm64_runner or "ubuntu-latest"
    return {
        "name": "Release every service",
        "if": "github.event_name == 'push'",
        "runs-on": runner,
        "permissions": {"contents": "read", "id-token": "write"},
        "outputs": {"images": "${{ steps.images.outputs.images }}"},
        "env": {
            "REGISTRY": "${{ vars.REGISTRY }}",
            "TAG": "${{ github.sha }}",
            "VERSION": "${{ github.ref_type == 'tag' && github.ref_name || '' }}",
            "CACHE": "registry",
            "BUILDX_METADATA_PROVENANCE": "disabled",
        },
        "steps": [
            _checkout(),
            *_install(plan),
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
            {"name": "Verify every service", "run": "uvbake verify"},
            # Only verified images are pushed: the same bake again, every step from the
            # builder's cache.
            _bake_step(
                plan,
                {
                    "name": "Push every service",
                    "id": "bake",
                    "uses": BAKE,
                    "with": _bake(plan, workdir, targets=names.RELEASE_GROUP, push=True),
                },
            ),
            *_images_steps(workdir),
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


def first_release(plan: Plan) -> list[str]:
    """What the release job needs before it first runs, one line each: the repository
    variables it reads, the ECR repositories it pushes to, the environment of the index
    secrets."""
    from uvbake.render.files import repositories

    repos = [repo for service in plan.services for _, repo in repositories(service)]
    lines = [
        "a first release needs:",
        "  repository variables: REGISTRY (such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com), "
        "AWS_REGION, AWS_ROLE_ARN (a role GitHub's OIDC provider may assume, "
        "allowed to push to these repositories)",
        f"  ECR repositories in REGISTRY: {', '.join(repos)}",
    ]
    if plan.workspace.indexes:
        lines.append(
            f"  environment {INDEX_ENVIRONMENT} with the secrets UVBAKE_NETRC and/or "
            "UVBAKE_UV_ENV (the package index credentials)"
        )
    return lines


class _Dumper(yaml.SafeDumper):
    """Scripts of several lines as literal blocks, as they are written by hand."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def render_files(plan: Plan, *, workdir: str = "") -> dict[str, str]:
    """The workflow file, by its path from the top of the git repository."""
    data = workflow(plan, workdir=workdir)
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    # Comments YAML data cannot hold: why each permission is there, which release a pin is.
    text = text.replace("  contents: read\n", "  contents: read  # check out the repository\n")
    text = text.replace("  id-token: write\n", "  id-token: write  # AWS role for ECR, by OIDC\n")
    text = text.replace(
        "  BUILDX_METADATA_PROVENANCE: disabled\n",
        "  BUILDX_METADATA_PROVENANCE: disabled  # keeps bake's metadata (uvbake images) small\n",
    )
    for name, (commit, release) in RELEASES.items():
        text = text.replace(f"uses: {name}@{commit}\n", f"uses: {name}@{commit}  # {release}\n")
    return {names.WORKFLOW: edits.stamp(f"# {names.header('ci github')}\n{text}")}
