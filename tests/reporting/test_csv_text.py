"""The report's CSV text reads back cell for cell, whichever way it is formatted: a large
table by DuckDB, others in Python, to the same bytes."""

from __future__ import annotations

import csv
import io
import math
import random
import struct

import pytest

from evidence.reporting.csv_text import FAST_ROWS, csv_cell, duckdb_body, python_text, to_csv

HEADER = ("id", "text", "n", "x", "flag", "empty")


def _doubles(rng: random.Random, count: int) -> list[float | None]:
    """Doubles of every kind: any bit pattern (NaNs of either sign, subnormals, infinities),
    rounded numbers, huge and tiny ones, and None."""
    special = [0.0, -0.0, math.inf, -math.inf, math.nan, -math.nan, 5e-324, 1e16, 1e-5, 1.0]
    values: list[float | None] = []
    for i in range(count):
        pick = i % 5
        if pick == 0:
            values.append(struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0])
        elif pick == 1:
            values.append(round(rng.gauss(0, 1000), rng.randrange(0, 6)))
        elif pick == 2:
            values.append(rng.gauss(0, 1) * 10.0 ** rng.randrange(-300, 300))
        elif pick == 3:
            values.append(rng.choice(special))
        else:
            values.append(None if rng.random() < 0.5 else rng.random())
    return values


def _texts(rng: random.Random, count: int) -> list[str | None]:
    """Text with every character the csv module or a spreadsheet treats apart, anywhere."""
    pieces = ["a", "b", " ", ",", '"', "\n", "\r", "\t", "=", "+", "-", "@", "'", "é", "\u2028"]
    pieces += ["\x00", "\x85", "\U0001f600", "=cmd|' /C calc'!A0"]
    values: list[str | None] = []
    for _ in range(count):
        if rng.random() < 0.05:
            values.append(None)
        else:
            values.append("".join(rng.choice(pieces) for _ in range(rng.randrange(0, 6))))
    return values


def _rows(seed: int, count: int) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    texts, doubles = _texts(rng, count), _doubles(rng, count)
    return [
        (
            f"row-{i}",
            texts[i],
            rng.randrange(-(2**63), 2**63) if i % 7 else None,
            doubles[i],
            rng.choice([True, False, None]),
            None,
        )
        for i in range(count)
    ]


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _written(value: object) -> str:
    """What a cell should read back as."""
    cell = csv_cell(value)
    return repr(cell) if isinstance(cell, float) else str(cell)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_duckdb_writes_the_bytes_python_writes(seed):
    rows = _rows(seed, 20_000)
    body = duckdb_body(rows)
    assert body is not None
    assert python_text(HEADER, []) + body == python_text(HEADER, rows)


@pytest.mark.parametrize("seed", [5, 6])
def test_every_cell_reads_back_as_written(seed):
    rows = _rows(seed, FAST_ROWS)
    text = to_csv(HEADER, rows)
    assert _read(text) == [list(HEADER)] + [[_written(v) for v in row] for row in rows]


def test_python_writes_what_the_csv_module_writes_where_it_quotes_as_rfc_4180():
    """The csv module of Python 3.11 and 3.12 leaves a carriage return unquoted: the rows
    compared here hold none."""
    rows = [r for r in _rows(7, 20_000) if "\r" not in str(r[1])]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([[csv_cell(v) for v in row] for row in [HEADER, *rows]])
    assert python_text(HEADER, rows) == buffer.getvalue()
    lone = io.StringIO()
    csv.writer(lone, lineterminator="\n").writerows([[""], [None], []])
    assert python_text(("",), [(None,), ()]) == lone.getvalue()


def test_a_large_table_takes_the_duckdb_path():
    rows = _rows(4, FAST_ROWS)
    text = to_csv(HEADER, rows)
    assert text == python_text(HEADER, rows)
    read = _read(text)
    first_formula = next(r for r in rows if r[1] and r[1][0] in "=+-@\t\r")
    assert ["'" + str(first_formula[1])] == [c[1] for c in read[1:] if c[0] == first_formula[0]]


@pytest.mark.parametrize(
    "rows",
    [
        [("a", 1), ("b", 2**64)],  # an integer beyond 64 bits
        [("a", 1), ("b", 2.5)],  # a column of mixed types
        [("a", 1), ("b",)],  # rows of different widths
        [("a",), ("b",)],  # one column: a lone empty cell is written ""
    ],
)
def test_other_tables_are_formatted_in_python(rows):
    assert duckdb_body(rows) is None
    assert to_csv(("h", "i"), rows * FAST_ROWS) == python_text(("h", "i"), rows * FAST_ROWS)
