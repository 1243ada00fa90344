"""YAML and JSON as CloudFormation and Serverless write them: any short-form intrinsic
(`!Ref Name`, `!Sub "..."`) is kept as a `Tagged` marker, and every YAML mapping is `Lined`,
knowing the line of each of its keys (in JSON, `json_line` finds a key's line)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from .common import clip
from .model import Problem


@dataclass(frozen=True)
class Tagged:
    """A YAML short-form intrinsic as written: `!GetAtt Fn.Arn` is Tagged("GetAtt", "Fn.Arn")."""

    tag: str
    value: object


class Lined(dict[Any, Any]):
    """A YAML mapping that knows the 1-based line of each of its keys."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Any, int] = {}


class _Loader(yaml.SafeLoader):
    """SafeLoader that accepts any `!Tag` and records the lines of mapping keys."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    value: object
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return Tagged(suffix, value)


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[Lined]:
    data = Lined()
    yield data
    data.update(loader.construct_mapping(node))
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            data.lines.setdefault(key.value, key.start_mark.line + 1)


_Loader.add_multi_constructor("!", _tagged)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)


def documents(rel: str, text: str, *, as_json: bool) -> list[object] | Problem:
    """Every document of a YAML (or JSON) text, or one Problem at the line the parser names.
    YAML keeps any `!Tag` as a `Tagged` and its mappings are `Lined`."""
    try:
        if as_json:
            return [json.loads(text)]
        return list(yaml.load_all(text, Loader=_Loader))
    except json.JSONDecodeError as exc:
        return Problem(rel, exc.lineno, f"not valid JSON: {exc.msg}")
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        detail = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        kind = "JSON" if as_json else "YAML"
        return Problem(rel, mark.line + 1 if mark else 1, f"not valid {kind}: {detail}")


def json_line(text: str, offset: int, key: str) -> tuple[int, int]:
    """(line, end offset) of the first `"key":` from offset in a JSON text; (1, 0) if none."""
    found = re.compile(f'"{re.escape(key)}"\\s*:').search(text, offset)
    return (text.count("\n", 0, found.start()) + 1, found.end()) if found else (1, 0)


def show(value: object) -> str:
    """A value as a short text for `skipped`: "!Ref HandlerName", "{Bucket: b, Key: k}"."""
    if isinstance(value, Tagged):
        text = f"!{value.tag} {show(value.value)}"
    elif isinstance(value, list):
        text = "[" + ", ".join(show(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return clip(text)
