"""The patient contract compiled to SQL: Pandera's casts, parsers and checks in one DuckDB pass.

Large patient-level files are validated inside DuckDB instead of in pandas batches. The SQL is
generated from the Pandera model (column dtypes, nullability and checks) plus the SQL twins of
its parsers and row checks declared beside it in ``schemas.raw``; an unknown check type is an
error, never silently skipped. tests/warehouse/test_sql_contract.py proves both paths accept
the same rows and report the same failures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandera.pandas as pa

from evidence.warehouse.sql_cells import (
    CAST_RULES,
    SHOWN_CHARS,
    SQL_TYPES,
    CastColumn,
    cast_columns,
    check_fails,
    fast_cell,
    is_number_input,
    quote,
    sql_literal,
    typed_number,
)
from schemas.raw import (
    LAYOUTS,
    MAX_CELL_CHARS,
    OVERSIZED_ADVICE,
    PATIENT_PARSER_SQL,
    PATIENT_ROW_CHECK_SQL,
    RULE_COLUMNS,
    severity,
)

#: A row of ``validation_select`` that failed no check.
ROW_PASSED = "_fails is null"
#: How to read ``_fails`` (JSON text) back as a list of failures: ``from_json(_fails, ...)``.
FAILURES_JSON = '[{"column_name": "VARCHAR", "rule": "VARCHAR", "message": "VARCHAR"}]'


def _failure(column: str, rule: str, message: str) -> str:
    return (
        f"{{'column_name': {sql_literal(column)}, 'rule': {sql_literal(rule)}, "
        f"'message': {sql_literal(message)}}}"
    )


def _cell_branches(cast: CastColumn, column: pa.Column) -> list[tuple[str, str]]:
    """(condition, failure struct) of each way a cell can fail, in the order Pandera reports."""
    note = f" ({column.description})" if column.description else ""
    branches = []
    if cast.sql_type != "varchar":
        rule, what = CAST_RULES[cast.sql_type]
        branches.append((f"__bad_{cast.name}", _failure(cast.name, rule, f"{cast.name} {what}")))
    if not cast.nullable:
        message = f"{cast.name} breaks not_nullable{note}"
        branches.append((f"{cast.name} is null", _failure(cast.name, "not_nullable", message)))
    for check in column.checks:
        rule = check.error or str(check)
        condition = f"({cast.name} is not null and {check_fails(check, cast.name)})"
        branches.append((condition, _failure(cast.name, rule, f"{cast.name} breaks {rule}{note}")))
    return branches


def validation_select(
    table: str,
    layout: str,
    columns: dict[str, str],
    *,
    age_column: str | None,
    raw_headers: tuple[str, ...] = (),
    numbered: bool = True,
    marks: dict[str, str] | None = None,
    strict: bool = False,
    transforms: dict[str, str] | None = None,
    input_types: dict[str, str] | None = None,
) -> str:
    """SELECT of every staged row: ``_row`` (when ``numbered``), the parsed typed columns,
    ``_fails`` and ``_flags``.

    ``_fails`` is a JSON list of {column_name, rule, message} objects (read it back with
    ``from_json(_fails, FAILURES_JSON)``): at most one per cell, then the row checks of
    severity ``error``; NULL when the row passes (``ROW_PASSED``). ``_flags`` names the checks
    of severity ``warning`` that a row without failures breaks, comma-separated (NULL when
    none); with ``strict`` they are errors, in ``_fails``.
    With ``raw_headers``, ``_raw`` holds those cells as they were in the file (a JSON
    object), for failing rows only (NULL for the others). ``marks`` adds a column per entry
    (name -> SQL over the file's columns), TRUE where the SQL is true, else NULL.
    ``transforms`` (name -> SQL over the typed column) changes what a column stores once it
    has been checked (e.g. ages over 89 folded to 90). ``input_types`` (header -> DuckDB
    type, default VARCHAR) says how ``table`` scans each column: numbers may arrive typed.

    Two tiers: one conjunction of cheap tests (``__ok``, a CASE condition, so that DuckDB
    stops at a row's first false test) recognises a row whose cells are in their canonical
    form and pass every check of severity ``error``; its values are its cells. Only the other
    rows are stripped, parsed, cast and checked the way Pandera does, and build failures."""
    if layout != "patient":
        raise NotImplementedError("the SQL path covers patient-level files")
    schema = LAYOUTS[layout].to_schema()
    row = ["_row"] if numbered else []
    raw_cells = {h: f"__raw_{i}" for i, h in enumerate(raw_headers)}
    marks = marks or {}
    first = [*row] + [f"{quote(h)} as {alias}" for h, alias in raw_cells.items()]
    first += [f"({sql}) as __mark_{name}" for name, sql in marks.items()]
    cells = _cells(schema, columns, input_types or {}, age_column)
    first += cells.first
    fast, ok = cells.fast, cells.ok
    row_failures, row_breaks, warnings = _row_checks(schema, cells.failures, strict=strict)
    ok += [_fast_row_check(check, fast) for check in schema.checks if _is_error(check, strict)]
    failures = ", ".join(f"({f})" for f in [*cells.failures.values(), *row_failures])
    failed = f"list_filter([{failures}], lambda f: f is not null)"
    texts = {
        h: a for h, a in raw_cells.items() if (input_types or {}).get(h, "VARCHAR") == "VARCHAR"
    }
    oversized = [_oversized(h, alias) for h, alias in texts.items()]
    if oversized:
        # a line with a cell over the limit fails for that alone, as the line-by-line reader
        # refuses it (readers._read_csv_by_line); contract cells that pass the cheap tests
        # are short
        row_breaks.append(" or ".join(condition for condition, _ in oversized))
        long_cells = ", ".join(failure for _, failure in oversized)
        failed = (
            f"case when {row_breaks[-1]} then list_filter([{long_cells}], lambda f: f is not "
            f"null) else {failed} end"
        )
        contract_headers = set(columns.values())
        ok += [
            f"({alias} is null or strlen({alias}) <= {MAX_CELL_CHARS})"
            for header, alias in texts.items()
            if header not in contract_headers
        ]
    breaks = " or ".join(f"coalesce({b}, false)" for b in [*cells.breaks, *row_breaks]) or "false"
    # Text, not lists: a LIST(STRUCT) column costs far more to write, even when NULL.
    kept = [f"case when __broken then to_json({failed}) end as _fails", _flags_column(warnings)]
    if raw_cells:
        # JSON text, not a struct: one mostly-NULL column is far cheaper to write than one
        # per cell.
        raw_struct = ", ".join(
            f"{sql_literal(h)}: {_shown(a) if h in texts else a}" for h, a in raw_cells.items()
        )
        kept.append(f"case when __broken then to_json({{{raw_struct}}}) end as _raw")
    kept += [f"case when __mark_{name} then true end as {name}" for name in marks]
    stored = [f"{(transforms or {}).get(name, name)} as {name}" for name in cells.fast]
    carried = [*row, *raw_cells.values(), *(f"__mark_{name}" for name in marks)]
    return (
        f"select {', '.join([*row, *stored, *kept])} "
        f"from (select *, case when __ok then false else ({breaks}) end as __broken "
        f"from (select {', '.join([*carried, '__ok', *cells.values])} "
        f"from (select *, case when {' and '.join(ok) or 'true'} then true else false end "
        f"as __ok from (select {', '.join(first)} from {table}))))"
    )


@dataclass(frozen=True)
class _Cells:
    """Per contract column: what the first layer scans, the cheap test and canonical value
    (``ok``, ``fast``), the value and cast-failure flag of the third layer (``values``), and
    the failure CASE and break conditions of the checks."""

    first: list[str] = field(default_factory=list)
    fast: dict[str, str] = field(default_factory=dict)
    ok: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    breaks: list[str] = field(default_factory=list)


def _cells(
    schema: pa.DataFrameSchema,
    columns: dict[str, str],
    input_types: dict[str, str],
    age_column: str | None,
) -> _Cells:
    types = {name: input_types.get(header, "VARCHAR") for name, header in columns.items()}
    aliases = {name: f"__in_{name}" for name in columns}
    cells = _Cells()
    for name, header in columns.items():
        typed = (name in _NUMBERS and is_number_input(types[name])) or (
            name in _BOOLEANS and types[name].upper() == "BOOLEAN"
        )
        if not typed and types[name].upper() != "VARCHAR":
            types[name] = "VARCHAR"  # any other type is read as its text
            cells.first.append(f"{quote(header)}::varchar as {aliases[name]}")
        else:
            cells.first.append(f"{quote(header)} as {aliases[name]}")
        if name in _NUMBERS and not typed:
            cells.first.append(f"try_cast({aliases[name]} as double) as __n_{name}")
    casts = cast_columns("patient", aliases, age_column=age_column)
    for cast in casts:
        column = schema.columns[cast.name]
        if cast.name not in columns:  # absent from the file: the contract's default
            default = PATIENT_PARSER_SQL.get(cast.name, "{x}").format(x=cast.value)
            cells.fast[cast.name] = default
            cells.values.extend([f"{default} as {cast.name}", f"false as __bad_{cast.name}"])
            branches = []
        else:
            input_type = types[cast.name]
            condition, cells.fast[cast.name] = fast_cell(
                cast, column, aliases[cast.name], input_type, f"__n_{cast.name}"
            )
            cells.ok.append(condition)
            full = cast
            if is_number_input(input_type) and cast.name in _NUMBERS:
                full = typed_number(cast, aliases[cast.name], input_type)
            elif input_type.upper() == "BOOLEAN":  # read as it is
                full = replace(cast, value=aliases[cast.name], cast_failed="false")
            value = full.value
            if cast.sql_type == "varchar":
                value = PATIENT_PARSER_SQL.get(cast.name, "{x}").format(x=cast.text)
            cells.values.extend(
                [
                    f"case when __ok then {cells.fast[cast.name]} else {value} end as {cast.name}",
                    f"case when __ok then false else {full.cast_failed} end as __bad_{cast.name}",
                ]
            )
            branches = _cell_branches(cast, column)
        cells.breaks.extend(condition for condition, _ in branches)
        cells.failures[cast.name] = (
            "case " + " ".join(f"when {c} then {f}" for c, f in branches) + " end"
            if branches
            else "null"
        )
    return cells


#: Contract columns read as numbers, and as booleans.
_NUMBERS = frozenset(
    name
    for name, column in LAYOUTS["patient"].to_schema().columns.items()
    if SQL_TYPES.get(str(column.dtype)) in ("bigint", "double")
)
_BOOLEANS = frozenset(
    name
    for name, column in LAYOUTS["patient"].to_schema().columns.items()
    if SQL_TYPES.get(str(column.dtype)) == "boolean"
)


def _is_error(check: pa.Check, strict: bool) -> bool:
    return strict or severity(check) == "error"


def _fast_row_check(check: pa.Check, fast: dict[str, str]) -> str:
    """A row check over the cells' canonical values (``fast``), false when it fails."""
    sql = PATIENT_ROW_CHECK_SQL[check.name]
    for name in sorted(fast, key=len, reverse=True):
        sql = re.sub(rf"\b{name}\b", f"({fast[name]})", sql)
    return f"coalesce({sql}, false)"


def _row_checks(
    schema: pa.DataFrameSchema, cell_failures: dict[str, str], *, strict: bool
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(failure CASEs, break conditions) of the row checks of severity ``error`` (a check
    fails a row only when the cell it reports has no failure of its own), and (condition,
    rule) of those of severity ``warning``; with ``strict`` every check is an error."""
    failures, breaks, warnings = [], [], []
    for check in schema.checks:
        column = RULE_COLUMNS[check.name]
        ok = PATIENT_ROW_CHECK_SQL[check.name]
        if severity(check) == "warning" and not strict:
            warnings.append((f"not coalesce({ok}, false)", sql_literal(check.name)))
            continue
        failure = _failure(column, check.name, check.error or check.name)
        failures.append(
            f"case when not ({ok}) and ({cell_failures[column]}) is null then {failure} end"
        )
        breaks.append(f"not coalesce({ok}, false)")
    return failures, breaks, warnings


def _flags_column(warnings: list[tuple[str, str]]) -> str:
    """``_flags``: the warning rules a row without failures breaks, comma-separated (NULL
    when none)."""
    if not warnings:
        return "null::varchar as _flags"
    warned = " or ".join(condition for condition, _ in warnings)
    rules = ", ".join(f"case when {c} then {rule} end" for c, rule in warnings)
    return f"case when not __broken and ({warned}) then concat_ws(',', {rules}) end as _flags"


def _oversized(header: str, cell: str) -> tuple[str, str]:
    """(condition, failure struct) of a raw cell longer than the limit (strlen counts bytes,
    never fewer than the characters, and costs nothing: it screens every cell)."""
    condition = f"(strlen({cell}) > {MAX_CELL_CHARS} and length({cell}) > {MAX_CELL_CHARS})"
    message = (
        f"'cell of ' || format('{{:,}}', length({cell})) || ' characters; ' "
        f"|| {sql_literal(OVERSIZED_ADVICE)}"
    )
    failure = (
        f"case when {condition} then {{'column_name': {sql_literal(header)}, "
        f"'rule': 'oversized_cell', 'message': {message}}} end"
    )
    return condition, failure


def _shown(cell: str) -> str:
    """A raw cell as the quarantine keeps it: one over the limit cut to its start and its
    length (readers.shown)."""
    return (
        f"case when strlen({cell}) > {MAX_CELL_CHARS} and length({cell}) > {MAX_CELL_CHARS} "
        f"then left({cell}, {SHOWN_CHARS}) || '… (' || format('{{:,}}', length({cell})) "
        f"|| ' characters)' else {cell} end"
    )
