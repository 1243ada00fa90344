"""The synthetic workspace generator of bake/bench gives workspaces uvbake can plan."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from engine import require_engine
from uvbake.api import generated_files

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
    the_plan, files = generated_files(root)
    assert [s.name for s in the_plan.services] == ["svc-00", "svc-01"]
    assert [s.handler for s in the_plan.services] == ["svc_00.main.handler", "svc_01.main.handler"]
    assert [m.name for m in the_plan.libraries] == ["bench-lambdas", "common-lib-00"]
    for service in the_plan.services:
        assert {"orjson", "pydantic"} <= {name for name, _ in service.third_party}
    bake = files["docker-bake.hcl"]
    assert bake.count('\ntarget "svc-') == 2
    assert 'target "svc-00"' in bake and 'target "svc-01"' in bake


RUN = BENCH.with_name("run.py")
SCENARIOS = [
    "cold",
    "no-op",
    "code edit, one service",
    "edit in a common library",
    "dependency bump, one service",
    "dependency bump, shared library",
]


@pytest.mark.engine
def test_build_bench_runs_both_pipelines(tmp_path: Path) -> None:
    """The tiny bench CI runs: two services, one library, every scenario, one import run."""
    require_engine()
    out, chart = tmp_path / "bench.md", tmp_path / "bench.png"
    argv = [sys.executable, str(RUN), "--services", "2", "--libs", "1", "--import-runs", "1"]
    argv += ["--workdir", str(tmp_path), "--out", str(out), "--chart", str(chart)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    rows = {
        cells[0]: cells[1:]
        for line in out.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith("| scenario")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    assert [name for name in rows if name in SCENARIOS] == SCENARIOS
    # seed, uvbake, ratio, RUN ran / cached (seed), RUN ran / cached (uvbake)
    assert rows["no-op"][3].startswith("0 / ") and rows["no-op"][4].startswith("0 / ")
    # A code edit re-runs nothing in the seed (its code is a COPY) and only the byte-compile
    # of that one service in uvbake.
    assert rows["code edit, one service"][3].startswith("0 / ")
    assert rows["code edit, one service"][4].startswith("1 / ")
    assert float(rows["cold"][2]) > 0
    assert any(name.startswith("unique layer bytes") for name in rows)
    assert chart.read_bytes().startswith(b"\x89PNG")
