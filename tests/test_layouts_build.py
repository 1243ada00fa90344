"""Every layout uv allows, planned and rendered: virtual members, the root project as a
dependency, project names that are not folder names, namespace packages, readmes outside a
member, services that depend on services, and sources no image build can install."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import (
    HANDLER,
    LAYOUTS_SERVICES,
    Locked,
    bake_blocks,
    build_tree,
    layouts_workspace,
    lock_text,
    member_lock,
    pyproject,
    root_pyproject,
    seed_lock_packages,
    seed_workspace,
)
from uvbake.api import generated_files, planned
from uvbake.errors import UvbakeError
from uvbake.names import BAKE_FILE, DOCKERFILE
from uvbake.plan.records import Plan, ServicePlan
from uvbake.report.affected import affected
from uvbake.report.imports import undeclared_imports

GOLDEN = Path(__file__).parent / "golden"
SITE = "/var/lang/lib/python3.13/site-packages"
LOG = "services/common/log/pyproject.toml"
ENV = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}


def stage(dockerfile: str, name: str) -> str:
    """The lines of stage `name`, from its FROM to the last line before the next stage."""
    lines = dockerfile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith(f" AS {name}"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith(("FROM ", "# ----"))),
        len(lines),
    )
    return "\n".join(lines[start:end]).rstrip("\n") + "\n"


def summary(service: ServicePlan) -> dict[str, object]:
    return {
        "handler": service.handler,
        "app": [(a.source, a.dest) for a in service.app],
        "libraries": [
            (lib.member.name, lib.install, lib.files, [(c.source, c.dest) for c in lib.copies])
            for lib in service.libraries
        ],
        "third_party": [name for name, _ in service.third_party],
    }


def services(result: Plan) -> dict[str, dict[str, object]]:
    return {s.name: summary(s) for s in result.services}


def uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "uv", *args], cwd=cwd, capture_output=True, text=True, env=ENV
    )


def manifests_only(root: Path, dest: Path) -> Path:
    """What the Dockerfile's uvbake.manifests stage holds: pyprojects and uv.lock only."""
    for path in [root / "uv.lock", *root.rglob("pyproject.toml")]:
        target = dest / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return dest


def exported(manifests: Path, service: str) -> str:
    """What `uv export` gives for the service's runtime, on `manifests`: the pins uvbake's
    own walk of the lock must match."""
    argv = ["export", "--directory", str(manifests), "--frozen", "--package", service]
    argv += ["--no-default-groups", "--no-emit-workspace", "--no-header", "--no-annotate"]
    argv += ["--output-file", str(manifests / f"{service}.txt")]
    done = uv(*argv, "--offline", cwd=manifests)
    assert done.returncode == 0, done.stderr
    return (manifests / f"{service}.txt").read_text(encoding="utf-8")


# ---- the layouts workspace (a real uv.lock)


def test_layouts_plan(tmp_path: Path) -> None:
    result = planned(layouts_workspace(tmp_path))
    assert services(result) == {
        "acme-billing": {
            "handler": "acme_billing.main.handler",
            "app": [
                ("services/billing-api/src/acme_billing", "acme_billing"),
                ("services/billing-api/src/billing_rules", "billing_rules"),
            ],
            "libraries": [
                ("acme-platform", False, (), [("src/acme_platform", "acme_platform")]),
                ("acme-common", True, ("README.md",), []),
                ("acme-text", False, (), [("libs/text/src/acme", "acme")]),
            ],
            "third_party": ["attrs", "certifi", "idna", "six"],
        },
        "notify": {
            "handler": "notify.main.handler",
            "app": [("services/notify/notify", "notify")],
            "libraries": [
                ("acme-common", True, ("README.md",), []),
                ("acme-text", False, (), [("libs/text/src/acme", "acme")]),
                (
                    "acme-ledger",
                    False,
                    (),
                    [("teams/payments/lambdas/ledger/src/acme", "acme")],
                ),
            ],
            "third_party": ["attrs", "idna"],
        },
        "acme-ledger": {
            "handler": "acme.ledger.main.handler",
            "app": [("teams/payments/lambdas/ledger/src/acme", "acme")],
            "libraries": [
                ("acme-common", True, ("README.md",), []),
                ("acme-text", False, (), [("libs/text/src/acme", "acme")]),
            ],
            "third_party": ["attrs", "idna"],
        },
    }
    assert tuple(sorted(services(result))) == tuple(sorted(LAYOUTS_SERVICES))
    # attrs and idna, shared by all three, are under min-shared-layer-kb: each image has them
    # in its own layer, which for notify and acme-ledger is the same layer
    assert [(layer.services, [p.name for p in layer.pins]) for layer in result.layers] == [
        (("acme-ledger", "notify"), ["attrs", "idna"]),
        (("acme-billing",), ["attrs", "certifi", "idna", "six"]),
    ]


def test_layouts_generated_files_match_golden(tmp_path: Path) -> None:
    _, files = generated_files(layouts_workspace(tmp_path))
    for name in (DOCKERFILE, BAKE_FILE):
        golden = GOLDEN / f"layouts.{name}"
        if os.environ.get("UVBAKE_UPDATE_GOLDEN"):
            golden.write_text(files[name], encoding="utf-8")
        assert files[name] == golden.read_text(encoding="utf-8"), name


def test_layouts_third_party_is_what_uv_exports(tmp_path: Path) -> None:
    """Dependencies of virtual members, of the root project and of a service another service
    needs all reach the export that the .deps stage installs."""
    root = layouts_workspace(tmp_path / "ws")
    manifests = manifests_only(root, tmp_path / "manifests")
    for service in planned(root).services:
        text = exported(manifests, service.name)
        pins = re.findall(r"^([a-z0-9-]+)==(\S+) \\$", text, flags=re.M)
        assert sorted(pins) == list(service.third_party), service.name


def test_layouts_lock_is_current(tmp_path: Path) -> None:
    root = layouts_workspace(tmp_path)
    done = uv("lock", "--check", "--offline", "--directory", str(root), cwd=root)
    if "interpreter" in done.stderr.lower() and done.returncode != 0:
        pytest.skip(f"uv finds no Python the lock allows: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr


OUT = f"/uvbake/out{SITE}"
SECRETS = (
    "    --mount=type=secret,id=uv-netrc,target=/root/.netrc \\\n"
    "    --mount=type=secret,id=uv-env,target=/run/secrets/uv-env \\\n"
)


def test_libs_stage_builds_packaged_members_and_copies_virtual_ones(tmp_path: Path) -> None:
    _, files = generated_files(layouts_workspace(tmp_path))
    dockerfile = files[DOCKERFILE]
    assert stage(dockerfile, "uvbake.lib-acme-common") == (
        "FROM uvbake.builder-native AS uvbake.lib-acme-common\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        + SECRETS
        + "    --mount=type=bind,source=libs/common,target=/uvbake/src/libs/common,rw \\\n"
        "    --mount=type=bind,source=README.md,target=/uvbake/src/README.md \\\n"
        "    uvbake-uv pip install --no-deps --no-sources \\\n"
        f"      --target {OUT} /uvbake/src/libs/common && \\\n"
        f"    python3 /usr/local/bin/uvbake-finish --strict --pure {OUT}\n"
    )
    note = (
        "# Not built (a virtual member or the workspace root project): its import packages "
        "are copied\n# as source; its third-party dependencies are in the services' layers.\n"
    )
    assert stage(dockerfile, "uvbake.lib-acme-text") == (
        "FROM uvbake.builder-native AS uvbake.lib-acme-text\n" + note + "RUN --network=none \\\n"
        "    --mount=type=bind,source=libs/text/src/acme,target=/uvbake/src/libs/text/src/acme \\\n"
        "    python3 /usr/local/bin/uvbake-finish --strict \\\n"
        f"      --copy /uvbake/src/libs/text/src/acme {OUT}/acme \\\n"
        f"      {OUT}\n"
    )
    assert stage(dockerfile, "uvbake.lib-acme-ledger") == (
        "FROM uvbake.builder-native AS uvbake.lib-acme-ledger\n" + note + "RUN --network=none \\\n"
        "    --mount=type=bind,source=teams/payments/lambdas/ledger/src/acme,"
        "target=/uvbake/src/teams/payments/lambdas/ledger/src/acme \\\n"
        "    python3 /usr/local/bin/uvbake-finish --strict \\\n"
        f"      --copy /uvbake/src/teams/payments/lambdas/ledger/src/acme {OUT}/acme \\\n"
        f"      {OUT}\n"
    )
    assert re.findall(r"--from=(\S+)", stage(dockerfile, "svc-notify")) == [
        "uvbake.layer-1",
        "svc-notify.app",
    ]
    assert re.findall(r"from=([^,\s]+)", stage(dockerfile, "svc-notify.app")) == [
        "uvbake.lib-acme-common",
        "uvbake.lib-acme-text",
        "uvbake.lib-acme-ledger",
    ]


def test_root_project_ships_only_its_import_package(tmp_path: Path) -> None:
    _, files = generated_files(layouts_workspace(tmp_path))
    root = stage(files[DOCKERFILE], "uvbake.lib-acme-platform")
    assert root.splitlines()[-5:] == [
        "RUN --network=none \\",
        "    --mount=type=bind,source=src/acme_platform,target=/uvbake/src/src/acme_platform \\",
        "    python3 /usr/local/bin/uvbake-finish --strict \\",
        f"      --copy /uvbake/src/src/acme_platform {OUT}/acme_platform \\",
        f"      {OUT}",
    ]
    assert "source=.," not in files[DOCKERFILE]
    assert stage(files[DOCKERFILE], "svc-acme-billing.app") == (
        "FROM uvbake.builder-native AS svc-acme-billing.app\n"
        "RUN --network=none \\\n"
        + "".join(
            f"    --mount=type=bind,from={lib},source=/uvbake/out,target=/uvbake/lib/{lib} \\\n"
            for lib in (
                "uvbake.lib-acme-platform",
                "uvbake.lib-acme-common",
                "uvbake.lib-acme-text",
            )
        )
        + "    --mount=type=bind,source=services/billing-api/src/acme_billing,"
        "target=/uvbake/src/services/billing-api/src/acme_billing \\\n"
        "    --mount=type=bind,source=services/billing-api/src/billing_rules,"
        "target=/uvbake/src/services/billing-api/src/billing_rules \\\n"
        "    python3 /usr/local/bin/uvbake-finish --strict \\\n"
        "      --copy /uvbake/lib/uvbake.lib-acme-platform /uvbake/out \\\n"
        "      --copy /uvbake/lib/uvbake.lib-acme-common /uvbake/out \\\n"
        "      --copy /uvbake/lib/uvbake.lib-acme-text /uvbake/out \\\n"
        "      --copy /uvbake/src/services/billing-api/src/acme_billing "
        "/uvbake/out/var/task/acme_billing \\\n"
        "      --copy /uvbake/src/services/billing-api/src/billing_rules "
        "/uvbake/out/var/task/billing_rules \\\n"
        "      /uvbake/out/var/task\n"
    )


def test_virtual_service_on_a_deep_path(tmp_path: Path) -> None:
    _, files = generated_files(layouts_workspace(tmp_path))
    dockerfile = files[DOCKERFILE]
    assert stage(dockerfile, "svc-acme-ledger.app") == (
        "FROM uvbake.builder-native AS svc-acme-ledger.app\n"
        "RUN --network=none \\\n"
        "    --mount=type=bind,from=uvbake.lib-acme-common,source=/uvbake/out,"
        "target=/uvbake/lib/uvbake.lib-acme-common \\\n"
        "    --mount=type=bind,from=uvbake.lib-acme-text,source=/uvbake/out,"
        "target=/uvbake/lib/uvbake.lib-acme-text \\\n"
        "    --mount=type=bind,source=teams/payments/lambdas/ledger/src/acme,"
        "target=/uvbake/src/teams/payments/lambdas/ledger/src/acme \\\n"
        "    python3 /usr/local/bin/uvbake-finish --strict \\\n"
        "      --copy /uvbake/lib/uvbake.lib-acme-common /uvbake/out \\\n"
        "      --copy /uvbake/lib/uvbake.lib-acme-text /uvbake/out \\\n"
        "      --copy /uvbake/src/teams/payments/lambdas/ledger/src/acme "
        "/uvbake/out/var/task/acme \\\n"
        "      /uvbake/out/var/task\n"
    )
    assert stage(dockerfile, "svc-acme-ledger") == (
        "FROM ${BASE_IMAGE} AS svc-acme-ledger\n"
        "COPY --link --from=uvbake.layer-1 /uvbake/out/ /\n"
        "COPY --link --from=svc-acme-ledger.app /uvbake/out/ /\n"
        'CMD ["acme.ledger.main.handler"]\n'
    )
    target = bake_blocks(files[BAKE_FILE], "target")["acme-ledger"]
    assert target["target"] == "svc-acme-ledger"
    assert target["labels"] == {
        "dev.uvbake.handler": "acme.ledger.main.handler",
        "dev.uvbake.member": "teams/payments/lambdas/ledger",
        "org.opencontainers.image.title": "acme-ledger",
        "org.opencontainers.image.version": "0.1.0",
    }


def test_namespace_imports_are_declared(tmp_path: Path) -> None:
    """`uvbake check` sees acme.common, acme.text and acme.ledger as workspace packages."""
    assert undeclared_imports(planned(layouts_workspace(tmp_path)), distributions={}) == []


@pytest.mark.parametrize(
    ("path", "services"),
    [
        ("src/acme_platform/__init__.py", ("acme-billing",)),
        ("README.md", ("acme-billing", "acme-ledger", "notify")),
        ("libs/text/src/acme/text/__init__.py", ("acme-billing", "acme-ledger", "notify")),
        ("teams/payments/lambdas/ledger/src/acme/ledger/main.py", ("acme-ledger", "notify")),
        ("services/notify/tests/test_main.py", ("notify",)),
        ("docs/index.md", ()),
    ],
)
def test_affected_follows_copied_sources_and_build_files(
    tmp_path: Path, path: str, services: tuple[str, ...]
) -> None:
    the_plan = planned(layouts_workspace(tmp_path))
    assert affected(the_plan, paths=[path], old_lock=None) == services


def test_url_requirements_install_by_url_and_hash(tmp_path: Path) -> None:
    """A service whose only third-party package is a URL requirement (no `==`) installs it."""
    wheel = (
        "https://files.pythonhosted.org/packages/b7/ce/149a00dd41f10bc29e5921b496af8b574d8413afc"
        "d5e30dfa0ed46c2cc5e/six-1.17.0-py2.py3-none-any.whl"
    )
    digest = "sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"
    lock = lock_text(
        [
            member_lock("a", "services/a", "six"),
            Locked("six", version="1.17.0", source=f'{{ url = "{wheel}" }}'),
        ]
    )
    lock = lock.replace(
        f'source = {{ url = "{wheel}" }}\n',
        f'source = {{ url = "{wheel}" }}\n'
        f'wheels = [\n    {{ url = "{wheel}", hash = "{digest}" }},\n]\n',
    )
    root = build_tree(
        tmp_path / "ws",
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=()),
            "uv.lock": lock,
            "services/a/pyproject.toml": pyproject("a", deps=[f"six @ {wheel}"]),
            "services/a/src/a/main.py": HANDLER,
        },
    )
    the_plan, files = generated_files(root)
    assert the_plan.services[0].third_party == (("six", "1.17.0"),)
    requirements = exported(manifests_only(root, tmp_path / "manifests"), "a")
    assert requirements == f"six @ {wheel} \\\n    --hash={digest}\n"
    # the install step names the same file by the same URL and hash (into /var/task, as the
    # base image ships six)
    layer = stage(files[DOCKERFILE], "uvbake.layer-1")
    assert "<<'REQUIREMENTS'" not in layer
    assert "--target /uvbake/out/var/task -r /dev/stdin <<'TASK_REQUIREMENTS'\n" in layer
    assert f"\nsix @ {wheel} --hash={digest}\nTASK_REQUIREMENTS\n" in layer


# ---- virtual libraries


def _virtual_log(root: Path, files: dict[str, str], *, uvbake: str = "") -> Path:
    """The seed workspace with common-log virtual (no [build-system]) and holding `files`."""
    seed_workspace(root)
    shutil.rmtree(root / "services/common/log/src")
    return build_tree(
        root,
        {
            LOG: pyproject("common-log", deps=["orjson"], packaged=False, uvbake=uvbake),
            **files,
        },
    )


def test_virtual_library_flat_namespace_layout(tmp_path: Path) -> None:
    _virtual_log(
        tmp_path,
        {
            "services/common/log/acme/log/__init__.py": "",
            "services/common/log/tests/test_log.py": "",
            "services/common/log/conftest.py": "",
        },
    )
    worker = planned(tmp_path).services[1]
    assert summary(worker)["libraries"] == [
        ("common-log", False, (), [("services/common/log/acme", "acme")])
    ]
    _, files = generated_files(tmp_path)
    assert stage(files[DOCKERFILE], "uvbake.lib-common-log") == (
        "FROM uvbake.builder-native AS uvbake.lib-common-log\n"
        "# Not built (a virtual member or the workspace root project): its import packages "
        "are copied\n# as source; its third-party dependencies are in the services' layers.\n"
        "RUN --network=none \\\n"
        "    --mount=type=bind,source=services/common/log/acme,"
        "target=/uvbake/src/services/common/log/acme \\\n"
        "    python3 /usr/local/bin/uvbake-finish --strict \\\n"
        f"      --copy /uvbake/src/services/common/log/acme {OUT}/acme \\\n"
        f"      {OUT}\n"
    )


def test_virtual_library_packages_setting(tmp_path: Path) -> None:
    _virtual_log(
        tmp_path,
        {
            "services/common/log/common_log/__init__.py": "",
            "services/common/log/log_helpers.py": "",
        },
        uvbake='packages = ["common_log", "log_helpers"]',
    )
    api, worker = planned(tmp_path).services
    expected = [
        ("services/common/log/common_log", "common_log"),
        ("services/common/log/log_helpers.py", "log_helpers.py"),
    ]
    assert summary(worker)["libraries"] == [("common-log", False, (), expected)]
    # common-models is still built and installed next to the copied sources
    assert [(lib.member.name, lib.install) for lib in api.libraries] == [
        ("common-log", False),
        ("common-models", True),
    ]
    assert summary(worker)["third_party"] == ["orjson"]


def test_virtual_library_single_module_flat_layout(tmp_path: Path) -> None:
    _virtual_log(
        tmp_path, {"services/common/log/common_log.py": "", "services/common/log/setup.py": ""}
    )
    worker = planned(tmp_path).services[1]
    assert summary(worker)["libraries"] == [
        ("common-log", False, (), [("services/common/log/common_log.py", "common_log.py")])
    ]


def test_virtual_library_without_code_ships_only_its_dependencies(tmp_path: Path) -> None:
    _virtual_log(tmp_path, {})
    _, files = generated_files(tmp_path)
    worker = planned(tmp_path).services[1]
    assert summary(worker)["libraries"] == [("common-log", False, (), [])]
    assert summary(worker)["third_party"] == ["orjson"]
    assert "svc-worker.libs" not in files[DOCKERFILE]


@pytest.mark.parametrize(
    ("files", "uvbake", "message"),
    [
        (
            {"services/common/log/src/common-log/__init__.py": ""},
            "",
            f"{LOG}: virtual library 'common-log' is shipped as source, but uvbake finds no "
            "import package to copy (it has services/common/log/src/common-log/__init__.py); "
            f'set [tool.uvbake] packages = ["package_name"] in {LOG}',
        ),
        (
            {"services/common/log/logging_util/helpers.py": ""},
            "",
            f"{LOG}: virtual library 'common-log' is shipped as source, but uvbake finds no "
            "import package to copy (it has services/common/log/logging_util/helpers.py); "
            f'set [tool.uvbake] packages = ["package_name"] in {LOG}',
        ),
        (
            {"services/common/log/common_log/__init__.py": ""},
            'packages = ["common_logs"]',
            f"{LOG}: import package 'common_logs' of 'common-log' is not in "
            "services/common/log; fix [tool.uvbake] packages",
        ),
    ],
    ids=["src-not-an-identifier", "flat-folder-without-init", "packages-setting-missing"],
)
def test_virtual_library_code_uvbake_cannot_place(
    tmp_path: Path, files: dict[str, str], uvbake: str, message: str
) -> None:
    _virtual_log(tmp_path, files, uvbake=uvbake)
    with pytest.raises(UvbakeError) as err:
        planned(tmp_path)
    assert err.value.line() == message


# ---- the root project as a dependency


def test_virtual_root_project_flat_layout(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    root_toml = (
        '[project]\nname = "acme-root"\nversion = "0.1.0"\ndependencies = ["pyyaml"]\n\n'
        "[tool.uv]\npackage = false\n\n" + root_pyproject()
    )
    packages = [p for p in seed_lock_packages() if p.name != "worker"]
    build_tree(
        tmp_path,
        {
            "pyproject.toml": root_toml,
            "acme_root/__init__.py": "",
            "acme_root/main.py": "",
            "scripts/release.py": "",
            "tests/test_root.py": "",
            "noxfile.py": "",
            "services/worker/pyproject.toml": pyproject(
                "worker", deps=["acme-root"], workspace_sources=["acme-root"]
            ),
            "uv.lock": lock_text(
                [
                    *packages,
                    member_lock("worker", "services/worker", "acme-root"),
                    Locked("acme-root", "0.1.0", '{ virtual = "." }', deps=["pyyaml"]),
                    Locked("pyyaml"),
                ]
            ),
        },
    )
    worker = planned(tmp_path).services[1]
    assert summary(worker) == {
        "handler": "worker.main.handler",
        "app": [("services/worker/src/worker", "worker")],
        "libraries": [("acme-root", False, (), [("acme_root", "acme_root")])],
        "third_party": ["pyyaml"],
    }


# ---- names, layouts and handlers


def _one_service(root: Path, *, folder: str, name: str, files: dict[str, str]) -> ServicePlan:
    build_tree(
        root,
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=()),
            "uv.lock": lock_text([member_lock(name, f"services/{folder}")]),
            f"services/{folder}/pyproject.toml": pyproject(name),
            **{f"services/{folder}/{rel}": text for rel, text in files.items()},
        },
    )
    (service,) = planned(root).services
    return service


def test_handler_in_a_package_named_after_neither_project_nor_folder(tmp_path: Path) -> None:
    service = _one_service(
        tmp_path,
        folder="billing-api",
        name="billing",
        files={
            "src/acme_billing/__init__.py": "",
            "src/acme_billing/main.py": HANDLER,
            "src/billing_rules.py": "",
        },
    )
    assert (service.handler, [(a.source, a.dest) for a in service.app]) == (
        "acme_billing.main.handler",
        [
            ("services/billing-api/src/acme_billing", "acme_billing"),
            ("services/billing-api/src/billing_rules.py", "billing_rules.py"),
        ],
    )


def test_handler_in_a_namespace_package(tmp_path: Path) -> None:
    service = _one_service(
        tmp_path,
        folder="orders",
        name="acme-orders",
        files={"acme/orders/__init__.py": "", "acme/orders/main.py": HANDLER, "docs/x.py": ""},
    )
    assert (service.handler, [(a.source, a.dest) for a in service.app]) == (
        "acme.orders.main.handler",
        [("services/orders/acme", "acme")],
    )


def test_handler_in_a_freely_named_module_is_found(tmp_path: Path) -> None:
    """api.py is no convention module name: a handler in any module the member ships is
    found, when it is the only one."""
    service = _one_service(
        tmp_path,
        folder="billing-api",
        name="acme-billing",
        files={"src/acme/billing/__init__.py": "", "src/acme/billing/api.py": HANDLER},
    )
    assert (service.handler, [(a.source, a.dest) for a in service.app]) == (
        "acme.billing.api.handler",
        [("services/billing-api/src/acme", "acme")],
    )


def _readme(root: Path, value: str, *, files: dict[str, str] | None = None) -> Path:
    seed_workspace(root)
    extra = f'readme = "{value}"'
    return build_tree(
        root, {LOG: pyproject("common-log", deps=["orjson"], extra=extra), **(files or {})}
    )


def test_readme_outside_the_member_is_mounted_next_to_it(tmp_path: Path) -> None:
    _readme(tmp_path, "../../../README.md", files={"README.md": "# acme\n"})
    _, files = generated_files(tmp_path)
    assert stage(files[DOCKERFILE], "uvbake.lib-common-log") == (
        "FROM uvbake.builder-native AS uvbake.lib-common-log\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        + SECRETS
        + "    --mount=type=bind,source=services/common/log,"
        "target=/uvbake/src/services/common/log,rw \\\n"
        "    --mount=type=bind,source=README.md,target=/uvbake/src/README.md \\\n"
        "    uvbake-uv pip install --no-deps --no-sources \\\n"
        f"      --target {OUT} /uvbake/src/services/common/log && \\\n"
        f"    python3 /usr/local/bin/uvbake-finish --strict --pure {OUT}\n"
    )


def test_license_file_and_readme_table(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    extra = 'readme = { file = "../README.md", content-type = "text/markdown" }\n'
    extra += 'license = { file = "../LICENSE" }'
    build_tree(
        tmp_path,
        {
            LOG: pyproject("common-log", deps=["orjson"], extra=extra),
            "services/common/README.md": "",
            "services/common/LICENSE": "",
        },
    )
    worker = planned(tmp_path).services[1]
    assert worker.build_files == ("services/common/LICENSE", "services/common/README.md")


def test_readme_inside_another_member_is_mounted_for_the_build_that_reads_it(
    tmp_path: Path,
) -> None:
    """Each library is built on its own, from a mount of its folder: a readme in another
    member's folder is mounted for that build too."""
    seed_workspace(tmp_path)
    build_tree(
        tmp_path,
        {
            "services/common/models/pyproject.toml": pyproject(
                "common-models",
                deps=["common-log", "pydantic"],
                workspace_sources=["common-log"],
                extra='readme = "../log/README.md"',
            ),
            "services/common/log/README.md": "",
        },
    )
    api = planned(tmp_path).services[0]
    assert [lib.files for lib in api.libraries] == [(), ("services/common/log/README.md",)]
    assert api.build_files == ("services/common/log/README.md",)
    _, files = generated_files(tmp_path)
    models = stage(files[DOCKERFILE], "uvbake.lib-common-models")
    assert re.findall(r"source=(\S+),target", models) == [
        "services/common/models",
        "services/common/log/README.md",
    ]
    assert "README.md" not in stage(files[DOCKERFILE], "uvbake.lib-common-log")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "../../../../README.md",
            f"{LOG}: [project] readme '../../../../README.md' of library 'common-log' is outside "
            "the workspace root, so the image build cannot read it; move the file into the "
            "workspace and point [project] readme at it",
        ),
        (
            "../README.md",
            f"{LOG}: [project] readme '../README.md' of library 'common-log' is not a file "
            "(services/common/README.md); create services/common/README.md or fix [project] "
            "readme",
        ),
    ],
    ids=["outside-the-workspace", "missing"],
)
def test_readme_the_build_cannot_read(tmp_path: Path, value: str, message: str) -> None:
    _readme(tmp_path, value)
    with pytest.raises(UvbakeError) as err:
        planned(tmp_path)
    assert err.value.line() == message


# ---- services that depend on services


def test_service_needed_by_another_is_installed_there_and_keeps_its_image(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    packages = [p for p in seed_lock_packages() if p.name != "api"]
    build_tree(
        tmp_path,
        {
            "services/api/pyproject.toml": pyproject(
                "api",
                deps=["common-models", "worker"],
                workspace_sources=["common-models", "worker"],
            ),
            "uv.lock": lock_text(
                [*packages, member_lock("api", "services/api", "common-models", "worker")]
            ),
        },
    )
    the_plan, files = generated_files(tmp_path)
    api, worker = the_plan.services
    assert [lib.folder for lib in api.libraries if lib.install] == [
        "services/common/log",
        "services/common/models",
        "services/worker",
    ]
    assert [lib.folder for lib in worker.libraries if lib.install] == ["services/common/log"]
    assert "FROM uvbake.builder-native AS uvbake.lib-worker" in files[DOCKERFILE]
    assert set(bake_blocks(files[BAKE_FILE], "group")["default"]["targets"]) == {"api", "worker"}


# ---- sources no image build can install


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            '{ git = "https://github.com/ijl/orjson?tag=3.10.0#5f0b3a1" }',
            "service 'api' needs 'orjson' from git (https://github.com/ijl/orjson?tag=3.10.0), "
            "which the image build cannot install: the builder has no git and no hash can pin "
            "it; vendor it as a workspace member, or publish a wheel to a package index and "
            "depend on that",
        ),
        (
            '{ path = "vendor/orjson-3.10.0-py3-none-any.whl" }',
            "service 'api' needs 'orjson' from 'vendor/orjson-3.10.0-py3-none-any.whl', which "
            "the image build does not have; make it a workspace member, or publish it to a "
            "package index and depend on that",
        ),
        (
            '{ directory = "../vendor/orjson" }',
            "service 'api' needs 'orjson' from '../vendor/orjson', a folder outside the "
            "workspace, which the image build does not have; move the folder inside the "
            "workspace root, or make it a workspace member",
        ),
    ],
    ids=["git", "path", "directory"],
)
def test_sources_the_build_cannot_install(tmp_path: Path, source: str, message: str) -> None:
    seed_workspace(tmp_path)
    packages = [p for p in seed_lock_packages() if p.name != "orjson"]
    build_tree(tmp_path, {"uv.lock": lock_text([*packages, Locked("orjson", source=source)])})
    with pytest.raises(UvbakeError) as err:
        planned(tmp_path)
    assert err.value.line() == f"{LOG}: {message}"


def test_git_source_reached_through_a_third_party_package_names_the_lock(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    packages = [p for p in seed_lock_packages() if p.name != "idna"]
    git = '{ git = "https://github.com/kjd/idna#0f0f0f" }'
    build_tree(tmp_path, {"uv.lock": lock_text([*packages, Locked("idna", source=git)])})
    with pytest.raises(UvbakeError) as err:
        planned(tmp_path)
    assert err.value.where == "uv.lock"
    assert err.value.problem.startswith("service 'api' needs 'idna' from git")
