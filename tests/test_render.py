from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from helpers import (
    bake_blocks,
    load_hcl,
    lock_text,
    seed_lock_packages,
    seed_workspace,
)
from uvbake.api import generated_files
from uvbake.names import BAKE_FILE, DOCKERFILE
from uvbake.render.files import hcl_string

GOLDEN = Path(__file__).parent / "golden"


def test_generated_files_match_golden(tmp_path: Path) -> None:
    _, files = generated_files(seed_workspace(tmp_path))
    for name, text in files.items():
        golden = GOLDEN / f"seed.{name}"
        if os.environ.get("UVBAKE_UPDATE_GOLDEN"):
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), name


def test_bake_file_parses_and_has_one_target_per_service(tmp_path: Path) -> None:
    _, files = generated_files(seed_workspace(tmp_path))
    targets = bake_blocks(files[BAKE_FILE], "target")
    assert set(targets) == {
        "_uvbake",
        "api",
        "worker",
        "docker-metadata-action-api",
        "docker-metadata-action-worker",
    }
    groups = bake_blocks(files[BAKE_FILE], "group")
    assert groups["default"]["targets"] == ["api", "worker"]
    assert groups["release"]["targets"] == ["api", "worker"]
    assert targets["api"]["target"] == "svc-api"
    assert targets["api"]["inherits"] == ["_uvbake", "docker-metadata-action-api"]
    # Nothing a build uses: only a description for `docker buildx bake --list targets`.
    assert targets["docker-metadata-action-api"] == {
        "description": "Tags and labels of api, filled in by docker/metadata-action"
    }
    tags = targets["api"]["tags"]
    assert evaluate(tags, VERSION="", _REGISTRY="r", TAG="t") == ["r/api:t"]
    assert evaluate(tags, VERSION="v1", _REGISTRY="r", TAG="t") == ["r/api:t", "r/api:v1"]
    assert targets["_uvbake"]["attest"] == [
        "type=provenance,disabled=true",
        "type=sbom,disabled=true",
    ]
    assert set(bake_blocks(files[BAKE_FILE], "variable")) == {
        "REGISTRY",
        "_REGISTRY",
        "TAG",
        "PLATFORM",
        "BASE_IMAGE",
        "UV_IMAGE",
        "VERSION",
        "CACHE",
        "UV_NETRC_FILE",
        "UV_ENV_FILE",
    }


def evaluate(expr: object, **variables: str) -> list[str]:
    """Evaluate a bake list expression of the form `V == "x" ? [...] : ... : [...]`."""
    assert isinstance(expr, str)
    body = expr[2:-1] if expr.startswith("${") else expr
    while match := re.match(r'(\w+) == "([^"]*)" \? (\[[^\]]*\]) : (.*)$', body, flags=re.S):
        if variables[match[1]] == match[2]:
            body = match[3]
            break
        body = match[4]
    items = json.loads(body)
    return [re.sub(r"\$\{(\w+)\}", lambda v: variables[v[1]], item) for item in items]


def test_cache_presets_follow_the_cache_variable(tmp_path: Path) -> None:
    _, files = generated_files(seed_workspace(tmp_path))
    api = bake_blocks(files[BAKE_FILE], "target")["api"]
    assert bake_blocks(files[BAKE_FILE], "variable")["CACHE"] == {"default": ""}
    env = {"_REGISTRY": "123.dkr.ecr.eu-west-1.amazonaws.com"}
    assert evaluate(api["cache-from"], CACHE="", **env) == []
    assert evaluate(api["cache-to"], CACHE="", **env) == []
    assert evaluate(api["cache-from"], CACHE="gha", **env) == ["type=gha,scope=api"]
    assert evaluate(api["cache-to"], CACHE="gha", **env) == ["type=gha,scope=api,mode=max"]
    assert evaluate(api["cache-from"], CACHE="registry", **env) == [
        "type=registry,ref=123.dkr.ecr.eu-west-1.amazonaws.com/api:buildcache"
    ]
    assert evaluate(api["cache-to"], CACHE="registry", **env) == [
        "type=registry,ref=123.dkr.ecr.eu-west-1.amazonaws.com/api:buildcache,"
        "mode=max,image-manifest=true,oci-mediatypes=true"
    ]


def test_dockerfile_mounts_only_each_services_closure(tmp_path: Path) -> None:
    _, files = generated_files(seed_workspace(tmp_path))
    dockerfile = files[DOCKERFILE]
    log = dockerfile.split("AS uvbake.lib-common-log\n", 1)[1].split("FROM", 1)[0]
    models = dockerfile.split("AS uvbake.lib-common-models\n", 1)[1].split("FROM", 1)[0]
    # each library is built once, from a mount of its own folder only
    assert re.findall(r"source=(\S+),target", log) == ["services/common/log"]
    assert re.findall(r"source=(\S+),target", models) == ["services/common/models"]
    worker = dockerfile.split("AS svc-worker\n", 1)[1].split("CMD", 1)[0]
    api = dockerfile.split("AS svc-api\n", 1)[1].split("CMD", 1)[0]
    # an image: its third-party layers, then its code layer
    assert re.findall(r"--from=(\S+)", worker) == ["uvbake.layer-2", "svc-worker.app"]
    assert re.findall(r"--from=(\S+)", api) == ["uvbake.layer-1", "svc-api.app"]
    assert "RUN" not in worker and "RUN" not in api
    # the code layer, one step: the libraries of the service's closure, then its own code,
    # each bind-mounted and copied in, in that order
    worker_app = dockerfile.split("AS svc-worker.app\n", 1)[1].split("\n\n", 1)[0]
    api_app = dockerfile.split("AS svc-api.app\n", 1)[1].split("\n\n", 1)[0]
    assert worker_app.count("RUN ") == 1 and "COPY" not in worker_app
    assert re.findall(r"from=(\S+),source=/uvbake/out,", worker_app) == ["uvbake.lib-common-log"]
    assert re.findall(r"from=(\S+),source=/uvbake/out,", api_app) == [
        "uvbake.lib-common-log",
        "uvbake.lib-common-models",
    ]
    assert re.findall(r"--copy (\S+) (\S+)", api_app) == [
        ("/uvbake/lib/uvbake.lib-common-log", "/uvbake/out"),
        ("/uvbake/lib/uvbake.lib-common-models", "/uvbake/out"),
        ("/uvbake/src/services/api/src/api", "/uvbake/out/var/task/api"),
    ]
    assert (
        "--mount=type=bind,source=services/api/src/api,target=/uvbake/src/services/api/src/api"
        in (api_app)
    )
    assert 'CMD ["worker.main.handler"]' in dockerfile
    assert 'CMD ["api.main.handler"]' in dockerfile


def test_hcl_strings_cannot_interpolate() -> None:
    assert hcl_string('a "b" ${c} %{d}\n') == '"a \\"b\\" $${c} %%{d}\\n"'
    assert load_hcl(f"x = {hcl_string('${danger}')}\n")["x"] == "${danger}"


def test_native_builds_can_be_turned_off(tmp_path: Path) -> None:
    """With native-builds = false every builder runs on the target platform (a base image
    published for that platform alone), and no stage asks for the build platform's image."""
    root = seed_workspace(tmp_path)
    native = generated_files(root)[1][DOCKERFILE]
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(
            "[tool.uvbake]\n", "[tool.uvbake]\nnative-builds = false\n"
        ),
        encoding="utf-8",
    )
    emulated = generated_files(root)[1][DOCKERFILE]
    assert "FROM --platform=$BUILDPLATFORM ${BASE_IMAGE} AS uvbake.builder-native" in native
    assert "FROM uvbake.builder-native AS uvbake.lib-common-log" in native
    assert "FROM uvbake.builder-native AS uvbake.layer-1" in native
    assert "uvbake.builder-native" not in emulated
    assert "--platform=$BUILDPLATFORM ${BASE_IMAGE}" not in emulated
    assert "FROM uvbake.builder AS uvbake.lib-common-log" in emulated
    assert "FROM uvbake.builder AS uvbake.layer-1" in emulated
    assert "FROM uvbake.builder AS svc-api.app" in emulated
    # the target's wheels still: no sdist is built under emulation unless it must be
    assert "--no-build --python-platform aarch64-manylinux_2_34" in emulated
    assert "uvbake-finish --strict --pure" in native
    assert "--pure" not in emulated.split("\nuvbake-finish\n", 1)[1]
    # the scripts are written once: in the one builder there is
    assert emulated.count("COPY --chmod=755 <<'uvbake-uv' <<'uvbake-finish' /usr/local/bin/") == 1


def test_a_service_pins_its_own_sdk_into_var_task_on_the_build_machine(tmp_path: Path) -> None:
    """botocore (the base image ships a copy) goes to /var/task with its own requirements
    file, in the same build-machine step as the layer's other pins; no stage of the service
    runs anything on the target platform."""
    root = seed_workspace(tmp_path)
    (root / "uv.lock").write_text(
        lock_text(seed_lock_packages("botocore", "zstd")), encoding="utf-8"
    )
    api = root / "services/api/pyproject.toml"
    api.write_text(
        api.read_text(encoding="utf-8").replace('"httpx"', '"httpx", "botocore", "zstd"')
    )
    _, files = generated_files(root)
    dockerfile = files[DOCKERFILE]
    layer = dockerfile.split("AS uvbake.layer-1\n", 1)[1].split("\n# ----", 1)[0]
    site = "/uvbake/out/var/lang/lib/python3.13/site-packages"
    digest = hashlib.sha256(b"botocore-1.0.0-py3-none-any.whl").hexdigest()
    botocore = f"botocore==1.0.0 --hash=sha256:{digest}"
    assert layer.splitlines()[:3] == [
        "# The base image ships botocore in site-packages: the service's copies go to",
        "# /var/task, which the runtime searches first, so they are the ones imported and the "
        "base's",
        "# never load.",
    ]
    # site-packages, then /var/task, each from its own heredoc on uv's standard input, in the
    # one script of the layer's RUN step
    installs = [line.strip() for line in layer.splitlines() if "--target" in line]
    assert installs == [
        f"--target {site} -r /dev/stdin <<'REQUIREMENTS'",
        "--target /uvbake/out/var/task -r /dev/stdin <<'TASK_REQUIREMENTS'",
    ]
    own = layer.split("<<'REQUIREMENTS'\n", 1)[1].split("\nREQUIREMENTS\n", 1)[0]
    assert "zstd==1.0.0" in own and "botocore" not in own
    task = layer.split("<<'TASK_REQUIREMENTS'\n", 1)[1]
    assert task == (
        f"{botocore}\nTASK_REQUIREMENTS\n"
        f"python3 /usr/local/bin/uvbake-finish {site} /uvbake/out/var/task\nSH\n"
    )
    assert "RUN python3 -" not in dockerfile
    assert [line for line in dockerfile.splitlines() if line.startswith("FROM ${BASE_IMAGE}")] == [
        "FROM ${BASE_IMAGE} AS svc-api",
        "FROM ${BASE_IMAGE} AS svc-worker",
    ]
