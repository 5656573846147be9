"""The smoke matrix compares interpreters by numbers, not by run ids or folders."""

from __future__ import annotations

from pathlib import Path

from packaging.markers import default_environment

from scripts import python_matrix

SUMMARY = """Report: {work}/reports/{run_id}/report.html
        {work}/reports/{run_id}/report.md
Warehouse: {work}/warehouse.duckdb
Summary:
  Warehouse: 5 source files, 2626 rows loaded, 5 rows quarantined.
  Microneedling alone: mean improvement {mean} [95% CI 0.69 to 1.09] ({work}, {run_id}).
"""


def summary(work: Path, run_id: str, mean: str) -> list[str]:
    stdout = SUMMARY.format(work=work, run_id=run_id, mean=mean)
    return python_matrix.summary_lines(stdout, python_matrix.run_specific(stdout, work))


def test_summaries_of_two_runs_differ_only_by_their_numbers(tmp_path: Path) -> None:
    first = summary(tmp_path / "3.11", "20260101T000000Z-aaaaaa", "0.89")
    second = summary(tmp_path / "3.12", "20260101T000109Z-bbbbbb", "0.89")
    moved = summary(tmp_path / "3.13", "20260101T000218Z-cccccc", "0.88")
    assert first == second
    assert len(first) == 2
    assert "<run-id>" in first[1]
    assert first != moved


def test_run_without_summary_gives_no_lines() -> None:
    assert python_matrix.summary_lines("Report: x\n", {}) == []


def test_constraints_pin_pendulum_before_and_whenever_from_python_3_13() -> None:
    pins = python_matrix.constraints()
    environment = default_environment()

    def applies(name: str, version: str) -> bool:
        marker = pins[name][1]
        return marker is None or marker.evaluate({**environment, "python_version": version})

    assert [applies("pendulum", v) for v in ("3.11", "3.12", "3.13")] == [True, True, False]
    assert [applies("whenever", v) for v in ("3.11", "3.12", "3.13")] == [False, False, True]
    assert applies("prefect", "3.13")
