"""A source's manifest: what the provider of a landing file declares about it.

The manifest is a JSON object in ``<file name>.manifest.json`` beside the file (for
``registry/export.csv``: ``registry/export.csv.manifest.json``). One declaration exists:

``{"study_pseudonyms": ["subject_id"]}``
    the file's ``subject_id`` values are pseudonyms that the study assigned, so a bare number
    of seven or more digits there is not taken for a medical record number. Every other
    identifier rule still applies (a value labelled as a record number, a date, an e-mail...).

A manifest that cannot be read, or that declares anything else, makes the file unreadable
(with the reason): a misspelt declaration must not pass silently. The declaration is recorded
with the file in ``ingest_log.manifest``, and it is part of the file's version: adding or
changing a manifest makes the next run read the file again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evidence.errors import UnreadableFileError
from schemas.privacy import DECLARABLE_PSEUDONYMS, PSEUDONYM_DECLARATION

SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class Manifest:
    """The declarations of one landing file."""

    study_pseudonyms: frozenset[str] = frozenset()

    def recorded(self) -> str:
        """The declarations as recorded in ``ingest_log.manifest`` (canonical JSON)."""
        return json.dumps({PSEUDONYM_DECLARATION: sorted(self.study_pseudonyms)})

    def note(self) -> str:
        columns = ", ".join(sorted(self.study_pseudonyms))
        return f"{columns} declared as study pseudonyms by its manifest"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def read_manifest(path: Path) -> Manifest | None:
    """The manifest beside the landing file ``path``, or None when there is none."""
    where = manifest_path(path)
    if not where.is_file():
        return None

    def refuse(reason: str) -> UnreadableFileError:
        return UnreadableFileError(str(path), f"its manifest {where.name} {reason}")

    try:
        content = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise refuse(f"cannot be read as JSON: {exc}") from exc
    if not isinstance(content, dict):
        raise refuse('must be a JSON object, e.g. {"study_pseudonyms": ["subject_id"]}')
    unknown = sorted(set(content) - {PSEUDONYM_DECLARATION})
    if unknown:
        raise refuse(
            f"declares {', '.join(map(repr, unknown))}, which is not a known declaration "
            f"(known: {PSEUDONYM_DECLARATION!r})"
        )
    columns = content.get(PSEUDONYM_DECLARATION, [])
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise refuse(f"{PSEUDONYM_DECLARATION!r} must be a list of column names")
    wrong = sorted(set(columns) - DECLARABLE_PSEUDONYMS)
    if wrong:
        allowed = ", ".join(sorted(DECLARABLE_PSEUDONYMS))
        raise refuse(
            f"declares {', '.join(map(repr, wrong))} as study pseudonyms; only {allowed} can be"
        )
    return Manifest(frozenset(columns))
