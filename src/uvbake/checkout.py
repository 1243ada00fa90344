"""The top of the checkout a folder is in, found by its `.git` entry without running git.

Standard library `os` only: a remembered `uvbake generate` (commands.unchanged) finds the
top with it before any other import, and the scan (through git.checkout_top) and generate's
memory walk from the same top."""

from __future__ import annotations

import os


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
