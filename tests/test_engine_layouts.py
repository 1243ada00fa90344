"""End to end on a workspace that is not shaped like the seed (tests/helpers.py layouts_workspace):

a virtual service three folders deep (teams/payments/lambdas/ledger), a service whose folder is
not its name (services/billing-api holds acme-billing), a virtual library and a library in a
namespace package, the root project as a dependency, and a service that depends on a service.
Every image is built for real and its handler answers through the image's own CMD.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from engine import REGISTRY, bake, invoke, require_engine
from helpers import layouts_workspace

pytestmark = pytest.mark.engine

EXPECTED = {
    "acme-billing": ["acme-common", "acme-text", "acme-platform", "billing-rules"],
    "acme-ledger": ["acme-common", "acme-text"],
    "notify": ["acme-ledger", "acme-text"],
}


def test_every_layout_builds_and_answers(tmp_path: Path) -> None:
    require_engine()
    root = layouts_workspace(tmp_path / "ws")
    generated = subprocess.run(
        [sys.executable, "-m", "uvbake", "generate"], cwd=root, capture_output=True, text=True
    )
    assert generated.returncode == 0, generated.stderr
    tag = f"t{uuid.uuid4().hex[:10]}"
    bake(root, tag=tag)
    answers = {service: invoke(f"{REGISTRY}/{service}:{tag}", {"ping": 1}) for service in EXPECTED}
    assert answers == {
        service: {"statusCode": 200, "service": service, "uses": uses}
        for service, uses in EXPECTED.items()
    }
