"""A corpus of broken workspaces: each is the seed workspace plus one breaking change.

For every case `uvbake generate` must print exactly one `uvbake: error:` line naming the file,
exit 1, print nothing on stdout, and leave every file of the tree as it was. The cases run the
CLI in this process; a few run again through the installed `uvbake` script.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import (
    Locked,
    Via,
    build_tree,
    layouts_workspace,
    lock_text,
    member_lock,
    pyproject,
    seed_lock_packages,
    seed_workspace,
    snapshot,
    uvbake,
)

Change = Callable[[Path], object]
RELOCK = "run `uv lock` in the workspace root"


def write(rel: str, content: str | bytes) -> Change:
    return lambda root: build_tree(root, {rel: content})


def edit(rel: str, old: str, new: str) -> Change:
    def change(root: Path) -> None:
        text = (root / rel).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        (root / rel).write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def append(rel: str, text: str) -> Change:
    def change(root: Path) -> None:
        with (root / rel).open("a", encoding="utf-8") as handle:
            handle.write(text)

    return change


def remove(rel: str) -> Change:
    return lambda root: (root / rel).unlink()


def link(rel: str, target: str) -> Change:
    def change(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / rel)

    return change


def mkdir(rel: str) -> Change:
    return lambda root: (root / rel).mkdir(parents=True)


def lock_with(*extra: Locked, drop: str = "") -> Change:
    """The seed lock with `extra` packages added (replacing same-named ones) and `drop` gone."""
    names = {p.name for p in extra} | {drop}
    packages = seed_lock_packages()
    kept = [p for p in packages if p.name not in names] + list(extra)
    return write("uv.lock", lock_text(kept))


ROOT = "pyproject.toml"
API = "services/api/pyproject.toml"
LOG = "services/common/log/pyproject.toml"
PYTHON = 'python = "3.13"'
MEMBERS = (API, "services/worker/pyproject.toml", "services/common/models/pyproject.toml", LOG)

CASES: list[tuple[str, Change, str]] = [
    # --- TOML that does not parse or is not UTF-8
    (
        "root-toml-malformed",
        write(ROOT, "[tool.uv.workspace\nmembers = []\n"),
        "pyproject.toml: is not valid TOML (Expected ']' at the end of a table declaration "
        "(at line 1, column 19)); fix the syntax",
    ),
    (
        "member-toml-malformed",
        append(API, 'oops = "unterminated\n'),
        "services/api/pyproject.toml: is not valid TOML (Illegal character '\\n' "
        "(at line 13, column 21)); fix the syntax",
    ),
    (
        "lock-toml-malformed",
        write("uv.lock", "version = 1\n[[package]\n"),
        "uv.lock: is not valid TOML (Expected ']]' at the end of an array declaration "
        "(at line 2, column 10)); fix the syntax",
    ),
    (
        "root-not-utf8",
        write(ROOT, b'[tool.uv.workspace]\nmembers = ["services/\xff"]\n'),
        "pyproject.toml: is not UTF-8 (byte 41); save the file as UTF-8",
    ),
    (
        "member-not-utf8",
        write(API, b'[project]\nname = "api"\ndescription = "caf\xe9"\n'),
        "services/api/pyproject.toml: is not UTF-8 (byte 41); save the file as UTF-8",
    ),
    (
        "lock-not-utf8",
        write("uv.lock", b"version = 1\n# \xfe\xff\n"),
        "uv.lock: is not UTF-8 (byte 14); save the file as UTF-8",
    ),
    (
        "root-pyproject-is-a-folder",
        lambda root: ((root / ROOT).unlink(), (root / ROOT).mkdir()),
        "pyproject.toml: is a folder, not a file; replace it with the TOML file",
    ),
    # --- the workspace table
    (
        "no-workspace-table",
        write(ROOT, "[tool.uvbake]\n" + PYTHON + "\n"),
        "pyproject.toml: has no [tool.uv.workspace] table; add [tool.uv.workspace] with "
        'members = ["services/*", "services/common/*"]',
    ),
    (
        "workspace-not-a-table",
        write(ROOT, "[tool.uv]\nworkspace = true\n"),
        "pyproject.toml: has no [tool.uv.workspace] table; add [tool.uv.workspace] with "
        'members = ["services/*", "services/common/*"]',
    ),
    (
        "members-not-a-list",
        edit(ROOT, 'members = ["services/*", "services/common/*"]', 'members = "services/*"'),
        "pyproject.toml: [tool.uv.workspace] members must be a list of globs; "
        'write it as members = ["services/*"]',
    ),
    (
        "exclude-not-a-list",
        edit(ROOT, 'exclude = ["services/common"]', 'exclude = "services/common"'),
        "pyproject.toml: [tool.uv.workspace] exclude must be a list of globs; "
        'write it as exclude = ["services/*"]',
    ),
    (
        "member-glob-matches-nothing",
        edit(ROOT, '"services/common/*"]', '"services/common/*", "apps/*"]'),
        "pyproject.toml: workspace member glob 'apps/*' matches no folder; remove it from "
        "[tool.uv.workspace] members or create the member",
    ),
    (
        "member-glob-absolute",
        edit(ROOT, '"services/common/*"]', '"services/common/*", "/etc"]'),
        "pyproject.toml: workspace glob '/etc' is not a relative path; write globs relative "
        'to the workspace root, like "services/*"',
    ),
    (
        "member-glob-leaves-root",
        edit(ROOT, '"services/common/*"]', '"services/common/*", "../*"]'),
        "pyproject.toml: workspace glob '../*' leaves the workspace root; "
        "keep members inside the workspace folder",
    ),
    (
        "member-glob-empty",
        edit(ROOT, '"services/common/*"]', '"services/common/*", ""]'),
        "pyproject.toml: workspace glob '' is not a relative path; write globs relative "
        'to the workspace root, like "services/*"',
    ),
    (
        "exclude-glob-leaves-root",
        edit(ROOT, 'exclude = ["services/common"]', 'exclude = ["services/common", "../.."]'),
        "pyproject.toml: workspace glob '../..' leaves the workspace root; "
        "keep members inside the workspace folder",
    ),
    (
        "member-folder-without-pyproject",
        mkdir("services/empty"),
        "pyproject.toml: workspace member 'services/empty' has no pyproject.toml "
        "(matched by 'services/*'); add \"services/empty\" to [tool.uv.workspace] exclude",
    ),
    (
        "member-symlink-loop",
        link("services/loop", "loop"),
        "pyproject.toml: workspace member 'services/loop' (matched by 'services/*') is a "
        'symbolic link loop; remove the link or add "services/loop" to [tool.uv.workspace] '
        "exclude",
    ),
    (
        "member-symlink-cycle-of-two",
        lambda root: (link("services/a", "b")(root), link("services/b", "a")(root)),
        "pyproject.toml: workspace member 'services/a' (matched by 'services/*') is a "
        'symbolic link loop; remove the link or add "services/a" to [tool.uv.workspace] '
        "exclude",
    ),
    (
        "member-symlink-outside-workspace",
        link("services/evil", "/"),
        "pyproject.toml: workspace member 'services/evil' (matched by 'services/*') links "
        "outside the workspace; move the member into the workspace folder",
    ),
    (
        "member-symlink-to-another-member",
        link("services/again", "api"),
        "services/api/pyproject.toml: project name 'api' is also used by "
        "services/again/pyproject.toml; give every workspace member its own [project] name",
    ),
    # --- member pyprojects
    (
        "member-without-project",
        write(API, "[tool.uv]\npackage = true\n"),
        "services/api/pyproject.toml: has no [project] table; add [project] with a name",
    ),
    (
        "member-project-not-a-table",
        write(API, 'project = "api"\n'),
        "services/api/pyproject.toml: has no [project] table; add [project] with a name",
    ),
    (
        "member-without-name",
        edit(API, 'name = "api"\n', ""),
        'services/api/pyproject.toml: [project] has no name; add name = "..." to [project]',
    ),
    (
        "member-name-not-a-string",
        edit(API, 'name = "api"', "name = 42"),
        'services/api/pyproject.toml: [project] has no name; add name = "..." to [project]',
    ),
    (
        "member-name-hostile",
        edit(API, 'name = "api"', 'name = "api\\"; rm -rf /"'),
        "services/api/pyproject.toml: [project] name 'api\"; rm -rf /' is not a valid project "
        "name; use ASCII letters, digits and . _ - (starting and ending with a letter or digit)",
    ),
    (
        "duplicate-member-names",
        write("services/api2/pyproject.toml", pyproject("api")),
        "services/api2/pyproject.toml: project name 'api' is also used by "
        "services/api/pyproject.toml; give every workspace member its own [project] name",
    ),
    (
        "duplicate-names-after-normalising",
        write("services/zz/pyproject.toml", pyproject("Common_Log")),
        "services/zz/pyproject.toml: project name 'common-log' is also used by "
        "services/common/log/pyproject.toml; give every workspace member its own [project] name",
    ),
    (
        "dependencies-not-a-list",
        edit(API, 'dependencies = ["common-models", "httpx"]', 'dependencies = "httpx"'),
        "services/api/pyproject.toml: [project] dependencies must be a list of strings; "
        'write it as dependencies = ["httpx>=0.27"]',
    ),
    (
        "dependency-not-pep508",
        edit(API, '"httpx"]', '"httpx>>0.27"]'),
        "services/api/pyproject.toml: dependency 'httpx>>0.27' is not a valid requirement; "
        'write it like "httpx>=0.27" (PEP 508)',
    ),
    (
        "workspace-source-names-a-non-member",
        lambda root: (
            edit(API, '"httpx"]', '"httpx", "ghost"]')(root),
            append(API, "")(root),
            edit(API, "[tool.uv.sources]\n", "[tool.uv.sources]\nghost = { workspace = true }\n")(
                root
            ),
        ),
        "services/api/pyproject.toml: 'ghost' has a { workspace = true } source but is not a "
        "workspace member; add its folder to [tool.uv.workspace] members or drop the source",
    ),
    # --- uv.lock
    (
        "lock-missing",
        remove("uv.lock"),
        f"uv.lock: file not found; {RELOCK}",
    ),
    (
        "lock-not-a-lockfile",
        write("uv.lock", 'name = "not a lock"\n'),
        f"uv.lock: is not a uv lockfile; {RELOCK}",
    ),
    (
        "lock-package-without-name",
        append("uv.lock", '\n[[package]]\nversion = "1.0"\n'),
        f"uv.lock: has a [[package]] entry without a name; {RELOCK}",
    ),
    (
        "lock-source-not-a-table",
        append("uv.lock", '\n[[package]]\nname = "odd"\nsource = "pypi"\n'),
        f"uv.lock: package 'odd' has a malformed entry; {RELOCK}",
    ),
    (
        "lock-dependencies-not-a-list",
        append("uv.lock", '\n[[package]]\nname = "odd"\ndependencies = "idna"\n'),
        f"uv.lock: package 'odd' has a dependency list that is not a list; {RELOCK}",
    ),
    (
        "lock-dependency-without-name",
        append("uv.lock", '\n[[package]]\nname = "odd"\ndependencies = [{ version = "1" }]\n'),
        f"uv.lock: package 'odd' has a dependency without a name; {RELOCK}",
    ),
    (
        "lock-manifest-members-not-a-list",
        edit("uv.lock", "members = [", 'members = "api"\nold-members = ['),
        f"uv.lock: [manifest] members is not a list of names; {RELOCK}",
    ),
    (
        "lock-lists-another-member",
        lock_with(member_lock("billing", "old/billing")),
        f"uv.lock: is out of date: it lists billing which are not members; {RELOCK}",
    ),
    (
        "lock-misses-a-member",
        write("services/extra/pyproject.toml", pyproject("extra")),
        f"uv.lock: is out of date: it does not list member(s) extra; {RELOCK}",
    ),
    (
        "lock-names-an-unlocked-package",
        lock_with(member_lock("api", "services/api", "common-models", "httpx", "rich")),
        f"uv.lock: no package 'rich' is locked; {RELOCK}",
    ),
    (
        "lock-allows-no-lambda-python",
        lambda root: (
            edit(ROOT, PYTHON, "")(root),
            edit("uv.lock", 'requires-python = ">=3.12"', 'requires-python = "<3.9"')(root),
            *(edit(p, '">=3.12"', '"<3.9"')(root) for p in MEMBERS),
        ),
        "uv.lock: requires-python '<3.9' allows no Lambda Python; "
        'set [tool.uvbake] python = "3.13" in pyproject.toml',
    ),
    (
        "lock-requires-python-differs",
        edit(API, 'requires-python = ">=3.12"', 'requires-python = ">=3.13"'),
        "uv.lock: is out of date: it records requires-python '>=3.12', the members ask >=3.12, "
        f">=3.13; {RELOCK}",
    ),
    (
        "lock-member-version-differs",
        edit(API, 'version = "0.1.0"', 'version = "0.2.0"'),
        f"uv.lock: is out of date: services/api/pyproject.toml has version 0.2.0, uv.lock has "
        f"0.1.0; {RELOCK}",
    ),
    (
        "lock-member-turned-virtual",
        append(LOG, "\n[tool.uv]\npackage = false\n"),
        "uv.lock: is out of date: services/common/log/pyproject.toml sets [tool.uv] package = "
        f"false, uv.lock builds it; {RELOCK}",
    ),
    # --- [tool.uvbake]
    (
        "root-unknown-key-did-you-mean",
        append(ROOT, 'platfrom = "linux/arm64"\n'),
        "pyproject.toml: unknown key 'platfrom' in [tool.uvbake]; did you mean 'platform'?",
    ),
    (
        "member-unknown-key-no-close-match",
        append(API, "\n[tool.uvbake]\nzzz = 1\n"),
        "services/api/pyproject.toml: unknown key 'zzz' in [tool.uvbake]; known keys: "
        "service, handler, platform, base-image, packages, glibc",
    ),
    (
        "member-root-only-key",
        append(API, '\n[tool.uvbake]\nregistry = "ecr"\n'),
        "services/api/pyproject.toml: unknown key 'registry' in [tool.uvbake]; known keys: "
        "service, handler, platform, base-image, packages, glibc",
    ),
    (
        "root-wrong-type",
        append(ROOT, 'services = "services/*"\n'),
        "pyproject.toml: [tool.uvbake] services must be a list of strings, not a string; "
        'write it as services = ["services/*"]',
    ),
    (
        "member-wrong-type",
        append(API, '\n[tool.uvbake]\nservice = "yes"\n'),
        "services/api/pyproject.toml: [tool.uvbake] service must be true or false, not a "
        "string; write it as service = true",
    ),
    (
        "uvbake-not-a-table",
        write(ROOT, '[tool]\nuvbake = "on"\n\n[tool.uv.workspace]\nmembers = ["services/*"]\n'),
        "pyproject.toml: [tool.uvbake] is not a table; write it as [tool.uvbake]",
    ),
    (
        "bad-platform",
        append(ROOT, 'platform = "linux/386"\n'),
        "pyproject.toml: [tool.uvbake] platform 'linux/386' is not a Lambda platform; "
        "use one of linux/arm64, linux/amd64",
    ),
    (
        "bad-member-platform",
        append(API, '\n[tool.uvbake]\nplatform = "windows/amd64"\n'),
        "services/api/pyproject.toml: [tool.uvbake] platform 'windows/amd64' is not a Lambda "
        "platform; use one of linux/arm64, linux/amd64",
    ),
    (
        "bad-python",
        edit(ROOT, PYTHON, 'python = "3.8"'),
        "pyproject.toml: Python '3.8' is not a Lambda Python runtime; "
        "use one of 3.9, 3.10, 3.11, 3.12, 3.13, 3.14",
    ),
    (
        "python-not-a-string",
        edit(ROOT, PYTHON, "python = 3.13"),
        "pyproject.toml: [tool.uvbake] python must be a string, not 3.13; "
        'write it as python = "3.13"',
    ),
    (
        "bad-python-version-file",
        lambda root: (edit(ROOT, PYTHON, "")(root), write(".python-version", "pypy3.10\n")(root)),
        ".python-version: Python 'pypy3.10' is not a Lambda Python runtime; "
        "use one of 3.9, 3.10, 3.11, 3.12, 3.13, 3.14",
    ),
    (
        "bad-base-image",
        append(ROOT, 'base-image = "python:3.13; rm -rf /"\n'),
        "pyproject.toml: [tool.uvbake] base-image 'python:3.13; rm -rf /' is not an image "
        "reference; use ASCII letters, digits and . _ - / : @ only",
    ),
    (
        "bad-uv-image",
        append(ROOT, 'uv-image = "ghcr.io/astral-sh/uv:${TAG}"\n'),
        "pyproject.toml: [tool.uvbake] uv-image 'ghcr.io/astral-sh/uv:${TAG}' is not an image "
        "reference; use ASCII letters, digits and . _ - / : @ only",
    ),
    (
        "bad-registry",
        append(ROOT, 'registry = "ecr\\nFROM scratch"\n'),
        "pyproject.toml: [tool.uvbake] registry 'ecr\\nFROM scratch' is not an image "
        "reference; use ASCII letters, digits and . _ - / : @ only",
    ),
    (
        "bad-member-base-image",
        append(API, '\n[tool.uvbake]\nbase-image = "-oops"\n'),
        "services/api/pyproject.toml: [tool.uvbake] base-image '-oops' is not an image "
        "reference; use ASCII letters, digits and . _ - / : @ only",
    ),
    # --- planning
    (
        "handler-module-missing",
        remove("services/api/src/api/main.py"),
        "services/api/pyproject.toml: service 'api' has no Lambda handler (api.main.handler "
        'not found); set [tool.uvbake] handler = "package.module.function"',
    ),
    (
        "handler-function-missing",
        write("services/api/src/api/main.py", "def handle(event, context):\n    return 1\n"),
        "services/api/pyproject.toml: service 'api' has no Lambda handler (api.main.handler "
        'not found); set [tool.uvbake] handler = "package.module.function"',
    ),
    (
        "handler-not-dotted",
        append(API, '\n[tool.uvbake]\nhandler = "handler"\n'),
        "services/api/pyproject.toml: handler 'handler' is not a dotted module.function path; "
        'set [tool.uvbake] handler = "package.module.function"',
    ),
    (
        "handler-package-missing",
        append(API, '\n[tool.uvbake]\nhandler = "nowhere.main.handler"\n'),
        "services/api/pyproject.toml: import package 'nowhere' of service 'api' is not in "
        "services/api/src; fix [tool.uvbake] packages or the handler",
    ),
    (
        "hostile-member-folder",
        lambda root: (root / "services/worker").rename(root / "services/work er$(id)"),
        "services/work er$(id)/pyproject.toml: folder 'services/work er$(id)' has characters "
        "uvbake will not put in a Dockerfile; rename the folder to ASCII letters, digits and "
        ". _ - + @",
    ),
    (
        "git-source-in-a-service-closure",
        lock_with(
            Locked("orjson", source='{ git = "https://github.com/ijl/orjson?rev=3.10#0a1b2c" }')
        ),
        "services/common/log/pyproject.toml: service 'api' needs 'orjson' from git "
        "(https://github.com/ijl/orjson?rev=3.10), which the image build cannot install: the "
        "builder has no git and no hash can pin it; vendor it as a workspace member, or publish "
        "a wheel to a package index and depend on that",
    ),
    (
        "no-service",
        append(ROOT, 'services = ["apps/*"]\n'),
        "pyproject.toml: no workspace member is a service; put services under services/ or "
        'set [tool.uvbake] services = ["apps/*"]',
    ),
    (
        "lock-does-not-lock-a-service",
        lambda root: (
            lock_with(drop="api")(root),
            edit("uv.lock", "members = [\n", 'members = [\n    "api",\n')(root),
        ),
        "uv.lock: does not lock service 'api'; run `uv lock`",
    ),
    (
        "python-not-a-string-but-a-boolean",
        edit(ROOT, PYTHON, "python = true"),
        "pyproject.toml: [tool.uvbake] python must be a string, not true; "
        'write it as python = "3.13"',
    ),
    (
        "python-newer-than-lambda",
        edit(ROOT, PYTHON, 'python = "3.15"'),
        "pyproject.toml: Python '3.15' is not a Lambda Python runtime; "
        "use one of 3.9, 3.10, 3.11, 3.12, 3.13, 3.14",
    ),
    (
        "python-major-only",
        edit(ROOT, PYTHON, 'python = "3"'),
        "pyproject.toml: Python '3' is not a Lambda Python runtime; "
        "use one of 3.9, 3.10, 3.11, 3.12, 3.13, 3.14",
    ),
    (
        "python-version-file-empty",
        lambda root: (edit(ROOT, PYTHON, "")(root), write(".python-version", "\n")(root)),
        ".python-version: Python '' is not a Lambda Python runtime; "
        "use one of 3.9, 3.10, 3.11, 3.12, 3.13, 3.14",
    ),
    (
        "max-layers-out-of-range",
        append(ROOT, "max-layers = 1\n"),
        "pyproject.toml: [tool.uvbake] max-layers must be a whole number from 2 to 100, not 1; "
        "write it as max-layers = 16",
    ),
    (
        "max-layers-a-string",
        append(ROOT, 'max-layers = "16"\n'),
        "pyproject.toml: [tool.uvbake] max-layers must be a whole number from 2 to 100, not a "
        "string; write it as max-layers = 16",
    ),
    (
        "glibc-a-number",
        append(ROOT, "glibc = 2.34\n"),
        "pyproject.toml: [tool.uvbake] glibc must be a string, not 2.34; "
        'write it as glibc = "2.34"',
    ),
    (
        "glibc-too-old",
        append(ROOT, 'glibc = "2.5"\n'),
        "pyproject.toml: [tool.uvbake] glibc '2.5' is not a glibc version; "
        'write it as glibc = "2.34" (2.17 or newer)',
    ),
    (
        "native-builds-a-string",
        append(ROOT, 'native-builds = "yes"\n'),
        "pyproject.toml: [tool.uvbake] native-builds must be true or false, not a string; "
        "write it as native-builds = true",
    ),
    (
        "services-holding-a-number",
        append(ROOT, 'services = ["services/*", 1]\n'),
        "pyproject.toml: [tool.uvbake] services must be a list of strings, not a list holding 1; "
        'write it as services = ["services/*"]',
    ),
    (
        "libraries-a-table",
        append(ROOT, "libraries = { glob = 1 }\n"),
        "pyproject.toml: [tool.uvbake] libraries must be a list of strings, not a table; "
        'write it as libraries = ["services/common/*"]',
    ),
    (
        "uv-image-a-list",
        append(ROOT, 'uv-image = ["ghcr.io/astral-sh/uv"]\n'),
        "pyproject.toml: [tool.uvbake] uv-image must be a string, not a list; "
        'write it as uv-image = "ghcr.io/astral-sh/uv:0.13.9"',
    ),
    (
        "registry-a-date",
        append(ROOT, "registry = 2026-01-01\n"),
        "pyproject.toml: [tool.uvbake] registry must be a string, not a date or time; "
        'write it as registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"',
    ),
    (
        "member-handler-a-number",
        append(API, "\n[tool.uvbake]\nhandler = 1\n"),
        "services/api/pyproject.toml: [tool.uvbake] handler must be a string, not 1; "
        'write it as handler = "acme_orders.main.handler"',
    ),
    (
        "member-packages-a-string",
        append(API, '\n[tool.uvbake]\npackages = "api"\n'),
        "services/api/pyproject.toml: [tool.uvbake] packages must be a list of strings, not a "
        'string; write it as packages = ["acme_orders"]',
    ),
    (
        "member-arm64-runner-is-root-only",
        append(API, '\n[tool.uvbake]\narm64-runner = "ubuntu-24.04-arm"\n'),
        "services/api/pyproject.toml: unknown key 'arm64-runner' in [tool.uvbake]; known keys: "
        "service, handler, platform, base-image, packages, glibc",
    ),
    (
        "base-image-not-ascii",
        append(ROOT, 'base-image = "pyth\u00f6n:3.13"\n'),
        "pyproject.toml: [tool.uvbake] base-image 'pyth\u00f6n:3.13' is not an image reference; "
        "use ASCII letters, digits and . _ - / : @ only",
    ),
    (
        "member-name-not-ascii",
        edit(API, 'name = "api"', 'name = "\u00e1pi"'),
        "services/api/pyproject.toml: [project] name '\u00e1pi' is not a valid project name; use "
        "ASCII letters, digits and . _ - (starting and ending with a letter or digit)",
    ),
    # --- files uvbake did not write
    (
        "foreign-bake-file",
        write("docker-bake.hcl", 'target "mine" {}\n'),
        "docker-bake.hcl: exists and was not written by uvbake (it has no 'generated by uvbake' "
        "line); move it away, or run `uvbake generate --force` to replace it",
    ),
    (
        "foreign-dockerfile",
        write("uvbake.Dockerfile", "FROM scratch\n"),
        "uvbake.Dockerfile: exists and was not written by uvbake (it has no 'generated by "
        "uvbake' line); move it away, or run `uvbake generate --force` to replace it",
    ),
    (
        "foreign-dockerignore",
        write("uvbake.Dockerfile.dockerignore", "*\n"),
        "uvbake.Dockerfile.dockerignore: exists and was not written by uvbake (it has no "
        "'generated by uvbake' line); move it away, or run `uvbake generate --force` to "
        "replace it",
    ),
    (
        "foreign-bake-file-not-utf8",
        write("docker-bake.hcl", b"\xff\xfe\x00t"),
        "docker-bake.hcl: exists and was not written by uvbake (it has no 'generated by uvbake' "
        "line); move it away, or run `uvbake generate --force` to replace it",
    ),
    (
        "foreign-bake-file-mark-too-far-down",
        write("docker-bake.hcl", b"\n" * 6 + b"# generated by uvbake\n"),
        "docker-bake.hcl: exists and was not written by uvbake (it has no 'generated by uvbake' "
        "line); move it away, or run `uvbake generate --force` to replace it",
    ),
    # --- output
    (
        "output-is-a-folder",
        mkdir("docker-bake.hcl"),
        "docker-bake.hcl: cannot write generated files (Is a directory); "
        "make the folder writable and remove anything that is not a file at that path",
    ),
    (
        "dockerfile-is-a-folder",
        mkdir("uvbake.Dockerfile"),
        "uvbake.Dockerfile: cannot write generated files (Is a directory); "
        "make the folder writable and remove anything that is not a file at that path",
    ),
]


def nothing(root: Path) -> None:
    """No change to the seed workspace."""


WORKFLOW = ".github/workflows/uvbake.yml"

# Command lines that are wrong on the seed workspace (plus a change): (id, change, argv,
# exit code, message). Usage errors are exit code 2, as uv's are.
ARG_CASES: list[tuple[str, Change, tuple[str, ...], int, str]] = [
    (
        "usage-unknown-option",
        nothing,
        ("generate", "--bogus"),
        2,
        "uvbake generate: No such option: --bogus; see `uvbake generate --help`",
    ),
    (
        "usage-unknown-command",
        nothing,
        ("bogus",),
        2,
        "uvbake: No such command 'bogus'; see `uvbake --help`",
    ),
    (
        "usage-unknown-ci-system",
        nothing,
        ("ci", "gitlab"),
        2,
        "uvbake ci: No such command 'gitlab'. Did you mean 'github'?; see `uvbake ci --help`",
    ),
    (
        "usage-extra-argument",
        nothing,
        ("generate", "extra"),
        2,
        "uvbake generate: Got unexpected extra argument(s) (extra); see `uvbake generate --help`",
    ),
    (
        "usage-list-format",
        nothing,
        ("list", "--format", "yaml"),
        2,
        "uvbake list: Invalid value for '--format': 'yaml' is not one of 'text', 'json'; "
        "see `uvbake list --help`",
    ),
    (
        "usage-affected-format",
        nothing,
        ("affected", "--since", "HEAD", "--format", "github"),
        2,
        "uvbake affected: Invalid value for '--format': 'github' is not one of 'text', 'json'; "
        "see `uvbake affected --help`",
    ),
    (
        "usage-matrix-format",
        nothing,
        ("matrix", "--format", "yaml"),
        2,
        "uvbake matrix: Invalid value for '--format': 'yaml' is not one of 'json', 'github'; "
        "see `uvbake matrix --help`",
    ),
    (
        "usage-affected-without-since",
        nothing,
        ("affected",),
        2,
        "uvbake affected: Missing option '--since'; see `uvbake affected --help`",
    ),
    (
        "usage-shards-not-a-number",
        nothing,
        ("matrix", "--shards", "x"),
        2,
        "uvbake matrix: Invalid value for '--shards': 'x' is not a valid int; "
        "see `uvbake matrix --help`",
    ),
    (
        "usage-since-without-value",
        nothing,
        ("matrix", "--since"),
        2,
        "uvbake: Option '--since' requires an argument; see `uvbake --help`",
    ),
    (
        "usage-flag-with-value",
        nothing,
        ("list", "--layers=yes"),
        2,
        "uvbake: Option '--layers' does not take a value; see `uvbake --help`",
    ),
    (
        "usage-directory-missing",
        nothing,
        ("--directory", "nowhere", "generate"),
        2,
        "uvbake: Invalid value for --directory: 'nowhere' is not a folder; see `uvbake --help`",
    ),
    (
        "usage-project-missing",
        nothing,
        ("--project", "nowhere", "generate"),
        2,
        "uvbake: Invalid value for --project: 'nowhere' is not a folder; see `uvbake --help`",
    ),
    (
        "usage-project-is-a-file",
        nothing,
        ("--project", "uv.lock", "list"),
        2,
        "uvbake: Invalid value for --project: 'uv.lock' is not a folder; see `uvbake --help`",
    ),
    (
        "shards-zero",
        nothing,
        ("matrix", "--shards", "0"),
        1,
        "--shards: 0 is not a shard count; pass --shards 1 or more",
    ),
    (
        "affected-outside-git",
        nothing,
        ("affected", "--since", "HEAD"),
        1,
        ".: is not inside a git repository; run uvbake in a git clone",
    ),
    (
        "check-mode-keeps-a-foreign-file",
        write("docker-bake.hcl", "group {}\n"),
        ("generate", "--check"),
        1,
        "docker-bake.hcl: exists and was not written by uvbake (it has no 'generated by uvbake' "
        "line); move it away, or run `uvbake generate --force` to replace it",
    ),
    (
        "stdout-check-on-a-broken-lock",
        remove("uv.lock"),
        ("generate", "--check", "--stdout"),
        1,
        f"uv.lock: file not found; {RELOCK}",
    ),
    (
        "ci-keeps-a-foreign-workflow",
        write(WORKFLOW, "on: push\n"),
        ("ci", "github"),
        1,
        f"{WORKFLOW}: exists and was not written by uvbake (it has no 'generated by uvbake' "
        "line); move it away, or run `uvbake ci github --force` to replace it",
    ),
    (
        "ci-check-keeps-a-foreign-workflow",
        write(WORKFLOW, "on: push\n"),
        ("ci", "github", "--check"),
        1,
        f"{WORKFLOW}: exists and was not written by uvbake (it has no 'generated by uvbake' "
        "line); move it away, or run `uvbake ci github --force` to replace it",
    ),
    (
        "list-on-a-stale-lock",
        edit(API, 'version = "0.1.0"', 'version = "1.0.0"'),
        ("list", "--format", "json"),
        1,
        "uv.lock: is out of date: services/api/pyproject.toml has version 1.0.0, uv.lock has "
        f"0.1.0; {RELOCK}",
    ),
    (
        "matrix-on-a-stale-lock",
        edit(API, 'version = "0.1.0"', 'version = "1.0.0"'),
        ("matrix",),
        1,
        "uv.lock: is out of date: services/api/pyproject.toml has version 1.0.0, uv.lock has "
        f"0.1.0; {RELOCK}",
    ),
    (
        "check-on-a-stale-lock",
        edit(API, 'version = "0.1.0"', 'version = "1.0.0"'),
        ("check",),
        1,
        "uv.lock: is out of date: services/api/pyproject.toml has version 1.0.0, uv.lock has "
        f"0.1.0; {RELOCK}",
    ),
]

# Stale locks of a workspace whose uv.lock uv wrote (tests/golden/layouts.uv.lock): what
# `generate` says after each edit.
LAYOUT_TEXT = "libs/text/pyproject.toml"
LAYOUT_NOTIFY = "services/notify/pyproject.toml"
LAYOUT_CASES: list[tuple[str, Change, str]] = [
    (
        "real-lock-dependency-added",
        edit(LAYOUT_TEXT, '"attrs>=23"', '"attrs>=23", "idna"'),
        f"uv.lock: is out of date: {LAYOUT_TEXT} declares idna where uv.lock has nothing; {RELOCK}",
    ),
    (
        "real-lock-dependency-removed",
        edit(LAYOUT_TEXT, '"attrs>=23"', ""),
        f"uv.lock: is out of date: {LAYOUT_TEXT} declares nothing where uv.lock has attrs>=23; "
        f"{RELOCK}",
    ),
    (
        "real-lock-bound-changed",
        edit(LAYOUT_TEXT, '"attrs>=23"', '"attrs>=23,<27"'),
        f"uv.lock: is out of date: {LAYOUT_TEXT} declares attrs>=23,<27 where uv.lock has "
        f"attrs>=23; {RELOCK}",
    ),
    (
        "real-lock-marker-added",
        edit(LAYOUT_TEXT, '"attrs>=23"', "\"attrs>=23; sys_platform == 'linux'\""),
        f"uv.lock: is out of date: {LAYOUT_TEXT} declares attrs>=23; sys_platform == 'linux' "
        f"where uv.lock has attrs>=23; {RELOCK}",
    ),
    (
        "real-lock-optional-dependency-added",
        append(LAYOUT_TEXT, '\n[project.optional-dependencies]\nfast = ["idna"]\n'),
        f"uv.lock: is out of date: {LAYOUT_TEXT} declares idna where uv.lock has nothing; {RELOCK}",
    ),
    (
        "real-lock-group-added",
        append(LAYOUT_TEXT, '\n[dependency-groups]\ndev = ["idna"]\n'),
        f"uv.lock: is out of date: {LAYOUT_TEXT} declares in dependency group 'dev' idna where "
        f"uv.lock has nothing; {RELOCK}",
    ),
    (
        "real-lock-workspace-source-dropped",
        edit(LAYOUT_NOTIFY, "acme-text = { workspace = true }\n", ""),
        f"uv.lock: is out of date: {LAYOUT_NOTIFY} declares acme-text where uv.lock has "
        f"acme-text (from libs/text); {RELOCK}",
    ),
    (
        "real-lock-version-bumped",
        edit(LAYOUT_TEXT, 'version = "0.1.0"', 'version = "0.2.0"'),
        f"uv.lock: is out of date: {LAYOUT_TEXT} has version 0.2.0, uv.lock has 0.1.0; {RELOCK}",
    ),
    (
        "real-lock-requires-python-raised",
        edit(LAYOUT_TEXT, 'requires-python = ">=3.11"', 'requires-python = ">=3.12"'),
        "uv.lock: is out of date: it records requires-python '>=3.11', the members ask >=3.11, "
        f">=3.12; {RELOCK}",
    ),
    (
        "real-lock-member-became-virtual",
        edit(LAYOUT_NOTIFY, "[build-system]", "[tool.uv]\npackage = false\n\n[build-system]"),
        f"uv.lock: is out of date: {LAYOUT_NOTIFY} sets [tool.uv] package = false, uv.lock "
        f"builds it; {RELOCK}",
    ),
    (
        "real-lock-member-added",
        write("libs/extra/pyproject.toml", '[project]\nname = "acme-extra"\nversion = "1"\n'),
        f"uv.lock: is out of date: it does not list member(s) acme-extra; {RELOCK}",
    ),
]


def test_corpus_is_large_and_unique() -> None:
    ids = [c[0] for c in CASES] + [c[0] for c in ARG_CASES] + [c[0] for c in LAYOUT_CASES]
    assert len(ids) >= 100
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("change", "args", "code", "message"),
    [c[1:] for c in ARG_CASES],
    ids=[c[0] for c in ARG_CASES],
)
def test_command_line_reports_one_line(
    tmp_path: Path, change: Change, args: tuple[str, ...], code: int, message: str
) -> None:
    root = seed_workspace(tmp_path)
    change(root)
    before = snapshot(root)
    result = uvbake(*args, cwd=root)
    assert result.stderr.splitlines() == [f"uvbake: error: {message}"]
    assert (result.returncode, result.stdout) == (code, "")
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("change", "message"), [c[1:] for c in LAYOUT_CASES], ids=[c[0] for c in LAYOUT_CASES]
)
def test_stale_real_lock_reports_one_line(tmp_path: Path, change: Change, message: str) -> None:
    root = layouts_workspace(tmp_path)
    change(root)
    before = snapshot(root)
    result = uvbake("generate", cwd=root)
    assert result.stderr.splitlines() == [f"uvbake: error: {message}"]
    assert (result.returncode, result.stdout) == (1, "")
    assert snapshot(root) == before


def reports_one_line(root: Path, change: Change, message: str, *, via: Via = "main") -> None:
    seed_workspace(root)
    change(root)
    before = snapshot(root)
    result = uvbake("generate", cwd=root, via=via)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [f"uvbake: error: {message}"]
    assert result.returncode == 1
    assert result.stdout == ""
    assert snapshot(root) == before


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_generate_reports_one_line(tmp_path: Path, change: Change, message: str) -> None:
    reports_one_line(tmp_path, change, message)


SMOKE = ("root-toml-malformed", "lock-missing", "output-is-a-folder")


@pytest.mark.parametrize(
    ("change", "message"),
    [c[1:] for c in CASES if c[0] in SMOKE],
    ids=[c[0] for c in CASES if c[0] in SMOKE],
)
def test_installed_script_reports_one_line(tmp_path: Path, change: Change, message: str) -> None:
    reports_one_line(tmp_path, change, message, via="script")


def test_excluded_symlink_loop_is_ignored(tmp_path: Path) -> None:
    seed_workspace(tmp_path)
    link("services/loop", "loop")(tmp_path)
    edit(ROOT, 'exclude = ["services/common"]', 'exclude = ["services/common", "services/loop"]')(
        tmp_path
    )
    result = uvbake("generate", "--stdout", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


def test_member_cycle_is_planned_not_an_error(tmp_path: Path) -> None:
    """uv locks cycles between workspace members; libraries install with --no-deps, so the
    plan is still possible, and the closure walk must end."""
    seed_workspace(tmp_path)
    lock_with(
        member_lock("common-models", "services/common/models", "common-log", "pydantic", "api"),
        member_lock("common-log", "services/common/log", "orjson", "common-models"),
    )(tmp_path)
    result = uvbake("list", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert [(s["name"], s["local"]) for s in services] == [
        ("api", ["common-log", "common-models"]),
        # worker reaches api through the cycle, so api is installed in it like a library
        ("worker", ["api", "common-log", "common-models"]),
    ]


ROOTED = (
    "lock-names-an-unlocked-package",
    "lock-dependency-without-name",
    "member-symlink-loop",
    "handler-module-missing",
    "output-is-a-folder",
)


@pytest.mark.parametrize(
    ("change", "message"),
    [c[1:] for c in CASES if c[0] in ROOTED],
    ids=[c[0] for c in CASES if c[0] in ROOTED],
)
def test_files_are_named_from_the_root_with_root_option(
    tmp_path: Path, change: Change, message: str
) -> None:
    root = seed_workspace(tmp_path / "ws")
    change(root)
    result = uvbake("generate", "--root", str(root), cwd=tmp_path)
    assert result.stderr.splitlines() == [f"uvbake: error: {message}"]
