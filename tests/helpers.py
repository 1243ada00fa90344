"""Builders for small workspaces on disk: file trees, pyprojects and uv.lock files."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def build_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write `files` (relative path -> text or bytes) under `root`, dedenting text."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def pyproject(
    name: str,
    *,
    deps: Sequence[str] = (),
    workspace_sources: Sequence[str] = (),
    packaged: bool = True,
    uvbake: str = "",
    extra: str = "",
) -> str:
    text = f'[project]\nname = "{name}"\nversion = "0.1.0"\n'
    text += f'requires-python = ">=3.12"\ndependencies = {_toml_list(deps)}\n'
    if extra:
        text += extra.strip() + "\n"
    if workspace_sources:
        text += "\n[tool.uv.sources]\n"
        text += "".join(f"{s} = {{ workspace = true }}\n" for s in workspace_sources)
    if uvbake:
        text += "\n[tool.uvbake]\n" + textwrap.dedent(uvbake).strip() + "\n"
    if packaged:
        text += '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    return text


def root_pyproject(
    members: Sequence[str] = ("services/*", "services/common/*"),
    *,
    exclude: Sequence[str] = ("services/common",),
    uvbake: str = 'python = "3.13"',
) -> str:
    text = "[tool.uv.workspace]\n"
    text += f"members = {_toml_list(members)}\nexclude = {_toml_list(exclude)}\n"
    if uvbake:
        text += "\n[tool.uvbake]\n" + textwrap.dedent(uvbake).strip() + "\n"
    return text


@dataclass
class Locked:
    """One [[package]] of a uv.lock: `deps` are names, or (name, marker) pairs."""

    name: str
    version: str = "1.0.0"
    source: str = '{ registry = "https://pypi.org/simple" }'
    deps: Sequence[str | tuple[str, str]] = ()
    optional: Mapping[str, Sequence[str]] = field(default_factory=dict)
    dev: Sequence[str] = ()


def member_lock(
    name: str, path: str, *deps: str | tuple[str, str], dev: Sequence[str] = ()
) -> Locked:
    return Locked(
        name=name, version="0.1.0", source=f'{{ editable = "{path}" }}', deps=deps, dev=dev
    )


def lock_text(packages: Sequence[Locked], *, members: Sequence[str] | None = None) -> str:
    names = sorted(p.name for p in packages if "editable" in p.source or "virtual" in p.source)
    members = sorted(members) if members is not None else names
    out = ['version = 1\nrevision = 3\nrequires-python = ">=3.12"\n']
    out.append("\n[manifest]\nmembers = [\n" + "".join(f'    "{m}",\n' for m in members) + "]\n")

    def deps_toml(deps: Sequence[str | tuple[str, str]]) -> str:
        rows = []
        for dep in deps:
            if isinstance(dep, tuple):
                rows.append(f'    {{ name = "{dep[0]}", marker = "{dep[1]}" }},\n')
            else:
                rows.append(f'    {{ name = "{dep}" }},\n')
        return "[\n" + "".join(rows) + "]"

    for p in sorted(packages, key=lambda p: p.name):
        block = f'\n[[package]]\nname = "{p.name}"\nversion = "{p.version}"\nsource = {p.source}\n'
        if p.deps:
            block += f"dependencies = {deps_toml(p.deps)}\n"
        if p.optional:
            block += "\n[package.optional-dependencies]\n"
            block += "".join(f"{k} = {deps_toml(v)}\n" for k, v in p.optional.items())
        if p.dev:
            block += f"\n[package.dev-dependencies]\ndev = {deps_toml(p.dev)}\n"
        out.append(block)
    return "".join(out)


def seed_lock_packages() -> list[Locked]:
    """The [[package]] entries of seed_workspace's uv.lock."""
    return [
        member_lock("api", "services/api", "common-models", "httpx", dev=["pytest"]),
        member_lock(
            "worker", "services/worker", "common-log", ("pywin32", "sys_platform == 'win32'")
        ),
        member_lock("common-models", "services/common/models", "common-log", "pydantic"),
        member_lock("common-log", "services/common/log", "orjson"),
        Locked("httpx", deps=["idna"]),
        Locked("idna"),
        Locked("pydantic", deps=["typing-extensions"]),
        Locked("typing-extensions"),
        Locked("orjson"),
        Locked("pywin32"),
        Locked("pytest"),
    ]


def seed_workspace(root: Path) -> Path:
    """A small seed-shaped workspace: two services, two libs (one using the other)."""
    lock = lock_text(seed_lock_packages())
    return build_tree(
        root,
        {
            "pyproject.toml": root_pyproject(),
            "uv.lock": lock,
            "services/api/pyproject.toml": pyproject(
                "api", deps=["common-models", "httpx"], workspace_sources=["common-models"]
            ),
            "services/api/src/api/__init__.py": "",
            "services/api/src/api/main.py": HANDLER,
            "services/worker/pyproject.toml": pyproject(
                "worker",
                deps=["common-log", "pywin32; sys_platform == 'win32'"],
                workspace_sources=["common-log"],
            ),
            "services/worker/src/worker/__init__.py": "",
            "services/worker/src/worker/main.py": HANDLER,
            "services/common/models/pyproject.toml": pyproject(
                "common-models", deps=["common-log", "pydantic"], workspace_sources=["common-log"]
            ),
            "services/common/models/src/common_models/__init__.py": "",
            "services/common/log/pyproject.toml": pyproject("common-log", deps=["orjson"]),
            "services/common/log/src/common_log/__init__.py": "",
        },
    )


def _literal(value: object) -> object:
    """python-hcl2 keeps string literals quoted and escaped; turn them into Python values."""
    import json

    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        text = json.loads(value)
        return text.replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, dict):
        return {_literal(k): _literal(v) for k, v in value.items() if k != "__is_block__"}
    return value


def load_hcl(text: str) -> dict[str, object]:
    """Parse HCL2 with the python-hcl2 parser and return plain Python values."""
    import hcl2

    return _literal(hcl2.loads(text))  # type: ignore[return-value]


def bake_blocks(text: str, kind: str) -> dict[str, dict[str, object]]:
    """{name: body} of every `kind` block ("target", "group", "variable")."""
    parsed = load_hcl(text)
    return {name: body for block in parsed.get(kind, []) for name, body in block.items()}  # type: ignore[union-attr]
