"""Declared functions built and invoked as Lambda would (`uvbake verify`): a flat SAM function
importing a sibling module and reading a data file beside it, a package named `src` declared
in CDK TypeScript, a freely named module declared in CDK Python, a member with three declared
functions sharing every layer, and a web server under services/ left out with a warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from engine import BASE_IMAGE, REGISTRY, UV_IMAGE, require_engine
from helpers import build_tree, uv_lock_offline, uvbake
from test_declared_workspaces import BILLING, CDK_PY, CDK_TS, REPORTS, SAM

pytestmark = pytest.mark.engine

TARGETS = (
    "api",
    "billing-charge-function",
    "billing-nightly-report",
    "billing-refund-function",
    "orders",
    "orders-processor",
)


def _member(name: str) -> str:
    return (
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n"
    )


def _handler(name: str, body: str) -> str:
    return f"def {name}(event, context):\n    {body}\n"


def _workspace(root: Path) -> Path:
    return build_tree(
        root,
        {
            "pyproject.toml": (
                '[tool.uv.workspace]\nmembers = ["functions/*", "services/*"]\n\n'
                '[tool.uvbake]\npython = "3.13"\n'
            ),
            "template.yaml": SAM,
            # flat SAM function: a sibling module and a data file beside the handler
            "functions/orders/pyproject.toml": _member("orders"),
            "functions/orders/app.py": (
                "import pathlib\n\nfrom helpers import total\n\n\n"
                "def lambda_handler(event, context):\n"
                '    text = (pathlib.Path(__file__).parent / "templates/receipt.txt").read_text()\n'
                "    return text.format(total=total([1, 2, 3])).strip()\n"
            ),
            "functions/orders/helpers.py": "def total(items):\n    return sum(items)\n",
            "functions/orders/templates/receipt.txt": "Total: {total}\n",
            # three functions in two templates of one member
            "functions/billing/pyproject.toml": _member("billing"),
            "functions/billing/template.json": BILLING,
            "functions/billing/reports.yaml": REPORTS,
            **{
                f"functions/billing/src/billing_jobs/{job}.py": _handler(
                    "lambda_handler", f'return "{job}"'
                )
                for job in ("charge", "refund", "report")
            },
            "functions/billing/src/billing_jobs/__init__.py": "",
            # CDK TypeScript: a package literally named src, no __init__.py
            "cdk/lib/api-stack.ts": CDK_TS,
            "cdk/cdk.json": "{}\n",
            "services/api/pyproject.toml": _member("api"),
            "services/api/src/handler.py": (
                "from src.config import TABLE\n\n\n" + _handler("handler", "return TABLE")
            ),
            "services/api/src/config.py": 'TABLE = "orders-table"\n',
            # CDK Python: a module no convention names
            "infra/stacks/orders_stack.py": CDK_PY,
            "infra/cdk.json": "{}\n",
            "services/orders/pyproject.toml": _member("orders-processor"),
            "services/orders/src/orders/__init__.py": "",
            "services/orders/src/orders/processor.py": _handler("handler", 'return "processed"'),
            # a web server under services/: no handler, left out
            "services/web/pyproject.toml": _member("web"),
            "services/web/web/server.py": "def serve():\n    pass\n",
        },
    )


def test_declared_functions_answer_when_invoked(tmp_path: Path) -> None:
    require_engine()
    root = _workspace(tmp_path / "ws")
    uv_lock_offline(root)
    generated = uvbake("generate", cwd=root)
    assert generated.returncode == 0, generated.stderr
    assert generated.stderr == (
        "uvbake: warning: services/web/pyproject.toml: service 'web' has no Lambda handler "
        '(web.main.handler not found); set [tool.uvbake] handler = "package.module.function" '
        "(service 'web' left out)\n"
    )
    tag = f"t{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "REGISTRY": REGISTRY,
        "TAG": tag,
        "BASE_IMAGE": BASE_IMAGE,
        "UV_IMAGE": UV_IMAGE,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    try:
        done = subprocess.run(
            ["bash", "-c", "docker buildx bake --load && uvbake verify --format json"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        answers = {
            t["target"]: (t["handler"], t["result"], t["detail"])
            for t in json.loads(done.stdout)["targets"]
        }
        assert answers == {
            "api": ("src.handler.handler", "answered", '"orders-table"'),
            "billing-charge-function": (
                "billing_jobs.charge.lambda_handler",
                "answered",
                '"charge"',
            ),
            "billing-nightly-report": (
                "billing_jobs.report.lambda_handler",
                "answered",
                '"report"',
            ),
            "billing-refund-function": (
                "billing_jobs.refund.lambda_handler",
                "answered",
                '"refund"',
            ),
            "orders": ("app.lambda_handler", "answered", '"Total: 6"'),
            "orders-processor": ("orders.processor.handler", "answered", '"processed"'),
        }
    finally:
        refs = [f"{REGISTRY}/{target}:{tag}" for target in TARGETS]
        subprocess.run(["docker", "image", "rm", *refs], capture_output=True)
