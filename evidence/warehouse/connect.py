"""Connections to the warehouse, the single-writer lock and atomic publishing.

DuckDB lets one process hold a database file read-write and then no other process may
open it, not even read-only. So a run never writes the published file: it copies it to
``<name>.build.duckdb``, loads and rebuilds there, checkpoints, and publishes with an atomic
``os.replace``. Analysts open the published file read-only at any time. Writers are
serialised by an ``flock`` on ``<name>.lock``; a crash at any moment leaves the published
file as it was before the run.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb

from evidence.errors import WarehouseBusyError

#: DuckDB's own memory cap; beyond it, joins, aggregates and sorts spill to ``<file>.tmp``.
#: A large file fills it (a small one does not), so with Python's ~270 MB it sets the peak of
#: a 10M-row run. At 400 MB that peak (~670 MB) is about the 1M-row runs' own (~600-680 MB,
#: set by the pooling's frames), so memory stays flat with the input's size; it costs the
#: checking pass of a 10M-row CSV ~2 s (+6% of the run; Parquet +2%). At 500 MB the 10M peak
#: is ~770 MB: 11-25% above the 1M one (benchmarks/run.py).
MEMORY_LIMIT = os.environ.get("SCAR_EVIDENCE_DUCKDB_MEMORY", "400MB")
#: The cap while a patient file's checking pass stores its rows (``patient_pass``): the pass
#: writes the rows in file order, and under 400 MB DuckDB spills the batches waiting for
#: their turn (a 10M-row CSV's pass: ~27 s at 400 MB, ~16-18 s at 700 MB). Python holds
#: little then (the pooling's frames come later), and the cap is set back after the pass.
PASS_MEMORY_LIMIT = os.environ.get("SCAR_EVIDENCE_DUCKDB_PASS_MEMORY", "700MB")
DUCKDB_CONFIG = {"threads": 2, "memory_limit": MEMORY_LIMIT}


def build_path_for(warehouse: Path) -> Path:
    """The private file a run writes before publishing."""
    return warehouse.with_name(warehouse.stem + ".build.duckdb")


def lock_path_for(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def connect_write(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection that is always closed.

    While another connection of this process holds ``path`` open (``writer_session`` keeps
    one on the build file), this one joins its database instance: DuckDB's instance cache
    (same path, same config). Closing it then leaves the file as it is; only closing the
    last connection checkpoints.

    A build file still being started (:func:`open_build`) is waited for first.
    """
    _started(path)
    con = duckdb.connect(str(path), config=DUCKDB_CONFIG)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def connect_read(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a published warehouse, always closed."""
    con = duckdb.connect(str(path), read_only=True, config=DUCKDB_CONFIG)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def writer_lock(
    warehouse: Path,
    *,
    wait_seconds: float = 600.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to ``wait_seconds`` for another run."""
    lock_file = lock_path_for(warehouse)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a+") as handle:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"{warehouse} is being written by {holder}; gave up after "
                        f"{wait_seconds:.0f} s"
                    ) from None
                if on_wait and not told:
                    on_wait(f"waiting for {holder} to finish writing {warehouse}")
                    told = True
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"run pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


#: Builds being started or held open, by path: (the connection holding it, the warehouse).
_BUILDS: dict[str, tuple[Future[duckdb.DuckDBPyConnection], Path]] = {}


def open_build(
    warehouse: Path, prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None
) -> Path:
    """Start a run's build file and return its path at once.

    A background thread copies the published warehouse (if any) to a fresh build file, opens
    the connection that holds the build open until :func:`close_build` and calls ``prepare``
    on it; a run validates its files meanwhile (they never read the build: the scratch files
    take the published warehouse's ``ingest_log``, see :func:`published_source`).
    :func:`connect_write` on the build waits for the thread, and raises what it raised. Call
    with the writer lock held. A build file left by a crashed run is discarded.
    """
    build = build_path_for(warehouse)
    for leftover in (build, wal_path_for(build)):
        leftover.unlink(missing_ok=True)

    def start() -> duckdb.DuckDBPyConnection:
        if warehouse.exists():
            shutil.copyfile(warehouse, build)
        con = duckdb.connect(str(build), config=DUCKDB_CONFIG)
        try:
            if prepare is not None:
                prepare(con)
        except BaseException:
            con.close()
            raise
        return con

    starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="build-start")
    _BUILDS[_key(build)] = (starter.submit(start), warehouse)
    starter.shutdown(wait=False)  # the thread ends with its one job
    return build


def close_build(build: Path, *, quietly: bool = False) -> None:
    """Close the connection holding ``build`` open: DuckDB checkpoints it. Waits for the
    build's start; ``quietly`` (a run that failed anyway) ignores a start that failed."""
    entry = _BUILDS.pop(_key(build), None)
    if entry is None:
        return
    try:
        con = entry[0].result()
    except Exception:
        if quietly:
            return
        raise
    con.close()


def published_source(build: Path) -> Path | None:
    """The published warehouse a build in progress was copied from (None: no such build)."""
    entry = _BUILDS.get(_key(build))
    return None if entry is None else entry[1]


def _started(path: Path) -> None:
    entry = _BUILDS.get(_key(path))
    if entry is not None:
        entry[0].result()


def _key(path: Path) -> str:
    return os.path.abspath(path)


def publish_build(warehouse: Path) -> None:
    """Checkpoint the build file and atomically replace the published warehouse with it.

    A connection closed cleanly has checkpointed and removed its write-ahead log; only a
    build file that still has one is opened to checkpoint it (opening a large file costs).
    """
    build = build_path_for(warehouse)
    if wal_path_for(build).exists():
        with connect_write(build) as con:
            con.execute("checkpoint")
    os.replace(build, warehouse)


def wal_path_for(database: Path) -> Path:
    """DuckDB's write-ahead log of ``database``: changes not yet checkpointed into it."""
    return database.with_name(database.name + ".wal")


def discard_build(warehouse: Path) -> None:
    """Remove an unpublished build file (after a failed run)."""
    build = build_path_for(warehouse)
    for leftover in (build, wal_path_for(build)):
        leftover.unlink(missing_ok=True)
