from __future__ import annotations

import shutil
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


@pytest.fixture
def workflows_copy(tmp_path: Path) -> Path:
    """A copy of the process files that a test may edit."""
    target = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, target)
    return target
