"""The report's CSV text: a header line, then one line per row, each ending in ``\\n``.

- A cell is quoted when it holds a comma, a quote, a line feed or a carriage return (RFC
  4180), its quotes doubled. (The csv module of Python 3.11 and 3.12, with ``\\n`` as line
  end, leaves a carriage return unquoted; a reader then splits the row there.)
- Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
  an apostrophe (OWASP "CSV injection"); numbers stay numbers, so ``-0.25`` is still a number.
- A number is written as Python writes it (``repr``: the shortest digits that read back), a
  boolean as ``True``/``False``, a missing value as an empty cell.

A large table (a registry's study rows: ~150,000 rows, ~1 s cell by cell in Python) is
formatted by DuckDB, a column at a time, to the same bytes: DuckDB's text of a double is
Python's ``repr``, except a NaN with its sign bit set (``-nan``), written ``nan`` here. A
table with a column of mixed or other types (a NumPy number, an integer beyond 64 bits) is
formatted in Python. ``tests/reporting/test_csv_text.py`` holds both equal, and equal to the
csv module's text wherever that module quotes as RFC 4180 does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import duckdb
import pyarrow as pa

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The characters that put a cell in quotes.
QUOTED = (",", '"', "\n", "\r")
_NEEDS_QUOTES = re.compile("[" + re.escape("".join(QUOTED)) + "]")
#: Tables of at least this many rows are formatted by DuckDB (below it, opening a connection
#: costs more than it saves).
FAST_ROWS = 5_000


def csv_cell(value: object) -> object:
    """A value safe to put in a CSV cell opened by a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    return _defused(str(value))


def _defused(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The table as CSV text."""
    rows = rows if isinstance(rows, list) else list(rows)
    if len(rows) >= FAST_ROWS:
        body = duckdb_body(rows)
        if body is not None:
            return python_text(header, []) + body
    return python_text(header, rows)


def python_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The table formatted in Python, cell by cell."""
    return "".join(_line(row) + "\n" for row in (header, *rows))


def _line(row: Sequence[object]) -> str:
    if len(row) == 1 and _text(row[0]) == "":
        return '""'  # as the csv module writes it: a lone empty cell is not an empty line
    return ",".join(_quoted(_text(v)) for v in row)


def _text(value: object) -> str:
    """A cell's text before quoting (:func:`csv_cell`'s value, written)."""
    kind = type(value)
    if kind is str:
        return _defused(str(value))
    if kind is float:
        return repr(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):  # e.g. a NumPy double: its number, not its repr
        return float.__repr__(value)
    if isinstance(value, int):
        return int.__repr__(value)
    return str(csv_cell(value))


def _quoted(text: str) -> str:
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def duckdb_body(rows: list[Sequence[object]]) -> str | None:
    """The rows' lines as :func:`python_text` writes them, formatted by DuckDB; None when
    a column is not one of float, int, bool or str (with None), or the rows are not all of
    one width of at least 2."""
    width = len(rows[0]) if rows else 0
    if width < 2 or any(len(row) != width for row in rows):
        return None
    # a column at a time: zip(*rows) makes a tuple per row, which a large heap (the report's
    # context) pays for in garbage collection wherever the collector is not paused
    columns = [[row[i] for row in rows] for i in range(width)]
    arrays, texts, cells = [], [], []
    for i, values in enumerate(columns):
        typed = _typed(values, f"c{i}")
        if typed is None:
            return None
        arrays.append(typed[0])
        texts.append(f"{typed[1]} as c{i}")
        cells.append(_quoted_sql(f"c{i}") if typed[0].type == pa.string() else f"c{i}")
    table = pa.table(arrays, names=[f"c{i}" for i in range(len(columns))])
    line = " || ',' || ".join(cells)
    con = duckdb.connect()
    try:
        con.register("cells", table)
        sql = f"select {line} as line from (select {', '.join(texts)} from cells)"
        lines = con.sql(sql).to_arrow_table().column("line").to_pylist()
    finally:
        con.close()
    return "\n".join(lines) + "\n"


def _typed(values: Sequence[object], name: str) -> tuple[pa.Array, str] | None:
    """(the column as Arrow, SQL of its cells' text before quoting), or None for a column of
    another type."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {float}:  # a column of None only is empty cells, whatever its type
        sql = (
            f"case when {name} is null then '' when isnan({name}) then 'nan' "
            f"else {name}::varchar end"
        )
        return pa.array(values, pa.float64()), sql
    if kinds == {int}:
        try:
            array = pa.array(values, pa.int64())
        except (OverflowError, pa.ArrowInvalid):
            return None
        return array, f"coalesce({name}::varchar, '')"
    if kinds == {bool}:
        sql = f"case when {name} then 'True' when not {name} then 'False' else '' end"
        return pa.array(values, pa.bool_()), sql
    if kinds == {str}:
        starts = ", ".join(str(ord(c)) for c in FORMULA_START)
        sql = (
            f"case when {name} is null then '' when unicode({name}) in ({starts}) "
            f"then '''' || {name} else {name} end"
        )
        return pa.array(values, pa.string()), sql
    return None


def _quoted_sql(cell: str) -> str:
    """SQL of a text cell as :func:`_quoted` writes it: in quotes (its own doubled) when it
    holds a character of ``QUOTED``."""
    needs_quotes = " or ".join(f"contains({cell}, chr({ord(c)}))" for c in QUOTED)
    quoted = f"""'"' || replace({cell}, '"', '""') || '"'"""
    return f"case when {needs_quotes} then {quoted} else {cell} end"
