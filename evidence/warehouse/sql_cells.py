"""The cells of a file as the contract reads them, in SQL: Pandera's casts and checks.

Each contract column is read from the staged text (``cast_columns``: strip, parse, cast to the
contract's type, flag cells that do not cast), with a cheaper form for the common, canonical
cell (``fast_cells``); ``check_fails`` is the SQL of a Pandera column check. The SQL pass over
a whole file is assembled from these in :mod:`evidence.warehouse.sql_contract`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandera.pandas as pa

from schemas.raw import LAYOUTS, MAX_CELL_CHARS, STRIP_SQL

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
            whole = f"isfinite({number}) and {number} = round({number})"
            value = f"case when {whole} then {number}::bigint end"
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


def check_fails(check: pa.Check, value: str) -> str:
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


#: DuckDB types of a scanned column that the contract's numbers are read from as they are.
NUMERIC_INPUTS = (
    "DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT",
    "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT",
)  # fmt: skip
_WHOLE_INPUTS = NUMERIC_INPUTS[4:]


def is_number_input(input_type: str) -> bool:
    return input_type.upper().startswith(NUMERIC_INPUTS)


def fast_cell(
    cast: CastColumn, column: pa.Column, cell: str, input_type: str, number: str
) -> tuple[str, str]:
    """(condition, value) of one cell in its canonical form: the condition is true only for
    a cell that the full reading (``cast_columns`` over the text, or ``typed_number``) reads
    to ``value`` with no failure of its column checks; other cells take the full reading.

    ``cell`` is the scanned column, of ``input_type``; ``number`` its ``try_cast`` to DOUBLE
    when a contract number arrives as text (DuckDB's cast skips exactly the whitespace that
    STRIP_SQL strips, so the text need not be stripped first). A canonical vocabulary word is
    its own parse (every parser maps one to itself); a cell that matches its column's pattern
    (which admits no whitespace) is its own stripped text."""
    if cast.sql_type in ("bigint", "double"):
        numeric = is_number_input(input_type)
        n = cell if numeric else number
        # NULL (a cell that is no number) makes the condition NULL: the full reading decides
        conditions = [f"not ({check_fails(c, n)})" for c in column.checks] or [f"isfinite({n})"]
        whole = numeric and input_type.upper().startswith(_WHOLE_INPUTS)
        if cast.sql_type == "bigint" and not whole:
            conditions.append(f"{n} = round({n})")
        if not numeric:
            conditions.insert(0, f"strlen({cell}) <= {MAX_CELL_CHARS}")
        value = f"{n}::{cast.sql_type}"
    elif cast.sql_type == "boolean":
        if input_type.upper() == "BOOLEAN":
            return "true", cell
        conditions, value = [f"{cell} in ({_TRUE}, {_FALSE})"], f"{cell} in ({_TRUE})"
    else:
        words, pattern = allowed_words(column), _pattern(column)
        if words:
            conditions = [f"{cell} in ({', '.join(sql_literal(w) for w in words)})"]
        elif pattern:
            conditions = [f"regexp_full_match({cell}, {sql_literal(pattern)})"]
        else:
            conditions = [f"regexp_full_match({cell}, {sql_literal(_UNPADDED)})"]
        value = cell
    condition = " and ".join(conditions)
    if cast.nullable:
        condition = f"({cell} is null or ({condition}))"
    return condition, value


def typed_number(cast: CastColumn, cell: str, input_type: str) -> CastColumn:
    """The full reading of a contract number scanned as a number (e.g. from Parquet or a
    typed CSV read): whole for integers, finite for numbers; text never arises."""
    n = cell if input_type.upper() == "DOUBLE" else f"{cell}::double"
    if cast.sql_type == "bigint":
        value = f"case when isfinite({n}) and {n} = round({n}) then {n}::bigint end"
    else:
        value = f"case when isfinite({n}) then {n} end"
    failed = f"({cell} is not null and {value} is null)"
    return CastColumn(cast.name, cast.sql_type, cast.nullable, cell, value, failed)


def _pattern(column: pa.Column) -> str | None:
    patterns = [c.statistics["pattern"] for c in column.checks if c.name == "str_matches"]
    return patterns[0] if patterns else None


def allowed_words(column: pa.Column) -> list[str] | None:
    for check in column.checks:
        if check.name == "isin":
            return [str(v) for v in check.statistics["allowed_values"]]
    return None


def vocabulary_types(layout: str) -> dict[str, tuple[str, list[str]]]:
    """Column -> (ENUM type name, its words) of every column checked against a vocabulary.

    A file's table stores these columns as ENUMs (one byte a cell, written several times
    faster than the words); the views read them back as text. The type's name carries a
    digest of its words, so that a changed vocabulary is a new type beside the old one."""
    out = {}
    for name, column in LAYOUTS[layout].to_schema().columns.items():
        words = allowed_words(column)
        if words:
            digest = hashlib.sha256("\n".join(words).encode()).hexdigest()[:8]
            out[name] = (f"vocab_{name}_{digest}", words)
    return out


def vocabulary_ddl(layout: str) -> list[str]:
    """``create type`` statements of :func:`vocabulary_types`."""
    return [
        f"create type if not exists {type_name} as enum "
        f"({', '.join(sql_literal(w) for w in words)})"
        for type_name, words in vocabulary_types(layout).values()
    ]
