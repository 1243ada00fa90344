from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from gitrepo import commit_all, git, init_repo
from helpers import build_tree, seed_workspace, uvbake
from uvbake.commands import affected as affected_command
from uvbake.console import Console

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"


def affected(root: Path, since: str = "HEAD") -> list[str]:
    out = io.StringIO()
    assert affected_command.run(root=root, since=since, as_json=True, console=Console(out=out)) == 0
    names: list[str] = json.loads(out.getvalue())
    return names


def bump(lock: Path, package: str, version: str = "2.0.0") -> None:
    text = lock.read_text(encoding="utf-8")
    old = f'name = "{package}"\nversion = "1.0.0"'
    assert old in text
    lock.write_text(text.replace(old, f'name = "{package}"\nversion = "{version}"'))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    seed_workspace(tmp_path)
    build_tree(
        tmp_path,
        {
            "README.md": "# services\n",
            "docs/guide.md": "guide\n",
            "services/worker/src/worker/notes.md": "notes\n",
            "services/common/models/src/common_models/extra.py": "X = 1\n",
        },
    )
    init_repo(tmp_path)
    return tmp_path


def test_nothing_changed(repo: Path) -> None:
    assert affected(repo) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("services/api/src/api/main.py", ["api"]),
        ("services/worker/pyproject.toml", ["worker"]),
        ("services/common/models/src/common_models/__init__.py", ["api"]),
        ("services/common/log/src/common_log/__init__.py", ["api", "worker"]),
        ("README.md", []),
        ("docs/guide.md", []),
        ("pyproject.toml", ["api", "worker"]),
        ("docker-bake.hcl", ["api", "worker"]),
        ("uvbake.Dockerfile", ["api", "worker"]),
        ("uvbake.Dockerfile.dockerignore", ["api", "worker"]),
    ],
)
def test_a_changed_file_affects_the_reverse_local_closure(
    repo: Path, path: str, expected: list[str]
) -> None:
    with (repo / path).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert affected(repo) == expected


def test_untracked_files_count_and_ignored_ones_do_not(repo: Path) -> None:
    build_tree(repo, {".gitignore": "*.log\n", "services/api/debug.log": "x"})
    commit_all(repo, "ignore logs")
    build_tree(repo, {"services/api/debug2.log": "x"})
    assert affected(repo) == []
    build_tree(repo, {"services/worker/src/worker/new.py": "Y = 2\n"})
    assert affected(repo) == ["worker"]


def test_deletions_count(repo: Path) -> None:
    (repo / "services/common/models/src/common_models/extra.py").unlink()
    assert affected(repo) == ["api"]


def test_renames_count_on_both_paths(repo: Path) -> None:
    git(repo, "mv", "services/worker/src/worker/notes.md", "docs/notes.md")
    assert affected(repo) == ["worker"]
    git(repo, "reset", "-q", "--hard")
    git(
        repo,
        "mv",
        "services/common/models/src/common_models/extra.py",
        "services/worker/src/worker/extra.py",
    )
    assert affected(repo) == ["api", "worker"]


def test_committed_changes_since_an_older_revision(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    build_tree(repo, {"services/api/src/api/util.py": "Z = 3\n"})
    commit_all(repo)
    assert affected(repo, "HEAD") == []
    assert affected(repo, base) == ["api"]
    assert affected(repo, "HEAD~1") == ["api"]


def test_a_lock_change_affects_only_services_whose_packages_changed(repo: Path) -> None:
    bump(repo / "uv.lock", "pydantic")  # only api (through common-models) installs it
    assert affected(repo) == ["api"]


def test_a_lock_change_outside_the_marker_environment_affects_nothing(repo: Path) -> None:
    bump(repo / "uv.lock", "pywin32")  # worker needs it on win32 only
    assert affected(repo) == []
    bump(repo / "uv.lock", "pytest")  # a dev dependency never reaches an image
    assert affected(repo) == []


def test_a_lock_change_in_a_shared_package_affects_everyone_using_it(repo: Path) -> None:
    bump(repo / "uv.lock", "orjson")
    assert affected(repo) == ["api", "worker"]


def test_a_lock_missing_at_the_revision_affects_all(repo: Path) -> None:
    git(repo, "rm", "-q", "--cached", "uv.lock")
    git(repo, "commit", "-q", "-m", "untrack the lock")
    assert affected(repo) == ["api", "worker"]


def test_a_workspace_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    ws = tmp_path / "platform" / "lambdas"
    seed_workspace(ws)
    build_tree(tmp_path, {"web/app.js": "x\n", "platform/README.md": "x\n"})
    init_repo(tmp_path)
    build_tree(tmp_path, {"web/app.js": "y\n", "platform/README.md": "y\n"})
    assert affected(ws) == []
    build_tree(ws, {"services/common/log/src/common_log/more.py": "M = 1\n"})
    bump(ws / "uv.lock", "pydantic")
    assert affected(ws) == ["api", "worker"]
    (ws / "services/common/log/src/common_log/more.py").unlink()
    assert affected(ws) == ["api"]


def test_root_project_files_do_not_mark_everything(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    init_repo(ws)
    build_tree(ws, {"CHANGELOG.md": "x\n", "scripts/deploy.sh": "echo\n"})
    assert affected(ws) == []
    (ws / "pyproject.toml").write_text((ws / "pyproject.toml").read_text() + "\n")
    assert affected(ws) == ["ingestion-worker", "notifications", "orders"]


def test_cli_prints_one_service_per_line(repo: Path) -> None:
    build_tree(repo, {"services/common/log/new.py": "", "services/api/new.py": ""})
    result = uvbake("affected", "--since", "HEAD", cwd=repo)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "api\nworker\n",
        "uvbake: compared the working tree with HEAD: 2 of 2 services affected\n",
    )
    result = uvbake(
        "affected", "--since", "HEAD", "--format", "json", "--root", str(repo), cwd=repo.parent
    )
    assert json.loads(result.stdout) == ["api", "worker"]


def test_a_bad_revision_is_a_one_line_error(repo: Path) -> None:
    result = uvbake("affected", "--since", "no-such-branch", cwd=repo)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "uvbake: error: --since no-such-branch: names no commit in this repository;"
        " pass a commit or branch\n"
    )
    result = uvbake("affected", "--since", "--all", cwd=repo)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_outside_a_git_repository_is_a_one_line_error(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    env_ceiling = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    result = uvbake("affected", "--since", "HEAD", cwd=tmp_path, env=env_ceiling)
    assert result.returncode == 1
    assert result.stderr == (
        "uvbake: error: .: is not inside a git repository; run uvbake in a git clone\n"
    )


def test_an_unreadable_lock_at_the_revision_affects_all(repo: Path) -> None:
    good = (repo / "uv.lock").read_text(encoding="utf-8")
    (repo / "uv.lock").write_text("not = [valid")
    commit_all(repo, "break the lock")
    (repo / "uv.lock").write_text(good)
    assert affected(repo) == ["api", "worker"]


def _generated_repo(root: Path) -> Path:
    """The seed workspace with its generated files committed, as a user's repository has it."""
    seed_workspace(root)
    assert uvbake("generate", cwd=root).returncode == 0
    init_repo(root)
    return root


def test_a_lock_bump_and_its_regenerated_dockerfile_affect_only_that_service(
    tmp_path: Path,
) -> None:
    """The Dockerfile holds the pins, so it changes with the lock; only the stages an image
    is built from count, not the file as a whole."""
    repo = _generated_repo(tmp_path)
    bump(repo / "uv.lock", "idna")
    assert uvbake("generate", cwd=repo).returncode == 0
    changed = git(repo, "status", "--porcelain")
    assert "uvbake.Dockerfile" in changed and "uv.lock" in changed
    assert affected(repo) == ["api"]


def test_a_shared_stage_of_the_dockerfile_affects_every_image_using_it(tmp_path: Path) -> None:
    repo = _generated_repo(tmp_path)
    dockerfile = repo / "uvbake.Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    dockerfile.write_text(text.replace("# ---- service api", "# (a comment)\n# ---- service api"))
    assert affected(repo) == []
    layer = "orjson==1.0.0 --hash=sha256:"
    assert layer in text
    dockerfile.write_text(text.replace(layer, "orjson==1.0.1 --hash=sha256:"))
    assert affected(repo) == ["api", "worker"]
    dockerfile.write_text(text.replace("UV_LINK_MODE=copy", "UV_LINK_MODE=hardlink"))
    assert affected(repo) == ["api", "worker"]


def test_a_dockerfile_new_since_the_revision_affects_everything(tmp_path: Path) -> None:
    repo = seed_workspace(tmp_path)
    init_repo(repo)
    assert uvbake("generate", cwd=repo).returncode == 0
    assert affected(repo) == ["api", "worker"]


def test_a_label_change_in_the_bake_file_affects_only_that_service(tmp_path: Path) -> None:
    """The bake file is weighed target by target: a service's description is a label of its
    own target only."""
    repo = _generated_repo(tmp_path)
    api = repo / "services/api/pyproject.toml"
    api.write_text(
        api.read_text().replace('version = "0.1.0"\n', 'version = "0.1.0"\ndescription = "API"\n')
    )
    assert uvbake("generate", cwd=repo).returncode == 0
    changed = git(repo, "status", "--porcelain")
    assert "docker-bake.hcl" in changed and "uvbake.Dockerfile\n" not in changed
    assert affected(repo) == ["api"]


def test_bake_file_edits_by_target(tmp_path: Path) -> None:
    repo = _generated_repo(tmp_path)
    bake = repo / "docker-bake.hcl"
    text = bake.read_text(encoding="utf-8")
    cases = [
        # a comment, or the groups, build nothing
        (text.replace("# Shared by every service target.", "# Shared."), []),
        (text.replace('description = "Every service image"', 'description = "All"'), []),
        # worker's own target; what every target inherits; a variable every target reads
        (
            text.replace('"dev.uvbake.member" = "services/worker"', '"dev.uvbake.member" = "w"'),
            ["worker"],
        ),
        (
            text.replace('"type=sbom,disabled=true"', '"type=sbom,disabled=false"'),
            ["api", "worker"],
        ),
        (text.replace('default = "latest"', 'default = "edge"'), ["api", "worker"]),
        # a file uvbake would not write: every service
        (text + "bogus\n", ["api", "worker"]),
    ]
    for edited, expected in cases:
        bake.write_text(edited, encoding="utf-8")
        assert affected(repo) == expected, edited[-200:]


def test_the_override_file_affects_every_service(repo: Path) -> None:
    build_tree(repo, {"docker-bake.override.hcl": 'target "api" {}\n'})
    assert affected(repo) == ["api", "worker"]
