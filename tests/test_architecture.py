"""The layout keeps the data flow one-way, and only the stages that read or write do I/O.

Stages, lowest first: a module may import its own stage and the ones below it, never one
above. Reading files or running processes is left to the loader, the scan stage, git, the
writer and the commands (and the modules listed in IO_ALLOWED, each with its reason)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "uvbake"

# Lowest first. Top-level modules are named by their stem, packages by their folder.
STAGES: tuple[frozenset[str], ...] = (
    frozenset(
        {
            "uvbake",
            "errors",
            "console",
            "names",
            "edits",
            "runtime",
            "tomlfile",
            "writer",
            "git",
            "checkout",
        }
    ),
    frozenset({"uvlock"}),
    frozenset({"load"}),
    frozenset({"scan"}),
    frozenset({"plan"}),
    frozenset({"render"}),
    frozenset({"report"}),
    frozenset({"api"}),
    frozenset({"commands"}),
    frozenset({"cli", "__main__"}),
)

# Where reading files or running processes belongs.
IO_STAGES = frozenset(
    {"load", "uvlock", "scan", "commands", "writer", "git", "checkout", "tomlfile", "cli"}
)
# Modules of other stages that still do I/O, and why.
IO_ALLOWED = {
    # check's probes: `uv lock --check`, the generated files and the workflow on disk
    "report/findings.py",
    # check's probe of the installed distributions, and the sources whose imports it reads
    "report/imports.py",
    # the names of the wheels uv unpacked in its cache, for check
    "report/importnames.py",
    # a closed pipe: stdout pointed at /dev/null so that the last flush fails nowhere
    "errors.py",
    # the build scripts uvbake ships, read from its own package to be written into the
    # Dockerfile
    "render/files.py",
}
# Programs the image build runs (written into the Dockerfile), not uvbake's own code.
SCRIPTS = "render/templates/scripts/"
IO_CALLS = frozenset(
    {
        "open",
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "iterdir",
        "rglob",
        "glob",
        "is_file",
        "is_dir",
        "exists",
        "walk",
        "listdir",
        "scandir",
        "run",
        "Popen",
        "check_output",
    }
)


def _stage(module: str) -> str:
    """The stage name of a dotted module under uvbake."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "uvbake"


def _rank(stage: str) -> int:
    return next(i for i, names in enumerate(STAGES) if stage in names)


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        dotted = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        out.append((dotted.removesuffix(".__init__"), path))
    return out


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("uvbake"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("uvbake"))
    return found


def test_every_stage_is_known() -> None:
    stages = {_stage(module) for module, _ in _modules()}
    assert stages <= set().union(*STAGES)


def test_no_module_imports_a_later_stage() -> None:
    known = {module for module, _ in _modules()}
    wrong = []
    for module, path in _modules():
        rank = _rank(_stage(module))
        for target in sorted(_imports(path) & known):
            if _rank(_stage(target)) > rank:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def _io_calls(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in IO_CALLS:
            out.append(f"{name} at line {node.lineno}")
    return out


def test_only_the_reading_and_writing_stages_do_io() -> None:
    wrong = {}
    for module, path in _modules():
        rel = path.relative_to(SRC).as_posix()
        if _stage(module) in IO_STAGES or rel in IO_ALLOWED or rel.startswith(SCRIPTS):
            continue
        calls = _io_calls(path)
        if calls:
            wrong[rel] = calls
    assert wrong == {}


def test_the_architecture_document_names_every_package() -> None:
    text = (SRC.parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file())
    assert [p for p in packages if f"`{p}/`" not in text] == []
