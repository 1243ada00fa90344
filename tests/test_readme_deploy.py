"""README's Deploying section: its Terraform and CDK code read fields `uvbake images` writes.
(The shell commands run on a real push in tests/test_engine_deploy.py.)"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from helpers import uvbake

TOP = Path(__file__).parent.parent
EXAMPLE = TOP / "examples" / "lambda-monorepo"
DIGEST = "sha256:" + "5e" * 32


def section(language: str) -> str:
    text = (TOP / "README.md").read_text(encoding="utf-8")
    body = text.split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    (found,) = re.findall(rf"```{language}\n(.*?)\n```", body, flags=re.S)
    return str(found)


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """uvbake-images.json for the example, from a metadata file of the shape buildx writes."""
    metadata = {
        target: {
            "containerimage.digest": DIGEST,
            "image.name": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{target}:v1",
        }
        for target in ("ingestion-worker", "notifications", "orders")
    }
    (tmp_path / "bake-metadata.json").write_text(json.dumps(metadata))
    ran = uvbake("images", "bake-metadata.json", "--root", str(EXAMPLE), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    (tmp_path / "uvbake-images.json").write_text(ran.stdout)
    return tmp_path / "uvbake-images.json"


def test_terraform_reads_the_image_by_digest(images: Path) -> None:
    code = section("hcl")
    resource = hcl2.loads(code)["resource"][0]['"aws_lambda_function"']['"orders"']
    assert resource["image_uri"] == '${local.images["orders"].image}'
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed: the HCL was parsed, not evaluated")
    # The locals alone: terraform evaluates them with no provider, so offline.
    (images.parent / "main.tf").write_text(code.split("\nresource ", 1)[0] + "\n")
    done = subprocess.run(
        [terraform, "console"],
        input='local.images["orders"].image\n',
        cwd=images.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    expected = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders@{DIGEST}"
    assert done.stdout.strip() == json.dumps(expected)


def test_cdk_reads_the_repository_and_digest(images: Path) -> None:
    """aws-cdk-lib is not installed here (it runs on node's jsii): the code is parsed, and
    the keys it reads are looked up in the file uvbake writes."""
    tree = ast.parse(section("python"))
    keys = {
        node.slice.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
    }
    assert keys == {"orders", "repository", "digest"}
    orders = json.loads(images.read_text())["orders"]
    assert (orders["repository"], orders["digest"]) == ("orders", DIGEST)
