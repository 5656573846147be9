"""The SQL form of the patient contract accepts and refuses exactly what Pandera does."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.warehouse.connect import DUCKDB_CONFIG, MEMORY_LIMIT, PASS_MEMORY_LIMIT
from evidence.warehouse.patient_pass import optimizers_disabled, setting
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
    "baseline_grade": (["2", "3", "4", "2.0", " 3 ", "\t4\x0b"], ["0", "5", "2.5", "x", ""]),
    "followup_grade": (["2", "3", "4"], ["7", "", "three", "inf"]),
    "sessions": (["1", "3", "30"], ["0", "31", "1.5", ""]),
    "followup_weeks": (["12", "24.5", "12\x0c"], ["0", "-1", "600", "inf", "soon", "", "1 2"]),
    "baseline_score": (["3", "20", "84", ""], ["85", "-1", "n/a"]),
    "followup_score": (["2", "30", "84", ""], ["99"]),
    "needle_depth_mm": (["0.1", "1.5", "3.5", ""], ["0", "4"]),
    "erythema_days": (["0", "2.5", ""], ["-1", "400"]),
    "pih": (["yes", "no", "TRUE", "0", "", " no"], ["maybe"]),
    "age_years": (["30", "89", "93", "90+", ""], ["130", "-1"]),
    "data_origin": (["synthetic", "Trial", ""], ["blog"]),
}


#: Cells that make a row break a rule of severity ``warning`` (a grade of 1 with a score over
#: 3, a score of 0 at grades 2-4): the row passes, flagged (it fails under ``strict``).
WARNING_CELLS = {"baseline_grade": ["1"], "followup_grade": ["1"], "baseline_score": ["0"]}


def _cell(column: str) -> st.SearchStrategy[str]:
    """Mostly valid cells (so that whole rows pass), sometimes one that must fail, sometimes
    one that a warning flags."""
    valid, invalid = CELLS[column]
    flagged = WARNING_CELLS.get(column, valid)
    return st.tuples(
        st.integers(0, 39),
        st.sampled_from(valid),
        st.sampled_from(invalid),
        st.sampled_from(flagged),
    ).map(lambda t: t[2] if t[0] == 0 else t[3] if t[0] == 1 else t[1])


rows_strategy = st.lists(
    st.fixed_dictionaries({column: _cell(column) for column in CELLS}),
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
    rows=rows_strategy,
    drop=st.sets(st.sampled_from(["side", "pih", "age_years", "data_origin"])),
    strict=st.booleans(),
)
def test_sql_and_pandera_paths_agree(tmp_path_factory, rows, drop, strict) -> None:
    """Same rows pass, with the same values; same failures; the same warnings flagged (with
    ``strict``, the warnings are failures on both paths)."""
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
        pandera_valid, pandera_failures, pandera_flags = [], [], []
        for valid, failures, flags in validate_batches(con, staged, strict=strict):
            pandera_valid.append(valid)
            pandera_failures.append(failures)
            pandera_flags.append(flags)
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
        expected_flags = {
            (int(r.row_number), r.rule) for frame in pandera_flags for r in frame.itertuples()
        }
        select = validation_select(
            staged.table, "patient", staged.columns, age_column=AGE_COLUMN, strict=strict
        )
        names = list(pandera_valid[0].columns)
        got_rows, got_failures = _passed_and_failures(con, f"({select})", "_row", names)
        got_flags = _flags(con, f"({select})", "_row")
        # The load path: one unnumbered parallel pass whose rows are numbered by position.
        assert staged.stream is not None
        streamed = validation_select(
            staged.stream,
            "patient",
            staged.columns,
            age_column=AGE_COLUMN,
            numbered=False,
            strict=strict,
        )
        con.execute(f"create table _i.checked as {streamed}")
        streamed_rows, streamed_failures = _passed_and_failures(
            con, "_i.checked", "rowid + 1", names
        )
        streamed_flags = _flags(con, "_i.checked", "rowid + 1")
    finally:
        con.close()
    assert got_failures == expected_failures
    assert got_rows == expected_rows
    assert got_flags == expected_flags
    assert streamed_failures == expected_failures
    assert streamed_rows == expected_rows
    assert streamed_flags == expected_flags
    VALID_ROWS_SEEN.append(len(got_rows))
    FLAGS_SEEN.append(len(got_flags))


#: Numbers as a Parquet file types them (None: an empty cell), edge values included.
NUMBER_CELLS = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, 4.0, 12.0, 30.0, 84.0, 85.0, -1.0, 600.0]),
    st.sampled_from([math.inf, -math.inf, math.nan]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    numbers=st.lists(
        st.fixed_dictionaries(
            dict.fromkeys(("baseline_grade", "followup_grade", "followup_weeks"), NUMBER_CELLS)
            | dict.fromkeys(("sessions", "baseline_score", "followup_score"), NUMBER_CELLS)
        ),
        min_size=1,
        max_size=20,
    ),
    pih=st.lists(st.sampled_from([True, False, None]), min_size=20, max_size=20),
)
def test_typed_parquet_cells_read_as_their_text_reads(tmp_path_factory, numbers, pih) -> None:
    """Parquet numbers and booleans are checked as typed (no text in between): the rows that
    pass, their values and the failures are those of the same cells read as text."""
    frame = pd.DataFrame(
        [
            {"study_id": "S1", "subject_id": f"p{i}", "intervention": "microneedling",
             "fitzpatrick_type": "IV", "scar_type": "boxcar", **row, "pih": pih[i]}
            for i, row in enumerate(numbers)
        ]
    )  # fmt: skip
    frame["pih"] = frame["pih"].astype("boolean")
    frame = frame.astype(dict.fromkeys(numbers[0], "float64"))
    path = tmp_path_factory.mktemp("pq") / "file.parquet"
    frame.to_parquet(path, index=False)
    con = duckdb.connect()
    try:
        con.execute("create schema _i")
        staged = stage_file(con, path, "_i.raw")
        assert staged.typed_stream is not None
        assert staged.input_types is not None
        assert staged.input_types["followup_grade"] == "DOUBLE"
        text = validation_select(staged.table, "patient", staged.columns, age_column=AGE_COLUMN)
        typed = validation_select(
            staged.typed_stream,
            "patient",
            staged.columns,
            age_column=AGE_COLUMN,
            numbered=False,
            input_types=staged.input_types,
        )
        names = [name for name in CELLS if name in staged.columns or name in ("side",)]
        con.execute(f"create table _i.typed as {typed}")
        expected = _passed_and_failures(con, f"({text})", "_row", names)
        assert _passed_and_failures(con, "_i.typed", "rowid + 1", names) == expected
    finally:
        con.close()


VALID_ROWS_SEEN: list[int] = []
FLAGS_SEEN: list[int] = []


def _flags(con: duckdb.DuckDBPyConnection, checked: str, row: str) -> set[tuple[int, str]]:
    """(row, rule) of every warning a ``validation_select`` flagged."""
    return {
        (n, rule)
        for n, flags in con.sql(f"select {row}, _flags from {checked}").fetchall()
        for rule in (flags or "").split(",")
        if rule
    }


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
        for f in json.loads(fails or "[]")
    }
    return passed, failures


@pytest.mark.slow  # selected with the property test whose examples it counts
def test_equivalence_examples_were_not_vacuous() -> None:
    """Runs after the property test (file order): many examples loaded rows, many refused."""
    assert sum(VALID_ROWS_SEEN) > 100
    assert sum(FLAGS_SEEN) > 10


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


def test_the_pass_settings_are_set_back_exactly_after_each_file():
    """The checking pass raises DuckDB's memory cap and disables an optimizer for itself; a
    memory size reads back rounded, so setting back what was read would shave the cap a
    little with every file."""
    con = duckdb.connect(config=DUCKDB_CONFIG)
    try:
        first = con.sql("select current_setting('memory_limit')").fetchall()[0][0]
        for _ in range(20):
            with (
                optimizers_disabled(con, "in_clause"),
                setting(con, "memory_limit", PASS_MEMORY_LIMIT, restore=MEMORY_LIMIT),
            ):
                inside = con.sql(
                    "select current_setting('memory_limit'), current_setting('disabled_optimizers')"
                ).fetchall()[0]
                assert inside[0] != first
                assert inside[1] == "in_clause"
        after = con.sql(
            "select current_setting('memory_limit'), current_setting('disabled_optimizers')"
        ).fetchall()[0]
    finally:
        con.close()
    assert after == (first, "")
