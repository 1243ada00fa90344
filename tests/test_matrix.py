from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitrepo import init_repo
from helpers import build_tree, root_pyproject, seed_workspace, uvbake
from uvbake.commands import affected as affected_command
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.report.matrix import shard


def test_one_entry_per_service(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    result = uvbake("matrix", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "include": [
            {"service": "api", "target": "api", "platform": "linux/arm64"},
            {"service": "worker", "target": "worker", "platform": "linux/arm64"},
        ]
    }


def test_github_format_and_runners(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    build_tree(
        tmp_path,
        {"pyproject.toml": root_pyproject(uvbake='python = "3.13"\narm64-runner = "arm-4core"')},
    )
    worker = tmp_path / "services/worker/pyproject.toml"
    worker.write_text(worker.read_text() + '\n[tool.uvbake]\nplatform = "linux/amd64"\n')
    result = uvbake("matrix", "--format", "github", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        'matrix={"include":['
        '{"service":"api","target":"api","platform":"linux/arm64","runs-on":"arm-4core"},'
        '{"service":"worker","target":"worker","platform":"linux/amd64",'
        '"runs-on":"ubuntu-latest"}]}\n'
    )


def test_arm64_runner_must_be_a_string(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    build_tree(tmp_path, {"pyproject.toml": root_pyproject(uvbake="arm64-runner = 4")})
    result = uvbake("matrix", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "uvbake: error: pyproject.toml: [tool.uvbake] arm64-runner must be a string, not 4; "
        'write it as arm64-runner = "ubuntu-24.04-arm"\n'
    )


def test_shards_balance_by_cost(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    build_tree(
        tmp_path,
        {
            "services/solo/pyproject.toml": '[project]\nname = "solo"\nversion = "0.1.0"\n',
            "services/solo/solo/main.py": "def handler(e, c):\n    return 1\n",
        },
    )
    lock = tmp_path / "uv.lock"
    solo = '\n[[package]]\nname = "solo"\nversion = "0.1.0"\n'
    solo += 'source = { editable = "services/solo" }\n'
    members = lock.read_text().replace(
        'members = [\n    "api",', 'members = [\n    "api",\n    "solo",'
    )
    lock.write_text(members + solo)
    # costs: api 5 third-party + 2 libs + 1 = 8, worker 1 + 1 + 1 = 3, solo 0 + 0 + 1 = 1
    assert json.loads(uvbake("matrix", "--shards", "2", cwd=tmp_path).stdout) == {
        "include": [
            {"shard": 1, "targets": ["api"]},
            {"shard": 2, "targets": ["solo", "worker"]},
        ]
    }
    assert json.loads(uvbake("matrix", "--shards", "5", cwd=tmp_path).stdout) == {
        "include": [
            {"shard": 1, "targets": ["api"]},
            {"shard": 2, "targets": ["worker"]},
            {"shard": 3, "targets": ["solo"]},
        ]
    }


def test_since_limits_the_matrix_to_affected_services(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    init_repo(tmp_path)
    build_tree(tmp_path, {"services/worker/src/worker/new.py": ""})
    result = uvbake("matrix", "--since", "HEAD", "--format", "github", cwd=tmp_path)
    assert result.stdout == (
        'matrix={"include":[{"service":"worker","target":"worker","platform":"linux/arm64"}]}\n'
    )
    (tmp_path / "services/worker/src/worker/new.py").unlink()
    assert uvbake("matrix", "--since", "HEAD", "--format", "github", cwd=tmp_path).stdout == (
        'matrix={"include":[]}\n'
    )
    assert json.loads(
        uvbake("matrix", "--since", "HEAD", "--shards", "3", cwd=tmp_path).stdout
    ) == {"include": []}


def test_bad_shards_and_format_are_one_line_errors(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    out = io.StringIO()
    with pytest.raises(UvbakeError, match="--shards: 0 is not a shard count"):
        affected_command.matrix(
            root=tmp_path, since=None, shards=0, fmt="json", console=Console(out=out)
        )
    result = uvbake("matrix", "--format", "yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "uvbake: error: uvbake matrix: Invalid value for '--format': 'yaml' is not one of "
        "'json', 'github'; see `uvbake matrix --help`\n"
    )


names = st.text(alphabet="abcdefgh-", min_size=1, max_size=8)


@given(
    costs=st.dictionaries(names, st.integers(min_value=1, max_value=60), max_size=30),
    count=st.integers(min_value=1, max_value=12),
)
def test_shards_partition_the_services(costs: dict[str, int], count: int) -> None:
    items = list(costs.items())
    shards = shard(items, count=count)
    flat = [name for s in shards for name in s.targets]
    assert sorted(flat) == sorted(costs)  # every service exactly once
    assert len(shards) == min(count, len(costs))  # no empty shard
    assert [s.index for s in shards] == list(range(1, len(shards) + 1))
    assert all(s.cost == sum(costs[n] for n in s.targets) for s in shards)
    assert shard(list(reversed(items)), count=count) == shards  # order does not matter
    if shards:  # greedy bound: no shard exceeds the mean by more than the largest item
        loads = [s.cost for s in shards]
        assert max(loads) <= sum(costs.values()) / len(shards) + max(costs.values())
