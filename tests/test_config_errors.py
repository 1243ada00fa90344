"""Config errors name the expected type, the type found and an example that is valid; the bake
file refuses an unknown CACHE value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import bake_blocks, seed_workspace
from uvbake import tomlfile
from uvbake.api import generated_files
from uvbake.errors import UvbakeError
from uvbake.load import keys
from uvbake.names import BAKE_FILE

KEYS = {**keys.ROOT_KEYS, **keys.MEMBER_KEYS}


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_key_has_an_example_that_is_valid(key: str) -> None:
    example = tomlfile.loads(keys.EXAMPLES[key])
    assert list(example) == [key]
    assert keys.validate(example, keys=KEYS, where="pyproject.toml") == example


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ('"yes"', "a string"),
        ("1", "1"),
        ("1.5", "1.5"),
        ('["x"]', "a list"),
        ("[1]", "a list holding 1"),
        ("{ a = 1 }", "a table"),
        ("1979-05-27", "a date or time"),
    ],
)
def test_a_wrong_type_names_what_was_found(value: str, found: str) -> None:
    raw = tomlfile.loads(f"native-builds = {value}")
    with pytest.raises(UvbakeError) as error:
        keys.validate(raw, keys=KEYS, where="pyproject.toml")
    assert error.value.line() == (
        f"pyproject.toml: [tool.uvbake] native-builds must be true or false, not {found}; "
        "write it as native-builds = true"
    )


def test_toml_types() -> None:
    assert [keys.toml_type(v) for v in (True, "x", 1, 1.5, [], {})] == [
        "true or false",
        "a string",
        "a whole number",
        "a number with a fraction",
        "a list",
        "a table",
    ]


def test_an_unknown_cache_value_stops_the_bake(tmp_path: Path) -> None:
    _, files = generated_files(seed_workspace(tmp_path))
    for name, target in bake_blocks(files[BAKE_FILE], "target").items():
        if "cache-from" not in target:
            continue
        expr = str(target["cache-from"])
        # the last branch, reached by any CACHE but gha and registry
        assert expr.rstrip("}").endswith(
            ': CACHE == "" ? [] : [regex("^(?:|gha|registry)$", CACHE)]'
        )
        pattern = re.search(r'regex\("([^"]+)"', expr)
        assert pattern is not None, name
        # no capture group: HCL's regex() then returns a string, so every branch of the
        # conditional is a list of strings and buildx can unify their types
        assert re.compile(pattern[1]).groups == 0
        allowed = [v for v in ("", "gha", "registry", "bogus", "GHA") if re.search(pattern[1], v)]
        assert allowed == ["", "gha", "registry"]


def test_every_key_has_its_typed_field_and_its_example_parses() -> None:
    """The table of keys is the one declaration: each key's field exists in the typed record
    of its scope, and each record field that a key sets is a key of that scope."""
    from dataclasses import fields

    from uvbake.load.config import MemberSettings, Settings

    root = {f.name for f in fields(Settings)}
    member = {f.name for f in fields(MemberSettings)}
    for key in keys.KEYS:
        if key.scope != keys.MEMBER:
            assert key.attr in root, key.name
        if key.scope != keys.ROOT:
            assert key.attr in member, key.name
        assert tomlfile.loads(key.example) == tomlfile.loads(keys.EXAMPLES[key.name])
    # fields that are no key: what uvbake works out (where python comes from, whether
    # services is set)
    derived = {"python_from", "services_given"}
    assert root - {k.attr for k in keys.KEYS if k.scope != keys.MEMBER} == derived
    assert member == {k.attr for k in keys.KEYS if k.scope != keys.ROOT}
