"""Which distribution an import name comes from, when the environment uvbake runs in does not
have it installed; which distributions the Lambda runtime provides; and the inline comment
that accepts a finding of `uvbake check`.

An import name is looked up, in order: in the installed metadata (check.distributions), in
the wheels uv has unpacked in its cache for the distributions uv.lock pins (each cache entry
is one wheel: its top-level packages and modules beside its .dist-info), then in WELL_KNOWN,
a small built-in table of import names that differ from their distribution's name.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from packaging.utils import canonicalize_name

from uvbake import runtime

# Import names whose distribution has another name, for workspaces that nothing has installed.
WELL_KNOWN: Mapping[str, str] = {
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "docx": "python-docx",
    "fitz": "pymupdf",
    "git": "gitpython",
    "jose": "python-jose",
    "jwt": "pyjwt",
    "magic": "python-magic",
    "multipart": "python-multipart",
    "OpenSSL": "pyopenssl",
    "PIL": "pillow",
    "pptx": "python-pptx",
    "psycopg2": "psycopg2-binary",
    "serial": "pyserial",
    "sklearn": "scikit-learn",
    "slugify": "python-slugify",
    "yaml": "pyyaml",
    "zmq": "pyzmq",
    "Crypto": "pycryptodome",
    "MySQLdb": "mysqlclient",
}

# What the AWS Lambda Python base images ship in /var/runtime, importable by every handler:
# the AWS SDK for Python and what it needs, and the runtime interface client.
RUNTIME_PROVIDED = runtime.PROVIDED_IMPORTS

# `import yaml  # uvbake: ignore[undeclared-import]` (or `# uvbake: ignore`) accepts the finding.
IGNORE = re.compile(r"#\s*uvbake:\s*ignore(?:\[([a-z, -]+)\])?")
MODULE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\.py|\.[A-Za-z0-9_-]+\.(?:so|pyd)|\.so)?$")


def _bare(name: str) -> str:
    return re.sub(r"[-_.]+", "", name).lower()


def named_like(module: str, distributions: Collection[str]) -> tuple[str, ...]:
    """The distributions whose name is the import name's, give or take separators, case and
    a py/python prefix or -python suffix (pyjwt for jwt, python-json-logger for
    pythonjsonlogger): candidates, not a mapping."""
    wanted = _bare(module)
    found = []
    for name in distributions:
        bare = _bare(name)
        forms = {bare, bare.removeprefix("python"), bare.removeprefix("py")}
        if wanted in forms | {bare.removesuffix("python")}:
            found.append(name)
    return tuple(sorted(found))


def ignored(line: str, code: str) -> bool:
    """Whether a source line carries the comment that accepts finding `code` on it."""
    found = IGNORE.search(line)
    if found is None:
        return False
    codes = found.group(1)
    return codes is None or code in {c.strip() for c in codes.split(",")}


def uv_cache() -> Path:
    """uv's cache folder, as uv finds it on Linux and macOS."""
    if os.environ.get("UV_CACHE_DIR"):
        return Path(os.environ["UV_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "uv"


def cached_wheels(wanted: Collection[str], cache: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Import name -> distributions, read from the wheels uv unpacked in its cache for the
    distributions in `wanted` (normalised names). Nothing when there is no cache."""
    names: dict[str, set[str]] = {}
    for entry, dist in _cached_dists(cache or uv_cache(), set(wanted)):
        for module in _top_levels(entry):
            names.setdefault(module, set()).add(dist)
    return {module: tuple(sorted(dists)) for module, dists in names.items()}


def _cached_dists(cache: Path, wanted: set[str]) -> Iterator[tuple[Path, str]]:
    try:
        entries = list(os.scandir(cache / "archive-v0"))
    except OSError:
        return
    for entry in entries:
        try:
            inside = [e.name for e in os.scandir(entry.path)]
        except OSError:
            continue
        for name in inside:
            if name.endswith(".dist-info"):
                dist = canonicalize_name(name.removesuffix(".dist-info").rsplit("-", 1)[0])
                if dist in wanted:
                    yield Path(entry.path), dist


def _top_levels(entry: Path) -> set[str]:
    """The top-level import names of one unpacked wheel: top_level.txt when it has one, else
    the packages and modules beside its .dist-info."""
    found: set[str] = set()
    for info in entry.glob("*.dist-info/top_level.txt"):
        with contextlib.suppress(OSError):
            found |= {n.strip() for n in info.read_text(encoding="utf-8").split() if n.strip()}
    if found:
        return found
    for child in entry.iterdir():
        if child.name.endswith((".dist-info", ".data")) or child.name.startswith((".", "_")):
            continue
        match = MODULE.match(child.name)
        if match and (child.is_dir() or child.suffix in (".py", ".so", ".pyd")):
            found.add(match.group(1))
    return found
