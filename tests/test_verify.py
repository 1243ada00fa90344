"""`uvbake verify` without docker: what an emulator's answer means, the table and the JSON,
and the bad input that stops the command before it starts any container.

The answers below are the bodies the Lambda Python runtime (awslambdaric, behind the
stand-in emulator of bake/images/lambda-python) gave for each kind of handler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import build_tree, seed_workspace, uvbake
from uvbake.report.verify import (
    Checked,
    Image,
    Result,
    Verdict,
    as_json,
    classify,
    exited,
    images,
    table,
    timed_out,
)

RAISED = (
    b'{"errorMessage": "bad input", "errorType": "ValueError", "requestId": '
    b'"b705b927-cc40-47e7-8185-6cf09925bdcc", "stackTrace": ["  File \\"/var/task/bad.py\\", '
    b'line 2, in handler\\n    raise ValueError(\\"bad input\\")\\n"]}'
)
NO_MODULE = (
    b"{\"errorMessage\": \"Unable to import module 'app': No module named 'helpers'\", "
    b'"errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}'
)
NO_HANDLER = (
    b"{\"errorMessage\": \"Handler 'nope' missing on module 'good'\", "
    b'"errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}'
)
RAISED_AT_IMPORT = (
    b'{"errorMessage": "at import", "errorType": "ValueError", "requestId": "", "stackTrace": '
    b'["  File \\"/usr/lib/python3.13/importlib/__init__.py\\", line 88, in import_module\\n"]}'
)
EXITED = (
    b'{"errorType": "Runtime.ExitError", "errorMessage": "RequestId: 82002af0 Error: Runtime '
    b'exited with error: exit status 3"}'
)


def test_a_payload_without_error_type_is_answered() -> None:
    assert classify(b'{"ok": true}') == Verdict(Result.answered, '{"ok": true}')
    assert classify(b'"hello"') == Verdict(Result.answered, '"hello"')
    assert classify(b"null").ok


def test_the_handlers_own_exception_is_raised_and_proves_the_import() -> None:
    verdict = classify(RAISED, function_error="Unhandled")
    assert verdict == Verdict(Result.raised, "ValueError: bad input")
    assert verdict.ok


def test_an_import_error_names_the_missing_module() -> None:
    verdict = classify(NO_MODULE, function_error="Unhandled")
    assert verdict == Verdict(
        Result.cannot_import, "Unable to import module 'app': No module named 'helpers'"
    )
    assert not verdict.ok
    assert classify(NO_HANDLER) == Verdict(
        Result.cannot_import, "Handler 'nope' missing on module 'good'"
    )


def test_an_exception_raised_while_importing_is_not_the_handlers() -> None:
    """Posted at init (no request yet: requestId is empty), so the module never loaded."""
    assert classify(RAISED_AT_IMPORT, function_error="Unhandled") == Verdict(
        Result.cannot_import, "ValueError: at import (raised while importing)"
    )


def test_the_runtimes_own_errors_fail() -> None:
    assert classify(EXITED, function_error="Unhandled") == Verdict(
        Result.failed,
        "Runtime.ExitError: RequestId: 82002af0 Error: Runtime exited with error: exit status 3",
    )
    assert classify(b"<html>", function_error=None) == Verdict(
        Result.failed, "not a JSON answer: <html>"
    )
    assert classify(b'"oops"', function_error="Unhandled") == Verdict(Result.raised, "Unhandled")


def test_details_are_one_short_line() -> None:
    long = json.dumps({"text": "word " * 40}).encode()
    detail = classify(long).detail
    assert len(detail) == 120 and detail.endswith("...") and "\n" not in detail
    assert timed_out(120) == Verdict(Result.timed_out, "no answer within 120 s")
    assert timed_out(2.5).detail == "no answer within 2.5 s"
    assert exited("exit code 142", "entrypoint requires the handler name") == Verdict(
        Result.failed,
        "the container exited (exit code 142) before answering: "
        "entrypoint requires the handler name",
    )


PRINTED = {
    "group": {"default": {"targets": ["orders", "jobs-sweep"]}},
    "target": {
        "orders": {
            "context": ".",
            "tags": ["local/orders:latest", "local/orders:v1"],
            "target": "svc-orders",
            "platforms": ["linux/arm64"],
        },
        "jobs-sweep": {"tags": ["r/jobs-sweep:t"], "platforms": ["linux/amd64"]},
        "untagged": {"platforms": ["linux/arm64"]},
    },
}


def test_images_are_the_first_tag_and_platform_bake_prints() -> None:
    assert images(json.dumps(PRINTED), targets=["orders", "jobs-sweep", "untagged", "nope"]) == {
        "orders": Image("local/orders:latest", "linux/arm64"),
        "jobs-sweep": Image("r/jobs-sweep:t", "linux/amd64"),
    }


CHECKED = [
    Checked("good", "good.main.handler", "r/good:t", Verdict(Result.answered, '{"got": {}}'), 6.04),
    Checked(
        "orders-reject",
        "orders.main.reject",
        "r/orders-reject:t",
        Verdict(Result.raised, "ValueError: no order id"),
        12.96,
    ),
    Checked(
        "broken",
        "app.handler",
        "r/broken:t",
        Verdict(Result.cannot_import, "Unable to import module 'app': No module named 'helpers'"),
        7.3,
    ),
]


def test_table() -> None:
    assert table(CHECKED) == (
        "target         handler             result         time    detail\n"
        'good           good.main.handler   answered       6.0 s   {"got": {}}\n'
        "orders-reject  orders.main.reject  raised         13.0 s  ValueError: no order id\n"
        "broken         app.handler         cannot import  7.3 s   "
        "Unable to import module 'app': No module named 'helpers'\n"
    )


def test_json() -> None:
    assert json.loads(as_json(CHECKED)) == {
        "ok": False,
        "targets": [
            {
                "target": "good",
                "handler": "good.main.handler",
                "image": "r/good:t",
                "result": "answered",
                "ok": True,
                "seconds": 6.0,
                "detail": '{"got": {}}',
            },
            {
                "target": "orders-reject",
                "handler": "orders.main.reject",
                "image": "r/orders-reject:t",
                "result": "raised",
                "ok": True,
                "seconds": 13.0,
                "detail": "ValueError: no order id",
            },
            {
                "target": "broken",
                "handler": "app.handler",
                "image": "r/broken:t",
                "result": "cannot import",
                "ok": False,
                "seconds": 7.3,
                "detail": "Unable to import module 'app': No module named 'helpers'",
            },
        ],
    }
    assert json.loads(as_json(CHECKED[:2]))["ok"] is True


# ---- bad input: one line, exit 1, before docker is needed


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The seed workspace, api built as two functions, with its generated files."""
    root = seed_workspace(tmp_path / "ws")
    api = root / "services/api/pyproject.toml"
    functions = 'functions = { web = "api.main.handler", sweep = "api.sweep.handler" }\n'
    api.write_text(api.read_text() + "\n[tool.uvbake]\n" + functions)
    build_tree(root, {"services/api/src/api/sweep.py": "def handler(event, context):\n    pass\n"})
    generated = uvbake("generate", cwd=root)
    assert generated.returncode == 0, generated.stderr
    return root


def _error(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    ran = uvbake("verify", *args, cwd=root, env=env)
    assert (ran.returncode, ran.stdout) == (1, ""), ran
    assert ran.stderr.count("\n") == 1, ran.stderr
    return ran.stderr


def test_targets_are_bake_targets_or_services(workspace: Path) -> None:
    from uvbake.api import planned
    from uvbake.commands.verify import select

    the_plan = planned(workspace)
    every = (
        ("api-sweep", "api.sweep.handler"),
        ("api-web", "api.main.handler"),
        ("worker", "worker.main.handler"),
    )
    assert select(the_plan, names=[]) == every
    assert select(the_plan, names=["worker", "api"]) == every
    assert select(the_plan, names=["api-web", "api-web"]) == (("api-web", "api.main.handler"),)
    assert _error(workspace, "--target", "web") == (
        "uvbake: error: --target: no bake target or service named 'web'; use one of: api, "
        "api-sweep, api-web, worker\n"
    )


def test_bad_events_stop_verify(workspace: Path) -> None:
    assert _error(workspace, "--event", "api-web") == (
        "uvbake: error: --event: 'api-web' is not TARGET=FILE; e.g. --event api=e.json\n"
    )
    assert _error(workspace, "--event", "api=e.json") == (
        "uvbake: error: --event: no bake target named 'api'; use one of: api-sweep, api-web, "
        "worker\n"
    )
    assert _error(workspace, "--event", "worker=missing.json") == (
        "uvbake: error: missing.json: cannot be read (No such file or directory); "
        "pass a JSON file\n"
    )
    build_tree(workspace, {"events/worker.json": "{nope"})
    expected = (
        "uvbake: error: events/worker.json: is not JSON (Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1)); write the event as JSON\n"
    )
    assert _error(workspace, "--event", "worker=events/worker.json") == expected
    assert _error(workspace, "--events", "events") == expected
    assert _error(workspace, "--events", "nowhere") == (
        "uvbake: error: nowhere: is not a folder; pass --events a folder of <target>.json\n"
    )


def test_without_a_bake_file_or_docker(workspace: Path) -> None:
    assert _error(workspace, env={"PATH": ""}) == (
        "uvbake: error: docker: not found on PATH; install Docker (with buildx) where the "
        "images were built, and run verify there\n"
    )
    (workspace / "docker-bake.hcl").unlink()
    assert _error(workspace) == (
        "uvbake: error: docker-bake.hcl: does not exist; run `uvbake generate`, then "
        "`docker buildx bake --load`\n"
    )


def test_timeout_must_be_positive(workspace: Path) -> None:
    ran = uvbake("verify", "--timeout", "0", cwd=workspace)
    assert ran.returncode == 2 and "--timeout" in ran.stderr
