"""The top of the checkout a folder is in, found by its `.git` entry without running git, and
the folders no walk of it enters.

Standard library `os` only: a remembered `uvbake generate` (commands.unchanged) finds the
top with it before any other import, and the scan (through git.checkout_top) and generate's
memory walk from the same top."""

from __future__ import annotations

import os

# Folders no walk of the checkout enters: version control, virtualenvs, dependencies and tool
# caches. Generate's memory walks past all others (commands.unchanged); the scan skips these
# and the deployment tools' outputs too (scan.tree.SKIP).
SKIP = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
    }
)


def top_of(folder: str) -> str:
    """The nearest folder at or above `folder` (an absolute path, symlinks resolved) that
    holds a `.git` entry; `folder` itself when none does."""
    here = folder
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return folder
        here = parent
