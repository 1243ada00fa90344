"""Builders for small workspaces on disk (file trees, pyprojects and uv.lock files), a runner
of the uvbake CLI and a snapshot of a tree."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from unittest import mock

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
Via = Literal["main", "module", "script"]


@dataclass(frozen=True)
class Ran:
    """What a run of the uvbake CLI did: its exit code and everything it printed."""

    returncode: int
    stdout: str
    stderr: str


def uvbake(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    via: Via = "main",
) -> Ran:
    """Run `uvbake *args` in the folder `cwd`, with `env` over the environment.

    via="main" runs it in this process: uvbake.cli.main, called as the `uvbake` script calls
    it, with sys.argv, the working folder, os.environ, sys.stdout and sys.stderr swapped for
    the run; an exception main does not handle is raised here. via="module" runs
    `python -m uvbake` and via="script" the installed `uvbake` script, in a child process.
    """
    if via != "main":
        installed = [str(Path(sys.executable).with_name("uvbake"))]
        argv = installed if via == "script" else [sys.executable, "-m", "uvbake"]
        done = subprocess.run(
            [*argv, *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
        )
        return Ran(returncode=done.returncode, stdout=done.stdout, stderr=done.stderr)
    from uvbake.cli import main

    script: Callable[[], int | None] = main  # the exit code, or None for 0
    out, err = io.StringIO(), io.StringIO()
    with (
        _inside(cwd),
        mock.patch.dict(os.environ, env or {}),
        mock.patch.object(sys, "argv", ["uvbake", *args]),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            sys.exit(script())  # what the `uvbake` script does
        except SystemExit as stop:
            code = _exit_code(stop.code)
    return Ran(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def _exit_code(code: object) -> int:
    """The exit status of a process that ends with SystemExit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes, every link's target and every folder, without following links."""
    state: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                state[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                state[rel] = "dir"
            else:
                state[rel] = path.read_bytes()
    return state


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
    # wheel file names; None: one pure wheel for a registry package, as uv locks most of them
    wheels: Sequence[str] | None = None
    sdist: bool = False

    def files(self) -> str:
        """The sdist and wheels lines uv writes for the package."""
        wheels = self.wheels
        if wheels is None:
            pure = f"{self.name.replace('-', '_')}-{self.version}-py3-none-any.whl"
            wheels = [pure] if "registry" in self.source else []
        base = f"https://files.example/{self.name}"
        out = ""
        if self.sdist:
            sdist = f"{self.name.replace('-', '_')}-{self.version}.tar.gz"
            digest = _sha(sdist)
            out += f'sdist = {{ url = "{base}/{sdist}", hash = "sha256:{digest}", size = 5000 }}\n'
        if wheels:
            out += (
                "wheels = [\n"
                + "".join(
                    f'    {{ url = "{base}/{w}", hash = "sha256:{_sha(w)}", size = 1000 }},\n'
                    for w in wheels
                )
                + "]\n"
            )
        return out


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


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
        block += p.files()
        if p.optional:
            block += "\n[package.optional-dependencies]\n"
            block += "".join(f"{k} = {deps_toml(v)}\n" for k, v in p.optional.items())
        if p.dev:
            block += f"\n[package.dev-dependencies]\ndev = {deps_toml(p.dev)}\n"
        out.append(block)
    return "".join(out)


def seed_lock_packages(*api_deps: str) -> list[Locked]:
    """The [[package]] entries of seed_workspace's uv.lock; `api_deps`: more third-party
    packages the api service depends on, each locked at 1.0.0."""
    return [
        member_lock("api", "services/api", "common-models", "httpx", *api_deps, dev=["pytest"]),
        *(Locked(name) for name in api_deps),
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


# HCL's escapes $${ and %%{ stand for a literal ${ and %{, and buildx reads them so, but
# python-hcl2 8 refuses one with no closing brace after it (a description "50%{"). load_hcl
# hands the parser these two control characters in their place: uvbake writes strings with
# JSON escapes, so a raw control character never appears in a bake file.
_ESCAPES = {"$${": "\x01", "%%{": "\x02"}


def _literal(value: object) -> object:
    """python-hcl2 keeps string literals quoted and escaped; turn them into Python values."""
    import json

    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value.replace("\x01", "${").replace("\x02", "%{"))
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, dict):
        return {_literal(k): _literal(v) for k, v in value.items() if k != "__is_block__"}
    return value


def load_hcl(text: str) -> dict[str, object]:
    """Parse HCL2 with the python-hcl2 parser and return plain Python values."""
    import hcl2

    assert "\x01" not in text and "\x02" not in text, "a raw control character in HCL"
    for escape, stand_in in _ESCAPES.items():
        text = text.replace(escape, stand_in)
    return _literal(hcl2.loads(text))  # type: ignore[return-value]


def bake_blocks(text: str, kind: str) -> dict[str, dict[str, object]]:
    """{name: body} of every `kind` block ("target", "group", "variable")."""
    parsed = load_hcl(text)
    return {name: body for block in parsed.get(kind, []) for name, body in block.items()}  # type: ignore[union-attr]


def wheel(folder: Path, name: str, version: str, *, requires: Sequence[str] = ()) -> Path:
    """Write a minimal pure-Python wheel of `name` into `folder` (a flat index for uv)."""
    import base64
    import hashlib
    import zipfile

    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    files = {
        f"{dist}/__init__.py": "",
        f"{info}/METADATA": metadata + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }

    def digest(text: str) -> str:
        raw = hashlib.sha256(text.encode()).digest()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    record = "".join(f"{p},sha256={digest(c)},{len(c.encode())}\n" for p, c in files.items())
    files[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for rel, text in files.items():
            archive.writestr(zipfile.ZipInfo(rel, (2020, 1, 1, 0, 0, 0)), text)
    return path


def uv_lock(root: Path, *, cache: Path, indexes: Mapping[str, str] | None = None) -> str:
    """Lock the workspace at `root` with the real uv, offline, from wheels in `root/wheels`.

    Then uv.lock says they came from PyPI, and each folder of `indexes` (a flat index some
    pyproject.toml declares, relative to `root`) is replaced by its URL in uv.lock and in every
    pyproject.toml: the lock is the one uv writes for indexes at those URLs, less the hashes."""
    from uv import find_uv_bin

    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env.update(UV_CACHE_DIR=str(cache), UV_PYTHON_DOWNLOADS="never")
    argv = [find_uv_bin(), "lock", "--offline", "--quiet", "--python", sys.executable]
    argv += ["--find-links", "wheels"]
    result = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lock = root / "uv.lock"
    text = lock.read_text(encoding="utf-8")
    text = text.replace('registry = "wheels"', 'registry = "https://pypi.org/simple"')
    for folder, url in (indexes or {}).items():
        text = text.replace(f'registry = "{folder}"', f'registry = "{url}"')
        text = text.replace(f'"{(root / folder).resolve().as_uri()}"', f'"{url}"')
        for path in root.rglob("pyproject.toml"):
            declared = path.read_text(encoding="utf-8")
            flat = f'url = "{folder}"\nformat = "flat"\n'
            path.write_text(declared.replace(flat, f'url = "{url}"\n'), encoding="utf-8")
    lock.write_text(text, encoding="utf-8")
    return text


HATCHLING = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
UV_BUILD = '[build-system]\nrequires = ["uv_build>=0.8,<1"]\nbuild-backend = "uv_build"\n'
LAYOUTS_LOCK = Path(__file__).parent / "golden" / "layouts.uv.lock"
LAYOUTS_SERVICES = ("acme-billing", "acme-ledger", "notify")


def _layouts_pyproject(
    name: str,
    *,
    deps: Sequence[str],
    workspace: Sequence[str] = (),
    readme: str = "",
    tail: str = "",
) -> str:
    text = f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    text += f'readme = "{readme}"\n' if readme else ""
    text += f"dependencies = {_toml_list(deps)}\n"
    if workspace:
        text += "\n[tool.uv.sources]\n"
        text += "".join(f"{w} = {{ workspace = true }}\n" for w in workspace)
    return text + (f"\n{tail}" if tail else "")


def _layouts_handler(service: str, *modules: str) -> str:
    """A handler that imports `modules` and returns their NAME constants."""
    imports = "".join(f"import {m}\n" for m in modules)
    uses = ", ".join(f"{m}.NAME" for m in modules)
    return (
        f"{imports}\n\ndef handler(event, context):\n"
        f'    return {{"statusCode": 200, "service": "{service}", "uses": [{uses}]}}\n'
    )


def layouts_workspace(root: Path, *, lock: bool = True) -> Path:
    """A workspace with the layouts uv allows, and a real uv.lock of pure-Python wheels:

    - the root project `acme-platform` (src/acme_platform, packaged) is a runtime dependency;
    - library `acme-common` (libs/common, built with uv_build) is in the namespace package
      `acme` (acme.common) and reads its readme from ../../README.md;
    - library `acme-text` (libs/text) is virtual ([tool.uv] package = false), in `acme` too;
    - service `acme-billing` lives in services/billing-api and ships two import packages,
      acme_billing (with the handler) and billing_rules;
    - service `acme-ledger` (teams/payments/lambdas/ledger) has no [build-system]; its handler
      is acme.ledger.main.handler, in the namespace package `acme` as well;
    - service `notify` has a flat layout (notify/, tests/) and depends on service `acme-ledger`.

    Each handler returns {"statusCode": 200, "service": <name>, "uses": [...]}, the NAME of
    every module it imports, which is the name of the project holding it (billing_rules:
    "billing-rules"). With `lock=False` there is no uv.lock (to lock it again).
    """
    files: dict[str, str | bytes] = {
        "pyproject.toml": _layouts_pyproject(
            "acme-platform",
            deps=["six>=1.16"],
            readme="README.md",
            tail=(
                "[tool.uv.workspace]\n"
                'members = ["services/*", "libs/*", "teams/*/lambdas/*"]\n\n'
                '[tool.uvbake]\npython = "3.13"\nservices = ["services/*", "teams/*/lambdas/*"]\n\n'
                + HATCHLING
            ),
        ),
        "README.md": "# acme platform\n",
        "src/acme_platform/__init__.py": 'import six\n\nNAME = "acme-platform"\n',
        "libs/common/pyproject.toml": _layouts_pyproject(
            "acme-common",
            deps=["idna>=3"],
            readme="../../README.md",
            tail='[tool.uv.build-backend]\nmodule-name = "acme.common"\n\n' + UV_BUILD,
        ),
        "libs/common/src/acme/common/__init__.py": 'import idna\n\nNAME = "acme-common"\n',
        "libs/text/pyproject.toml": _layouts_pyproject(
            "acme-text", deps=["attrs>=23"], tail="[tool.uv]\npackage = false\n"
        ),
        "libs/text/src/acme/text/__init__.py": 'import attrs\n\nNAME = "acme-text"\n',
        "services/billing-api/pyproject.toml": _layouts_pyproject(
            "acme-billing",
            deps=["acme-common", "acme-text", "acme-platform", "certifi"],
            workspace=["acme-common", "acme-text", "acme-platform"],
            tail=(
                "[tool.hatch.build.targets.wheel]\n"
                'packages = ["src/acme_billing", "src/billing_rules"]\n\n' + HATCHLING
            ),
        ),
        "services/billing-api/src/acme_billing/__init__.py": 'NAME = "acme-billing"\n',
        "services/billing-api/src/acme_billing/main.py": _layouts_handler(
            "acme-billing", "acme.common", "acme.text", "acme_platform", "billing_rules"
        ),
        "services/billing-api/src/billing_rules/__init__.py": 'NAME = "billing-rules"\n',
        "teams/payments/lambdas/ledger/pyproject.toml": _layouts_pyproject(
            "acme-ledger",
            deps=["acme-common", "acme-text", "idna>=3"],
            workspace=["acme-common", "acme-text"],
        ),
        "teams/payments/lambdas/ledger/src/acme/ledger/__init__.py": 'NAME = "acme-ledger"\n',
        "teams/payments/lambdas/ledger/src/acme/ledger/main.py": _layouts_handler(
            "acme-ledger", "acme.common", "acme.text"
        ),
        "services/notify/pyproject.toml": _layouts_pyproject(
            "notify",
            deps=["acme-ledger", "acme-text"],
            workspace=["acme-ledger", "acme-text"],
            tail=HATCHLING,
        ),
        "services/notify/notify/__init__.py": 'NAME = "notify"\n',
        "services/notify/notify/main.py": _layouts_handler("notify", "acme.ledger", "acme.text"),
        "services/notify/tests/test_main.py": "def test_nothing():\n    pass\n",
    }
    if lock:
        files["uv.lock"] = LAYOUTS_LOCK.read_text(encoding="utf-8")
    return build_tree(root, files)


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of `text` that holds `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def write_file(top: Path, rel: str, text: str) -> Path:
    """Write one file below `top` (its folders made), and return its path."""
    build_tree(top, {rel: text})
    return top / rel


def uv_lock_offline(root: Path) -> None:
    """`uv lock --offline` in `root` with this interpreter, for workspaces whose members have
    no third-party dependencies."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    argv = [sys.executable, "-m", "uv", "lock", "--offline", "--python", sys.executable]
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
