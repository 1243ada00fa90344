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
from uvbake.load import config
from uvbake.names import BAKE_FILE

KEYS = {**config.ROOT_KEYS, **config.MEMBER_KEYS}


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_key_has_an_example_that_is_valid(key: str) -> None:
    example = tomlfile.loads(config.EXAMPLES[key])
    assert list(example) == [key]
    assert config.validate(example, keys=KEYS, where="pyproject.toml") == example


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
        config.validate(raw, keys=KEYS, where="pyproject.toml")
    assert error.value.line() == (
        f"pyproject.toml: [tool.uvbake] native-builds must be true or false, not {found}; "
        "write it as native-builds = true"
    )


def test_toml_types() -> None:
    assert [config.toml_type(v) for v in (True, "x", 1, 1.5, [], {})] == [
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
