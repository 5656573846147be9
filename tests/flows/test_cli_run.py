"""Command 1's core: ``scar-evidence run`` as a user starts it, in a subprocess."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.flow


def test_run_command_prints_report_path_and_five_line_summary(
    landing: Path, shipped_landing: Path, tmp_path: Path
) -> None:
    """Published data and synthetic examples in one landing folder: the summary reports the
    published evidence and says that the synthetic studies were kept apart."""
    shutil.copytree(shipped_landing, landing / "published")
    exe = Path(sys.executable).with_name("scar-evidence")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [
            str(exe),
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--reports",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    report = Path(lines[0].removeprefix("Report: ").strip())
    assert report.name == "report.html"
    assert report.is_file()
    summary = lines[lines.index("Summary:") + 1 :]
    assert len(summary) == 5
    assert "synthetic studies analysed apart" in summary[0]
    (published,) = shipped_landing.rglob("literature_study_arms.csv")
    with published.open(encoding="utf-8", newline="") as fh:
        studies = len({row["study_id"] for row in csv.DictReader(fh)})
    assert summary[1].strip().startswith(f"Evidence: {studies} study-level studies")
