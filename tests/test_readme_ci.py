"""Every command of the README's CI section, run in a real git repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from gitrepo import git, init_repo
from helpers import build_tree, seed_workspace

README = Path(__file__).parent.parent / "README.md"
BIN = Path(sys.executable).parent


def ci_snippets() -> list[str]:
    section = README.read_text(encoding="utf-8").split("\n## CI\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_every_ci_snippet_runs(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    seed_workspace(ws)
    init_repo(ws)
    git(ws, "update-ref", "refs/remotes/origin/main", "HEAD")
    build_tree(ws, {"services/common/models/src/common_models/fields.py": "F = 1\n"})
    output = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(output), "PATH": f"{BIN}:{os.environ['PATH']}"}

    api_only = '{"include":[{"service":"api","target":"api","platform":"linux/arm64"}]}'
    shards = {"include": [{"shard": 1, "targets": ["api"]}, {"shard": 2, "targets": ["worker"]}]}
    expected = {
        "uvbake affected --since origin/main": lambda out: out == "api\n",
        'uvbake matrix --since origin/main --format github >> "$GITHUB_OUTPUT"': lambda out: (
            out == "" and output.read_text() == f"matrix={api_only}\n"
        ),
        "uvbake matrix --shards 2": lambda out: json.loads(out) == shards,
        "uvbake ci github && uvbake ci github --check": lambda out: (
            out.startswith("wrote .github/workflows/uvbake.yml\na first release needs:\n")
            and out.endswith("  ECR repositories in REGISTRY: api, worker\n")
            and (ws / ".github/workflows/uvbake.yml").is_file()
        ),
    }
    snippets = ci_snippets()
    assert snippets == list(expected)
    for snippet in snippets:
        done = subprocess.run(
            ["bash", "-ec", snippet], cwd=ws, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, (snippet, done.stderr)
        said = "uvbake: compared the working tree with origin/main: 1 of 2 services affected\n"
        assert done.stderr == (said if snippet.startswith("uvbake affected") else ""), snippet
        assert expected[snippet](done.stdout), (snippet, done.stdout)
