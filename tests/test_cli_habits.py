"""uv's habits: the workspace root found by walking up, --directory and --project, --version,
-h, -q, one --format spelling, one-line usage errors with exit code 2; and generated files
that never replace a file uvbake did not write."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import Via, build_tree, pyproject, seed_workspace, snapshot, uvbake
from uvbake import __version__
from uvbake.load.rootfind import find_root


def test_root_is_found_by_walking_up_from_a_member(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    deep = root / "services/api/src/api"
    assert find_root(deep) == root.resolve()
    assert find_root(root / "services/common/log") == root.resolve()
    result = uvbake("generate", cwd=deep)
    assert result.returncode == 0, result.stderr
    assert (root / "docker-bake.hcl").is_file()
    assert not (root / "services/api/docker-bake.hcl").exists()
    assert uvbake("generate", "--check", cwd=root / "services/worker").returncode == 0


def test_a_folder_the_workspace_does_not_include_is_its_own_root(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    build_tree(root, {"tools/lint/pyproject.toml": pyproject("lint")})
    assert find_root(root / "tools/lint") == (root / "tools/lint").resolve()
    # excluded members are not included either
    assert find_root(root / "services/common") == root.resolve()
    build_tree(root, {"services/common/pyproject.toml": pyproject("common")})
    assert find_root(root / "services/common") == (root / "services/common").resolve()
    result = uvbake("generate", cwd=root / "tools/lint")
    assert result.returncode == 1
    assert result.stderr.startswith("uvbake: error: pyproject.toml: has no [tool.uv.workspace]")


def test_directory_and_project(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path / "ws")
    result = uvbake("--directory", "ws/services/api", "generate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (root / "docker-bake.hcl").is_file()
    listed = uvbake("--project", "ws/services", "list", "--format", "json", cwd=tmp_path)
    assert [s["name"] for s in json.loads(listed.stdout)["services"]] == ["api", "worker"]
    # --directory changes the folder other paths are relative to; --project does not
    moved = uvbake("--directory", "ws", "generate", "--check", "--root", ".", cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr
    missing = uvbake("--project", "nowhere", "list", cwd=tmp_path)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == (
        "uvbake: error: uvbake: Invalid value for --project: 'nowhere' is not a folder; "
        "see `uvbake --help`\n"
    )


def test_version_help_and_quiet(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    assert uvbake("--version", cwd=root).stdout == f"uvbake {__version__}\n"
    helped = uvbake("generate", "-h", cwd=root)
    assert helped.returncode == 0 and "--force" in helped.stdout
    assert "--install-completion" in uvbake("-h", cwd=root).stdout
    quiet = uvbake("-q", "generate", cwd=root)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert uvbake("generate", cwd=root).stdout.count("unchanged") == 3


def test_one_json_spelling_and_the_old_one_warns(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    new = uvbake("list", "--format", "json", cwd=root)
    old = uvbake("list", "--json", cwd=root)
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert (new.stderr, old.stderr) == (
        "",
        "uvbake: warning: --json is deprecated; use --format json\n",
    )
    assert uvbake("list", "--format", "text", cwd=root).stdout.startswith("python 3.13")


def test_no_arguments_prints_the_help_with_exit_code_2(tmp_path: Path) -> None:
    result = uvbake(cwd=tmp_path)
    assert result.returncode == 2
    assert "Usage: uvbake" in result.stdout + result.stderr


def test_check_with_stdout_exits_1_when_stale(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    stale = uvbake("generate", "--check", "--stdout", cwd=root)
    assert stale.returncode == 1
    assert "# ===== docker-bake.hcl =====" in stale.stdout
    assert stale.stderr == (
        "uvbake: stale: docker-bake.hcl, uvbake.Dockerfile, uvbake.Dockerfile.dockerignore; "
        "run `uvbake generate`\n"
    )
    uvbake("generate", cwd=root)
    assert uvbake("generate", "--check", "--stdout", cwd=root).returncode == 0


def test_a_file_uvbake_did_not_write_is_kept_unless_forced(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    build_tree(root, {"docker-bake.hcl": 'target "mine" {}\n'})
    before = snapshot(root)
    for args in (("generate",), ("generate", "--check")):
        result = uvbake(*args, cwd=root)
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (
            "uvbake: error: docker-bake.hcl: exists and was not written by uvbake (it has no "
            "'generated by uvbake' line); move it away, run `uvbake generate --force` to "
            'replace it, or set [tool.uvbake] bake-file = "uvbake.hcl" to write uvbake\'s under '
            "that name\n"
        )
        assert snapshot(root) == before
    forced = uvbake("generate", "--force", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert "generated by uvbake" in (root / "docker-bake.hcl").read_text()
    # once uvbake wrote it, it is uvbake's: an edit by hand is named, then replaced on --force
    (root / "docker-bake.hcl").write_text(
        (root / "docker-bake.hcl").read_text() + "# my edit\n", encoding="utf-8"
    )
    edited = uvbake("generate", cwd=root)
    assert edited.returncode == 1
    assert edited.stderr.startswith(
        "uvbake: error: docker-bake.hcl: was edited by hand after uvbake wrote it"
    )
    assert uvbake("generate", "--force", cwd=root).returncode == 0


def test_an_empty_file_is_taken_and_a_workflow_is_kept_too(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    build_tree(root, {"uvbake.Dockerfile": "", ".github/workflows/uvbake.yml": "on: push\n"})
    assert uvbake("generate", cwd=root).returncode == 0
    result = uvbake("ci", "github", cwd=root)
    assert result.returncode == 1
    assert result.stderr == (
        "uvbake: error: .github/workflows/uvbake.yml: exists and was not written by uvbake (it "
        "has no 'generated by uvbake' line); move it away, or run `uvbake ci github --force` "
        "to replace it\n"
    )
    assert uvbake("ci", "github", "--force", cwd=root).returncode == 0


def test_the_bake_file_under_another_name(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    mine = 'target "mine" {}\n'
    build_tree(root, {"docker-bake.hcl": mine})
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text + 'bake-file = "uvbake.hcl"\n')
    result = uvbake("generate", cwd=root)
    assert (
        result.stdout.splitlines()
        == [
            "unchanged uvbake.Dockerfile",
            "unchanged uvbake.Dockerfile.dockerignore",
            "wrote uvbake.hcl",
        ]
        or "wrote uvbake.hcl" in result.stdout
    )
    assert (root / "docker-bake.hcl").read_text() == mine
    assert 'target "api"' in (root / "uvbake.hcl").read_text()
    assert uvbake("ci", "github", cwd=root).returncode == 0
    workflow = (root / ".github/workflows/uvbake.yml").read_text()
    assert workflow.count("files: uvbake.hcl") == 3  # build; release: build, then push


def test_exit_codes_through_python_m_and_the_script(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    vias: tuple[Via, ...] = ("module", "script")
    for via in vias:
        assert uvbake("generate", "--check", cwd=root, via=via).returncode == 1
        assert uvbake("--bogus", cwd=root, via=via).returncode == 2


def test_global_options_may_come_after_the_command(tmp_path: Path) -> None:
    from uvbake.cli import global_first

    assert global_first(["generate", "-q", "--check"]) == ["-q", "generate", "--check"]
    assert global_first(["list", "--project", "a", "--directory=b", "-v"]) == [
        "--project",
        "a",
        "--directory=b",
        "-v",
        "list",
    ]
    assert global_first(["matrix", "--", "-q"]) == ["matrix", "--", "-q"]
    root = seed_workspace(tmp_path / "ws")
    quiet = uvbake("generate", "-q", cwd=root)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    moved = uvbake("generate", "--check", "--directory", "ws/services/api", cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr


def test_check_names_a_file_uvbake_did_not_write(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    assert uvbake("generate", cwd=root).returncode == 0
    build_tree(root, {"uvbake.Dockerfile": "FROM scratch\n"})
    result = uvbake("check", cwd=root, env={"PATH": ""})
    assert result.stdout.splitlines() == [
        "uvbake.Dockerfile: was not written by uvbake; move it away, or run "
        "`uvbake generate --force` to replace it"
    ]
    assert result.returncode == 1


def test_a_broken_pyproject_on_the_way_up_is_named(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path)
    (root / "pyproject.toml").write_text("[tool.uv.workspace\n")
    result = uvbake("generate", cwd=root / "services/api")
    assert result.returncode == 1
    assert result.stderr.startswith("uvbake: error: pyproject.toml: is not valid TOML")
    seed_workspace(tmp_path)
    (root / "services/api/pyproject.toml").write_text("[project\n")
    result = uvbake("generate", cwd=root / "services/api")
    assert result.stderr.startswith(
        "uvbake: error: services/api/pyproject.toml: is not valid TOML"
    ), result.stderr
