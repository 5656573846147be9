"""Shared fixtures. Only tests/flows starts Prefect (one session-scoped harness)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
#: The default landing folder: published (real) data only.
SHIPPED = ROOT / "data" / "raw"
#: The SYNTHETIC samples that exercise the patient-level path (never evidence).
SYNTHETIC = ROOT / "data" / "examples" / "synthetic"

os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A private copy of the SYNTHETIC sample landing folder (patient- and study-level)."""
    target = tmp_path / "landing"
    shutil.copytree(SYNTHETIC, target)
    return target


@pytest.fixture
def shipped_landing(tmp_path: Path) -> Path:
    """A private copy of the shipped landing folder (published data only)."""
    target = tmp_path / "shipped"
    shutil.copytree(SHIPPED, target)
    return target


@pytest.fixture
def empty_landing(tmp_path: Path) -> Path:
    target = tmp_path / "landing"
    target.mkdir()
    return target


# Property tests draw the same examples on every run, so CI is reproducible; set
# HYPOTHESIS_PROFILE=explore to search afresh.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
