"""The SQL form of the patient contract accepts and refuses exactly what Pandera does."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.warehouse.sql_contract import ROW_PASSED, validation_select
from evidence.warehouse.staging import stage_file, validate_batches
from schemas.privacy import AGE_COLUMN
from schemas.raw import PATIENT_PARSER_SQL, STRIP_SQL, PatientOutcomes

#: Per column: (valid cells, including accepted spellings; cells that must fail).
CELLS = {
    "study_id": (["S1", "S-2", " S3\t"], ["bad id", "", "x" * 70, "\x0b"]),
    "subject_id": (["p1", "p2", "p3", "p4\x0c"], ["", "a b"]),
    "intervention": (["microneedling", " Laser ", "CONTROL"], ["botox", ""]),
    "side": (["whole", "", "WHOLE"], ["middle"]),
    "fitzpatrick_type": (["IV", "4", "type iv", "Type 6", "fst-2", " v "], ["VII", "olive", ""]),
    "scar_type": (["boxcar", "Rolling"], ["keloid", ""]),
    "baseline_grade": (["2", "3", "4", "2.0", " 3 ", "\t4\x0b"], ["0", "5", "2.5", "x", "", "1"]),
    "followup_grade": (["2", "3", "4"], ["7", "", "three", "1"]),
    "sessions": (["1", "3", "30"], ["0", "31", "1.5", ""]),
    "followup_weeks": (["12", "24.5", "12\x0c"], ["0", "-1", "600", "inf", "soon", "", "1 2"]),
    "baseline_score": (["3", "20", "84", ""], ["85", "-1", "n/a", "0"]),
    "followup_score": (["2", "30", "84", ""], ["99", "0"]),
    "needle_depth_mm": (["0.1", "1.5", "3.5", ""], ["0", "4"]),
    "erythema_days": (["0", "2.5", ""], ["-1", "400"]),
    "pih": (["yes", "no", "TRUE", "0", "", " no"], ["maybe"]),
    "age_years": (["30", "89", "93", "90+", ""], ["130", "-1"]),
    "data_origin": (["synthetic", "Trial", ""], ["blog"]),
}


def _cell(valid: list[str], invalid: list[str]) -> st.SearchStrategy[str]:
    """Mostly valid cells (so that whole rows pass), sometimes one that must fail."""
    return st.tuples(st.integers(0, 39), st.sampled_from(valid), st.sampled_from(invalid)).map(
        lambda t: t[2] if t[0] == 0 else t[1]
    )


rows_strategy = st.lists(
    st.fixed_dictionaries({column: _cell(*values) for column, values in CELLS.items()}),
    min_size=1,
    max_size=25,
)


def _normal(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float):
        return round(value, 12)
    return value


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=rows_strategy, drop=st.sets(st.sampled_from(["side", "pih", "age_years", "data_origin"]))
)
def test_sql_and_pandera_paths_agree(tmp_path_factory, rows, drop) -> None:
    path = tmp_path_factory.mktemp("sql") / "file.csv"
    columns = [c for c in CELLS if c not in drop]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([[row[c] for c in columns] for row in rows])
    con = duckdb.connect()
    try:
        con.execute("create schema _i")
        staged = stage_file(con, Path(path), "_i.raw")
        pandera_valid, pandera_failures = [], []
        for valid, failures in validate_batches(con, staged):
            pandera_valid.append(valid)
            pandera_failures.append(failures)
        expected_rows = {
            (int(index), *(_normal(v) for v in row))
            for frame in pandera_valid
            for index, row in zip(frame.index, frame.itertuples(index=False), strict=True)
        }
        expected_failures = {
            (int(r.row_number), r.column_name, r.rule, r.message)
            for frame in pandera_failures
            for r in frame.itertuples(index=False)
        }
        select = validation_select(staged.table, "patient", staged.columns, age_column=AGE_COLUMN)
        names = list(pandera_valid[0].columns)
        got_rows, got_failures = _passed_and_failures(con, f"({select})", "_row", names)
        # The load path: one unnumbered parallel pass whose rows are numbered by position.
        assert staged.stream is not None
        streamed = validation_select(
            staged.stream, "patient", staged.columns, age_column=AGE_COLUMN, numbered=False
        )
        con.execute(f"create table _i.checked as {streamed}")
        streamed_rows, streamed_failures = _passed_and_failures(
            con, "_i.checked", "rowid + 1", names
        )
    finally:
        con.close()
    assert got_failures == expected_failures
    assert got_rows == expected_rows
    assert streamed_failures == expected_failures
    assert streamed_rows == expected_rows
    VALID_ROWS_SEEN.append(len(got_rows))


VALID_ROWS_SEEN: list[int] = []


def _passed_and_failures(
    con: duckdb.DuckDBPyConnection, checked: str, row: str, names: list[str]
) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    """(rows that passed, with their values; failures) of a ``validation_select``."""
    passed = {
        tuple(_normal(v) for v in r)
        for r in con.sql(
            f"select {row}, {', '.join(names)} from {checked} where {ROW_PASSED}"
        ).fetchall()
    }
    failures = {
        (n, f["column_name"], f["rule"], f["message"])
        for n, fails in con.sql(f"select {row}, _fails from {checked}").fetchall()
        for f in fails or []
    }
    return passed, failures


@pytest.mark.slow  # selected with the property test whose examples it counts
def test_equivalence_examples_were_not_vacuous() -> None:
    """Runs after the property test (file order): many examples loaded rows, many refused."""
    assert sum(VALID_ROWS_SEEN) > 100


def test_numbers_cast_without_stripping_as_after_it() -> None:
    """The validation pass casts a number cell as it is: DuckDB's cast skips the same
    whitespace as STRIP_SQL, so stripping first would change nothing."""
    con = duckdb.connect()
    try:
        for code in (32, 9, 10, 13, 11, 12):
            padded = f"chr({code}) || '2.5' || chr({code})"
            got = con.sql(
                f"select try_cast({padded} as double), try_cast({STRIP_SQL.format(x=padded)} "
                "as double)"
            ).fetchall()[0]
            assert got == (2.5, 2.5), code
    finally:
        con.close()


def test_every_parser_keeps_a_canonical_word() -> None:
    """The validation pass keeps a cell that already is a canonical vocabulary word without
    parsing it; that is only right if each parser maps such a word to itself."""
    schema = PatientOutcomes.to_schema()
    con = duckdb.connect()
    try:
        for name, parser in PATIENT_PARSER_SQL.items():
            (isin,) = [c for c in schema.columns[name].checks if c.name == "isin"]
            for word in isin.statistics["allowed_values"]:
                got = con.execute(f"select {parser.format(x='$w')}", {"w": word}).fetchall()
                assert got == [(word,)], (name, word)
    finally:
        con.close()
