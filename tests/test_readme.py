from __future__ import annotations

import re
from pathlib import Path

TOP = Path(__file__).parent.parent


def readme_commands() -> list[str]:
    text = (TOP / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)\n```", text, flags=re.S)


def test_readme_starts_with_exactly_two_commands() -> None:
    text = (TOP / "README.md").read_text(encoding="utf-8")
    head = text.split("\n\n", 3)
    assert head[0] == "# uvbake"
    assert head[1].startswith("```sh\npip install . && uvbake generate")
    assert head[2] == "```sh\npip install -e '.[test]' && pytest\n```"


def test_ci_runs_both_readme_commands() -> None:
    ci = (TOP / ".ci" / "run").read_text(encoding="utf-8")
    install, tests = readme_commands()[:2]
    assert install in ci.splitlines()
    assert tests in ci.splitlines()
    assert "bash bake/engine-up.sh" in ci.splitlines()


def test_the_layer_table_is_what_uvbake_plans_for_the_example() -> None:
    from uvbake.api import planned

    text = (TOP / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(uvbake\.layer-\d+)` \| ([^|]+) \|(.*)\|$", text, flags=re.M)
    header = re.search(r"^\| layer \| packages \|(.*)\|$", text, flags=re.M)
    assert rows and header
    services = [c.strip() for c in header.group(1).split("|")]
    readme = {
        name: (
            sorted(p.strip() for p in packages.split(",")),
            [s for s, mark in zip(services, marks.split("|"), strict=True) if mark.strip()],
        )
        for name, packages, marks in rows
    }
    the_plan = planned(TOP / "examples" / "lambda-monorepo")
    assert readme == {
        layer.name: (sorted(p.name for p in layer.pins), list(layer.services))
        for layer in the_plan.layers
    }


def test_every_commands_section_snippet_runs_in_the_repository() -> None:
    import os
    import subprocess
    import sys

    text = (TOP / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    snippets = re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)
    assert snippets, "the Commands section shows a command"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for snippet in snippets:
        done = subprocess.run(
            ["bash", "-ec", snippet], cwd=TOP, env=env, capture_output=True, text=True
        )
        # what it checked, on stderr; no warning, no error
        said = [line for line in done.stderr.splitlines() if not line.startswith("uvbake: checked")]
        assert (done.returncode, said) == (0, []), snippet


def test_the_mermaid_picture_is_what_uvbake_lists_for_the_example() -> None:
    from helpers import uvbake

    text = (TOP / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## What it does\n", 1)[1].split("\n## ", 1)[0]
    command = "uvbake list --format mermaid --root examples/lambda-monorepo"
    assert f"(`{command}`)" in " ".join(section.split())
    (picture,) = re.findall(r"```mermaid\n(.*?)```", section, flags=re.S)
    done = uvbake(*command.split()[1:], cwd=TOP)
    assert (done.returncode, done.stderr) == (0, "")
    assert picture == done.stdout
