"""`uvbake images`: each service and function target's pushed image, read from the metadata
file of `docker buildx bake --push --metadata-file FILE`, for deploy tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from uvbake import api
from uvbake.console import Console
from uvbake.errors import UvbakeError
from uvbake.report import deploy

STDIN = "-"


def read_metadata(metadata: str) -> object:
    """The parsed metadata file (`-`: standard input)."""
    if metadata == STDIN:
        text, where = sys.stdin.read(), "<stdin>"
    else:
        path = Path(metadata)
        if not path.is_file():
            raise UvbakeError(
                metadata, "does not exist", f"write it with `{deploy.BAKE_HINT}` first"
            )
        text, where = path.read_text(encoding="utf-8"), metadata
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UvbakeError(
            where,
            f"is not JSON ({exc.msg} at line {exc.lineno})",
            f"write it with `{deploy.BAKE_HINT}`",
        ) from None


def run(
    *,
    root: Path,
    metadata: str,
    fmt: str = "json",
    partial: bool = False,
    console: Console | None = None,
) -> int:
    console = console or Console()
    data = read_metadata(metadata)
    targets = deploy.targets_of(api.planned(root, console=console))
    source = "<stdin>" if metadata == STDIN else metadata
    found = deploy.images(data, targets=targets, source=source, partial=partial)
    if found.ignored:
        console.warn(f"{source}: left out targets uvbake did not write: {', '.join(found.ignored)}")
    console.out.write(deploy.render(found, fmt=fmt))
    return 0
