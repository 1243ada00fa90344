"""The synthetic workspace generator of bake/bench gives workspaces uvbake can plan."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from uvbake.commands import build

BENCH = Path(__file__).resolve().parents[1] / "bake" / "bench" / "workspace.py"


def _bench_workspace() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_workspace", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_files(tmp_path: Path) -> None:
    bench = _bench_workspace()
    one = bench.make_workspace(tmp_path / "a", services=3, libs=2, extra_packages=4, lock=False)
    two = bench.make_workspace(tmp_path / "b", services=3, libs=2, extra_packages=4, lock=False)
    other = bench.make_workspace(tmp_path / "c", services=3, libs=2, seed=1, lock=False)
    assert _files(one) == _files(two)
    assert _files(one) != _files(other)
    assert (one / "services" / "svc_00" / "src" / "svc_00" / "main.py").is_file()
    assert (one / "services" / "common" / "lib_01" / "pyproject.toml").is_file()


def test_one_target_per_service(tmp_path: Path) -> None:
    bench = _bench_workspace()
    if bench.uv_binary() is None:
        pytest.skip("uv is not installed")
    try:
        root = bench.make_workspace(tmp_path / "ws", services=2, libs=1)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"uv lock failed (no index access?): {exc}")
    the_plan, files = build(root)
    assert [s.name for s in the_plan.services] == ["svc-00", "svc-01"]
    assert [s.handler for s in the_plan.services] == ["svc_00.main.handler", "svc_01.main.handler"]
    assert [m.name for m in the_plan.libraries] == ["bench-lambdas", "common-lib-00"]
    for service in the_plan.services:
        assert {"orjson", "pydantic"} <= {name for name, _ in service.third_party}
    bake = files["docker-bake.hcl"]
    assert bake.count('\ntarget "svc-') == 2
    assert 'target "svc-00"' in bake and 'target "svc-01"' in bake
