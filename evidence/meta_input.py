"""The input of ``scar-evidence meta``: a study-level CSV read and checked cell by cell.

Columns use metafor's argument names (``m1i, sd1i, n1i, m2i, sd2i, n2i, ni, ri, xi, ai, bi,
ci, di, yi, vi``), plus an optional ``study`` label, the ``--by`` column and the ``--mods``
columns. Rows are numbered from 1 after the header.

Missing values (an empty cell, ``NA``, ``NaN``, ``null``, ``None``) are handled as metafor's
``na.action = "na.omit"``: a row missing a value its measure needs is left out of every
analysis and listed in ``omitted``; with ``na="fail"`` it is refused instead (metafor's
``"na.fail"``). ``ri`` may be missing (MC, SMCR use ``--rho``). A cell that is present must be
a finite number obeying its rule, in every row, omitted or not.

Two-by-two tables (RR, OR, RD) come as ``ai, n1i, ci, n2i`` (events and group sizes) or as the
four cells ``ai, bi, ci, di``, as ``escalc()`` takes them; where a file has both, ``n1i`` must
equal ``ai + bi`` (and ``n2i``, ``ci + di``). Cells are converted to group sizes here.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evidence.errors import InputError
from evidence.synthesis.escalc import REQUIRED, USES_RI

MISSING = {"", "na", "nan", "null", "none"}
NA_ACTIONS = ("omit", "fail")
SD_COLUMNS = {"sd1i", "sd2i"}
SIZE_COLUMNS = {"n1i", "n2i", "ni"}
COUNT_COLUMNS = {"xi", "ai", "bi", "ci", "di"}
EVENTS_IN = {"xi": "ni", "ai": "n1i", "ci": "n2i"}
#: For two-by-two tables: group size -> (events, non-events) cells that can replace it.
CELLS = {"n1i": ("ai", "bi"), "n2i": ("ci", "di")}
TABLE_MEASURES = ("RR", "OR", "RD")


@dataclass(frozen=True)
class MetaInput:
    """The rows that are analysed (study labels, numeric columns by metafor's names, subgroup
    labels, moderators, 1-based row numbers) and the studies omitted for missing values."""

    source_file: str
    study: tuple[str, ...]
    columns: dict[str, np.ndarray]
    groups: tuple[str, ...] | None = None
    mods: dict[str, list[object]] = field(default_factory=dict)
    rows: tuple[int, ...] = ()
    omitted: tuple[str, ...] = ()
    omitted_rows: tuple[int, ...] = ()


def _is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING


def _number(path: str, row: int, column: str, text: str | None) -> float:
    """The cell as a float; NaN when missing; InputError when present but not finite."""
    if _is_missing(text):
        return math.nan
    assert text is not None
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, row, column, text, "not a number") from None
    if not math.isfinite(value):
        raise InputError(path, row, column, text, "must be finite")
    return value


def _check_rule(path: str, row: int, column: str, value: float, measure: str) -> None:
    if math.isnan(value):
        return
    text = f"{value:g}"
    if column in SD_COLUMNS and value < 0:
        raise InputError(path, row, column, text, "a standard deviation must be >= 0")
    if column in SIZE_COLUMNS and value < 1:
        raise InputError(path, row, column, text, "a sample size must be >= 1")
    if column in COUNT_COLUMNS and value < 0:
        raise InputError(path, row, column, text, "a count must be >= 0")
    if column == "ri" and abs(value) > 1:
        raise InputError(path, row, column, text, "a correlation must lie in [-1, 1]")
    if column == "vi" and value <= 0:
        raise InputError(path, row, column, text, "a sampling variance must be > 0")
    if column == "sd1i" and measure == "SMCR" and value <= 0:
        raise InputError(path, row, column, text, "SMCR standardises by sd1i, which must be > 0")


def _columns_read(measure: str, header: list[str], path: str) -> list[str]:
    """The numeric columns to read for ``measure``; a two-by-two table may give a group size
    or its non-event cell."""
    read: list[str] = []
    for column in REQUIRED[measure]:
        if measure in TABLE_MEASURES and column in CELLS:
            cell = CELLS[column][1]
            present = [c for c in (column, cell) if c in header]
            if not present:
                raise InputError(
                    path, None, column, None, f"column {column} (or {cell}) is missing"
                )
            read += present
        elif column in header:
            read.append(column)
        else:
            raise InputError(path, None, column, None, f"column {column} is missing")
    if measure in USES_RI and "ri" in header:
        read.append("ri")
    return read


def _group_sizes(path: str, row: int, values: dict[str, float], texts: dict[str, str]) -> None:
    """Complete ``n1i``/``n2i`` of one table row from its cells (in place), checking that a
    row giving both agrees."""
    for size, (events, cell) in CELLS.items():
        n, a, b = values.get(size, math.nan), values[events], values.get(cell, math.nan)
        if math.isnan(b) or math.isnan(a):
            continue
        if not math.isnan(n) and n != a + b:
            raise InputError(path, row, size, texts.get(size), f"{size} is not {events} + {cell}")
        if a + b < 1:
            raise InputError(path, row, cell, texts.get(cell), f"{events} + {cell} must be >= 1")
        values[size] = a + b


def _row_values(
    path: str, row: int, record: dict[str, str | None], read: list[str], measure: str
) -> dict[str, float]:
    texts = {c: record.get(c) or "" for c in read}
    values = {c: _number(path, row, c, record.get(c)) for c in read}
    for column, value in values.items():
        _check_rule(path, row, column, value, measure)
    if measure in TABLE_MEASURES:
        _group_sizes(path, row, values, texts)
    for events, size in EVENTS_IN.items():
        if values.get(events, math.nan) > values.get(size, math.nan):
            raise InputError(path, row, events, texts[events], f"more events than {size}")
    return values


def _split_rows(
    path: str,
    records: list[dict[str, str | None]],
    read: list[str],
    measure: str,
    extra: list[str],
    na: str,
) -> tuple[list[int], list[int], list[dict[str, float]]]:
    """(row numbers kept, row numbers omitted for a missing value, the kept rows' values)."""
    needed = REQUIRED[measure]
    kept: list[int] = []
    omitted: list[int] = []
    kept_values: list[dict[str, float]] = []
    for number, record in enumerate(records, start=1):
        values = _row_values(path, number, record, read, measure)
        missing = [c for c in needed if math.isnan(values.get(c, math.nan))]
        if missing and na == "omit":
            omitted.append(number)
            continue
        if missing:
            column = missing[0] if missing[0] in record else CELLS[missing[0]][1]
            raise InputError(path, number, column, record.get(column), "a value is required")
        for column in extra:
            if _is_missing(record.get(column)):
                raise InputError(path, number, column, record.get(column), "a value is required")
        kept.append(number)
        kept_values.append(values)
    return kept, omitted, kept_values


def read_meta_input(
    path: Path,
    measure: str,
    *,
    by: str | None = None,
    mods: tuple[str, ...] = (),
    na: str = "omit",
) -> MetaInput:
    """Read and check ``path`` for ``measure``; raises :class:`InputError` naming the row and
    column of the first bad cell (or, with ``na="fail"``, the first missing one)."""
    if na not in NA_ACTIONS:
        raise ValueError(f"na must be one of {', '.join(NA_ACTIONS)}; got {na!r}")
    source = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            records = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(source, None, None, None, f"cannot read the file: {exc}") from exc
    if not records:
        raise InputError(source, None, None, None, "no data rows")
    read = _columns_read(measure, header, source)
    extra = [c for c in (by, *mods) if c]
    for column in extra:
        if column not in header:
            raise InputError(source, None, column, None, f"column {column} is missing")
    labels = [(r.get("study") or "").strip() or f"Study {i}" for i, r in enumerate(records, 1)]
    columns = list(REQUIRED[measure]) + (["ri"] if "ri" in read else [])
    kept, omitted, values = _split_rows(source, records, read, measure, extra, na)
    if not kept:
        raise InputError(
            source, None, None, None, f"no row has every value measure {measure} needs"
        )
    chosen = [records[n - 1] for n in kept]
    groups = tuple(str(r[by]).strip() for r in chosen) if by else None
    moderators: dict[str, list[object]] = {}
    for column in mods:
        texts = [str(r[column]).strip() for r in chosen]
        try:
            moderators[column] = [float(t) for t in texts]
        except ValueError:
            moderators[column] = list(texts)
    return MetaInput(
        source_file=source,
        study=tuple(labels[n - 1] for n in kept),
        columns={
            c: np.asarray([row.get(c, math.nan) for row in values], dtype=np.float64)
            for c in columns
        },
        groups=groups,
        mods=moderators,
        rows=tuple(kept),
        omitted=tuple(labels[n - 1] for n in omitted),
        omitted_rows=tuple(omitted),
    )
