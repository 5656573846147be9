"""Command 1's core: ``scar-evidence run`` as a user starts it, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.flow


def test_run_command_prints_report_path_and_five_line_summary(
    landing: Path, tmp_path: Path
) -> None:
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
    assert "SYNTHETIC" in summary[0]
