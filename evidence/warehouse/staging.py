"""Read a landing file into DuckDB as text, cast it to the contract's types and validate it.

The file is read by DuckDB itself (CSV, Parquet) or openpyxl (Excel) into a staging table of
text columns, so nothing is lost before validation. Casting is SQL derived from the Pandera
contract; Pandera then validates typed Arrow batches, so no file is held whole in pandas.
Every failure becomes a :class:`~evidence.errors.RowFailure`-shaped record.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from evidence.errors import UnreadableFileError
from evidence.warehouse.readers import normalise_header, read_raw
from evidence.warehouse.sql_cells import CAST_RULES, cast_columns, quote
from evidence.warehouse.tables import contract_columns
from schemas.privacy import AGE_COLUMN
from schemas.raw import DEFAULTED_COLUMNS, LAYOUTS, RULE_COLUMNS, severity

#: Schema of the staging relations (``<kind>_<tag>``) of the files being validated.
STAGING = "_ingest"
BATCH_ROWS = 250_000
FAILURE_COLUMNS = ["row_number", "column_name", "value", "rule", "message"]
SUPPORTED_SUFFIXES = {".csv", ".parquet", ".xlsx"}

#: Columns an input file may leave out: the nullable ones, and those the contract defaults.
OPTIONAL_INPUT_COLUMNS = {
    layout: {name for name, col in model.to_schema().columns.items() if col.nullable}
    | DEFAULTED_COLUMNS[layout]
    for layout, model in LAYOUTS.items()
}

_ARROW_TO_PANDAS = {
    pa_arrow.string(): pd.StringDtype("pyarrow"),
    pa_arrow.large_string(): pd.StringDtype("pyarrow"),
    pa_arrow.int64(): pd.Int64Dtype(),
    pa_arrow.float64(): pd.Float64Dtype(),
    pa_arrow.bool_(): pd.BooleanDtype(),
}


@dataclass(frozen=True)
class StagedFile:
    """A file read into ``_ingest.raw_<tag>`` with its header mapped to contract names."""

    table: str
    layout: str
    rows_in: int | None  # None until the checking pass has read every line (DuckDB CSV)
    columns: dict[str, str]  # contract name -> header as in the file
    unknown_columns: tuple[str, ...]
    missing_required: tuple[str, ...]
    notes: tuple[str, ...] = ()  # how the file was read, e.g. "read as Latin-1"
    headers: tuple[str, ...] = ()  # as in the file, in order
    redacted: tuple[str, ...] = ()  # headers refused as direct identifiers
    stream: str | None = None  # the rows in file order without _row (see readers.RawFile)
    #: Parquet: the rows in file order with the file's own types, and those types by header
    #: (a CSV is read as text: its failing rows keep their cells as they were written)
    typed_stream: str | None = None
    input_types: dict[str, str] | None = None
    pseudonyms: frozenset[str] = frozenset()  # columns its manifest declares study pseudonyms
    #: (row, column, value, rule, message) of cells the reader could not read (readers.RawFile)
    cell_failures: tuple[tuple[int, str, str, str, str], ...] = ()


def detect_layout(headers: list[str]) -> str | None:
    names = {normalise_header(h) for h in headers}
    if "subject_id" in names:
        return "patient"
    if "rob_tool" in names:
        return "risk_of_bias"
    if "stratum_kind" in names or "citation" in names:
        return "study"
    return None


def stage_file(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, *, by_line: bool = False
) -> StagedFile:
    """Read ``path`` into the view ``table`` and work out its layout and column mapping.

    ``by_line`` reads a CSV with the csv module (see ``readers.read_raw``)."""
    raw = read_raw(con, path, table, by_line=by_line)
    headers = raw.headers
    layout = detect_layout(headers)
    if layout is None:
        raise UnreadableFileError(
            str(path),
            "unknown layout: a patient-level file has a subject_id column, a study-level "
            "file has stratum_kind and citation columns, a risk-of-bias file a rob_tool "
            "column",
        )
    refused = con.sql(f"select count(*) from {table}_lines").fetchall()[0][0]
    rows_in = None if raw.rows is None else raw.rows + refused
    contract = [name for name, _, _ in contract_columns(LAYOUTS[layout])]
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        if header.startswith("_"):
            continue  # reader bookkeeping such as _sheet
        name = normalise_header(header)
        if name in contract and name not in mapping:
            mapping[name] = header
        else:
            unknown.append(header)
    optional = OPTIONAL_INPUT_COLUMNS[layout]
    missing = tuple(c for c in contract if c not in mapping and c not in optional)
    return StagedFile(
        table,
        layout,
        rows_in,
        mapping,
        tuple(unknown),
        missing,
        raw.notes,
        tuple(headers),
        stream=raw.stream,
        typed_stream=raw.typed_stream,
        input_types=raw.types,
        cell_failures=raw.cell_failures,
    )


def typed_select(staged: StagedFile) -> str:
    """SQL casting the staged text to the contract's types, with one flag per cast failure."""
    casts = cast_columns(staged.layout, staged.columns, age_column=AGE_COLUMN)
    values = ["_row as row_number"] + [f"{c.value} as {c.name}" for c in casts]
    flags = [f"{c.cast_failed} as _bad_{c.name}" for c in casts if c.sql_type != "varchar"]
    return f"select {', '.join(values + flags)} from {staged.table}"


def validate_batches(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    batch_rows: int = BATCH_ROWS,
    *,
    strict: bool = False,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """Yield (valid rows, failures, flags) per batch; valid rows are parsed by the contract.

    ``flags`` (``row_number``, ``rule``) lists the checks of severity ``warning`` that valid
    rows break; with ``strict`` those checks are errors, among the failures."""
    model = LAYOUTS[staged.layout]
    schema = model.to_schema()
    if strict:
        schema = copy.deepcopy(schema)
        for check in schema.checks:
            check.raise_warning = False
    descriptions = {name: (col.description or "") for name, col in schema.columns.items()}
    types = {name: typ for name, typ, _ in contract_columns(model)}
    reader_con = con.cursor()  # the reader owns its connection while the caller inserts
    try:
        yield from _validate_stream(reader_con, staged, schema, descriptions, types, batch_rows)
    finally:
        reader_con.close()


def _validate_stream(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    schema: pa.DataFrameSchema,
    descriptions: dict[str, str],
    types: dict[str, str],
    batch_rows: int,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    reader = con.sql(typed_select(staged)).to_arrow_reader(batch_rows)
    for batch in reader:
        frame = batch.to_pandas(types_mapper=_ARROW_TO_PANDAS.get).set_index("row_number")
        flag_columns = [c for c in frame.columns if c.startswith("_bad_")]
        failures = [_cast_failures(frame, flag_columns, types, staged)]
        data = frame.drop(columns=flag_columns)
        try:
            with warnings.catch_warnings():  # warnings are collected below, as flags
                warnings.simplefilter("ignore", pa.errors.SchemaWarning)
                parsed = schema.validate(data, lazy=True)
            schema_failures = pd.DataFrame(columns=FAILURE_COLUMNS)
        except pa.errors.SchemaErrors as errors:
            parsed = errors.data
            schema_failures = _schema_failures(errors.failure_cases, data, descriptions)
        failures.append(schema_failures)
        found = (
            pd.concat([f for f in failures if not f.empty], ignore_index=True)
            if any(not f.empty for f in failures)
            else pd.DataFrame(columns=FAILURE_COLUMNS)
        )
        found = found.drop_duplicates(["row_number", "column_name"], keep="first")
        bad_rows = set(found["row_number"].tolist())
        valid = parsed.loc[~parsed.index.isin(bad_rows)]
        yield valid, found, _warnings(schema, valid)


def _warnings(schema: pa.DataFrameSchema, valid: pd.DataFrame) -> pd.DataFrame:
    """(row_number, rule) of each check of severity ``warning`` that a valid row breaks."""
    flagged = [
        pd.DataFrame(
            {
                "row_number": valid.index[~check(valid).check_output.to_numpy(bool)],
                "rule": check.name,
            }
        )
        for check in schema.checks
        if severity(check) == "warning" and len(valid)
    ]
    if not flagged:
        return pd.DataFrame({"row_number": pd.Series(dtype="int64"), "rule": pd.Series(dtype=str)})
    return pd.concat(flagged, ignore_index=True)


def _cast_failures(
    frame: pd.DataFrame, flag_columns: list[str], types: dict[str, str], staged: StagedFile
) -> pd.DataFrame:
    records = []
    for flag in flag_columns:
        rows = frame.index[frame[flag].fillna(False).astype(bool)]
        if len(rows) == 0:
            continue
        name = flag.removeprefix("_bad_")
        rule, what = CAST_RULES[types[name]]
        for row in rows:
            records.append((int(row), name, None, rule, f"{name} {what}"))
    return pd.DataFrame(records, columns=FAILURE_COLUMNS)


def _schema_failures(
    cases: pd.DataFrame, data: pd.DataFrame, descriptions: dict[str, str]
) -> pd.DataFrame:
    records = []
    row_checks: dict[tuple[int, str], tuple[str, str | None, str | None]] = {}
    for case in cases.itertuples(index=False):
        check = str(case.check)
        column = None if pd.isna(case.column) else str(case.column)
        value = None if pd.isna(case.failure_case) else str(case.failure_case)
        if case.index is None or pd.isna(case.index):
            # A schema-level failure (e.g. a dtype): it concerns every row of the batch.
            records += [(int(row), column, None, check, f"{column}: {check}") for row in data.index]
        elif case.schema_context == "DataFrameSchema":
            # A row check is reported once per non-null column: keep the rule's own column.
            rule, message = _row_check(check)
            wanted = RULE_COLUMNS.get(rule, column)
            key = (int(case.index), rule)
            if key not in row_checks or column == wanted:
                row_checks[key] = (message, wanted, value if column == wanted else None)
        else:
            note = descriptions.get(column or "", "")
            message = f"{column} breaks {check}" + (f" ({note})" if note else "")
            records.append((int(case.index), column, value, check, message))
    records += [
        (row, column, value, rule, message)
        for (row, rule), (message, column, value) in row_checks.items()
    ]
    return pd.DataFrame(records, columns=FAILURE_COLUMNS)


_ROW_CHECKS: dict[str, tuple[str, str]] = {}


def _row_check(reported: str) -> tuple[str, str]:
    """(rule name, message) of a dataframe check; Pandera reports its error text."""
    if not _ROW_CHECKS:
        for model in LAYOUTS.values():
            for check in model.to_schema().checks:
                pair = (check.name, check.error or check.name)
                _ROW_CHECKS[check.name] = pair
                if check.error:
                    _ROW_CHECKS[check.error] = pair
    return _ROW_CHECKS.get(reported, (reported, reported))


def drop_staging(con: duckdb.DuckDBPyConnection, tag: str) -> None:
    """Drop every staging relation of one file in this database's ``_ingest``."""
    params = {"pattern": f"%\\_{tag}%"}
    where = (
        f"where database_name = current_database() and schema_name = '{STAGING}' "
        "and {name} like $pattern escape '\\'"
    )
    views = con.execute(
        f"select view_name from duckdb_views() {where.format(name='view_name')}", params
    ).fetchall()
    tables = con.execute(
        f"select table_name from duckdb_tables() {where.format(name='table_name')}", params
    ).fetchall()
    for (view,) in views:
        con.execute(f"drop view if exists {STAGING}.{quote(view)}")
    for (table,) in tables:
        con.execute(f"drop table if exists {STAGING}.{quote(table)}")
