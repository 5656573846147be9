"""Find direct identifiers in a staged patient-level file (names, dates, contacts, photos...).

The rules are in ``schemas.privacy``; this module applies them to a staged file in one SQL
scan: column names first, then every cell of every text column.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from evidence.warehouse.readers import normalise_header
from schemas.privacy import RECORD_NUMBER_PATTERN, VALUE_PATTERNS, identifier_category


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


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def find_identifiers(
    con: duckdb.DuckDBPyConnection, raw_view: str, headers: list[str]
) -> list[IdentifierFinding]:
    """Every identifying column of the staged file, by name or by content."""
    findings: list[IdentifierFinding] = []
    scanned: list[str] = []
    for header in headers:
        if header.startswith("_"):
            continue
        category = identifier_category(normalise_header(header))
        if category:
            findings.append(IdentifierFinding(header, f"looks like {category} by its name"))
        else:
            scanned.append(header)
    probes: list[tuple[str, str, str]] = []  # (header, kind, regular expression)
    for header in scanned:
        probes += [(header, kind, pattern) for kind, pattern in VALUE_PATTERNS.items()]
        if normalise_header(header) == "subject_id":
            probes.append((header, "a medical record number", RECORD_NUMBER_PATTERN))
    if not probes:
        return findings
    aggregates = ", ".join(
        f"min(_row) filter (where regexp_matches(lower({_quote(header)}), $p{index}))"
        for index, (header, _, _) in enumerate(probes)
    )
    params = {f"p{index}": pattern for index, (_, _, pattern) in enumerate(probes)}
    first_rows = con.execute(f"select {aggregates} from {raw_view}", params).fetchall()[0]
    reported: set[str] = set()
    for (header, kind, _), row in zip(probes, first_rows, strict=True):
        if row is not None and header not in reported:
            findings.append(IdentifierFinding(header, f"holds {kind}", int(row)))
            reported.add(header)
    return findings
