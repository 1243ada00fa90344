"""The mark uvbake puts on the first line of every file it writes, a digest of the rest of
the file, so that a later run tells a file edited by hand from the one it wrote, and says
where such a change is kept instead."""

from __future__ import annotations

import hashlib
import re

MARK = re.compile(r" \(uvbake mark ([0-9a-f]{16})\)$")
OVERRIDE_FILE = "docker-bake.override.hcl"


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def stamp(text: str) -> str:
    """`text` with the digest of all its lines but the first at the end of the first."""
    first, newline, body = text.partition("\n")
    return f"{first} (uvbake mark {_digest(body)}){newline}{body}"


def edited(text: str) -> bool:
    """Whether a file uvbake marked was changed after: its lines no longer match the mark.
    A file with no mark (an older uvbake's) is not judged."""
    first, _, body = text.partition("\n")
    found = MARK.search(first)
    return found is not None and found[1] != _digest(body)


def where_to_keep(path: str, *, bake_file: str, command: str) -> str:
    """Where the change to a generated file belongs, so that regenerating keeps it."""
    rewrite = f"then run `uvbake {command} --force` to write uvbake's"
    if path == bake_file:
        also = "" if path == "docker-bake.hcl" else f" (pass -f {path} -f {OVERRIDE_FILE})"
        return (
            f"keep the change in {OVERRIDE_FILE}, whose attributes buildx lays over "
            f"{path}'s{also}, or in a variable (REGISTRY, TAG, ...) or --set; {rewrite}"
        )
    if path.endswith(".dockerignore"):
        return f"keep the lines in .dockerignore, which uvbake copies in; {rewrite}"
    if path.endswith("Dockerfile"):
        return (
            "keep steps of your own in a Dockerfile the service starts from "
            '([tool.uvbake] base-dockerfile = "docker/base.Dockerfile" in its pyproject.toml)'
            f", or a setting of [tool.uvbake]; {rewrite}"
        )
    return (
        "keep jobs of your own in another workflow file, or change this one through "
        f"[tool.uvbake] (arm64-runner, bake-file) and repository variables; {rewrite}"
    )
