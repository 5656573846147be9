"""What a run tells the people who watch it: quarantined rows and failures, as one notice.

Pure: :func:`run_notice` turns a run's outcomes into an event name, a one-line message
naming the files and counts, and a payload; ``flows/`` emits it as a Prefect event (and
uses the message as the run's final state message).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evidence.warehouse.load import FileOutcome

QUARANTINED = "scar-evidence.run.quarantined"
FAILED = "scar-evidence.run.failed"
COMPLETED = "scar-evidence.run.completed"


@dataclass(frozen=True)
class RunNotice:
    event: str
    message: str
    payload: dict[str, object] = field(default_factory=dict)


def run_notice(
    outcomes: Sequence[FileOutcome],
    *,
    warehouse: str,
    failed_file: str | None = None,
    error: str | None = None,
) -> RunNotice:
    """The notice for a run that completed (``error`` None) or failed."""
    quarantined = {o.source_file: o.rows_quarantined for o in outcomes if o.rows_quarantined}
    unreadable = [o.source_file for o in outcomes if o.status == "unreadable"]
    payload: dict[str, object] = {
        "warehouse": warehouse,
        "files_seen": len(outcomes),
        "rows_loaded": sum(o.rows_loaded for o in outcomes),
        "rows_quarantined": sum(quarantined.values()),
        "quarantined_by_file": quarantined,
        "unreadable_files": unreadable,
    }
    if error is not None:
        where = f" while processing {failed_file}" if failed_file else ""
        payload |= {"failed_file": failed_file, "error": error}
        message = (
            f"scar-evidence run failed{where} after {len(outcomes)} files; "
            f"the published warehouse is unchanged: {error}"
        )
        return RunNotice(FAILED, message, payload)
    if quarantined or unreadable:
        parts = [f"{name} ({count} rows)" for name, count in sorted(quarantined.items())]
        parts += [f"{name} (unreadable)" for name in unreadable]
        message = (
            f"{sum(quarantined.values())} rows quarantined in {len(parts)} of "
            f"{len(outcomes)} files: {', '.join(parts)}"
        )
        return RunNotice(QUARANTINED, message, payload)
    loaded = payload["rows_loaded"]
    return RunNotice(
        COMPLETED, f"{len(outcomes)} files, {loaded} rows loaded, none quarantined", payload
    )
