"""End to end on a workspace that is not shaped like the seed (tests/helpers.py layouts_workspace):

a virtual service three folders deep (teams/payments/lambdas/ledger), a service whose folder is
not its name (services/billing-api holds acme-billing), a virtual library and a library in a
namespace package, the root project as a dependency, and a service that depends on a service.
Every image is built for real and its handler answers through the image's own CMD.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from engine import REGISTRY, bake, invoke, layers, require_engine, shell
from helpers import build_tree, layouts_workspace, uv_lock, uvbake

pytestmark = pytest.mark.engine

EXPECTED = {
    "acme-billing": ["acme-common", "acme-text", "acme-platform", "billing-rules"],
    "acme-ledger": ["acme-common", "acme-text"],
    "notify": ["acme-ledger", "acme-text"],
}


def _generate_and_bake(root: Path) -> str:
    """`uvbake generate && docker buildx bake` in `root`; the tag the images got."""
    generated = uvbake("generate", cwd=root, via="module")
    assert generated.returncode == 0, generated.stderr
    tag = f"t{uuid.uuid4().hex[:10]}"
    bake(root, tag=tag)
    return tag


def test_every_layout_builds_and_answers(tmp_path: Path) -> None:
    require_engine()
    root = layouts_workspace(tmp_path / "ws")
    tag = _generate_and_bake(root)
    answers = {service: invoke(f"{REGISTRY}/{service}:{tag}", {"ping": 1}) for service in EXPECTED}
    assert answers == {
        service: {"statusCode": 200, "service": service, "uses": uses}
        for service, uses in EXPECTED.items()
    }


def _vcs_workspace(root: Path) -> Path:
    """A service and a library whose version hatch-vcs takes from git; locked for real."""
    build_tree(
        root,
        {
            "pyproject.toml": """
                [tool.uv.workspace]
                members = ["services/*", "services/common/*"]
                exclude = ["services/common"]

                [tool.uvbake]
                python = "3.13"
            """,
            "services/common/stamp/pyproject.toml": """
                [project]
                name = "common-stamp"
                dynamic = ["version"]
                requires-python = ">=3.11"

                [tool.hatch.version]
                source = "vcs"

                [build-system]
                requires = ["hatchling", "hatch-vcs"]
                build-backend = "hatchling.build"
            """,
            "services/common/stamp/src/common_stamp/__init__.py": (
                'from importlib.metadata import version\n\nVERSION = version("common-stamp")\n'
            ),
            "services/api/pyproject.toml": """
                [project]
                name = "api"
                version = "0.1.0"
                requires-python = ">=3.11"
                dependencies = ["common-stamp"]

                [tool.uv.sources]
                common-stamp = { workspace = true }

                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"
            """,
            "services/api/src/api/main.py": (
                "import common_stamp\n\n\ndef handler(event, context):\n"
                '    return {"stamp": common_stamp.VERSION}\n'
            ),
        },
    )
    # Outside a git checkout only the pretend version lets hatch-vcs give uv the metadata.
    env = {**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": "1.4.0"}
    uv = Path(sys.executable).with_name("uv")
    subprocess.run([str(uv), "lock", "--quiet"], cwd=root, env=env, check=True, timeout=600)
    return root


def test_library_versioned_from_git_builds_without_git(tmp_path: Path) -> None:
    """The build context has no .git: the generated build tells hatch-vcs the version."""
    require_engine()
    root = _vcs_workspace(tmp_path / "ws")
    tag = _generate_and_bake(root)
    # uv.lock records no version for a dynamic one, so the build is told 0.0.0.
    assert invoke(f"{REGISTRY}/api:{tag}", {}) == {"stamp": "0.0.0"}


def _lambda_repo(root: Path) -> Path:
    """A workspace shaped like public Lambda repositories, with no [tool.uvbake] services:
    functions/indexer (a single module, index.handler), functions/flat (a flat app.py,
    app.lambda_handler), functions/multi (3 functions, one image each), functions/scraper
    (an image on a user base stage) and the library layers/shared."""

    def member(name: str, *, deps: tuple[str, ...] = (), tail: str = "") -> str:
        listed = ", ".join(f'"{d}"' for d in deps)
        text = f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        text += f"dependencies = [{listed}]\n"
        if deps:
            text += "\n[tool.uv.sources]\n" + "".join(
                f"{d} = {{ workspace = true }}\n" for d in deps
            )
        return text + tail

    build = '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    answer = 'def {fn}(event, context):\n    return {{"function": "{name}", "uses": {uses}}}\n'
    files: dict[str, str | bytes] = {
        "pyproject.toml": (
            '[tool.uv.workspace]\nmembers = ["functions/*", "layers/*"]\n\n'
            '[tool.uvbake]\npython = "3.13"\n'
        ),
        "layers/shared/pyproject.toml": member("shared", tail=build),
        "layers/shared/src/shared/__init__.py": 'NAME = "shared"\n',
        "functions/indexer/pyproject.toml": member("indexer", deps=("shared",)),
        "functions/indexer/index.py": "import shared\n\n\n"
        + answer.format(fn="handler", name="indexer", uses="shared.NAME"),
        "functions/flat/pyproject.toml": member("flat"),
        "functions/flat/app.py": answer.format(fn="lambda_handler", name="flat", uses="None"),
        "functions/multi/pyproject.toml": member(
            "multi",
            deps=("shared",),
            tail='\n[tool.uvbake]\nfunctions = { api = "multi.handler.lambda_handler", '
            'sweeper = "multi.sweeper.lambda_handler", report = "multi.report.lambda_handler" }\n'
            + build,
        ),
        "functions/multi/src/multi/__init__.py": "import shared\n",
        "functions/scraper/pyproject.toml": member(
            "scraper", tail='\n[tool.uvbake]\nbase-dockerfile = "docker/scraper.base.Dockerfile"\n'
        ),
        "functions/scraper/docker/scraper.base.Dockerfile": (
            "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n"
            "RUN mkdir -p /opt/system && echo browser-stand-in > /opt/system/browser.txt\n"
        ),
        "functions/scraper/handler.py": (
            "def handler(event, context):\n"
            '    with open("/opt/system/browser.txt") as f:\n'
            '        return {"function": "scraper", "uses": f.read().strip()}\n'
        ),
    }
    for fn in ("handler", "sweeper", "report"):
        files[f"functions/multi/src/multi/{fn}.py"] = "import shared\n\n\n" + answer.format(
            fn="lambda_handler", name=fn, uses="shared.NAME"
        )
    build_tree(root, files)
    (root / "wheels").mkdir()
    uv_lock(root, cache=root.parent / "uv-cache")
    return root


@pytest.fixture(scope="module")
def lambda_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The Lambda-shaped workspace, generated and baked once for the tests below."""
    require_engine()
    root = _lambda_repo(tmp_path_factory.mktemp("lambda-repo") / "ws")
    return root, _generate_and_bake(root)


def test_index_handler_member_answers(lambda_repo: tuple[Path, str]) -> None:
    _, tag = lambda_repo
    answer = invoke(f"{REGISTRY}/indexer:{tag}", {})
    assert answer == {"function": "indexer", "uses": "shared"}


def test_flat_app_lambda_handler_answers(lambda_repo: tuple[Path, str]) -> None:
    _, tag = lambda_repo
    assert invoke(f"{REGISTRY}/flat:{tag}", {}) == {"function": "flat", "uses": None}


def test_three_functions_share_every_layer(lambda_repo: tuple[Path, str]) -> None:
    _, tag = lambda_repo
    images = {fn: f"{REGISTRY}/multi-{fn}:{tag}" for fn in ("api", "sweeper", "report")}
    digests = {fn: layers(image) for fn, image in images.items()}
    assert digests["api"] == digests["sweeper"] == digests["report"]
    answers = {fn: invoke(image, {}) for fn, image in images.items()}
    names = {"api": "handler", "sweeper": "sweeper", "report": "report"}
    assert answers == {fn: {"function": names[fn], "uses": "shared"} for fn in images}


def test_service_on_a_user_base_stage_answers(lambda_repo: tuple[Path, str]) -> None:
    _, tag = lambda_repo
    answer = invoke(f"{REGISTRY}/scraper:{tag}", {})
    assert answer == {"function": "scraper", "uses": "browser-stand-in"}


def test_nothing_unintended_in_var_task(tmp_path: Path) -> None:
    """A .env and a tests folder in a service's package stay out of /var/task; the user's
    .dockerignore is honoured too."""
    require_engine()
    root = layouts_workspace(tmp_path / "ws")
    build_tree(
        root,
        {
            "services/billing-api/src/acme_billing/.env": "SECRET=1\n",
            "services/billing-api/src/acme_billing/tests/__init__.py": "",
            "services/billing-api/src/acme_billing/notes.md": "internal\n",
            ".dockerignore": "**/notes.md\n",
        },
    )
    tag = _generate_and_bake(root)
    image = f"{REGISTRY}/acme-billing:{tag}"
    # shell() fails on a non-zero exit; nothing found prints nothing
    assert shell(image, "find /var/task -name .env -o -name tests -o -name notes.md") == ""
