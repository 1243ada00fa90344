"""`uvbake verify` on real images: one workspace, one bake of every target, then verify.

Services: `good` answers with the event it got; `orders` is two functions, `accept` (answers)
and `reject` (raises ValueError); `broken` is a single module, app.py, whose handler imports
a module `helpers` that the repository does not have (a file never committed), so the build
is green and the image cannot import its handler.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import BASE_IMAGE, REGISTRY, UV_IMAGE, require_engine
from helpers import build_tree, uv_lock_offline, uvbake

pytestmark = pytest.mark.engine

README = Path(__file__).parent.parent / "README.md"
TARGETS = ("broken", "good", "orders-accept", "orders-reject")
NO_HELPERS = "Unable to import module 'app': No module named 'helpers'"


def _member(name: str, tail: str = "") -> str:
    return (
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        f"dependencies = []\n{tail}"
    )


def _workspace(root: Path) -> Path:
    return build_tree(
        root,
        {
            "pyproject.toml": (
                '[tool.uv.workspace]\nmembers = ["services/*"]\n\n[tool.uvbake]\npython = "3.13"\n'
            ),
            "services/good/pyproject.toml": _member("good"),
            "services/good/good/main.py": (
                'def handler(event, context):\n    return {"got": event}\n'
            ),
            "services/orders/pyproject.toml": _member(
                "orders",
                '\n[tool.uvbake]\nfunctions = { accept = "orders.main.accept", '
                'reject = "orders.main.reject" }\n',
            ),
            "services/orders/orders/main.py": (
                "def accept(event, context):\n"
                '    return {"accepted": event.get("order_id")}\n\n\n'
                "def reject(event, context):\n"
                '    raise ValueError("no order id")\n'
            ),
            "services/broken/pyproject.toml": _member(
                "broken", '\n[tool.uvbake]\nhandler = "app.handler"\n'
            ),
            "services/broken/app.py": (
                "from helpers import greeting\n\n\n"
                "def handler(event, context):\n    return greeting\n"
            ),
            "events/orders-accept.json": '{"order_id": "o-1"}\n',
        },
    )


def readme_snippets() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Verifying images\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_engine()
    root = _workspace(tmp_path_factory.mktemp("verify") / "ws")
    uv_lock_offline(root)
    generated = uvbake("generate", cwd=root)
    assert generated.returncode == 0, generated.stderr
    tag = f"t{uuid.uuid4().hex[:10]}"
    env = {"REGISTRY": REGISTRY, "TAG": tag}
    yield {"root": root, "env": env}
    refs = [f"{REGISTRY}/{target}:{tag}" for target in TARGETS]
    subprocess.run(["docker", "image", "rm", *refs], capture_output=True)


def _run_snippet(ws: dict[str, Any], snippet: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **ws["env"],
        "BASE_IMAGE": BASE_IMAGE,
        "UV_IMAGE": UV_IMAGE,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        ["bash", "-c", snippet],
        cwd=ws["root"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def _rows(table: str) -> dict[str, tuple[str, str, str]]:
    """{target: (handler, result, detail)} of verify's table (time left out)."""
    lines = table.splitlines()
    assert lines[0].split() == ["target", "handler", "result", "time", "detail"], table
    out = {}
    for line in lines[1:]:
        found = re.fullmatch(r"(\S+) +(\S+) +(.+?) +\d+\.\d s +(.*)", line)
        assert found, line
        out[found[1]] = (found[2], found[3], found[4])
    return out


def test_the_readme_commands(ws: dict[str, Any]) -> None:
    """One bake of every target, then verify all: the broken image fails the whole run."""
    build_and_verify, one_service = readme_snippets()
    assert build_and_verify == "docker buildx bake --load && uvbake verify"
    done = _run_snippet(ws, build_and_verify)
    print(done.stdout)
    assert done.returncode == 1, done.stderr[-3000:]
    assert _rows(done.stdout) == {
        "broken": ("app.handler", "cannot import", NO_HELPERS),
        "good": ("good.main.handler", "answered", '{"got": {}}'),
        "orders-accept": ("orders.main.accept", "answered", '{"accepted": null}'),
        "orders-reject": ("orders.main.reject", "raised", "ValueError: no order id"),
    }
    assert "No module named 'helpers'" in done.stderr  # the container's log
    assert one_service == "uvbake verify --target orders --events events --format json"
    done = _run_snippet(ws, one_service)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = {t["target"]: (t["result"], t["detail"]) for t in json.loads(done.stdout)["targets"]}
    assert answers == {
        "orders-accept": ("answered", '{"accepted": "o-1"}'),
        "orders-reject": ("raised", "ValueError: no order id"),
    }


def test_a_raising_handler_alone_passes_and_an_event_reaches_it(
    ws: dict[str, Any], tmp_path: Path
) -> None:
    event = tmp_path / "ping.json"
    event.write_text('{"ping": 1}')
    args = ("-q", "verify", "--target", "good", "--event", f"good={event}")
    ran = uvbake(*args, cwd=ws["root"], env=ws["env"])
    assert ran.returncode == 0, ran.stderr
    assert _rows(ran.stdout) == {"good": ("good.main.handler", "answered", '{"got": {"ping": 1}}')}
    raised = uvbake("-q", "verify", "--target", "orders-reject", cwd=ws["root"], env=ws["env"])
    assert (raised.returncode, raised.stderr) == (0, "")


def _verify_containers() -> set[str]:
    listed = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "name=uvbake-verify-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(listed.stdout.split())


def test_an_image_not_built_is_one_line(ws: dict[str, Any]) -> None:
    env = {**ws["env"], "TAG": "never-built"}
    before = _verify_containers()
    ran = uvbake("verify", "--target", "good", cwd=ws["root"], env=env)
    assert (ran.returncode, ran.stdout) == (1, "")
    assert ran.stderr == (
        f"uvbake: error: good: not in the local image store ({REGISTRY}/good:never-built); "
        "build with `docker buildx bake --load good` (or `--set '*.output=type=docker'`), "
        "with the REGISTRY and TAG the build had\n"
    )
    # no container of this run is left behind (others' runs may be going on beside it)
    assert _verify_containers() - before == set()
