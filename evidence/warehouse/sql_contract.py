"""The patient contract compiled to SQL: Pandera's casts, parsers and checks in one DuckDB pass.

Large patient-level files are validated inside DuckDB instead of in pandas batches. The SQL is
generated from the Pandera model (column dtypes, nullability and checks) plus the SQL twins of
its parsers and row checks declared beside it in ``schemas.raw``; an unknown check type is an
error, never silently skipped. tests/warehouse/test_sql_contract.py proves both paths accept
the same rows and report the same failures.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

from schemas.raw import (
    LAYOUTS,
    MAX_CELL_CHARS,
    OVERSIZED_ADVICE,
    PATIENT_PARSER_SQL,
    PATIENT_ROW_CHECK_SQL,
    RULE_COLUMNS,
    STRIP_SQL,
    severity,
)

_TRUE = "'1','true','yes','y','t'"
_FALSE = "'0','false','no','n','f'"
CAST_RULES = {
    "bigint": ("type_integer", "is not a whole number"),
    "double": ("type_number", "is not a finite number"),
    "boolean": ("type_boolean", "is not yes/no, true/false or 1/0"),
}
#: A non-empty text whose first and last characters are not whitespace that STRIP_SQL strips.
_UNPADDED = "[^ \\t\\n\\r\\x0b\\x0c](.*[^ \\t\\n\\r\\x0b\\x0c])?"
SQL_TYPES = {"Int64": "bigint", "Float64": "double", "boolean": "boolean"}
#: A row of ``validation_select`` that failed no check.
ROW_PASSED = "_fails is null"
#: How to read ``_fails`` (JSON text) back as a list of failures: ``from_json(_fails, ...)``.
FAILURES_JSON = '[{"column_name": "VARCHAR", "rule": "VARCHAR", "message": "VARCHAR"}]'
#: How much of a long cell the quarantine keeps (its start, then its length).
SHOWN_CHARS = 200


@dataclass(frozen=True)
class CastColumn:
    """How one contract column is read from the staged text."""

    name: str
    sql_type: str
    nullable: bool
    text: str  # the cell as text, stripped, NULL when empty
    value: str  # the typed (and, in the SQL path, parsed) value
    cast_failed: str  # true when the text does not cast


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cast_columns(
    layout: str, columns: dict[str, str], *, age_column: str | None = None
) -> list[CastColumn]:
    """Cast expressions for every contract column (NULL for columns the file lacks)."""
    out = []
    for name, column in LAYOUTS[layout].to_schema().columns.items():
        sql_type = SQL_TYPES.get(str(column.dtype), "varchar")
        if name not in columns:
            null = f"null::{sql_type}"
            out.append(CastColumn(name, sql_type, bool(column.nullable), null, null, "false"))
            continue
        cell = quote(columns[name])
        # A cell with no whitespace at either end is its own stripped text (the common case:
        # a pattern test is three times cheaper than the strip).
        text = (
            f"case when regexp_full_match({cell}, {sql_literal(_UNPADDED)}) then {cell} "
            f"else nullif({STRIP_SQL.format(x=cell)}, '') end"
        )
        if name == age_column:  # "90+" is how Safe Harbor writes the top age band
            text = f"regexp_replace({text}, '^(\\d+)\\s*\\+$', '\\1')"
        number = f"try_cast({text} as double)"
        if sql_type == "bigint":
            value = f"case when {number} = round({number}) then {number}::bigint end"
        elif sql_type == "double":
            value = f"case when isfinite({number}) then {number} end"
        elif sql_type == "boolean":
            value = (
                f"case when lower({text}) in ({_TRUE}) then true "
                f"when lower({text}) in ({_FALSE}) then false end"
            )
        else:
            value = text
        failed = "false" if sql_type == "varchar" else f"({text} is not null and {value} is null)"
        out.append(CastColumn(name, sql_type, bool(column.nullable), text, value, failed))
    return out


def _check_fails(check: pa.Check, value: str) -> str:
    """SQL that is true when a non-null ``value`` breaks ``check``."""
    stats = check.statistics
    if check.name == "in_range":
        low = ">=" if stats.get("include_min", True) else ">"
        high = "<=" if stats.get("include_max", True) else "<"
        return f"not ({value} {low} {stats['min_value']} and {value} {high} {stats['max_value']})"
    if check.name == "isin":
        allowed = ", ".join(sql_literal(str(v)) for v in stats["allowed_values"])
        return f"not list_contains([{allowed}], {value})"
    if check.name == "str_matches":
        return f"not regexp_matches({value}, {sql_literal(stats['pattern'])})"
    if check.name == "greater_than_or_equal_to":
        return f"not ({value} >= {stats['min_value']})"
    if check.name == "str_length":
        parts = []
        if stats.get("min_value") is not None:
            parts.append(f"length({value}) >= {stats['min_value']}")
        if stats.get("max_value") is not None:
            parts.append(f"length({value}) <= {stats['max_value']}")
        return f"not ({' and '.join(parts) or 'true'})"
    raise NotImplementedError(f"no SQL form for Pandera check {check.name!r}")


def _failure(column: str, rule: str, message: str) -> str:
    return (
        f"{{'column_name': {sql_literal(column)}, 'rule': {sql_literal(rule)}, "
        f"'message': {sql_literal(message)}}}"
    )


def _fast_cells(
    cast: CastColumn, raw: str, allowed: list[str] | None, age_column: str | None
) -> tuple[str, str]:
    """(first-layer expression, typed value over it) of one column, cheap for common cells.

    Equivalent to the plain cast (tests/warehouse/test_sql_contract.py proves it): a number is
    ``try_cast`` of the cell itself, because DuckDB's cast skips exactly the whitespace that
    STRIP_SQL strips; a cell that already is a canonical vocabulary word is kept as it is,
    because every parser maps a canonical word to itself."""
    name = cast.name
    if cast.sql_type in ("bigint", "double"):
        first = f"try_cast({cast.text if name == age_column else raw} as double)"
        if cast.sql_type == "bigint":
            return first, f"case when __n_{name} = round(__n_{name}) then __n_{name}::bigint end"
        return first, f"case when isfinite(__n_{name}) then __n_{name} end"
    if cast.sql_type == "boolean":
        return (
            f"case when {raw} in ({_TRUE}) then true when {raw} in ({_FALSE}) then false "
            f"else {cast.value} end",
            f"__n_{name}",
        )
    value = (
        PATIENT_PARSER_SQL[name].format(x=cast.text) if name in PATIENT_PARSER_SQL else cast.value
    )
    if allowed:
        words = ", ".join(sql_literal(v) for v in allowed)
        value = f"case when {raw} in ({words}) then {raw} else {value} end"
    return value, f"__n_{name}"


def _allowed_words(column: pa.Column) -> list[str] | None:
    for check in column.checks:
        if check.name == "isin":
            return [str(v) for v in check.statistics["allowed_values"]]
    return None


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
        condition = f"({cast.name} is not null and {_check_fails(check, cast.name)})"
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
    has been checked (e.g. ages over 89 folded to 90).

    Three layers, so that every cell is cast once: the first casts or parses each cell, the
    second turns numbers into the contract's types and flags cells that did not cast, the
    third applies the checks."""
    if layout != "patient":
        raise NotImplementedError("the SQL path covers patient-level files")
    schema = LAYOUTS[layout].to_schema()
    casts = cast_columns(layout, columns, age_column=age_column)
    row = ["_row"] if numbered else []
    raw_cells = {h: f"__raw_{i}" for i, h in enumerate(raw_headers)}
    marks = marks or {}
    first = [*row] + [f"{quote(h)} as {alias}" for h, alias in raw_cells.items()]
    first += [f"({sql}) as __mark_{name}" for name, sql in marks.items()]
    second = [*row, *raw_cells.values(), *(f"__mark_{name}" for name in marks)]
    cells = _cell_layers(casts, schema, columns, age_column)
    first += cells.first
    second += cells.second
    row_failures, row_breaks, warnings = _row_checks(schema, cells.failures, strict=strict)
    failures = ", ".join(f"({f})" for f in [*cells.failures.values(), *row_failures])
    failed = f"list_filter([{failures}], lambda f: f is not null)"
    oversized = [_oversized(h, alias) for h, alias in raw_cells.items()]
    if oversized:
        # a line with a cell over the limit fails for that alone, as the line-by-line reader
        # refuses it (readers._read_csv_by_line)
        row_breaks.append(" or ".join(condition for condition, _ in oversized))
        long_cells = ", ".join(failure for _, failure in oversized)
        failed = (
            f"case when {row_breaks[-1]} then list_filter([{long_cells}], lambda f: f is not "
            f"null) else {failed} end"
        )
    # Most rows are valid: one cheap boolean decides that, and only the rows it flags build
    # their failure structs and raw cells (CASE evaluates a branch for its own rows alone).
    breaks = " or ".join(f"coalesce({b}, false)" for b in [*cells.breaks, *row_breaks]) or "false"
    # Text, not lists: a LIST(STRUCT) column costs far more to write, even when NULL.
    kept = [f"case when __broken then to_json({failed}) end as _fails", _flags_column(warnings)]
    if raw_cells:
        # JSON text, not a struct: one mostly-NULL column is far cheaper to write than one
        # per cell.
        raw_struct = ", ".join(f"{sql_literal(h)}: {_shown(a)}" for h, a in raw_cells.items())
        kept.append(f"case when __broken then to_json({{{raw_struct}}}) end as _raw")
    kept += [f"case when __mark_{name} then true end as {name}" for name in marks]
    stored = [f"{(transforms or {}).get(c.name, c.name)} as {c.name}" for c in casts]
    return (
        f"select {', '.join([*row, *stored, *kept])} "
        f"from (select *, ({breaks}) as __broken "
        f"from (select {', '.join(second)} "
        f"from (select {', '.join(first)} from {table})))"
    )


@dataclass(frozen=True)
class _Cells:
    """The per-cell parts of ``validation_select``: expressions of its first and second
    layers, and each column's failure (a CASE) and break conditions."""

    first: list[str]
    second: list[str]
    failures: dict[str, str]
    breaks: list[str]


def _cell_layers(
    casts: list[CastColumn], schema: pa.DataFrameSchema, columns: dict[str, str], age: str | None
) -> _Cells:
    cells = _Cells([], [], {}, [])
    for cast in casts:
        column = schema.columns[cast.name]
        if cast.name in columns:
            raw = quote(columns[cast.name])
            expression, value = _fast_cells(cast, raw, _allowed_words(column), age)
            cells.first.extend([f"{expression} as __n_{cast.name}", f"{raw} as __in_{cast.name}"])
            bad = "false"
            if cast.sql_type != "varchar":
                text = STRIP_SQL.format(x=f"__in_{cast.name}")
                # CASE, not AND: a projection evaluates every operand of an AND on every
                # row, a CASE strips only the cells that did not cast.
                bad = (
                    f"case when __in_{cast.name} is null or ({value}) is not null then false "
                    f"else nullif({text}, '') is not null end"
                )
            cells.second.extend([f"{value} as {cast.name}", f"({bad}) as __bad_{cast.name}"])
        else:
            parser = PATIENT_PARSER_SQL.get(cast.name, "{x}")
            cells.second.extend(
                [f"{parser.format(x=cast.value)} as {cast.name}", f"false as __bad_{cast.name}"]
            )
        branches = _cell_branches(cast, column)
        cells.breaks.extend(condition for condition, _ in branches)
        cells.failures[cast.name] = (
            "case " + " ".join(f"when {c} then {f}" for c, f in branches) + " end"
            if branches
            else "null"
        )
    return cells


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
