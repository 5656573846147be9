"""Every file of tests/data/bad gives exactly the error it is listed with, and loses no row."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import ingest, rows

CORPUS = Path(__file__).parents[1] / "data" / "bad"
CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def test_corpus_has_at_least_forty_bad_files() -> None:
    assert len(CASES) >= 40
    assert all((CORPUS / c["file"]).is_file() for c in CASES)


@pytest.mark.slow  # over 70 files, each ingested into a warehouse of its own
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_gives_its_listed_error(case: dict, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(CORPUS / case["file"], landing)
    manifest = CORPUS / f"{case['file']}.manifest.json"
    if manifest.exists():
        shutil.copy(manifest, landing)
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(landing, warehouse)

    ((status, rows_in, loaded, quarantined, message),) = rows(
        warehouse,
        "select status, rows_in, rows_loaded, rows_quarantined, coalesce(message, '') "
        "from ingest_log",
    )
    assert status == case["status"] == outcome.status
    assert rows_in == loaded + quarantined
    for field, value in (
        ("rows_in", rows_in),
        ("rows_loaded", loaded),
        ("rows_quarantined", quarantined),
    ):
        if field in case:
            assert value == case[field], field
    if "message" in case:
        assert case["message"] in message
    found = rows(
        warehouse,
        "select row_number, column_name, rule, message, value, original_row from quarantine",
    )
    assert len({r[0] for r in found}) == quarantined
    for row, column, rule in case.get("failures", []):
        assert any((r[0], r[1], r[2]) == (row, column, rule) for r in found), (
            f"expected row {row}, column {column}, rule {rule}; got {[r[:3] for r in found]}"
        )
    for r in found:
        assert r[3].startswith(f"row {r[0]}: "), r[3]
    if "message_in_quarantine" in case:
        assert all(case["message_in_quarantine"] in r[3] for r in found)
    if "redacted" in case:
        secret = case["redacted"]
        assert not any(secret in (r[4] or "") or secret in (r[5] or "") for r in found)
        assert rows(warehouse, "select count(*) from patient_outcomes") == [(0,)]
    flagged = rows(warehouse, "select coalesce(rows_flagged, 0) from ingest_log")[0][0]
    flags = rows(warehouse, "select row_number, column_name, rule, value, message from row_flags")
    assert flagged == case.get("rows_flagged", 0) == len({f[0] for f in flags})
    assert sorted(f[:4] for f in flags) == sorted(tuple(f) for f in case.get("flags", []))
    for f in flags:
        assert f[4].startswith(f"row {f[0]}: "), f[4]
    if "stored_ages" in case:
        ages = rows(warehouse, "select age_years from patient_outcomes order by source_row")
        assert [a[0] for a in ages] == case["stored_ages"]


STRICT_CASES = [c for c in CASES if "strict_failures" in c]


@pytest.mark.parametrize("case", STRICT_CASES, ids=[c["file"] for c in STRICT_CASES])
def test_strict_run_quarantines_what_a_warning_flags(case: dict, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(CORPUS / case["file"], landing)
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(landing, warehouse, strict=True)
    assert outcome.rows_flagged == 0
    assert outcome.rows_quarantined == len(case["strict_failures"])
    found = rows(warehouse, "select row_number, column_name, rule from quarantine")
    assert sorted(found) == sorted(tuple(f) for f in case["strict_failures"])
    assert rows(warehouse, "select count(*) from row_flags") == [(0,)]
