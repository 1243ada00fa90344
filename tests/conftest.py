from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
# The bench modules (bake/bench) are shared with the tests: progress-log reading, workspaces.
sys.path.insert(0, str(Path(__file__).parent.parent / "bake" / "bench"))

import helpers

# Before any test module imports uvbake: so that helpers.uvbake can capture a run in this process.
helpers.import_uvbake()
