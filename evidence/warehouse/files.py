"""The landing files a run reads, and the versions of them the warehouse has already seen.

A file's version is its content (sha256) with the declarations of its manifest: a file whose
version is in ``ingest_log`` is skipped (re-running the same input changes nothing), and a
changed file under the same name supersedes its earlier version when it is loaded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from evidence.warehouse.staging import SUPPORTED_SUFFIXES


def discover_files(landing: Path) -> list[str]:
    """Landing files (CSV, Parquet, Excel) as sorted paths relative to ``landing``."""
    found = []
    for path in landing.rglob("*"):
        if not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        if any(part.startswith((".", "~$")) for part in path.relative_to(landing).parts):
            continue
        found.append(path.relative_to(landing).as_posix())
    return sorted(found)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def seen_content(
    con: duckdb.DuckDBPyConnection, source_file: str, sha: str, manifest: str | None = None
) -> tuple[str, str] | None:
    """(status, message) when this content, with the same manifest, is already in
    ``ingest_log``, else None: ``unchanged`` under the same name, ``duplicate_content`` under
    another."""
    names = [
        name
        for (name,) in con.execute(
            "select source_file from ingest_log where sha256 = $sha "
            "and manifest is not distinct from $manifest order by source_file",
            {"sha": sha, "manifest": manifest},
        ).fetchall()
    ]
    if not names:
        return None
    if source_file in names:
        return "unchanged", ""
    return "duplicate_content", (
        f"same content as {names[0]}, which is already loaded; not loaded again"
    )
