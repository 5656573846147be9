"""Read a landing file into DuckDB as text, exactly as it is, or say why it cannot be read.

Every reader produces a view ``<name>`` with a ``_row`` column (1-based data row, the header is
row 0) and the file's columns as text, plus ``<name>_lines(_row, column_name, value, rule,
message)``: the CSV lines kept out of the view, each with the failure that refuses it (a line
that cannot be split into the header's fields, a cell longer than :data:`MAX_CELL_CHARS`).
Cells the reader could not read although their row is in the view (an Excel formula saved
without its value) are listed in :attr:`RawFile.cell_failures`. CSVs are inspected first
(encoding, delimiter, header, a half-written last line), then read by DuckDB; a file DuckDB
refuses is re-read line by line so that good lines still load and bad ones are quarantined.

CSV and Parquet files are not copied: the view reads the file itself, and
:attr:`RawFile.stream` is a parallel scan of the same rows in file order, without ``_row``,
for the one pass that validates them (its rows are numbered by the table it fills).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from evidence.errors import UnreadableFileError
from evidence.warehouse.sql_cells import SHOWN_CHARS, quote, sql_literal
from schemas.raw import MAX_CELL_CHARS, OVERSIZED_ADVICE

DELIMITERS = ",;\t|"
SAMPLE_BYTES = 1 << 16
MAX_LINE_IN_QUARANTINE = 500
#: Table of the lines a reader keeps out of its view, and why.
REFUSED_LINES = "(_row bigint, column_name varchar, value varchar, rule varchar, message varchar)"


@dataclass(frozen=True)
class CsvShape:
    encoding: str  # utf-8 | latin-1
    delimiter: str
    header: list[str]


@dataclass(frozen=True)
class RawFile:
    view: str
    headers: list[str]
    notes: tuple[str, ...]
    rows: int | None  # data rows (refused lines not included); None: not counted yet
    stream: str | None = None  # the rows in file order without _row, when cheaper than view
    #: Parquet: the rows in file order with the file's own types (and those types)
    typed_stream: str | None = None
    types: dict[str, str] | None = None
    #: (row, column, value, rule, message) of cells that could not be read in viewed rows
    cell_failures: tuple[tuple[int, str, str, str, str], ...] = ()


def normalise_header(name: str) -> str:
    """``"Baseline Grade "`` -> ``"baseline_grade"``."""
    import re  # noqa: PLC0415

    text = re.sub(r"[^0-9a-zA-Z]+", "_", name.strip().lstrip("\ufeff")).strip("_")
    return text.lower()


def check_headers(path: Path, headers: list[str]) -> None:
    """Refuse empty or duplicated column names (after normalisation)."""
    names = [normalise_header(h) for h in headers]
    if not any(names):
        raise UnreadableFileError(str(path), "no header row")
    seen: dict[str, str] = {}
    duplicated = []
    for header, name in zip(headers, names, strict=True):
        if name and name in seen:
            duplicated.append(f"{seen[name]!r} and {header!r}")
        seen.setdefault(name, header)
    if duplicated:
        raise UnreadableFileError(
            str(path), f"duplicated column names: {'; '.join(duplicated)}; rename one of each"
        )


def _encoding(path: Path) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    ascii_so_far = True  # ASCII is UTF-8, and testing for it is cheaper than decoding
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                ascii_so_far = ascii_so_far and chunk.isascii()
                if not ascii_so_far:
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def inspect_csv(path: Path) -> CsvShape:
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFileError(str(path), "empty file (0 bytes)")
    encoding = _encoding(path)
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES).decode(encoding, errors="replace").lstrip("\ufeff")
        handle.seek(max(0, size - SAMPLE_BYTES))
        tail = handle.read().decode(encoding, errors="replace")
    first_line = sample.splitlines()[0] if sample.strip() else ""
    if not first_line.strip():
        raise UnreadableFileError(str(path), "no header row (the first line is blank)")
    try:
        lines = "\n".join(sample.splitlines()[:20])
        delimiter = csv.Sniffer().sniff(lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    if delimiter not in first_line:
        delimiter = max(DELIMITERS, key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    check_headers(path, header)
    if not tail.endswith(("\n", "\r")) and "\n" in tail.strip("\r\n"):
        last = tail.splitlines()[-1]
        fields = next(csv.reader([last], delimiter=delimiter), [])
        if 0 < len(fields) < len(header):
            raise UnreadableFileError(
                str(path),
                f"the last line has {len(fields)} of {len(header)} fields and no line end: "
                "the file looks half-written; it will be read when complete",
                status="incomplete",
            )
    return CsvShape(encoding, delimiter, header)


def read_raw(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, *, by_line: bool = False
) -> RawFile:
    """Create the view ``name`` (and ``name_lines``) from the file at ``path``.

    A CSV is read by DuckDB lazily: its lines are first read in full, and counted, by the pass
    that checks them. DuckDB refuses a line that does not split into the header's fields;
    then the caller reads the file again ``by_line``."""
    suffix = path.suffix.lower()
    con.execute(f"create table {name}_lines {REFUSED_LINES}")
    if suffix == ".csv":
        return _read_csv(con, path, name, by_line=by_line)
    if suffix == ".parquet":
        scan = f"read_parquet({sql_literal(str(path))}, file_row_number = true)"
        try:
            described = con.sql(f"describe select * from {scan}").fetchall()
            headers = [row[0] for row in described if row[0] != "file_row_number"]
            check_headers(path, headers)
            text = ", ".join(f"{quote(h)}::varchar as {quote(h)}" for h in headers)
            con.execute(
                f"create view {name} as select file_row_number + 1 as _row, {text} from {scan}"
            )
            rows = con.sql(f"select count(*) from {name}").fetchall()[0][0]
        except duckdb.Error as exc:
            raise UnreadableFileError(str(path), f"cannot be read as Parquet: {exc}") from exc
        types = {row[0]: row[1] for row in described if row[0] != "file_row_number"}
        typed = f"(select * from read_parquet({sql_literal(str(path))}))"
        return RawFile(name, headers, (), rows, typed_stream=typed, types=types)
    if suffix == ".xlsx":
        frame, notes, formulas = read_excel_as_text(path)
        con.register("_excel_rows", frame)
        try:
            con.execute(f"create table {name}_t as select * from _excel_rows")
        finally:
            con.unregister("_excel_rows")
        con.execute(f"create view {name} as select * from {name}_t")
        headers = [c for c in frame.columns if not c.startswith("_")]
        return RawFile(name, headers, notes, len(frame), cell_failures=formulas)
    raise UnreadableFileError(str(path), f"unsupported file type {suffix!r}")


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str, *, by_line: bool) -> RawFile:
    shape = inspect_csv(path)
    notes = []
    if shape.encoding != "utf-8":
        notes.append("not valid UTF-8: read as Latin-1")
    if shape.delimiter != ",":
        notes.append(f"delimiter {shape.delimiter!r}")
    if not by_line:
        read = _read_csv_lazily(con, path, name, shape)
        if read is not None:
            return RawFile(name, shape.header, tuple(notes), None, stream=read)
    frame, refused = _read_csv_by_line(path, shape)
    notes.append(f"{len(refused)} lines refused")
    con.register("_csv_rows", frame)
    try:
        con.execute(f"create table {name}_t as select * from _csv_rows")
    finally:
        con.unregister("_csv_rows")
    con.execute(f"create view {name} as select * from {name}_t")
    if refused:
        con.executemany(f"insert into {name}_lines values (?, ?, ?, ?, ?)", refused)
    return RawFile(name, shape.header, tuple(notes), len(frame))


def _read_csv_lazily(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, shape: CsvShape
) -> str | None:
    """The view ``name`` over DuckDB's CSV reader (:func:`csv_scan`), and the stream of its
    rows; None when DuckDB cannot read the file's header as sniffed."""
    scan = csv_scan(path, shape)
    try:
        headers = [row[0] for row in con.sql(f"describe select * from {scan}").fetchall()]
    except duckdb.Error:
        return None
    if len(headers) != len(shape.header):
        return None
    con.execute(f"create view {name} as select ordinality as _row, * from {scan} with ordinality")
    return f"(select * from {scan})"


def csv_scan(path: Path, shape: CsvShape) -> str:
    """DuckDB's ``read_csv`` of the file, every column as text: the header's columns,
    RFC 4180 (the line-by-line reader's dialect), DuckDB's sniffer skipped (~0.04 s a scan, a
    fixed cost that dominates a small file); a header with a blank or repeated name is left
    to the sniffer, which names such columns itself."""
    options = "auto_detect = true"
    if all(shape.header) and len(set(shape.header)) == len(shape.header):
        columns = ", ".join(f"{sql_literal(h)}: 'VARCHAR'" for h in shape.header)
        options = f"auto_detect = false, quote = '\"', escape = '\"', columns = {{{columns}}}"
    return (
        f"read_csv({sql_literal(str(path))}, all_varchar = true, header = true, "
        f"delim = {sql_literal(shape.delimiter)}, encoding = {sql_literal(shape.encoding)}, "
        f"{options})"
    )


def _read_csv_by_line(
    path: Path, shape: CsvShape
) -> tuple[pd.DataFrame, list[tuple[int, str | None, str, str, str]]]:
    """Slow path: split each line with the csv module; lines of the wrong width, or with a
    cell longer than :data:`MAX_CELL_CHARS`, are kept aside with their failure."""
    text = path.read_bytes().decode(shape.encoding).lstrip("\ufeff")
    # the module's own limit would stop the whole file at the first long cell
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text), delimiter=shape.delimiter)
    next(reader)  # the header
    width = len(shape.header)
    good: list[list[object]] = []
    refused: list[tuple[int, str | None, str, str, str]] = []
    row = 0
    for fields in reader:
        if not fields or all(not f.strip() for f in fields):
            continue
        row += 1
        oversized = [i for i, f in enumerate(fields) if len(f) > MAX_CELL_CHARS]
        if oversized:
            refused += [
                (
                    *(row, shape.header[i] if i < width else None, shown(fields[i])),
                    *("oversized_cell", oversized_message(len(fields[i]))),
                )
                for i in oversized
            ]
        elif len(fields) != width:
            line = shape.delimiter.join(fields)[:MAX_LINE_IN_QUARANTINE]
            reason = f"{len(fields)} fields where the header has {width}"
            refused.append((row, None, line, "malformed_line", malformed_message(reason)))
        else:
            good.append([row, *[f if f != "" else None for f in fields]])
    frame = pd.DataFrame(good, columns=["_row", *shape.header])
    frame["_row"] = frame["_row"].astype("int64")
    return frame.astype(dict.fromkeys(shape.header, "string")), refused


def malformed_message(reason: str) -> str:
    return f"line cannot be split into the header's columns: {reason}"


def oversized_message(chars: int) -> str:
    return f"cell of {chars:,} characters; {OVERSIZED_ADVICE}"


def shown(cell: str) -> str:
    """A long cell as the quarantine keeps it: its start and its length."""
    if len(cell) <= SHOWN_CHARS:
        return cell
    return f"{cell[:SHOWN_CHARS]}… ({len(cell):,} characters)"


def read_excel_as_text(
    path: Path,
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[tuple[int, str, str, str, str], ...]]:
    """Every non-empty worksheet, which must share one header; every cell as text.

    Also returns the cells that hold a formula saved without its value (files written by
    scripts): openpyxl reads such a cell as empty, so each one is named as a failure of its
    row (rule ``formula_without_value``) instead of loading as a missing value."""
    values, formulas = _open_workbook(path, data_only=True), _open_workbook(path, data_only=False)
    sheets: list[tuple[str, list[str], list[list[str | None]], list[dict[int, str]]]] = []
    try:
        for sheet, formula_sheet in zip(values.worksheets, formulas.worksheets, strict=True):
            rows = [
                (list(r), list(f))
                for r, f in zip(
                    sheet.iter_rows(values_only=True),
                    formula_sheet.iter_rows(values_only=True),
                    strict=False,
                )
                if any(c is not None for c in r) or any(c is not None for c in f)
            ]
            if not rows:
                continue
            header = [str(c).strip() if c is not None else "" for c in rows[0][0]]
            while header and not header[-1]:
                header.pop()
            body = [
                [None if c is None else _excel_text(c) for c in r[: len(header)]]
                for r, _ in rows[1:]
            ]
            unsaved = [
                {
                    i: f[i]
                    for i in range(min(len(header), len(f)))
                    if (i >= len(r) or r[i] is None) and isinstance(f[i], str) and f[i][:1] == "="
                }
                for r, f in rows[1:]
            ]
            sheets.append((sheet.title, header, body, unsaved))
    finally:
        values.close()
        formulas.close()
    if not sheets:
        raise UnreadableFileError(str(path), "no worksheet with data")
    header = sheets[0][1]
    check_headers(path, header)
    for title, other, _, _ in sheets[1:]:
        if [normalise_header(h) for h in other] != [normalise_header(h) for h in header]:
            raise UnreadableFileError(
                str(path),
                f"worksheets {sheets[0][0]!r} and {title!r} have different columns; "
                "put one table per file or give every sheet the same header",
            )
    records = []
    failures = []
    for title, _, body, unsaved in sheets:
        for cells, formula_cells in zip(body, unsaved, strict=True):
            padded = cells + [None] * (len(header) - len(cells))
            records.append([title, *padded])
            failures += [
                (len(records), header[i], shown(f), "formula_without_value", _formula_message(f))
                for i, f in formula_cells.items()
            ]
    frame = pd.DataFrame(records, columns=["_sheet", *header], dtype="string")
    frame.insert(0, "_row", range(1, len(frame) + 1))
    notes = (
        (f"rows from worksheets {', '.join(t for t, _, _, _ in sheets)}",)
        if len(sheets) > 1
        else ()
    )
    return frame, notes, tuple(failures)


def _open_workbook(path: Path, *, data_only: bool) -> Any:
    from openpyxl import load_workbook  # noqa: PLC0415 - only Excel files need it

    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:
        raise UnreadableFileError(str(path), f"cannot be read as Excel: {exc}") from exc


def _formula_message(formula: str) -> str:
    return (
        f"the cell holds the formula {shown(formula)} but the file stores no value for it "
        "(files written by scripts leave formulas uncomputed): open the file in Excel or "
        "LibreOffice and save it, so that the values are stored, or write values instead of "
        "formulas"
    )


def _excel_text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if hasattr(cell, "isoformat"):
        return cell.isoformat()  # type: ignore[no-any-return]
    return str(cell)
