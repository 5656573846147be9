"""Find direct identifiers in a staged patient-level file (names, dates, contacts, photos...).

The rules are in ``schemas.privacy``; this module applies them to a staged file in one SQL
scan: column names first, then every cell of every text column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from evidence.warehouse.readers import normalise_header
from evidence.warehouse.sql_cells import quote, sql_literal
from schemas.privacy import (
    BARE_RECORD_NUMBER_PATTERN,
    HARMLESS_CODE_PATTERN,
    VALUE_PATTERNS,
    identifier_category,
)
from schemas.raw import PatientOutcomes


@dataclass(frozen=True)
class IdentifierFinding:
    """A column of a patient-level file that identifies patients."""

    column: str  # header as in the file
    reason: str
    row: int | None = None  # first row whose value matched; None when the name did

    def message(self) -> str:
        where = f" (first seen in row {self.row})" if self.row is not None else ""
        return (
            f"column {self.column!r} {self.reason}{where}: patient-level files must be "
            "de-identified (HIPAA Safe Harbor); remove the column or replace it with a study "
            "pseudonym, and load the file again"
        )


#: Contract columns whose values must be numbers or vocabulary words: a cell that is not one
#: fails validation, so only free-text columns are scanned for identifiers.
TYPED_CONTRACT_COLUMNS = frozenset(
    name
    for name, column in PatientOutcomes.to_schema().columns.items()
    if name not in {"study_id", "subject_id"}
)


def name_findings(headers: list[str]) -> tuple[list[IdentifierFinding], list[str]]:
    """Columns that identify patients by their name, and the columns whose cells must be
    scanned (free text: the contract's ``study_id``/``subject_id`` and unknown columns)."""
    findings: list[IdentifierFinding] = []
    scanned: list[str] = []
    for header in headers:
        if header.startswith("_"):
            continue
        name = normalise_header(header)
        category = identifier_category(name)
        if category:
            findings.append(IdentifierFinding(header, f"looks like {category} by its name"))
        elif name not in TYPED_CONTRACT_COLUMNS:
            scanned.append(header)
    return findings, scanned


def cells_identify_sql(headers: list[str], pseudonyms: frozenset[str] = frozenset()) -> str:
    """SQL true when any of these columns' cells (in the row) holds a direct identifier.

    ``pseudonyms``: contract columns the source declared as study pseudonyms (a bare number
    there is not taken for a record number)."""
    return " or ".join(_matches(h, pseudonyms) for h in headers) or "false"


def _matches(header: str, pseudonyms: frozenset[str]) -> str:
    # as text: a Parquet column arrives with its own type (a no-op cast for text)
    text = f"{quote(header)}::varchar"
    cell = f"lower({text})"
    record = (
        f" or regexp_matches({cell}, {sql_literal(BARE_RECORD_NUMBER_PATTERN)})"
        if _bare_number_is_record(header, pseudonyms)
        else ""
    )
    # CASE: the patterns run only on cells that are not plainly a harmless code
    harmless = f"regexp_full_match({text}, {sql_literal(HARMLESS_CODE_PATTERN)})"
    return (
        f"(case when {harmless} then false "
        f"else regexp_matches({cell}, {sql_literal(_ANY_PATTERN)}){record} end)"
    )


_ANY_PATTERN = "|".join(f"(?:{pattern})" for pattern in VALUE_PATTERNS.values())


def find_identifiers(
    con: duckdb.DuckDBPyConnection,
    raw_view: str,
    headers: list[str],
    stream: str | None = None,
    pseudonyms: frozenset[str] = frozenset(),
) -> list[IdentifierFinding]:
    """Every identifying column of the staged file, by name or by content.

    ``stream`` (the same rows without ``_row``, scanned in parallel) finds which columns hold
    identifiers; the numbered view is read only to name the first row of those columns."""
    findings, scanned = name_findings(headers)
    if not scanned:
        return findings
    if stream is not None:
        flags = ", ".join(f"bool_or({_matches(h, pseudonyms)})" for h in scanned)
        found = con.execute(f"select {flags} from {stream}").fetchall()[0]
        scanned = [h for h, hit in zip(scanned, found, strict=True) if hit]
        if not scanned:
            return findings
    # The first row of each column matching any identifier pattern.
    aggregates = ", ".join(f"min(_row) filter (where {_matches(h, pseudonyms)})" for h in scanned)
    first_rows = con.execute(f"select {aggregates} from {raw_view}").fetchall()[0]
    for header, row in zip(scanned, first_rows, strict=True):
        if row is None:
            continue
        (value,) = con.execute(
            f"select lower({quote(header)}) from {raw_view} where _row = $row", {"row": row}
        ).fetchall()[0]
        kind = _kind(value, header, pseudonyms)
        findings.append(IdentifierFinding(header, f"holds {kind}", int(row)))
    return findings


def _bare_number_is_record(header: str, pseudonyms: frozenset[str]) -> bool:
    """A bare long number is a record number in ``subject_id``, unless declared a pseudonym."""
    name = normalise_header(header)
    return name == "subject_id" and name not in pseudonyms


def _kind(value: str, header: str, pseudonyms: frozenset[str]) -> str:
    """Which kind of identifier a matching value holds (for the message)."""
    for kind, pattern in VALUE_PATTERNS.items():
        if re.search(pattern, value):
            return kind
    if _bare_number_is_record(header, pseudonyms) and re.search(BARE_RECORD_NUMBER_PATTERN, value):
        return (
            "a medical record number (a bare number of seven or more digits; if the study "
            "assigned these numbers, declare subject_id as study pseudonyms in a manifest "
            "beside the file)"
        )
    return "an identifier"
