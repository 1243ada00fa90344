"""End to end: the example built and invoked on each Lambda Python the stand-in images cover
(bake/images.sh: localhost:5000/lambda/python:3.13 and :3.14).

The example is copied with [tool.uvbake] python set to the version, generated, baked on that
version's stand-in base image and invoked: every service answers, runs on that interpreter,
and its third-party layers hold bytecode and native code for it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from engine import BASE_IMAGE, ORDER, REGISTRY, bake, invoke, require_engine, shell
from helpers import uvbake

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "lambda-monorepo"
HOOK = {"source": "github", "url": "https://Example.com/hooks?id=1"}


def _answers() -> dict[str, tuple[object, object]]:
    """Each service's event and the answer the example gives to it."""

    def body(value: object) -> str:
        return json.dumps(value, separators=(",", ":"))

    message = "Hello Ada, order o-1 (2 lines) totals 7.00."
    accepted = {"order_id": "o-1", "status": "accepted", "total": "7.00"}
    hooked = {"host": "example.com", "url": "https://example.com/hooks?id=1&source=github"}
    return {
        "orders": (ORDER, {"statusCode": 200, "body": body(accepted)}),
        "notifications": (ORDER, {"statusCode": 200, "body": body({"message": message})}),
        "ingestion-worker": (HOOK, {"statusCode": 202, "body": body(hooked)}),
    }


def _base_image(python: str) -> str:
    return BASE_IMAGE.rsplit(":", 1)[0] + f":{python}"


@pytest.mark.parametrize("python", ["3.13", "3.14"])
def test_the_example_builds_and_answers_on_each_lambda_python(tmp_path: Path, python: str) -> None:
    require_engine()
    base = _base_image(python)
    found = subprocess.run(
        ["docker", "buildx", "imagetools", "inspect", base], capture_output=True, text=True
    )
    assert found.returncode == 0, f"{base} is missing: run bake/images.sh\n{found.stderr}"
    work = tmp_path / "ws"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    pyproject = work / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert '\npython = "3.13"\n' in text
    pyproject.write_text(text.replace('\npython = "3.13"\n', f'\npython = "{python}"\n'))
    generated = uvbake("generate", cwd=work)
    assert (generated.returncode, generated.stderr) == (0, ""), generated.stderr
    dockerfile = (work / "uvbake.Dockerfile").read_text(encoding="utf-8")
    assert f"--python-version {python} " in dockerfile
    tag = f"y{python.replace('.', '')}{uuid.uuid4().hex[:8]}"
    bake(work, env={"BASE_IMAGE": base}, tag=tag)
    for service, (event, answer) in _answers().items():
        assert invoke(f"{REGISTRY}/{service}:{tag}", event) == answer, service
    site = f"/var/lang/lib/python{python}/site-packages"
    tag_of = f"cpython-{python.replace('.', '')}"
    out = shell(
        f"{REGISTRY}/orders:{tag}",
        "python3 -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'; "
        f"ls {site}/pydantic_core/ | grep '[.]so$'; "
        f"ls /var/task/orders/__pycache__ | head -1",
    )
    assert out.split() == [
        python,
        f"_pydantic_core.{tag_of}-aarch64-linux-gnu.so",
        f"__init__.{tag_of}.pyc",
    ]
