"""Workspaces shaped like public Lambda repositories, each locked by the real uv: handlers
found by Lambda conventions, services found without a services/ folder, several functions
per member, path dependencies on folders that are not members, a workspace in a sub-folder
of its git repository, a service on a user base stage, and members that are no Lambdas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitrepo import git, init_repo
from helpers import bake_blocks, build_tree, uv_lock, uvbake, wheel
from helpers import pyproject as _pyproject
from uvbake.api import generated_files
from uvbake.names import BAKE_FILE, DOCKERFILE

LAMBDA = "def lambda_handler(event, context):\n    return {'ok': True}\n"
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
WORKFLOW = ".github/workflows/uvbake.yml"


def pyproject(name: str, **options: Any) -> str:
    """helpers.pyproject with a requires-python that any Python uv runs here with allows."""
    return _pyproject(name, **options).replace('">=3.12"', '">=3.10"')


def _root(members: list[str], *, deps: tuple[str, ...] = (), uvbake_table: str = "") -> str:
    """A root pyproject: an aggregator project depending on `deps` (from the workspace)."""
    text = '[project]\nname = "monorepo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
    text += f"dependencies = {json.dumps(list(deps))}\n"
    text += f"\n[tool.uv.workspace]\nmembers = {json.dumps(members)}\n"
    if deps:
        text += "\n[tool.uv.sources]\n" + "".join(f"{d} = {{ workspace = true }}\n" for d in deps)
    text += '\n[tool.uvbake]\npython = "3.13"\n' + uvbake_table
    return text


def locked(root: Path, tmp_path: Path) -> Path:
    wheel(root / "wheels", "requests", "2.0")
    wheel(root / "wheels", "pytest", "8.0")
    uv_lock(root, cache=tmp_path / "uv-cache")
    return root


def lambdas(root: Path) -> Path:
    """Lambdas under functions/*, a library under layers/, a web server and a worker under
    apps/, an aggregator root project depending on every member, a dev-group dependency,
    and a path dependency on layers/models, which is not a member."""
    members = ["functions/*", "layers/shared", "apps/*"]
    everyone = ("indexer", "flat", "srcpkg", "deep", "multi", "shared", "web", "worker")
    return build_tree(
        root,
        {
            "pyproject.toml": _root(members, deps=everyone),
            # index.handler, in a single module of a virtual member; needs layers/shared
            "functions/indexer/pyproject.toml": pyproject(
                "indexer",
                deps=["shared", "models"],
                workspace_sources=["shared"],
                packaged=False,
                extra="",
            ).replace(
                "shared = { workspace = true }\n",
                'shared = { workspace = true }\nmodels = { path = "../../layers/models" }\n',
            ),
            "functions/indexer/index.py": "import models\nimport shared\n\n\n" + HANDLER,
            # a flat app.py next to pyproject.toml; flat depends on indexer in a dev group only
            "functions/flat/pyproject.toml": pyproject(
                "flat",
                deps=["requests"],
                workspace_sources=["indexer"],
                extra='[dependency-groups]\ndev = ["indexer", "pytest"]',
                packaged=False,
            ),
            "functions/flat/app.py": LAMBDA,
            "functions/flat/tests/test_app.py": HANDLER,
            # an import package named src
            "functions/srcpkg/pyproject.toml": pyproject("srcpkg", packaged=False),
            "functions/srcpkg/src/__init__.py": "",
            "functions/srcpkg/src/handler.py": HANDLER,
            # a src layout with the handler three packages down
            "functions/deep/pyproject.toml": pyproject("deep"),
            "functions/deep/src/deep/__init__.py": "",
            "functions/deep/src/deep/api/__init__.py": "",
            "functions/deep/src/deep/api/handler.py": LAMBDA
            + "\n\ndef helper(a, b, c):\n    pass\n",
            # three functions, one image each
            "functions/multi/pyproject.toml": pyproject(
                "multi",
                uvbake='functions = { api = "multi.handler.lambda_handler", '
                'sweeper = "multi.sweeper.lambda_handler", report = "multi.report.run" }',
            ),
            "functions/multi/src/multi/__init__.py": "",
            "functions/multi/src/multi/handler.py": LAMBDA,
            "functions/multi/src/multi/sweeper.py": LAMBDA,
            "functions/multi/src/multi/report.py": "def run(event, context):\n    return 1\n",
            # a library with a handler-shaped function: indexer needs it at run time
            "layers/shared/pyproject.toml": pyproject("shared"),
            "layers/shared/src/shared/__init__.py": "",
            "layers/shared/src/shared/handler.py": HANDLER,
            # not a member: a path dependency
            "layers/models/pyproject.toml": pyproject("models"),
            "layers/models/src/models/__init__.py": "NAME = 'models'\n",
            # a web server and a worker: no Lambda handler
            "apps/web/pyproject.toml": pyproject("web"),
            "apps/web/src/web/__init__.py": "",
            "apps/web/src/web/main.py": "app = object()\n",
            "apps/worker/pyproject.toml": pyproject("worker"),
            "apps/worker/src/worker/__init__.py": "",
            "apps/worker/src/worker/main.py": "def main():\n    pass\n",
        },
    )


@pytest.fixture
def lambdas_root(tmp_path: Path) -> Path:
    return locked(lambdas(tmp_path / "ws"), tmp_path)


def listed(root: Path) -> dict[str, Any]:
    result = uvbake("list", "--format", "json", cwd=root)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_services_handlers_and_targets_by_convention(lambdas_root: Path) -> None:
    lock = (lambdas_root / "uv.lock").read_text(encoding="utf-8")
    assert 'source = { directory = "layers/models" }' in lock
    data = listed(lambdas_root)
    assert {s["name"]: s["handler"] for s in data["services"]} == {
        "deep": "deep.api.handler.lambda_handler",
        "flat": "app.lambda_handler",
        "indexer": "index.handler",
        "multi": "multi.handler.lambda_handler",
        "srcpkg": "src.handler.handler",
    }
    multi = next(s for s in data["services"] if s["name"] == "multi")
    assert multi["functions"] == [
        {"target": "multi-api", "handler": "multi.handler.lambda_handler"},
        {"target": "multi-report", "handler": "multi.report.run"},
        {"target": "multi-sweeper", "handler": "multi.sweeper.lambda_handler"},
    ]
    indexer = next(s for s in data["services"] if s["name"] == "indexer")
    assert indexer["local"] == ["models", "shared"]
    convention = "has Lambda handler index.handler and no other member needs it at run time"
    assert indexer["why"] == convention
    libraries = {lib["name"]: lib for lib in data["libraries"]}
    assert {name: (lib["why"], lib["handlers"]) for name, lib in libraries.items()} == {
        "monorepo": (
            "the workspace root is not a service unless it sets service = true",
            [],
        ),
        "shared": (
            "has handler shared.handler.handler, but indexer need(s) it at run time",
            ["shared.handler.handler"],
        ),
        "web": (
            "no Lambda handler found (def handler or lambda_handler(event, context) in a "
            "module named main, index, app, handler, lambda_function, else in any module it ships)",
            [],
        ),
        "worker": (
            "no Lambda handler found (def handler or lambda_handler(event, context) in a "
            "module named main, index, app, handler, lambda_function, else in any module it ships)",
            [],
        ),
    }
    assert libraries["shared"]["fix"] == (
        "service = true in [tool.uvbake] of layers/shared/pyproject.toml"
    )
    assert libraries["web"]["fix"] == (
        'handler = "package.module.function" in [tool.uvbake] of apps/web/pyproject.toml'
    )


def test_bake_targets_and_stages_by_convention(lambdas_root: Path) -> None:
    _, files = generated_files(lambdas_root)
    targets = bake_blocks(files[BAKE_FILE], "target")
    groups = bake_blocks(files[BAKE_FILE], "group")
    images = ["deep", "flat", "indexer", "multi-api", "multi-report", "multi-sweeper", "srcpkg"]
    assert sorted(groups) == ["default", "multi", "release"]
    assert sorted(groups["default"]["targets"]) == images  # type: ignore[arg-type]
    assert groups["release"]["targets"] == groups["default"]["targets"]
    assert groups["multi"] == {
        "description": "Every function image of multi",
        "targets": ["multi-api", "multi-report", "multi-sweeper"],
    }
    assert sorted(t for t in targets if not t.startswith(("_", "docker-metadata"))) == images
    assert targets["multi-report"]["target"] == "svc-multi-report"
    assert targets["multi-report"]["tags"] is not None
    dockerfile = files[DOCKERFILE]
    # the functions' final stages are the service's stage plus a CMD
    for name, handler in [
        ("api", "multi.handler.lambda_handler"),
        ("report", "multi.report.run"),
        ("sweeper", "multi.sweeper.lambda_handler"),
    ]:
        stage = f'FROM svc-multi AS svc-multi-{name}\nCMD ["{handler}"]\n'
        assert stage in dockerfile
    assert 'CMD ["index.handler"]' in dockerfile
    assert (
        "--copy /uvbake/src/functions/indexer/index.py /uvbake/out/var/task/index.py " in dockerfile
    )
    assert "--copy /uvbake/src/functions/flat/app.py /uvbake/out/var/task/app.py " in dockerfile
    assert "--copy /uvbake/src/functions/srcpkg/src /uvbake/out/var/task/src " in dockerfile
    # layers/models is built like a library, from a bind mount of that folder only
    assert "# ---- uvbake.lib-models: path dependency models\n" in dockerfile
    assert "--mount=type=bind,source=layers/models,target=/uvbake/src/layers/models,rw" in (
        dockerfile
    )


def test_check_knows_path_dependencies_and_functions(lambdas_root: Path) -> None:
    assert uvbake("generate", cwd=lambdas_root).returncode == 0
    result = uvbake("check", cwd=lambdas_root, env={"PATH": ""})  # no uv: no lock check
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        "uvbake: checked the imports of 5 services, the generated files: no findings\n",
    )


def test_matrix_and_affected_follow_functions(lambdas_root: Path) -> None:
    init_repo(lambdas_root)
    result = uvbake("matrix", cwd=lambdas_root)
    entries = json.loads(result.stdout)["include"]
    assert [(e["service"], e["target"]) for e in entries] == [
        ("deep", "deep"),
        ("flat", "flat"),
        ("indexer", "indexer"),
        ("multi", "multi"),
        ("srcpkg", "srcpkg"),
    ]
    build_tree(lambdas_root, {"layers/models/src/models/extra.py": "X = 1\n"})
    affected = uvbake("affected", "--since", "HEAD", cwd=lambdas_root)
    assert affected.stdout == "indexer\n"


def test_list_explains_a_workspace_with_no_service(tmp_path: Path) -> None:
    """Every member is needed by another one or has no handler: list still explains."""
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": _root(["libs/*"]),
            "libs/core/pyproject.toml": pyproject("core"),
            "libs/core/src/core/__init__.py": "",
            "libs/core/src/core/app.py": LAMBDA,
            "libs/api/pyproject.toml": pyproject("api", deps=["core"], workspace_sources=["core"]),
            "libs/api/src/api/__init__.py": "",
        },
    )
    locked(root, tmp_path)
    data = listed(root)
    assert data["services"] == []
    assert {lib["name"]: lib["handlers"] for lib in data["libraries"]} == {
        "monorepo": [],
        "api": [],
        "core": ["core.app.lambda_handler"],
    }
    generate = uvbake("generate", cwd=root)
    assert generate.returncode == 1
    assert generate.stderr == (
        "uvbake: error: pyproject.toml: no workspace member is a service, though some look "
        "like Lambdas (libs/core has core.app.lambda_handler); set [tool.uvbake] services = "
        '["libs/core"] in pyproject.toml\n'
    )
    text = uvbake("list", cwd=root).stdout
    assert text.splitlines()[1:3] == [
        "services:",
        "  none: " + generate.stderr.removeprefix("uvbake: error: ").strip(),
    ]


def test_several_handlers_are_listed_with_the_line_that_picks(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": _root(["functions/*"]),
            "functions/jobs/pyproject.toml": pyproject("jobs"),
            "functions/jobs/src/jobs/__init__.py": "",
            "functions/jobs/src/jobs/create/handler.py": HANDLER,
            "functions/jobs/src/jobs/delete/handler.py": HANDLER,
            "functions/one/pyproject.toml": pyproject("one"),
            "functions/one/src/one/__init__.py": "",
            "functions/one/src/one/main.py": HANDLER,
        },
    )
    locked(root, tmp_path)
    jobs = next(lib for lib in listed(root)["libraries"] if lib["name"] == "jobs")
    assert jobs == {
        "name": "jobs",
        "path": "functions/jobs",
        "why": "2 Lambda handlers found (jobs.create.handler.handler, "
        "jobs.delete.handler.handler) and no choice",
        "handlers": ["jobs.create.handler.handler", "jobs.delete.handler.handler"],
        "fix": 'functions = { create = "jobs.create.handler.handler", delete = '
        '"jobs.delete.handler.handler" } in [tool.uvbake] of functions/jobs/pyproject.toml',
    }
    with (root / "functions/jobs/pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.uvbake]\n" + jobs["fix"].split(" in [tool.uvbake]")[0] + "\n")
    _, files = generated_files(root)
    groups = bake_blocks(files[BAKE_FILE], "group")
    assert groups["jobs"]["targets"] == ["jobs-create", "jobs-delete"]
    assert groups["default"]["targets"] == ["jobs-create", "jobs-delete", "one"]


def test_services_folder_default_is_unchanged(tmp_path: Path) -> None:
    """services/* matches: a member elsewhere with a handler is not a service."""
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": _root(["services/*", "functions/*"]),
            "services/api/pyproject.toml": pyproject("api"),
            "services/api/src/api/__init__.py": "",
            "services/api/src/api/main.py": HANDLER,
            "functions/other/pyproject.toml": pyproject("other"),
            "functions/other/app.py": HANDLER,
        },
    )
    locked(root, tmp_path)
    data = listed(root)
    assert [s["name"] for s in data["services"]] == ["api"]
    other = next(lib for lib in data["libraries"] if lib["name"] == "other")
    assert (other["why"], other["fix"]) == (
        "matches no service glob",
        '"functions/other" in [tool.uvbake] services of pyproject.toml',
    )


def test_workspace_in_a_sub_folder_of_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = build_tree(
        repo / "lambda",
        {
            "pyproject.toml": _root(["functions/*"]),
            "functions/hello/pyproject.toml": pyproject("hello", packaged=False),
            "functions/hello/index.py": HANDLER,
        },
    )
    locked(root, tmp_path)
    build_tree(repo, {"README.md": "infra\n"})
    init_repo(repo)
    # inside the workspace, and with --root from the repository's top
    assert uvbake("generate", cwd=root).returncode == 0
    assert uvbake("generate", "--check", "--root", "lambda", cwd=repo).returncode == 0
    written = uvbake("ci", "github", "--root", "lambda", cwd=repo)
    assert (written.returncode, written.stdout.splitlines()[0]) == (
        0,
        "wrote .github/workflows/uvbake.yml",
    )
    assert not (root / ".github").exists()
    workflow = yaml.safe_load((repo / WORKFLOW).read_text())
    assert workflow["defaults"] == {"run": {"working-directory": "lambda"}}
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    bakes = [s["with"] for s in steps if s.get("uses", "").startswith("docker/bake-action")]
    assert [b["workdir"] for b in bakes] == ["lambda", "lambda", "lambda"]
    uploads = [s["with"] for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert [u["path"] for u in uploads] == ["lambda/uvbake-images.json"]
    schema = Path(sys.executable).with_name("check-jsonschema")
    valid = subprocess.run(
        [str(schema), "--builtin-schema", "vendor.github-workflows", str(repo / WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert uvbake("ci", "github", "--check", cwd=root).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated")
    build_tree(root, {"functions/hello/index.py": HANDLER + "\nX = 1\n"})
    matrix = uvbake("matrix", "--since", "HEAD", "--root", "lambda", cwd=repo)
    assert json.loads(matrix.stdout)["include"] == [
        {"service": "hello", "target": "hello", "platform": "linux/arm64"}
    ]


def test_service_on_a_user_base_stage(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": _root(["functions/*"]),
            "functions/scraper/pyproject.toml": pyproject(
                "scraper", uvbake='base-dockerfile = "docker/scraper.base.Dockerfile"'
            ),
            "functions/scraper/docker/scraper.base.Dockerfile": (
                "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN dnf install -y chromium\n"
            ),
            "functions/scraper/src/scraper/__init__.py": "",
            "functions/scraper/src/scraper/handler.py": LAMBDA,
        },
    )
    locked(root, tmp_path)
    _, files = generated_files(root)
    targets = bake_blocks(files[BAKE_FILE], "target")
    assert targets["uvbake-base-scraper"] == {
        "description": "The stage scraper starts from "
        "(functions/scraper/docker/scraper.base.Dockerfile)",
        "context": ".",
        "dockerfile": "functions/scraper/docker/scraper.base.Dockerfile",
        "platforms": ["PLATFORM"],
        "args": {"BASE_IMAGE": "BASE_IMAGE"},
    }
    assert targets["scraper"]["contexts"] == {"uvbake-base-scraper": "target:uvbake-base-scraper"}
    assert "FROM uvbake-base-scraper AS svc-scraper\n" in files[DOCKERFILE]
    # a base Dockerfile outside the member's folder still affects the service
    init_repo(root)
    build_tree(root, {"docker/shared.Dockerfile": "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n"})
    text = (root / "functions/scraper/pyproject.toml").read_text(encoding="utf-8")
    (root / "functions/scraper/pyproject.toml").write_text(
        text.replace("docker/scraper.base.Dockerfile", "../../docker/shared.Dockerfile"),
        encoding="utf-8",
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "shared base")
    build_tree(root, {"docker/shared.Dockerfile": "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN true\n"})
    assert uvbake("affected", "--since", "HEAD", cwd=root).stdout == "scraper\n"
    # the third-party layers are still installed by the builders, not on the user stage
    assert "FROM ${BASE_IMAGE} AS svc-scraper" not in files[DOCKERFILE]


def test_function_target_that_collides_with_a_service(tmp_path: Path) -> None:
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": _root(["functions/*"]),
            "functions/api/pyproject.toml": pyproject(
                "api", uvbake='functions = { x = "api.main.handler", y = "api.main.handler" }'
            ),
            "functions/api/src/api/__init__.py": "",
            "functions/api/src/api/main.py": HANDLER,
            "functions/api-x/pyproject.toml": pyproject("api-x"),
            "functions/api-x/src/api_x/__init__.py": "",
            "functions/api-x/src/api_x/main.py": HANDLER,
        },
    )
    locked(root, tmp_path)
    result = uvbake("generate", cwd=root)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "uvbake: error: functions/api-x/pyproject.toml: service name 'api-x' of service "
        "'api-x' is also a bake target of service 'api'; rename a function in [tool.uvbake] "
        "functions or a project in [project] name\n"
    )


def test_editable_path_dependency_and_a_callable_handler(tmp_path: Path) -> None:
    """An editable path dependency on a folder inside the workspace is built like a library;
    a handler bound to a call (an adapter such as Mangum(app)) may be callable."""
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": _root(["lambda/*"]),
            "lambda/api/pyproject.toml": pyproject(
                "api", deps=["models"], uvbake='handler = "api.asgi.handler"'
            )
            + '\n[tool.uv.sources]\nmodels = { path = "../../vendor/models", editable = true }\n',
            "lambda/api/src/api/__init__.py": "",
            "lambda/api/src/api/asgi.py": "def adapt(app):\n    return app\n\n\n"
            "handler = adapt(object())\n",
            "lambda/api/src/api/fallback.py": "try:\n    from fast import handler\n"
            "except ImportError:\n\n    def handler(event, context):\n        return 1\n",
            "vendor/models/pyproject.toml": pyproject("models"),
            "vendor/models/src/models/__init__.py": "",
        },
    )
    locked(root, tmp_path)
    assert 'source = { editable = "vendor/models" }' in (root / "uv.lock").read_text()
    data = listed(root)
    assert [(s["name"], s["handler"], s["local"]) for s in data["services"]] == [
        ("api", "api.asgi.handler", ["models"])
    ]
    _, files = generated_files(root)
    assert (
        "--mount=type=bind,source=vendor/models,target=/uvbake/src/vendor/models,rw"
        in (files[DOCKERFILE])
    )


@pytest.mark.parametrize(
    ("files", "handler"),
    [
        ({"handler.py": HANDLER}, "handler.handler"),
        ({"lambda_function.py": LAMBDA}, "lambda_function.lambda_handler"),
        ({"main.py": HANDLER, "tests/test_main.py": HANDLER}, "main.handler"),
        ({"src/index.py": HANDLER}, "index.handler"),
        ({"svc/__init__.py": "", "svc/app.py": LAMBDA}, "svc.app.lambda_handler"),
        ({"src/acme/svc/api/handler.py": LAMBDA}, "acme.svc.api.handler.lambda_handler"),
        # not (event, context), or not at the top: only the real handler counts
        (
            {
                "app.py": "def handler(event):\n    pass\n\n\nclass K:\n"
                "    def handler(self, event, context):\n        pass\n",
                "index.py": HANDLER,
            },
            "index.handler",
        ),
    ],
    ids=["handler", "lambda_function", "main", "src-index", "flat-package", "namespace", "args"],
)
def test_one_handler_by_convention(tmp_path: Path, files: dict[str, str], handler: str) -> None:
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": _root(["lambda/*"]),
            "lambda/svc/pyproject.toml": pyproject("svc", packaged=False),
            **{f"lambda/svc/{rel}": text for rel, text in files.items()},
        },
    )
    locked(root, tmp_path)
    services = listed(root)["services"]
    assert [(s["name"], s["handler"]) for s in services] == [("svc", handler)]
    _, generated = generated_files(root)
    assert f'CMD ["{handler}"]\n' in generated[DOCKERFILE]
