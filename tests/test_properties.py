"""Property: any valid workspace, however odd its names and descriptions, gives a bake file
that parses, with one target per service and every description kept as written."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from helpers import HANDLER, bake_blocks, build_tree, lock_text, member_lock, root_pyproject
from uvbake.api import generated_files
from uvbake.errors import UvbakeError
from uvbake.names import BAKE_FILE

# PEP 508 project names: letters and digits, with . _ - inside.
NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,20}[A-Za-z0-9]", fullmatch=True)
# Any text but surrogates (not encodable as UTF-8, so never in a pyproject.toml).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def toml_string(value: str) -> str:
    """A TOML basic string: JSON escapes are TOML escapes, except that DEL must be escaped."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def workspace(root: Path, services: dict[str, tuple[str, str]]) -> Path:
    """`services`: canonical name -> (name as written, description)."""
    files: dict[str, str | bytes] = {
        "pyproject.toml": root_pyproject(["services/*"], exclude=()),
        "uv.lock": lock_text([member_lock(n, f"services/{n}") for n in services]),
    }
    for name, (written, description) in services.items():
        files[f"services/{name}/pyproject.toml"] = (
            f'[project]\nname = {toml_string(written)}\nversion = "0.1.0"\n'
            f"description = {toml_string(description)}\ndependencies = []\n"
        )
        files[f"services/{name}/src/{name.replace('-', '_')}/main.py"] = HANDLER
    return build_tree(root, files)


@st.composite
def services(draw: st.DrawFn) -> dict[str, tuple[str, str]]:
    written = draw(st.lists(NAMES, min_size=1, max_size=4, unique_by=canonicalize_name))
    return {canonicalize_name(w): (w, draw(TEXT)) for w in written}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(services())
@example({"a-b-c-d": ("a.B_c-D", '${REGISTRY} %{ if x } "quoted" \\ back\nslash\ttab')})
@example({"default": ("Default", "\x00\x1f\x7f\u2028 é 𐀀"), "release": ("release", "")})
@example({"a0": ("A0", "%{")})
@example({"a0": ("A0", "cost: $${ 50%{")})
@example({"a0": ("A0", "\x01\x02")})
def test_bake_file_parses_and_targets_are_the_services(
    spec: dict[str, tuple[str, str]],
) -> None:
    taken = {"default", "release"} | {f"docker-metadata-action-{name}" for name in spec}
    with tempfile.TemporaryDirectory() as tmp:
        root = workspace(Path(tmp), spec)
        if taken & set(spec):
            with pytest.raises(UvbakeError, match="is also the name of the bake"):
                generated_files(root)
            return
        _, files = generated_files(root)
    targets = bake_blocks(files[BAKE_FILE], "target")
    services = {name for name in targets if name != "_uvbake"}
    services -= {f"docker-metadata-action-{name}" for name in spec}
    assert services == set(spec)
    groups = bake_blocks(files[BAKE_FILE], "group")
    assert sorted(groups["default"]["targets"]) == sorted(spec)  # type: ignore[arg-type]
    for name, (_, description) in spec.items():
        labels = targets[name]["labels"]
        assert isinstance(labels, dict)
        assert labels.get("org.opencontainers.image.description", "") == description
