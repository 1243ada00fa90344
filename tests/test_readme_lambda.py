"""README's Lambda repositories section: the error and warning lines it shows are the ones
uvbake prints for the workspaces they describe."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import HANDLER, build_tree, lock_text, member_lock, pyproject, root_pyproject, uvbake

TOP = Path(__file__).parent.parent


def shown() -> list[str]:
    """The one-line `text` blocks of the section."""
    text = (TOP / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Lambda repositories\n", 1)[1].split("\n## ", 1)[0]
    return [b for b in re.findall(r"```text\n(.*?)\n```", section, flags=re.S) if "\n" not in b]


def members(root: Path, folder: str, modules: dict[str, tuple[str, str]]) -> Path:
    """A workspace of packaged members under `folder`, each with one module in its import
    package: {member: (file name, text)}."""
    tree: dict[str, str] = {
        "pyproject.toml": root_pyproject([f"{folder}/*"], exclude=()),
        "uv.lock": lock_text([member_lock(name, f"{folder}/{name}") for name in sorted(modules)]),
    }
    for name, (file, text) in modules.items():
        tree[f"{folder}/{name}/pyproject.toml"] = pyproject(name)
        tree[f"{folder}/{name}/src/{name}/__init__.py"] = ""
        tree[f"{folder}/{name}/src/{name}/{file}"] = text
    return build_tree(root, tree)


def test_a_member_under_services_with_no_handler_is_left_out_with_the_warning_shown(
    tmp_path: Path,
) -> None:
    root = members(
        tmp_path / "ws",
        "services",
        {"api": ("main.py", HANDLER), "web": ("server.py", "def serve():\n    pass\n")},
    )
    done = uvbake("generate", cwd=root)
    assert done.returncode == 0
    assert done.stderr.rstrip("\n") in shown()


def test_an_async_handler_stops_generate_with_the_error_shown(tmp_path: Path) -> None:
    root = members(
        tmp_path / "ws",
        "services",
        {
            "api": ("main.py", HANDLER),
            "bad": ("main.py", "async def handler(event, context):\n    return 1\n"),
        },
    )
    done = uvbake("generate", cwd=root)
    assert done.returncode == 1
    assert done.stderr.rstrip("\n") in shown()


def test_a_function_no_longer_built_is_the_warning_shown(tmp_path: Path) -> None:
    root = members(
        tmp_path / "ws",
        "lambdas",
        {"notify": ("handler.py", HANDLER), "resize": ("handler.py", HANDLER)},
    )
    assert uvbake("generate", cwd=root).returncode == 0
    handler = root / "lambdas/resize/src/resize/handler.py"
    handler.write_text(HANDLER.replace("def handler", "def handle"))
    done = uvbake("generate", cwd=root)
    assert done.returncode == 0
    assert done.stderr.rstrip("\n") in shown()


def test_the_section_shows_those_three_lines() -> None:
    assert len(shown()) == 3
