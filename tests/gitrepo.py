"""Real git repositories in tmp_path for the tests that compare a revision with the tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENV = {
    "GIT_AUTHOR_NAME": "uvbake",
    "GIT_AUTHOR_EMAIL": "uvbake@example.com",
    "GIT_COMMITTER_NAME": "uvbake",
    "GIT_COMMITTER_EMAIL": "uvbake@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        check=True,
    )
    return done.stdout


def commit_all(repo: Path, message: str = "change") -> str:
    """Stage everything, commit, and return the new commit's id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def init_repo(repo: Path) -> str:
    """`git init` + first commit of whatever is in `repo`; returns the commit id."""
    git(repo, "init", "-q", "-b", "main")
    return commit_all(repo, "initial")
