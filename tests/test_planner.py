from __future__ import annotations

from pathlib import Path

import pytest

from helpers import (
    HANDLER,
    build_tree,
    lock_text,
    member_lock,
    pyproject,
    root_pyproject,
    seed_workspace,
)
from uvbake.api import planned
from uvbake.errors import UvbakeError


def test_closure_third_party_and_layers(tmp_path: Path) -> None:
    result = planned(seed_workspace(tmp_path))
    summary = {
        s.name: ([m.name for m in s.closure], [n for n, _ in s.third_party], s.handler)
        for s in result.services
    }
    assert summary == {
        "api": (
            ["common-log", "common-models"],
            ["httpx", "idna", "orjson", "pydantic", "typing-extensions"],
            "api.main.handler",
        ),
        # pywin32 is for win32 only; dev groups (pytest) never reach an image
        "worker": (["common-log"], ["orjson"], "worker.main.handler"),
    }
    # orjson, shared, is smaller than min-shared-layer-kb: it joins each image's own layer
    assert [(layer.services, [p.name for p in layer.pins]) for layer in result.layers] == [
        (("api",), ["httpx", "idna", "orjson", "pydantic", "typing-extensions"]),
        (("worker",), ["orjson"]),
    ]
    assert all(p.cross for layer in result.layers for p in layer.pins)
    assert [m.name for m in result.libraries] == ["common-log", "common-models"]

    # from 0 kB, one layer per set of services that share packages, the widest first
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "min-shared-layer-kb = 0\n")
    result = planned(tmp_path)
    assert [(layer.services, [p.name for p in layer.pins]) for layer in result.layers] == [
        (("api", "worker"), ["orjson"]),
        (("api",), ["httpx", "idna", "pydantic", "typing-extensions"]),
    ]
    assert {s.name: [layer.name for layer in s.layers] for s in result.services} == {
        "api": ["uvbake.layer-1", "uvbake.layer-2"],
        "worker": ["uvbake.layer-1"],
    }


def test_markers_follow_platform_and_python(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    build_tree(
        tmp_path,
        {
            "uv.lock": lock_text(
                [
                    member_lock(
                        "api",
                        "services/api",
                        ("uvloop", "platform_machine == 'x86_64'"),
                        ("tomli", "python_full_version < '3.11'"),
                        ("exceptiongroup", "python_version < '3.14'"),
                    ),
                    member_lock("worker", "services/worker"),
                    member_lock("common-models", "services/common/models"),
                    member_lock("common-log", "services/common/log"),
                ]
                + [__import__("helpers").Locked(n) for n in ("uvloop", "tomli", "exceptiongroup")]
            ),
        },
    )
    arm = planned(tmp_path).services[0]
    assert [n for n, _ in arm.third_party] == ["exceptiongroup"]
    (tmp_path / "services/api/pyproject.toml").write_text(
        pyproject("api", uvbake='platform = "linux/amd64"')
    )
    amd = planned(tmp_path).services[0]
    assert amd.platform == "linux/amd64"
    assert [n for n, _ in amd.third_party] == ["exceptiongroup", "uvloop"]


def test_folder_name_differs_from_package_name(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=()),
            "uv.lock": lock_text([member_lock("ingestion-worker", "services/ingestion_worker")]),
            "services/ingestion_worker/pyproject.toml": pyproject("ingestion-worker"),
            "services/ingestion_worker/src/ingestion_worker/main.py": HANDLER,
        },
    )
    (service,) = planned(tmp_path).services
    assert (service.name, service.handler) == ("ingestion-worker", "ingestion_worker.main.handler")
    assert [(a.source, a.dest) for a in service.app] == [
        ("services/ingestion_worker/src/ingestion_worker", "ingestion_worker")
    ]


def test_flat_layout_and_explicit_handler(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=()),
            "uv.lock": lock_text([member_lock("billing-api", "services/billing-api")]),
            "services/billing-api/pyproject.toml": pyproject(
                "billing-api", uvbake='handler = "acme_billing.lambda_fn.run"'
            ),
            "services/billing-api/acme_billing/lambda_fn.py": "def run(e, c):\n    return e\n",
        },
    )
    (service,) = planned(tmp_path).services
    assert service.handler == "acme_billing.lambda_fn.run"
    assert [(a.source, a.dest) for a in service.app] == [
        ("services/billing-api/acme_billing", "acme_billing")
    ]


def test_a_service_without_handler_is_left_out_and_named(tmp_path: Path) -> None:
    """A member under services/ with no handler (a web server, a fresh project) is not built:
    the plan names it with the setting that would make it one."""
    seed_workspace(tmp_path)
    (tmp_path / "services/worker/src/worker/main.py").write_text("def other(e, c): ...\n")
    the_plan = planned(tmp_path)
    assert [s.name for s in the_plan.services] == ["api"]
    assert [(s.member.name, s.problem.line()) for s in the_plan.skipped] == [
        (
            "worker",
            "services/worker/pyproject.toml: service 'worker' has no Lambda handler "
            "(worker.main.handler not found); set [tool.uvbake] handler = "
            '"package.module.function"',
        )
    ]
    assert the_plan.warnings == (
        f"{the_plan.skipped[0].problem.line()} (service 'worker' left out)",
    )


def test_an_explicit_service_without_handler_stops(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    with (tmp_path / "services/worker/pyproject.toml").open("a") as handle:
        handle.write("\n[tool.uvbake]\nservice = true\n")
    (tmp_path / "services/worker/src/worker/main.py").write_text("def other(e, c): ...\n")
    with pytest.raises(UvbakeError) as err:
        planned(tmp_path)
    assert err.value.line() == (
        "services/worker/pyproject.toml: service 'worker' has no Lambda handler "
        '(worker.main.handler not found); set [tool.uvbake] handler = "package.module.function"'
    )


def test_service_globs_are_configurable(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        root_pyproject(uvbake='python = "3.13"\nservices = ["services/api"]')
    )
    assert [s.name for s in planned(tmp_path).services] == ["api"]
    (layer,) = planned(tmp_path).layers
    assert layer.services == ("api",)
