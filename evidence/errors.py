"""Typed errors of the core; only ``evidence.cli`` turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class EvidenceError(Exception):
    """Base class of every error the core raises on purpose."""


@dataclass(frozen=True)
class RowFailure:
    """One cell (or row) of an input file that breaks one rule of the contract."""

    source_file: str
    row_number: int | None  # 1-based data row (the header is row 0); None for file-level
    column_name: str | None
    value: str | None
    rule: str
    message: str
    severity: str = "error"  # error: the row is refused | warning: it loads, flagged

    def describe(self) -> str:
        """One line naming file, row, column, value and rule (and a warning as such)."""
        where = f"row {self.row_number}" if self.row_number is not None else "file"
        column = f", column {self.column_name}" if self.column_name else ""
        value = f", value {self.value!r}" if self.value is not None else ""
        rule = f"rule {self.rule}" + (" (warning)" if self.severity == "warning" else "")
        return f"{self.source_file}: {where}{column}{value}: {rule}: {self.message}"


class UnreadableFileError(EvidenceError):
    """A landing file cannot be read at all (empty, not tabular, unknown layout).

    ``status`` is ``unreadable``, or ``incomplete`` for a file that looks half-written (it is
    read again once its content changes).
    """

    def __init__(self, source_file: str, reason: str, status: str = "unreadable") -> None:
        super().__init__(f"{source_file}: {reason}")
        self.source_file = source_file
        self.reason = reason
        self.status = status


class WarehouseBusyError(EvidenceError):
    """Another run holds the writer lock of the warehouse."""


class QueryError(EvidenceError):
    """An analyst query failed or tried to write."""


class InputError(EvidenceError):
    """A cell of an analysis input breaks a rule; names the file, row (1-based after the
    header; None for the whole file), column and value."""

    def __init__(
        self,
        source_file: str,
        row_number: int | None,
        column_name: str | None,
        value: str | None,
        message: str,
    ) -> None:
        where = f"row {row_number}" if row_number is not None else "file"
        column = f", column {column_name}" if column_name else ""
        shown = f", value {value!r}" if value is not None else ""
        super().__init__(f"{source_file}: {where}{column}{shown}: {message}")
        self.source_file = source_file
        self.row_number = row_number
        self.column_name = column_name
        self.value = value
        self.message = message


class AnalysisError(EvidenceError):
    """A model cannot be fitted where metafor also stops (e.g. an estimator not converging)."""
