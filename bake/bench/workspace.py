"""Synthetic uv workspaces of Lambda services, shaped like examples/lambda-monorepo.

    python bake/bench/workspace.py OUT --services 10 --libs 4 [--extra-packages 60]
        [--shared-lib] [--no-lock]

Layout (every pyproject has requires-python = ">=3.11"):

- `pyproject.toml`: members `services/*` and `services/common/*`, exclude `services/common`,
  `[tool.uvbake] python = "3.13"`;
- `services/common/lib_NN`: project `common-lib-NN`, import package `common_lib_NN` (src
  layout, hatchling); lib k may depend on lib k-1;
- `services/svc_NN`: project `svc-NN`, import package `svc_NN` with `main.handler`, which
  imports its libraries and third-party packages and returns JSON-able data.

Every choice comes from `random.Random(seed)`, so the same arguments give the same files.
Third-party packages: CORE (every service), COMMON (a seeded subset per service) and, with
`extra_packages=N`, the first N of EXTRA (packages with deep dependency trees), each given to
at least one service, to make a large `uv.lock`. `uv lock` runs unless `lock=False`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# (distribution, import name)
CORE: tuple[tuple[str, str], ...] = (("pydantic", "pydantic"), ("orjson", "orjson"))
COMMON: tuple[tuple[str, str], ...] = (
    ("requests", "requests"),
    ("httpx", "httpx"),
    ("jinja2", "jinja2"),
    ("pyyaml", "yaml"),
    ("python-dateutil", "dateutil"),
    ("attrs", "attrs"),
    ("structlog", "structlog"),
    ("tenacity", "tenacity"),
    ("boto3", "boto3"),
    ("click", "click"),
    ("rich", "rich"),
    ("marshmallow", "marshmallow"),
    ("cachetools", "cachetools"),
    ("pyjwt", "jwt"),
    ("tabulate", "tabulate"),
)
EXTRA: tuple[tuple[str, str], ...] = (
    ("sphinx", "sphinx"),
    ("jupyterlab", "jupyterlab"),
    ("nbconvert", "nbconvert"),
    ("notebook", "notebook"),
    ("mkdocs-material", "material"),
    ("flask", "flask"),
    ("django", "django"),
    ("fastapi", "fastapi"),
    ("celery", "celery"),
    ("scrapy", "scrapy"),
    ("black", "black"),
    ("pytest", "pytest"),
    ("tox", "tox"),
    ("poetry", "poetry"),
    ("sqlalchemy", "sqlalchemy"),
    ("alembic", "alembic"),
    ("google-cloud-storage", "google.cloud.storage"),
    ("google-api-python-client", "googleapiclient"),
    ("azure-storage-blob", "azure.storage.blob"),
    ("kubernetes", "kubernetes"),
    ("docker", "docker"),
    ("paramiko", "paramiko"),
    ("fabric", "fabric"),
    ("twine", "twine"),
    ("openapi-spec-validator", "openapi_spec_validator"),
    ("jsonschema", "jsonschema"),
    ("sentry-sdk", "sentry_sdk"),
    ("opentelemetry-sdk", "opentelemetry.sdk"),
    ("opentelemetry-exporter-otlp", "opentelemetry.exporter.otlp"),
    ("aws-lambda-powertools", "aws_lambda_powertools"),
    ("moto", "moto"),
    ("responses", "responses"),
    ("faker", "faker"),
    ("hypothesis", "hypothesis"),
    ("mypy", "mypy"),
    ("pylint", "pylint"),
    ("flake8", "flake8"),
    ("pre-commit", "pre_commit"),
    ("sphinx-rtd-theme", "sphinx_rtd_theme"),
    ("myst-parser", "myst_parser"),
    ("aiohttp", "aiohttp"),
    ("websockets", "websockets"),
    ("uvicorn", "uvicorn"),
    ("gunicorn", "gunicorn"),
    ("redis", "redis"),
    ("pymongo", "pymongo"),
    ("psycopg", "psycopg"),
    ("elasticsearch", "elasticsearch"),
    ("stripe", "stripe"),
    ("twilio", "twilio"),
    ("slack-sdk", "slack_sdk"),
    ("openai", "openai"),
    ("langchain-core", "langchain_core"),
    ("typer", "typer"),
    ("textual", "textual"),
    ("markdown", "markdown"),
    ("beautifulsoup4", "bs4"),
    ("lxml", "lxml"),
    ("pillow", "PIL"),
    ("cryptography", "cryptography"),
    ("arrow", "arrow"),
    ("pendulum", "pendulum"),
    ("babel", "babel"),
    ("networkx", "networkx"),
)
BUILD_SYSTEM = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
REQUIRES_PYTHON = ">=3.11"


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def _pyproject(name: str, description: str, deps: Sequence[str], sources: Sequence[str]) -> str:
    text = f'[project]\nname = "{name}"\nversion = "0.1.0"\ndescription = "{description}"\n'
    text += f'requires-python = "{REQUIRES_PYTHON}"\ndependencies = {_toml_list(deps)}\n'
    if sources:
        text += "\n[tool.uv.sources]\n"
        text += "".join(f"{s} = {{ workspace = true }}\n" for s in sources)
    return text + "\n" + BUILD_SYSTEM


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _root_pyproject() -> str:
    return (
        '[project]\nname = "bench-lambdas"\nversion = "0.1.0"\n'
        'description = "Synthetic Lambda services for uvbake benchmarks"\n'
        f'requires-python = "{REQUIRES_PYTHON}"\ndependencies = []\n\n'
        "[tool.uv]\npackage = false\n\n"
        '[tool.uvbake]\npython = "3.13"\n\n'
        "[tool.uv.workspace]\n"
        'members = ["services/*", "services/common/*"]\nexclude = ["services/common"]\n'
    )


def uv_binary() -> str | None:
    """The uv next to the running Python (a venv's bin), else the first on PATH."""
    here = Path(sys.executable).with_name("uv")
    return str(here) if here.is_file() else shutil.which("uv")


def lock_workspace(root: Path) -> None:
    uv = uv_binary()
    if uv is None:
        raise RuntimeError("uv is not installed: pip install uv, or pass lock=False")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    subprocess.run([uv, "lock", "--quiet"], cwd=root, env=env, check=True)


def make_workspace(
    root: Path,
    *,
    services: int,
    libs: int,
    seed: int = 0,
    extra_packages: int = 0,
    shared_lib: bool = False,
    lock: bool = True,
) -> Path:
    """Write a workspace of `services` services and `libs` libraries under `root`.

    With `shared_lib`, every service also uses the first library.
    """
    if services < 1 or libs < 0:
        raise ValueError("need services >= 1 and libs >= 0")
    if not 0 <= extra_packages <= len(EXTRA):
        raise ValueError(f"extra_packages must be between 0 and {len(EXTRA)}")
    rng = random.Random(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _write(root / "pyproject.toml", _root_pyproject())
    width = max(2, len(str(max(services, libs) - 1)))

    lib_names = [f"{i:0{width}d}" for i in range(libs)]
    for k, num in enumerate(lib_names):
        deps = [f"common-lib-{lib_names[k - 1]}"] if k > 0 and rng.random() < 0.5 else []
        module = f"common_lib_{num}"
        body = f'"""Shared library {num}."""\n\n'
        if deps:
            body += f"from common_lib_{lib_names[k - 1]} import describe as _previous\n\n"
            body += f'NAME = "common-lib-{num}"\n\n\ndef describe() -> list[str]:\n'
            body += "    return [NAME, *_previous()]\n"
        else:
            body += f'NAME = "common-lib-{num}"\n\n\ndef describe() -> list[str]:\n'
            body += "    return [NAME]\n"
        folder = root / "services" / "common" / f"lib_{num}"
        _write(
            folder / "pyproject.toml",
            _pyproject(f"common-lib-{num}", f"Shared library {num}", deps, deps),
        )
        _write(folder / "src" / module / "__init__.py", body)

    extras_by_service: dict[int, list[tuple[str, str]]] = {i: [] for i in range(services)}
    for k, extra in enumerate(EXTRA[:extra_packages]):
        extras_by_service[k % services].append(extra)
        if services > 1 and rng.random() < 0.3:
            other = rng.randrange(services)
            if extra not in extras_by_service[other]:
                extras_by_service[other].append(extra)

    for i in range(services):
        num = f"{i:0{width}d}"
        used_libs = sorted(rng.sample(lib_names, rng.randint(0, min(3, libs)))) if libs else []
        if shared_lib and libs and lib_names[0] not in used_libs:
            used_libs.insert(0, lib_names[0])
        third = [*CORE, *sorted(rng.sample(COMMON, rng.randint(1, 4)))]
        third += sorted(extras_by_service[i])
        lib_projects = [f"common-lib-{n}" for n in used_libs]
        deps = [*lib_projects, *(dist for dist, _ in third)]
        folder = root / "services" / f"svc_{num}"
        _write(
            folder / "pyproject.toml",
            _pyproject(f"svc-{num}", f"Synthetic service {num}", deps, lib_projects),
        )
        package = folder / "src" / f"svc_{num}"
        _write(package / "__init__.py", "")
        imports = [f"import common_lib_{n}" for n in used_libs]
        imports += sorted({f"import {module}" for _, module in third})
        lib_calls = ", ".join(f"*common_lib_{n}.describe()" for n in used_libs)
        modules = ", ".join(f'"{module}"' for _, module in third)
        handler = f'"""Handler of svc-{num}."""\n\n' + "\n".join(imports) + "\n\n\n"
        handler += "def handler(event, context):\n"
        handler += f'    return {{"service": "svc-{num}", "libs": [{lib_calls}], '
        handler += f'"packages": [{modules}], "event": event}}\n'
        _write(package / "main.py", handler)

    if lock:
        lock_workspace(root)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--services", type=int, required=True)
    parser.add_argument("--libs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--extra-packages", type=int, default=0)
    parser.add_argument("--shared-lib", action="store_true", help="every service uses lib 00")
    parser.add_argument("--no-lock", action="store_true", help="do not run uv lock")
    args = parser.parse_args(argv)
    make_workspace(
        args.out,
        services=args.services,
        libs=args.libs,
        seed=args.seed,
        extra_packages=args.extra_packages,
        shared_lib=args.shared_lib,
        lock=not args.no_lock,
    )
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
