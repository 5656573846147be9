"""Validating files concurrently in scratch files gives the warehouse a one-at-a-time run
gives, including the checks that read the warehouse (duplicate content, keys already loaded).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from evidence import pipeline
from tests.helpers import rows

TABLES = {
    "patient_outcomes": "select * exclude (run_id) from patient_outcomes order by all",
    "study_arms": "select * exclude (run_id) from study_arms order by all",
    "quarantine": "select * exclude (run_id, quarantined_at) from quarantine order by all",
    "ingest_log": "select * exclude (run_id, loaded_at) from ingest_log order by all",
}


def _tricky_landing(landing: Path) -> Path:
    """The shipped files plus an exact copy (duplicate content) and a changed copy whose
    keys are all loaded already from the original (unique_key_in_warehouse)."""
    original = landing / "patient_level" / "synthetic_patient_outcomes.csv"
    shutil.copy(original, landing / "patient_level" / "zz_copy.csv")
    lines = original.read_text(encoding="utf-8").splitlines()
    (landing / "patient_level" / "zz_clash.csv").write_text(
        "\n".join(lines[:40]) + "\n", encoding="utf-8"
    )
    return landing


def _serial(settings: pipeline.RunSettings) -> None:
    with pipeline.writer_session(settings) as build:
        for name in pipeline.discover(settings):
            pipeline.load_file(build, pipeline.validate_file(build, settings, name), "r")


def _isolated(settings: pipeline.RunSettings) -> None:
    with pipeline.writer_session(settings) as build, pipeline.validation_scratch(build) as s:
        assert s is not None
        # every file validated before any is loaded: the worst case of concurrency
        validated = [
            pipeline.validate_file(build, settings, name, s) for name in pipeline.discover(settings)
        ]
        for v in validated:
            pipeline.load_file(build, v, "r", s)
        assert s.is_dir()
    assert not s.exists()


def test_isolated_validation_loads_what_serial_validation_loads(
    landing: Path, tmp_path: Path
) -> None:
    _tricky_landing(landing)
    serial = pipeline.RunSettings(landing=str(landing), warehouse=str(tmp_path / "s.duckdb"))
    isolated = pipeline.RunSettings(landing=str(landing), warehouse=str(tmp_path / "i.duckdb"))
    for _ in range(2):  # the second run finds every file unchanged
        _serial(serial)
        _isolated(isolated)
        for name, sql in TABLES.items():
            assert rows(Path(isolated.warehouse), sql) == rows(Path(serial.warehouse), sql), name
    statuses = dict(rows(Path(isolated.warehouse), "select source_file, status from ingest_log"))
    assert statuses["patient_level/zz_copy.csv"] == "duplicate_content"
    clash = rows(
        Path(isolated.warehouse),
        "select count(distinct row_number) from quarantine "
        "where source_file = 'patient_level/zz_clash.csv' and rule = 'unique_key_in_warehouse'",
    )
    assert clash[0][0] == 39
