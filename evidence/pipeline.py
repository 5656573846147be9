"""The pipeline's steps as plain functions; ``flows/`` only orders them.

Every step that writes works on the run's private build file (see
``evidence.warehouse.connect``); the published warehouse changes only in :func:`publish`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from evidence import progress
from evidence.heap import collection_paused
from evidence.reporting import from_warehouse
from evidence.reporting.context import ReportContext
from evidence.reporting.render import render_summary_markdown, sof_records, write_report
from evidence.warehouse import connect, files, load, scratch, validate
from evidence.warehouse.analyses import write_analyses
from evidence.warehouse.build import build_models, finish_build
from evidence.warehouse.convert import write_conversions
from evidence.warehouse.pool import PoolingSettings, read_arms, write_pooled
from evidence.warehouse.tables import ensure_tables

PACKAGES = (
    "scar-evidence",
    "prefect",
    "pandera",
    "duckdb",
    "pandas",
    "numpy",
    "scipy",
)


@dataclass(frozen=True)
class RunSettings:
    landing: str = "data/raw"
    warehouse: str = "data/warehouse.duckdb"
    reports: str = "reports"
    rho: float = 0.5
    method: str = "REML"
    test: str = "z"
    strict: bool = False  # refuse files with columns outside the contract; warnings are errors
    pdf: bool = False  # also print report.pdf (headless Chromium; see reporting.pdf)

    def pooling(self) -> PoolingSettings:
        return PoolingSettings(method=self.method, test=self.test)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: str
    settings: RunSettings
    outcomes: tuple[load.FileOutcome, ...] = ()
    groups_pooled: int = 0
    prefect_flow_run_id: str | None = None
    versions: dict[str, str] = field(default_factory=dict)


def new_run_id(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def package_versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


@contextmanager
def writer_session(settings: RunSettings) -> Iterator[Path]:
    """Hold the writer lock and a fresh build file; publish it if the block succeeds.

    The build file is copied from the published warehouse in the background while the block
    starts (files are validated meanwhile; the first step that opens the build waits for the
    copy). One connection to the build file then stays open for the whole block. The steps'
    own connections to it (``connect_write(build)``) join its database instance: they do
    not reopen the file, and closing them does not checkpoint it; the build is checkpointed
    once, when this connection closes before publishing (onto a 10M-row warehouse that saves
    an incremental run ~0.15 s of reopening and of checkpointing after the load).
    """
    warehouse = Path(settings.warehouse)
    with connect.writer_lock(warehouse, on_wait=lambda msg: progress.emit("wait", msg)):
        build = connect.open_build(warehouse, ensure_tables)
        try:
            yield build
            connect.close_build(build)
        except BaseException:
            connect.close_build(build, quietly=True)
            connect.discard_build(warehouse)
            raise
        progress.emit("publish", str(warehouse))
        connect.publish_build(warehouse)


def discover(settings: RunSettings) -> list[str]:
    found = files.discover_files(Path(settings.landing))
    progress.emit("files", f"{len(found)} files in {settings.landing}", total=len(found))
    return found


def validate_file(
    build: Path, settings: RunSettings, source_file: str, scratch_dir: Path | None = None
) -> validate.ValidatedFile:
    """Validate one file in the build file (a patient file's rows are written there, in
    their final table; safe in any thread of the run's process), or, with ``scratch_dir``, in
    its own scratch DuckDB file (safe in any process, see ``warehouse.scratch``)."""
    progress.emit("validate", source_file)
    landing = Path(settings.landing)
    if scratch_dir is not None:
        return scratch.validate_isolated(scratch_dir, landing, source_file, strict=settings.strict)
    with connect.connect_write(build) as con:
        return validate.validate_file(con, landing, source_file, strict=settings.strict)


def load_file(
    build: Path,
    validated: validate.ValidatedFile,
    run_id: str,
    scratch_dir: Path | None = None,
) -> load.FileOutcome:
    """The serialized step: publish one validated file (adopting its scratch validation)."""
    with connect.connect_write(build) as con:
        if scratch_dir is None:
            outcome = load.load_file(con, validated, run_id)
        else:
            with scratch.adopted(con, scratch_dir, validated) as adopted:
                outcome = load.load_file(con, adopted, run_id)
    progress.emit("files", f"{outcome.source_file}: {outcome.status}", advance=1)
    return outcome


@contextmanager
def validation_scratch(build: Path, *, needed: bool = True) -> Iterator[Path | None]:
    """Scratch space for validating files in other processes (see ``warehouse.scratch``);
    None when the files are validated in the build file (``needed`` false)."""
    if not needed:
        yield None
        return
    with scratch.scratch_space(build, connect.published_source(build)) as folder:
        yield folder


def build_and_pool(build: Path, settings: RunSettings, run_id: str | None = None) -> int:
    """Rebuild the SQL models, the pooled tables and the analyses the report shows (and, with
    a ``run_id``, append the pooled estimates to ``fct_pooled_history``); returns the number
    of pooled groups."""
    progress.emit("build", "SQL models")
    with connect.connect_write(build) as con:
        build_models(con, layers=("staging",))
        write_conversions(con)
        build_models(con, layers=("intermediate",), parameters={"rho": settings.rho})
        progress.emit("pool", f"random-effects pooling ({settings.method})")
        with collection_paused():  # the frames of a registry's ~170,000 arms (evidence.heap)
            arms = read_arms(con)  # read once: the pooling and the analyses use the same arms
            groups = write_pooled(con, settings.pooling(), arms)
            write_analyses(con, settings.pooling(), rho=settings.rho, run_id=run_id, arms=arms)
        build_models(con, layers=("marts",), parameters={"rho": settings.rho})
        finish_build(con)
    return groups


def record_run(build: Path, record: RunRecord) -> None:
    outcomes = record.outcomes
    with connect.connect_write(build) as con:
        con.execute(
            "insert or replace into runs values ($run_id, $started, now(), $landing, $seen, "
            "$loaded, $rows_loaded, $rows_quarantined, $method, $test, $rho, $flow_run, $versions)",
            {
                "run_id": record.run_id,
                "started": record.started_at,
                "landing": record.settings.landing,
                "seen": len(outcomes),
                "loaded": sum(o.status == "loaded" for o in outcomes),
                "rows_loaded": sum(o.rows_loaded for o in outcomes),
                "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
                "method": record.settings.method,
                "test": record.settings.test,
                "rho": record.settings.rho,
                "flow_run": record.prefect_flow_run_id,
                "versions": json.dumps(record.versions, sort_keys=True),
            },
        )


def settings_dict(settings: RunSettings) -> dict[str, object]:
    return asdict(settings)


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    markdown: Path
    pdf: Path | None = None
    tables: tuple[Path, ...] = ()


@dataclass(frozen=True)
class RunResult:
    record: RunRecord
    files: ReportFiles
    summary_lines: tuple[str, ...]


REPORT_PACKAGES = ("jinja2", "weasyprint")


def read_report_context(record: RunRecord) -> ReportContext:
    progress.emit("report", "reading the published warehouse")
    s = record.settings
    versions = dict(record.versions)
    for name in REPORT_PACKAGES:
        try:
            versions.setdefault(name, metadata.version(name))
        except metadata.PackageNotFoundError:
            versions.setdefault(name, "not installed")
    return from_warehouse.read_report_context(
        Path(s.warehouse),
        record.run_id,
        method=s.method,
        test=s.test,
        rho=s.rho,
        versions=versions,
    )


def write_report_files(ctx: ReportContext, record: RunRecord) -> ReportFiles:
    s = record.settings
    progress.emit("report", "rendering HTML, Markdown" + (", PDF" if s.pdf else "") + " and CSV")
    paths = write_report(ctx, Path(s.reports) / record.run_id, pdf=s.pdf)
    return ReportFiles(html=paths.html, markdown=paths.markdown, pdf=paths.pdf, tables=paths.tables)


@dataclass(frozen=True)
class ReportArtifacts:
    """What the flow posts to Prefect: the summary, the SoF table, a link to the HTML."""

    summary_markdown: str
    sof_table: list[dict[str, str]]
    html_uri: str


def report_artifacts(ctx: ReportContext, files: ReportFiles) -> ReportArtifacts:
    return ReportArtifacts(
        summary_markdown=render_summary_markdown(ctx),
        sof_table=sof_records(ctx),
        html_uri=files.html.resolve().as_uri(),
    )
