"""`uvbake generate` remembers its last run: when nothing planning reads has changed (nothing,
or only the code inside Python files), it prints the same lines again without planning; any
other change under the checkout, or a generated file edited, runs it in full."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest

from helpers import seed_workspace
from uvbake import api, checkout, cli, writer
from uvbake.commands import generate, memo, unchanged
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.scan import declarations
from uvbake.scan.tree import SKIP


def _age(root: Path, seconds: int = 60) -> None:
    """Every file as if written `seconds` ago (a checkout nobody touched since)."""
    when = time.time() - seconds
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (when, when))


def _run(root: Path, *, quiet: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = generate.run(
        root=root, check=False, stdout=False, console=Console(out=out, err=err, quiet=quiet)
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The roots the real planner was called for, in this test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    called: list[Path] = []
    real: Callable[..., object] = api.generated_files

    def counted(root: Path, **kwargs: object) -> object:
        called.append(root)
        return real(root, **kwargs)

    monkeypatch.setattr(api, "generated_files", counted)
    return called


def test_nothing_changed_prints_what_a_full_run_prints_without_planning(
    tmp_path: Path, plans: list[Path]
) -> None:
    root = seed_workspace(tmp_path / "ws")
    (root / "services/api/src/api/main.py").write_text(
        "def handler(event, context):\n    return 1\n"
    )
    _age(root)
    first = _run(root)
    assert first[0] == 0 and "wrote uvbake.Dockerfile" in first[1]
    again = _run(root)
    assert len(plans) == 1  # the second run did not plan
    memo.place(root).unlink()
    full = _run(root)
    assert len(plans) == 2
    assert again == full
    assert full[1].splitlines()[:3] == [
        "unchanged docker-bake.hcl",
        "unchanged uvbake.Dockerfile",
        "unchanged uvbake.Dockerfile.dockerignore",
    ]
    assert _run(root, quiet=True) == (0, "", "")
    assert len(plans) == 2


def _touch(path: Path, text: str) -> None:
    """Write `text` to `path` with a time in the past, as an edit a while ago leaves it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (time.time() - 30, time.time() - 30))


@pytest.mark.parametrize(
    "change",
    [
        "add a module",
        "remove a module",
        "edit a generated file",
        "edit uv.lock",
        "edit a pyproject",
    ],
)
def test_any_change_but_python_code_runs_in_full(
    tmp_path: Path, plans: list[Path], change: str
) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    assert _run(root)[0] == 0
    assert _run(root)[0] == 0 and len(plans) == 1
    main = root / "services/api/src/api/main.py"
    if change == "add a module":
        _touch(main.parent / "extra.py", "X = 1\n")
    elif change == "remove a module":
        (root / "services/api/src/api/__init__.py").unlink(missing_ok=True)
        main.unlink()
    elif change == "edit a generated file":
        dockerfile = root / "uvbake.Dockerfile"
        dockerfile.write_text(dockerfile.read_text() + "# a line by hand\n")
    elif change == "edit uv.lock":
        _touch(root / "uv.lock", (root / "uv.lock").read_text() + "\n")
    else:
        pyproject = root / "services/api/pyproject.toml"
        _touch(pyproject, pyproject.read_text() + "\n")
    if change == "edit a generated file":
        with pytest.raises(UvbakeError, match="was edited by hand"):
            _run(root)  # the full run, which refuses to undo the edit
    else:
        assert _run(root)[0] == 0
    assert len(plans) == 2, change


# A SAM template beside the seed workspace: the worker's jobs module is a declared handler's.
TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  JobsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: services/worker/src
      Handler: worker.jobs.run
      Runtime: python3.13
"""
JOBS = "def run(event, context):\n    return {'ok': True}\n"
CDK_APP = """\
from aws_cdk import aws_lambda as _lambda


def build(stack):
    _lambda.Function(
        stack,
        "Api",
        runtime=_lambda.Runtime.PYTHON_3_13,
        handler="api.main.handler",
        code=_lambda.Code.from_asset("services/api/src"),
    )
"""

# Edits that leave what planning reads alone: a run remembers, and prints what a full run would.
KEPT = {
    "a function's body": (
        "services/api/src/api/main.py",
        "def handler(event, context):\n    return 2\n",
    ),
    "a new constant": (
        "services/api/src/api/main.py",
        "def handler(event, context):\n    return 1\n\nBENCH_EDIT = 12\n",
    ),
    "a comment above the handler": (
        "services/api/src/api/main.py",
        "# the API\n\ndef handler(event, context):\n    return 1\n",
    ),
    "a library module": ("services/common/log/src/common_log/__init__.py", "LEVEL = 'info'\n"),
    "a declared handler's body": ("services/worker/src/worker/jobs.py", JOBS.replace("True", "1")),
    "a script outside the workspace": ("infra/tool.py", "print('deploy')\n"),
}
# Edits that change what planning reads: a full run.
CHANGED = {
    "the handler made async": (
        "services/api/src/api/main.py",
        "async def handler(event, context):\n    return 1\n",
    ),
    "the handler's parameters": (
        "services/api/src/api/main.py",
        "def handler(event):\n    return 1\n",
    ),
    "a syntax error": ("services/api/src/api/main.py", "def handler(event, context:\n"),
    "a second handler by convention": (
        "services/common/log/src/common_log/__init__.py",
        "def lambda_handler(event, context):\n    return 1\n",
    ),
    "the declared handler renamed": (
        "services/worker/src/worker/jobs.py",
        JOBS.replace("run", "go"),
    ),
    "the declared handler unparsable": ("services/worker/src/worker/jobs.py", "def run(:\n"),
    "a CDK app that declares a function": ("infra/tool.py", CDK_APP),
}


def _declared_workspace(root: Path) -> Path:
    seed_workspace(root)
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "services/api/src/api/main.py").write_text(
        "def handler(event, context):\n    return 1\n"
    )
    (root / "services/worker/src/worker/jobs.py").write_text(JOBS)
    (root / "infra").mkdir()
    (root / "infra/tool.py").write_text("print('build')\n")
    _age(root)
    return root


def _outcome(root: Path) -> tuple[int, str, str] | str:
    try:
        return _run(root)
    except UvbakeError as error:
        return str(error)


@pytest.mark.parametrize("edit", sorted(KEPT))
def test_an_edit_planning_does_not_read_is_remembered(
    tmp_path: Path, plans: list[Path], edit: str
) -> None:
    root = _declared_workspace(tmp_path / "ws")
    assert _run(root)[0] == 0
    rel, text = KEPT[edit]
    _touch(root / rel, text)
    remembered = _outcome(root)
    assert len(plans) == 1, edit
    memo.place(root).unlink()
    assert remembered == _outcome(root)  # what a full run prints
    assert len(plans) == 2


@pytest.mark.parametrize("edit", sorted(CHANGED))
def test_an_edit_planning_reads_runs_in_full(tmp_path: Path, plans: list[Path], edit: str) -> None:
    root = _declared_workspace(tmp_path / "ws")
    first = _run(root)
    assert first[0] == 0
    rel, text = CHANGED[edit]
    _touch(root / rel, text)
    after = _outcome(root)
    assert len(plans) == 2, edit
    assert after != first


def test_a_file_edited_just_now_is_checked_by_its_content(
    tmp_path: Path, plans: list[Path]
) -> None:
    root = seed_workspace(tmp_path / "ws")  # every file written just now
    assert _run(root)[0] == 0
    assert memo.place(root).exists()
    assert _run(root)[0] == 0 and len(plans) == 1  # same contents: remembered
    # an edit that keeps the size and the time (a coarse clock) is still seen
    lock = root / "uv.lock"
    st = os.stat(lock)
    text = lock.read_text()
    lock.write_text(text.replace("version = 1", "version = 2", 1))
    assert lock.read_text() != text
    os.utime(lock, ns=(st.st_atime_ns, st.st_mtime_ns))
    _outcome(root)
    assert len(plans) == 2
    main = root / "services/api/src/api/main.py"
    st = os.stat(main)
    main.write_text(main.read_text().replace("handler", "handlex"))
    os.utime(main, ns=(st.st_atime_ns, st.st_mtime_ns))
    _outcome(root)
    assert len(plans) == 3


def test_a_cache_that_cannot_be_written_only_costs_time(
    tmp_path: Path, plans: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _run(root)[0] == 0 and _run(root)[0] == 0
    assert len(plans) == 2
    assert blocker.read_text() == "not a folder\n"


def test_a_broken_memory_is_ignored(tmp_path: Path, plans: list[Path]) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    _run(root)
    for text in (
        "{",
        '{"version": 1}',
        "[]",
        '{"version": 1, "key": 1, "outputs": [], "lines": 3}',
        '{"version": 2, "itself": "x", "outputs": {}, "lines": [], "named": 1}',
        '{"version": 3, "itself": "x", "outputs": {}, "lines": [], "named": 1}',
    ):
        memo.place(root).write_text(text)
        assert _run(root)[0] == 0
    assert len(plans) == 7


def test_a_broken_memory_is_left_to_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """commands.unchanged answers nothing from a memory of another shape, and prints nothing."""
    root = seed_workspace(tmp_path / "ws").resolve()
    _age(root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(root)
    assert _run(root)[0] == 0
    capsys.readouterr()
    assert unchanged.answer(quiet=False, given=None) == 0
    assert capsys.readouterr().out.startswith("unchanged docker-bake.hcl\n")
    good = memo.place(root).read_text()
    for broken in (
        "{",
        "[]",
        good.replace('"version":3', '"version":2'),
        good.replace('"lines":[[', '"lines":[[[1],'),
        good.replace('"outputs":{', '"outputs":[],"x":{'),
        good.replace('"files":{', '"files":[],"x":{'),
    ):
        memo.place(root).write_text(broken)
        assert unchanged.answer(quiet=False, given=None) is None, broken[:60]
        assert unchanged.answer(quiet=False, given=str(root)) is None, broken[:60]
        assert capsys.readouterr() == ("", "")
    # the folders a plain run may come from matter only to a run without --root
    memo.place(root).write_text(good.replace('"cwds":[', '"cwds":[1,'))
    assert unchanged.answer(quiet=False, given=None) is None
    assert capsys.readouterr() == ("", "")
    assert unchanged.answer(quiet=True, given=str(root)) == 0


def test_the_walk_skips_only_folders_the_scan_skips() -> None:
    assert checkout.SKIP <= SKIP


def test_a_memory_that_cannot_take_its_place_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "memory.json"
    target.mkdir()  # a folder where the file would go: the rename fails
    assert writer.remember(target, "{}") is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.json"]
    assert writer.remember(tmp_path / "other.json", "{}") is True
    assert (tmp_path / "other.json").read_text() == "{}"


@pytest.mark.parametrize(
    "path", ["app.py", "infra/stacks/api.py", "sst.config.py", "serverless.py", "Dockerfile.py"]
)
def test_only_the_python_readers_want_a_python_file(path: str) -> None:
    """The memory reads an edited Python file with the Python readers alone."""
    rel = PurePosixPath(path)
    wanting = {
        name
        for name, reader in zip(declarations.READERS, declarations._readers(), strict=True)
        if reader.wants(rel)
    }
    assert wanting <= set(declarations.PYTHON_READERS)
    assert declarations.readers_for(rel) == declarations._readers(declarations.PYTHON_READERS)


_SCRIPT = """\
import sys
from uvbake.cli import main
watched, sys.argv = sys.argv[1], ["uvbake", *sys.argv[2:]]
code = main()
said = "imported" if watched in sys.modules else "not imported"
print(f"{watched} {said}", file=sys.stderr)
sys.exit(code)
"""


def _script(folder: Path, cache: Path, *args: str, watch: str = "typer") -> tuple[int, str, str]:
    """`uvbake ARGS` in a new Python run from `folder`; stderr ends by saying whether the run
    imported the module `watch`."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, watch, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_a_remembered_generate_answers_before_the_app_is_loaded(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    cache = tmp_path / "cache"
    first = _script(root, cache, "generate")
    assert first[0] == 0 and "wrote docker-bake.hcl" in first[1]
    assert first[2].endswith("typer imported\n")
    again = _script(root, cache, "generate")
    assert again[2].endswith("typer not imported\n")
    assert _script(root, cache, "-q", "generate") == (0, "", "typer not imported\n")
    assert _script(root, cache, "generate", "--quiet") == (0, "", "typer not imported\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    by_root = _script(elsewhere, cache, "generate", "--root", str(root))
    assert by_root[2].endswith("typer not imported\n")
    assert by_root[1] == again[1]
    # what the app prints for the same run
    shutil.rmtree(cache)
    _script(root, cache, "generate")
    full = _script(root, cache, "--verbose", "generate")
    assert full[2].endswith("typer imported\n")
    assert again[:2] == full[:2] and again[1].startswith("unchanged docker-bake.hcl\n")


def _lean(folder: Path, cache: Path, *args: str) -> tuple[int, str, str]:
    """`_script` watching pathlib: a run with nothing changed is answered without it."""
    return _script(folder, cache, *args, watch="pathlib")


def test_a_run_with_nothing_changed_is_answered_before_pathlib_is_imported(
    tmp_path: Path,
) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    cache = tmp_path / "cache"
    first = _lean(root, cache, "generate")
    assert first[0] == 0 and "wrote docker-bake.hcl" in first[1]
    assert first[2] == "pathlib imported\n"
    again = _lean(root, cache, "generate")
    assert again == (0, again[1], "pathlib not imported\n")
    assert again[1].startswith("unchanged docker-bake.hcl\n")
    assert _lean(root, cache, "-q", "generate") == (0, "", "pathlib not imported\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert _lean(elsewhere, cache, "generate", "--root", str(root)) == again
    # what a full run prints, the files being those already written
    shutil.rmtree(cache)
    assert _lean(root, cache, "--verbose", "generate") == (0, again[1], "pathlib imported\n")
    # an edit inside a function: the memory still answers, knowing more (pathlib and the
    # scan); the run after it needs neither again
    main = root / "services/api/src/api/main.py"
    main.write_text(main.read_text() + "# a comment\n")
    _age(root)
    assert _lean(root, cache, "generate") == (0, again[1], "pathlib imported\n")
    assert _lean(root, cache, "generate") == again


def test_a_run_from_a_member_folder_is_answered_once_a_run_from_there_found_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    member = root / "services/api/src"
    _lean(root, cache, "generate")
    from_root = _lean(root, cache, "generate")
    assert from_root[2] == "pathlib not imported\n"
    # the memory does not yet say that a run from the member finds this root: found as uv
    # finds it, then remembered
    assert _lean(member, cache, "generate") == (0, from_root[1], "pathlib imported\n")
    assert _lean(member, cache, "generate") == from_root
    assert _lean(root, cache, "generate") == from_root
    kept = memo.loads(memo.place(root).read_text())
    assert kept is not None
    assert kept.cwds == {str(root.resolve()), str(member.resolve())}


def test_a_workspace_inside_another_is_never_answered_by_the_outer_ones_memory(
    tmp_path: Path,
) -> None:
    outer = seed_workspace(tmp_path / "outer")
    inner = seed_workspace(outer / "tools" / "inner")  # not a member of outer
    _age(outer)
    cache = tmp_path / "cache"
    assert _lean(outer, cache, "generate")[0] == 0
    assert _lean(outer, cache, "generate")[2] == "pathlib not imported\n"
    # from inside the inner workspace, the nearest memory above is outer's, made from outer
    code, out, err = _lean(inner / "services", cache, "generate")
    assert (code, err) == (0, "pathlib imported\n")
    assert "wrote docker-bake.hcl" in out
    assert (inner / "docker-bake.hcl").is_file()


def test_a_run_from_a_skipped_folder_is_not_remembered_for_it(tmp_path: Path) -> None:
    root = seed_workspace(tmp_path / "ws").resolve()
    venv = root / ".venv" / "lib"
    venv.mkdir(parents=True)
    assert memo.finds(root, root) == {str(root)}
    assert memo.finds(root, root / "services" / "api") == {str(root / "services" / "api")}
    # a pyproject.toml there would change which root is found, and the walk skips it
    assert memo.finds(root, venv) == frozenset()
    assert memo.finds(root, tmp_path) == frozenset()


def test_a_generate_outside_a_workspace_is_the_apps_error(tmp_path: Path) -> None:
    code, out, err = _script(tmp_path, tmp_path / "cache", "generate")
    assert (code, out) == (1, "")
    assert err.startswith("uvbake: error: ") and err.endswith("typer imported\n")
    assert len(err.splitlines()) == 2


@pytest.mark.parametrize(
    ("argv", "plain"),
    [
        (["generate"], (False, None)),
        (["-q", "generate"], (True, None)),
        (["--quiet", "generate", "--root", "ws"], (True, "ws")),
        (["generate", "--root=ws"], (False, "ws")),
        (["generate", "--root"], None),
        (["generate", "--root="], None),
        (["generate", "--root", "--check"], None),
        (["generate", "--check"], None),
        (["generate", "--stdout"], None),
        (["-v", "generate"], None),
        (["--directory", "x", "generate"], None),
        (["list"], None),
        ([], None),
    ],
)
def test_which_command_lines_the_memory_may_answer(
    argv: list[str], plain: tuple[bool, str | None] | None
) -> None:
    assert cli._plain_generate(cli.global_first(argv)) == plain


def test_a_file_edited_while_a_run_plans_is_checked_again(
    tmp_path: Path, plans: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = seed_workspace(tmp_path / "ws")
    _age(root)
    lock = root / "uv.lock"
    counted = api.generated_files  # the `plans` fixture's counter

    def edited_meanwhile(where: Path, **kwargs: object) -> object:
        found = counted(where, **kwargs)
        lock.write_text(lock.read_text() + "\n")  # after the run read it
        return found

    monkeypatch.setattr(api, "generated_files", edited_meanwhile)
    assert _run(root)[0] == 0
    kept = memo.loads(memo.place(root).read_text())
    assert kept is not None
    assert kept.walk.files["uv.lock"][1] == memo.RACY and "uv.lock" not in kept.sums
    monkeypatch.setattr(api, "generated_files", counted)
    assert _run(root)[0] == 0
    assert len(plans) == 2  # the lock on disk is not the one the first run planned from
