"""Workspaces laid out the ways uv allows: the loaded records, the plan's sets and `uvbake list`.

Fixtures marked "locked by uv" are locked with the real uv, offline, from flat folders of small
wheels, so their uv.lock is exactly what uv writes for that layout.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import (
    HANDLER,
    Locked,
    bake_blocks,
    build_tree,
    lock_text,
    member_lock,
    pyproject,
    root_pyproject,
    uv_lock,
    uvbake,
    wheel,
)
from uvbake.api import generated_files, planned
from uvbake.errors import UvbakeError
from uvbake.load.records import Index
from uvbake.load.workspace import load
from uvbake.names import BAKE_FILE
from uvbake.plan.planner import plan
from uvbake.scan.scanner import scan
from uvbake.uvlock.lock import git_packages, index_urls, local_packages

BUILD = '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'


def member(name: str, *deps: str, extra: str = "") -> str:
    """A packaged member pyproject that any Python uv may run the tests with can lock."""
    listed = ", ".join(f'"{d}"' for d in deps)
    text = f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
    text += f"dependencies = [{listed}]\n"
    return text + (f"\n{textwrap.dedent(extra).strip()}\n" if extra else "") + BUILD


def wheels(folder: Path, requires: dict[str, list[str]]) -> None:
    for name, deps in requires.items():
        wheel(folder, name, "1.0", requires=deps)


def realworld(root: Path) -> Path:
    """A virtual root; members 1 to 3 folders deep, by glob and by path; an excluded folder
    with a pyproject; root-only workspace sources; markers, groups and extras; a member-level
    index pinned by a source; services by glob and by `service = true`."""
    wheels(
        root / "wheels",
        {
            "httpx": ["idna"],
            "idna": [],
            "uvloop": [],
            "awscrt": [],
            "tomli": [],
            "exceptiongroup": [],
            "pywin32": [],
            "pytest": [],
            "ruff": [],
            "orjson": [],
            "pydantic": ["typing-extensions"],
            "typing-extensions": [],
        },
    )
    wheel(root / "internal-wheels", "acme-internal", "2.0")
    return build_tree(
        root,
        {
            "pyproject.toml": """
                [tool.uv.workspace]
                members = [
                    "worker", "apps/*", "packages/*", "teams/x/api", "jobs/nightly", "libs/*"
                ]
                exclude = ["packages/legacy-*"]

                [tool.uv.sources]
                common-models = { workspace = true }
                common-log = { workspace = true }

                [tool.uvbake]
                python = "3.13"
                services = ["apps/*", "teams/**/api", "worker"]
                libraries = ["packages/*", "libs/*"]
            """,
            "worker/pyproject.toml": member("worker", "common-log"),
            "worker/src/worker/main.py": HANDLER,
            "apps/api/pyproject.toml": member(
                "api",
                "common-models[fast]>=0.1",
                "httpx",
                "uvloop; platform_machine == 'x86_64'",
                "awscrt; platform_machine == 'aarch64'",
                "tomli; python_version < '3.12'",
                "exceptiongroup; python_version < '3.14'",
                "pywin32; sys_platform == 'win32'",
                extra='[dependency-groups]\ndev = ["pytest"]\nlint = ["ruff"]',
            ),
            "apps/api/src/api/main.py": HANDLER,
            "apps/admin/pyproject.toml": member(
                "admin", "httpx", extra="[tool.uvbake]\nservice = false"
            ),
            "packages/common-models/pyproject.toml": member(
                "common-models",
                "common-log",
                "pydantic",
                extra='[project.optional-dependencies]\nfast = ["orjson"]',
            ),
            "packages/legacy-billing/pyproject.toml": member("legacy-billing", "not-locked"),
            "libs/common-log/pyproject.toml": member("common-log"),
            "teams/x/api/pyproject.toml": member(
                "team-x-api",
                "common-models",
                "acme-internal",
                extra="""
                    [[tool.uv.index]]
                    name = "internal"
                    url = "internal-wheels"
                    format = "flat"
                    explicit = true

                    [tool.uv.sources]
                    acme-internal = { index = "internal" }
                """,
            ),
            "teams/x/api/src/team_x_api/main.py": HANDLER,
            "jobs/nightly/pyproject.toml": member(
                "nightly", "common-log", extra="[tool.uvbake]\nservice = true"
            ),
            "jobs/nightly/src/nightly/main.py": HANDLER,
        },
    )


INTERNAL = "https://pkgs.acme.dev/simple"


@pytest.fixture
def realworld_root(tmp_path: Path) -> Path:
    root = realworld(tmp_path / "ws")
    uv_lock(root, cache=tmp_path / "uv-cache", indexes={"internal-wheels": INTERNAL})
    return root


def test_members_anywhere_but_excluded_folders(realworld_root: Path) -> None:
    ws = load(realworld_root)
    assert [(m.name, m.path.as_posix(), m.version) for m in ws.members] == [
        ("admin", "apps/admin", "0.1.0"),
        ("api", "apps/api", "0.1.0"),
        ("nightly", "jobs/nightly", "0.1.0"),
        ("common-log", "libs/common-log", "0.1.0"),
        ("common-models", "packages/common-models", "0.1.0"),
        ("team-x-api", "teams/x/api", "0.1.0"),
        ("worker", "worker", "0.1.0"),
    ]
    api = ws.member("api")
    assert api is not None
    assert [str(r) for r in api.dependencies] == [
        "common-models[fast]>=0.1",
        "httpx",
        'uvloop; platform_machine == "x86_64"',
        'awscrt; platform_machine == "aarch64"',
        'tomli; python_version < "3.12"',
        'exceptiongroup; python_version < "3.14"',
        'pywin32; sys_platform == "win32"',
    ]
    # sources declared only at the root send the plain specifier to the member
    assert api.workspace_sources == frozenset({"common-log", "common-models"})
    assert (ws.missing, ws.warnings) == (frozenset(), ())
    assert ws.indexes == (
        Index(name="internal", url=INTERNAL, explicit=True, pyproject="teams/x/api/pyproject.toml"),
    )


def test_list_says_why_each_member_is_or_is_not_a_service(realworld_root: Path) -> None:
    result = uvbake("list", "--format", "json", cwd=realworld_root)
    assert (result.returncode, result.stderr) == (0, "")

    def service(
        name: str, path: str, local: list[str], count: int, why: str, layers: list[str]
    ) -> object:
        return {
            "name": name,
            "path": path,
            "handler": f"{name.replace('-', '_')}.main.handler",
            "platform": "linux/arm64",
            "local": local,
            "glibc": "2.34",
            "third_party": count,
            "layers": layers,
            "emulated": [],
            "replaces": [],
            "why": why,
        }

    assert json.loads(result.stdout) == {
        "python": "3.13",
        "python_from": "config",
        "services": [
            service(
                "api",
                "apps/api",
                ["common-log", "common-models"],
                7,
                "matches service glob 'apps/*'",
                ["uvbake.layer-1"],
            ),
            service(
                "nightly",
                "jobs/nightly",
                ["common-log"],
                0,
                "[tool.uvbake] service = true in jobs/nightly/pyproject.toml",
                [],
            ),
            service(
                "team-x-api",
                "teams/x/api",
                ["common-log", "common-models"],
                3,
                "matches service glob 'teams/**/api'",
                ["uvbake.layer-2"],
            ),
            service("worker", "worker", ["common-log"], 0, "matches service glob 'worker'", []),
        ],
        "libraries": [
            {
                "name": "admin",
                "path": "apps/admin",
                "why": "[tool.uvbake] service = false in apps/admin/pyproject.toml",
                "handlers": [],
                "fix": "service = true in [tool.uvbake] of apps/admin/pyproject.toml",
            },
            {
                "name": "common-log",
                "path": "libs/common-log",
                "why": "matches library glob 'libs/*'",
                "handlers": [],
                "fix": "service = true in [tool.uvbake] of libs/common-log/pyproject.toml",
            },
            {
                "name": "common-models",
                "path": "packages/common-models",
                "why": "matches library glob 'packages/*'",
                "handlers": [],
                "fix": "service = true in [tool.uvbake] of packages/common-models/pyproject.toml",
            },
        ],
        "left_out": [],
        "declared": [],
        "problems": [],
    }
    text = uvbake("list", cwd=realworld_root).stdout
    assert text.split("libraries:\n")[1] == (
        "  admin                apps/admin                   "
        "([tool.uvbake] service = false in apps/admin/pyproject.toml)\n"
        "    a service with: service = true in [tool.uvbake] of apps/admin/pyproject.toml\n"
        "  common-log           libs/common-log              (matches library glob 'libs/*')\n"
        "    a service with: service = true in [tool.uvbake] of libs/common-log/pyproject.toml\n"
        "  common-models        packages/common-models       "
        "(matches library glob 'packages/*')\n"
        "    a service with: service = true in [tool.uvbake] of "
        "packages/common-models/pyproject.toml\n"
    )


@pytest.mark.parametrize(
    ("python", "platform", "api"),
    [
        ("3.13", "linux/arm64", {"awscrt", "exceptiongroup"}),
        ("3.14", "linux/arm64", {"awscrt"}),
        ("3.11", "linux/arm64", {"awscrt", "exceptiongroup", "tomli"}),
        ("3.13", "linux/amd64", {"exceptiongroup", "uvloop"}),
    ],
)
def test_third_party_is_what_applies_to_the_target(
    realworld_root: Path, python: str, platform: str, api: set[str]
) -> None:
    """pywin32 (win32) never applies; dev and lint groups never reach an image."""
    root = realworld_root / "pyproject.toml"
    text = root.read_text().replace('python = "3.13"', f'python = "{python}"')
    root.write_text(text + f'platform = "{platform}"\n')
    common = {"httpx", "idna", "orjson", "pydantic", "typing-extensions"}
    result = {s.name: s.third_party for s in planned(realworld_root).services}
    assert result == {
        "api": tuple((name, "1.0") for name in sorted(common | api)),
        "nightly": (),
        "team-x-api": (("acme-internal", "2.0"), ("pydantic", "1.0"), ("typing-extensions", "1.0")),
        "worker": (),
    }


def test_member_level_index_is_named_for_the_install(realworld_root: Path) -> None:
    ws = load(realworld_root)
    (team,) = [s for s in plan(ws, scan(ws)).services if s.name == "team-x-api"]
    packages = ws.lock.pinned(team.third_party)
    assert [(p.name, p.index) for p in packages] == [
        ("acme-internal", INTERNAL),
        ("pydantic", "https://pypi.org/simple"),
        ("typing-extensions", "https://pypi.org/simple"),
    ]
    assert ws.indexes_for(packages) == ws.indexes


def private_index_workspace(root: Path) -> Path:
    """One service whose packages come from PyPI, a member-level private index (pinned by a
    source) and an index uv.lock alone names (set in uv.toml or UV_INDEX when locking), in a
    workspace locked with exclude-newer."""
    lock = lock_text(
        [
            member_lock("api", "services/api", "acme-internal", "httpx", "legacy-sdk"),
            Locked("acme-internal", source='{ registry = "https://pkgs.acme.dev/simple" }'),
            Locked("httpx"),
            Locked("legacy-sdk", source='{ registry = "https://legacy.acme.dev/pypi" }'),
        ]
    )
    options = '\n[options]\nexclude-newer = "2025-06-01T00:00:00Z"\n'
    return build_tree(
        root,
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=())
            + '\n[tool.uv]\nexclude-newer = "2025-06-01T00:00:00Z"\n',
            "services/api/pyproject.toml": pyproject(
                "api",
                deps=["acme-internal", "httpx", "legacy-sdk"],
                extra=textwrap.dedent("""
                    [[tool.uv.index]]
                    name = "internal"
                    url = "https://pkgs.acme.dev/simple/"
                    explicit = true

                    [tool.uv.sources]
                    acme-internal = { index = "internal" }
                """),
            ),
            "services/api/src/api/main.py": HANDLER,
            "uv.lock": lock.replace("\n[manifest]", f"{options}\n[manifest]", 1),
        },
    )


def test_indexes_a_service_installs_from(tmp_path: Path) -> None:
    ws = load(private_index_workspace(tmp_path))
    (api,) = plan(ws, scan(ws)).services
    packages = ws.lock.pinned(api.third_party)
    assert [(p.name, p.index) for p in packages] == [
        ("acme-internal", "https://pkgs.acme.dev/simple"),
        ("httpx", "https://pypi.org/simple"),
        ("legacy-sdk", "https://legacy.acme.dev/pypi"),
    ]
    assert index_urls(packages) == (
        "https://legacy.acme.dev/pypi",
        "https://pkgs.acme.dev/simple",
    )
    assert ws.indexes_for(packages) == (
        Index(name=None, url="https://legacy.acme.dev/pypi"),
        Index(
            name="internal",
            url="https://pkgs.acme.dev/simple/",
            explicit=True,
            pyproject="services/api/pyproject.toml",
        ),
    )


def test_the_install_step_names_each_index_it_needs(tmp_path: Path) -> None:
    _, files = generated_files(private_index_workspace(tmp_path))
    installs = [
        line.strip()
        for line in files["uvbake.Dockerfile"].splitlines()
        if "uvbake-uv pip install --no-deps --require-hashes" in line
    ]
    assert installs == [
        "uvbake-uv pip install --no-deps --require-hashes "
        "--index https://legacy.acme.dev/pypi --index internal=https://pkgs.acme.dev/simple/ \\"
    ]


@pytest.mark.parametrize(
    ("index", "message"),
    [
        (
            'tool.uv.index = "https://pkgs.acme.dev/simple"\n',
            "services/api/pyproject.toml: [[tool.uv.index]] is not an array of tables",
        ),
        (
            '[[tool.uv.index]]\nname = "internal"\n',
            "services/api/pyproject.toml: [[tool.uv.index]] number 1 is malformed",
        ),
    ],
)
def test_malformed_index_names_the_file(tmp_path: Path, index: str, message: str) -> None:
    private_index_workspace(tmp_path)
    api = tmp_path / "services/api/pyproject.toml"
    api.write_text(index + "\n" + pyproject("api"))
    with pytest.raises(UvbakeError) as err:
        load(tmp_path)
    fix = 'write each index as [[tool.uv.index]] with name = "..." and url = "https://..."'
    assert err.value.line() == f"{message}; {fix}"


GIT = "https://github.com/acme/tool?rev=v1#0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"


def test_git_url_and_path_sources(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=()),
            "services/api/pyproject.toml": pyproject("api", deps=["tool", "six", "vendored"]),
            "services/api/src/api/main.py": HANDLER,
            "uv.lock": lock_text(
                [
                    member_lock("api", "services/api", "tool", "six", "vendored", "wheelhouse"),
                    Locked("tool", version="1.1", source=f'{{ git = "{GIT}" }}', deps=["idna"]),
                    Locked("six", source='{ url = "https://files.example/six-1.0.whl" }'),
                    Locked("vendored", source='{ directory = "vendor/vendored" }'),
                    Locked("wheelhouse", source='{ path = "wheels/wheelhouse-1.0.whl" }'),
                    Locked("idna"),
                ]
            ),
        },
    )
    packages = load(tmp_path).lock.packages
    assert [(p.name, p.source_kind, p.index) for p in packages] == [
        ("api", "editable", None),
        ("idna", "registry", "https://pypi.org/simple"),
        ("six", "url", None),
        ("tool", "git", None),
        ("vendored", "directory", None),
        ("wheelhouse", "path", None),
    ]
    assert [(p.name, p.source["git"]) for p in git_packages(packages)] == [("tool", GIT)]
    assert [p.name for p in local_packages(packages)] == ["vendored", "wheelhouse"]
    with pytest.raises(UvbakeError) as err:
        load(tmp_path).lock.pinned([("tool", "9.9")])
    assert err.value.line() == (
        "uv.lock: no package 'tool' 9.9 is locked; run `uv lock` in the workspace root"
    )


@pytest.mark.parametrize(
    "dynamic",
    [
        '[tool.hatch.version]\npath = "src/api/__init__.py"',
        '[tool.setuptools_scm]\nversion_file = "src/api/_version.py"',
    ],
)
@pytest.mark.parametrize(("locked", "version"), [(None, None), ("2.3.4", "2.3.4")])
def test_dynamic_version(
    tmp_path: Path, dynamic: str, locked: str | None, version: str | None
) -> None:
    """uv.lock leaves a dynamic version out; older locks pinned it, and then it is used."""
    entry = 'name = "api"\nversion = "0.1.0"\n'
    lock = lock_text([member_lock("api", "services/api", "idna"), Locked("idna")])
    pinned = f'name = "api"\nversion = "{locked}"\n' if locked else 'name = "api"\n'
    build_tree(
        tmp_path,
        {
            "pyproject.toml": root_pyproject(["services/*"], exclude=()),
            "services/api/pyproject.toml": pyproject("api", deps=["idna"], extra=dynamic).replace(
                'version = "0.1.0"\n', 'dynamic = ["version"]\n'
            ),
            "services/api/src/api/main.py": HANDLER,
            "uv.lock": lock.replace(entry, pinned),
        },
    )
    ws = load(tmp_path)
    assert [(m.name, m.version) for m in ws.members] == [("api", version)]
    _, files = generated_files(tmp_path)
    labels = bake_blocks(files[BAKE_FILE], "target")["api"]["labels"]
    assert labels == {
        "dev.uvbake.handler": "api.main.handler",
        "dev.uvbake.member": "services/api",
        "org.opencontainers.image.title": "api",
    } | ({"org.opencontainers.image.version": version} if version else {})


def root_project(root: Path) -> Path:
    """The root is a member too, with runtime dependencies of its own (locked by uv)."""
    wheels(root / "wheels", {"idna": [], "six": []})
    return build_tree(
        root,
        {
            "pyproject.toml": """
                [project]
                name = "platform"
                version = "3.0.0"
                requires-python = ">=3.10"
                dependencies = ["idna", "common-log"]

                [tool.uv.workspace]
                members = ["services/*", "libs/*"]

                [tool.uv.sources]
                common-log = { workspace = true }

                [tool.uvbake]
                python = "3.13"
            """,
            "services/api/pyproject.toml": member("api", "common-log"),
            "services/api/src/api/main.py": HANDLER,
            "libs/common-log/pyproject.toml": member("common-log", "six"),
        },
    )


def test_root_project_is_a_member(tmp_path: Path) -> None:
    root = root_project(tmp_path / "ws")
    uv_lock(root, cache=tmp_path / "uv-cache")
    ws = load(root)
    assert [(m.name, m.path.as_posix(), m.packaged) for m in ws.members] == [
        ("platform", ".", False),
        ("common-log", "libs/common-log", True),
        ("api", "services/api", True),
    ]
    platform = ws.member("platform")
    assert platform is not None
    assert [str(r) for r in platform.dependencies] == ["idna", "common-log"]
    assert ws.lock.member_path("platform") == "."
    result = plan(ws, scan(ws))
    assert [(s.name, [m.name for m in s.closure], s.third_party) for s in result.services] == [
        ("api", ["common-log"], (("six", "1.0"),))
    ]
    assert [m.name for m in result.libraries] == ["platform", "common-log"]


def generated(root: Path, *, api_needs_it: bool) -> Path:
    """`gen-client` is generated code, locked by uv; the tests then take its folder out of the
    checkout. The `docs` group of `other` always needs it, and `api` when `api_needs_it`."""
    wheels(root / "wheels", {"idna": [], "six": []})
    return build_tree(
        root,
        {
            "pyproject.toml": """
                [tool.uv.workspace]
                members = ["services/*", "generated/*"]

                [tool.uv.sources]
                gen-client = { workspace = true }

                [tool.uvbake]
                python = "3.13"
            """,
            "services/api/pyproject.toml": member("api", "gen-client" if api_needs_it else "idna"),
            "services/api/src/api/main.py": HANDLER,
            "services/other/pyproject.toml": member(
                "other", "idna", extra='[dependency-groups]\ndocs = ["gen-client"]'
            ),
            "services/other/src/other/main.py": HANDLER,
            "generated/client/pyproject.toml": member("gen-client", "six"),
        },
    )


WARNING = (
    "uv.lock: locks workspace member 'gen-client' at generated/client, which is not in the "
    "checkout; services that need it cannot be planned until the folder exists"
)


@pytest.mark.parametrize(
    "remove", ["generated", "generated/client", "generated/client/pyproject.toml"]
)
def test_missing_member_is_a_warning(tmp_path: Path, remove: str) -> None:
    root = generated(tmp_path / "ws", api_needs_it=True)
    uv_lock(root, cache=tmp_path / "uv-cache")
    gone = root / remove
    shutil.rmtree(gone) if gone.is_dir() else gone.unlink()
    ws = load(root)
    assert [m.name for m in ws.members] == ["api", "other"]
    assert (ws.missing, ws.warnings) == (frozenset({"gen-client"}), (WARNING,))
    api = ws.member("api")
    assert api is not None
    assert ws.missing_error(service=api, name="gen-client").line() == (
        "services/api/pyproject.toml: service 'api' needs workspace member 'gen-client', but "
        "generated/client/pyproject.toml is not in the checkout; create generated/client "
        "(run the step that generates it) before running uvbake"
    )


def test_missing_member_no_service_needs_is_printed_as_a_warning(tmp_path: Path) -> None:
    root = generated(tmp_path / "ws", api_needs_it=False)
    uv_lock(root, cache=tmp_path / "uv-cache")
    shutil.rmtree(root / "generated")
    result = uvbake("list", "--format", "json", cwd=root)
    assert result.stderr == f"uvbake: warning: {WARNING}\n"
    services = json.loads(result.stdout)["services"]
    assert [(s["name"], s["local"], s["third_party"]) for s in services] == [
        ("api", [], 1),
        ("other", [], 1),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            # the lock's member folder is outside the member globs: the member was removed
            lambda root: (root / "pyproject.toml").write_text(
                (root / "pyproject.toml").read_text().replace(', "generated/*"', "")
            ),
            "uv.lock: is out of date: it lists gen-client which are not members",
        ),
        (
            # excluded
            lambda root: (root / "pyproject.toml").write_text(
                (root / "pyproject.toml")
                .read_text()
                .replace('"generated/*"]', '"generated/*"]\nexclude = ["generated/client"]')
            ),
            "uv.lock: is out of date: it lists gen-client which are not members",
        ),
        (
            # the folder is there, under another name
            lambda root: (root / "generated/client/pyproject.toml").write_text(
                member("client", "six")
            ),
            "uv.lock: is out of date: it does not list member(s) client and lists gen-client "
            "which are not members",
        ),
    ],
)
def test_lock_members_that_are_not_missing_folders_stay_errors(
    tmp_path: Path, change: Callable[[Path], object], message: str
) -> None:
    root = generated(tmp_path / "ws", api_needs_it=True)
    uv_lock(root, cache=tmp_path / "uv-cache")
    change(root)
    with pytest.raises(UvbakeError) as err:
        load(root)
    assert err.value.line() == f"{message}; run `uv lock` in the workspace root"


def large(root: Path, *, services: int, libraries: int) -> Path:
    """`services` services, each using one of `libraries` libraries (which chain to the next)."""
    files: dict[str, str] = {"pyproject.toml": root_pyproject()}
    packages = [Locked("idna"), Locked("six")]
    for n in range(libraries):
        name, path = f"lib-{n:02}", f"services/common/lib-{n:02}"
        nxt = [f"lib-{n + 1:02}"] if n + 1 < libraries else ["six"]
        files[f"{path}/pyproject.toml"] = pyproject(name, deps=nxt)
        packages.append(member_lock(name, path, *nxt))
    for n in range(services):
        name, path = f"svc-{n:02}", f"services/svc-{n:02}"
        lib = f"lib-{n % libraries:02}"
        files[f"{path}/pyproject.toml"] = pyproject(name, deps=[lib, "idna"])
        files[f"{path}/src/svc_{n:02}/main.py"] = HANDLER
        packages.append(member_lock(name, path, lib, "idna"))
    files["pyproject.toml"] += "\n[tool.uv.sources]\n" + "".join(
        f"lib-{n:02} = {{ workspace = true }}\n" for n in range(libraries)
    )
    return build_tree(root, {**files, "uv.lock": lock_text(packages)})


def test_large_workspace(tmp_path: Path) -> None:
    large(tmp_path, services=45, libraries=40)
    result, files = generated_files(tmp_path)
    names = [f"svc-{n:02}" for n in range(45)]
    assert [s.name for s in result.services] == names
    assert len(result.libraries) == 40
    closures = {s.name: len(s.closure) for s in result.services}
    assert closures == {f"svc-{n:02}": 40 - n % 40 for n in range(45)}
    shared = result.layers[0]
    assert (shared.services, [p.name for p in shared.pins]) == (tuple(names), ["idna", "six"])
    assert {s.name: [layer.name for layer in s.layers] for s in result.services} == {
        name: ["uvbake.layer-1"] for name in names
    }
    assert bake_blocks(files[BAKE_FILE], "group")["default"]["targets"] == names


@pytest.mark.parametrize(
    "requires",
    ['["hatchling", "hatch-vcs"]', '["setuptools>=64", "setuptools_scm[toml]>=8"]'],
)
@pytest.mark.parametrize(("locked", "version"), [(None, "0.0.0"), ("1.4.0", "1.4.0")])
def test_library_versioned_from_git_gets_its_version_from_the_build(
    tmp_path: Path, requires: str, locked: str | None, version: str
) -> None:
    """The build context has no .git, so a setuptools-scm or hatch-vcs library is told its
    version (the locked one, else 0.0.0) instead of failing to find it; others are not."""
    lock = lock_text(
        [
            member_lock("api", "services/api", "common-log", "common-plain"),
            member_lock("common-log", "services/common/log"),
            member_lock("common-plain", "services/common/plain"),
        ]
    )
    entry = 'name = "common-log"\nversion = "0.1.0"\n'
    pinned = f'name = "common-log"\nversion = "{locked}"\n' if locked else 'name = "common-log"\n'
    vcs = pyproject("common-log", packaged=False).replace(
        'version = "0.1.0"\n', 'dynamic = ["version"]\n'
    )
    vcs += f'\n[build-system]\nrequires = {requires}\nbuild-backend = "hatchling.build"\n'
    build_tree(
        tmp_path,
        {
            "pyproject.toml": root_pyproject(["services/*", "services/common/*"]),
            "services/api/pyproject.toml": pyproject(
                "api",
                deps=["common-log", "common-plain"],
                workspace_sources=["common-log", "common-plain"],
            ),
            "services/api/src/api/main.py": HANDLER,
            "services/common/log/pyproject.toml": vcs,
            "services/common/log/src/common_log/__init__.py": "",
            "services/common/plain/pyproject.toml": pyproject("common-plain"),
            "services/common/plain/src/common_plain/__init__.py": "",
            "uv.lock": lock.replace(entry, pinned),
        },
    )
    _, files = generated_files(tmp_path)
    installs = [
        line.strip()
        for line in files["uvbake.Dockerfile"].splitlines()
        if "pip install --no-deps --no-sources" in line
    ]
    # each library is built in a step of its own; only the git-versioned one is told
    assert installs == [
        f"SETUPTOOLS_SCM_PRETEND_VERSION={version} "
        f"SETUPTOOLS_SCM_PRETEND_VERSION_FOR_COMMON_LOG={version} uvbake-uv pip install "
        "--no-deps --no-sources \\",
        "uvbake-uv pip install --no-deps --no-sources \\",
    ]
