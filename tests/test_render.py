from __future__ import annotations

import os
from pathlib import Path

from helpers import bake_blocks, load_hcl, seed_workspace
from uvbake.commands import build
from uvbake.render import BAKEFILE, DOCKERFILE, hcl_string

GOLDEN = Path(__file__).parent / "golden"


def test_generated_files_match_golden(tmp_path: Path) -> None:
    _, files = build(seed_workspace(tmp_path))
    for name, text in files.items():
        golden = GOLDEN / f"seed.{name}"
        if os.environ.get("UVBAKE_UPDATE_GOLDEN"):
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), name


def test_bake_file_parses_and_has_one_target_per_service(tmp_path: Path) -> None:
    _, files = build(seed_workspace(tmp_path))
    targets = bake_blocks(files[BAKEFILE], "target")
    assert set(targets) == {"_uvbake", "api", "worker"}
    assert bake_blocks(files[BAKEFILE], "group")["default"]["targets"] == ["api", "worker"]
    assert targets["api"]["target"] == "svc-api"
    assert targets["api"]["tags"] == ["${REGISTRY}/api:${TAG}"]
    assert targets["_uvbake"]["attest"] == [
        "type=provenance,disabled=true",
        "type=sbom,disabled=true",
    ]
    assert set(bake_blocks(files[BAKEFILE], "variable")) == {
        "REGISTRY",
        "TAG",
        "PLATFORM",
        "BASE_IMAGE",
        "UV_IMAGE",
    }


def test_dockerfile_mounts_only_each_services_closure(tmp_path: Path) -> None:
    _, files = build(seed_workspace(tmp_path))
    dockerfile = files[DOCKERFILE]
    worker = dockerfile.split("AS svc-worker.libs", 1)[1].split("FROM", 1)[0]
    assert "source=services/common/log," in worker
    assert "common/models" not in worker
    api = dockerfile.split("AS svc-api.libs", 1)[1].split("FROM", 1)[0]
    assert "source=services/common/log," in api and "source=services/common/models," in api
    assert 'CMD ["worker.main.handler"]' in dockerfile
    assert 'CMD ["api.main.handler"]' in dockerfile


def test_hcl_strings_cannot_interpolate() -> None:
    assert hcl_string('a "b" ${c} %{d}\n') == '"a \\"b\\" $${c} %%{d}\\n"'
    assert load_hcl(f"x = {hcl_string('${danger}')}\n")["x"] == "${danger}"
