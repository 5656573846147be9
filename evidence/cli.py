"""``scar-evidence``: the only place that turns results and errors into words and exit codes.

Exit codes: 0 done, 1 failed (or, for ``validate``, a row failed), 2 bad usage.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from evidence.errors import EvidenceError

app = typer.Typer(
    help="Microneedling-for-atrophic-scars evidence pipeline: ingest, validate, pool, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

#: Embedded defaults for a local run: Prefect's ephemeral API with its home in the project.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def _prefect_environment() -> None:
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


@app.command()
def run(
    landing: Annotated[Path, typer.Option(help="Folder of input files.")] = Path("data/raw"),
    warehouse: Annotated[Path, typer.Option(help="DuckDB file to publish.")] = Path(
        "data/warehouse.duckdb"
    ),
    reports: Annotated[Path, typer.Option(help="Folder for reports.")] = Path("reports"),
    rho: Annotated[
        float,
        typer.Option(min=-1.0, max=1.0, help="Pre/post correlation where change SDs are missing."),
    ] = 0.5,
    method: Annotated[
        str, typer.Option(help="tau² estimator: REML, DL, PM, ML, HE, SJ, EE.")
    ] = "REML",
    test: Annotated[str, typer.Option(help="z, or knha for Hartung-Knapp.")] = "z",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse files with columns outside the contract; warnings quarantine rows.",
        ),
    ] = False,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf", help="Also print report.pdf (headless Chromium; WeasyPrint without it)."
        ),
    ] = False,
) -> None:
    """Run the pipeline flow on LANDING and write the report."""
    if method not in {"REML", "DL", "PM", "ML", "HE", "SJ", "EE", "FE"}:
        raise typer.BadParameter(f"unknown method {method!r}", param_hint="--method")
    if test not in {"z", "knha"}:
        raise typer.BadParameter(f"unknown test {test!r}", param_hint="--test")
    if not landing.is_dir():
        raise typer.BadParameter(f"{landing} is not a folder", param_hint="--landing")
    _prefect_environment()
    from evidence import progress  # noqa: PLC0415 - Prefect is imported only when running
    from flows.pipeline import evidence_pipeline  # noqa: PLC0415

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        console=err,
        transient=False,
    ) as bar:
        files = bar.add_task("starting Prefect (local ephemeral API)", total=None, detail="")

        def show(event: progress.ProgressEvent) -> None:
            if event.step == "files" and event.total is not None:
                bar.update(files, description="files", total=event.total, detail=event.detail)
            elif event.step == "files":
                bar.update(files, advance=event.advance, detail=event.detail)
            elif event.step == "wait":
                bar.console.print(f"[yellow]{event.detail}[/yellow]")
            else:
                bar.update(files, detail=f"{event.step}: {event.detail}")

        unsubscribe = progress.subscribe(show)
        try:
            result = evidence_pipeline(
                landing=str(landing),
                warehouse=str(warehouse),
                reports=str(reports),
                rho=rho,
                method=method,
                test=test,
                strict=strict,
                pdf=pdf,
            )
        except EvidenceError as exc:
            err.print(f"[red]failed:[/red] {exc}")
            raise typer.Exit(1) from exc
        finally:
            unsubscribe()
    quarantined = sum(o.rows_quarantined for o in result.record.outcomes)
    out.print(f"Report: {result.files.html.resolve()}")
    out.print(f"        {result.files.markdown.resolve()}")
    out.print(f"Warehouse: {warehouse.resolve()}")
    if quarantined:
        out.print(
            f"{quarantined} rows quarantined: see the report or `scar-evidence query "
            '"select * from quarantine"`',
            soft_wrap=True,
            markup=False,
        )
    out.print("Summary:")
    for line in result.summary_lines:
        out.print(f"  {line}", highlight=False, soft_wrap=True, markup=False)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet or Excel files.")],
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Columns outside the contract fail the file; warnings are errors."
        ),
    ] = False,
) -> None:
    """Check FILES against the contract without loading them; exit 1 if any row fails
    (a warning flags a row that would load: it does not fail the command)."""
    from evidence.warehouse.validate import check_file  # noqa: PLC0415

    failed = 0
    for path in files:
        if not path.is_file():
            raise typer.BadParameter(f"{path} does not exist", param_hint="FILES")
        validated, found = check_file(path, strict=strict)
        rows = validated.staged.rows_in if validated.staged else 0
        bad = len({f.row_number for f in found if f.severity == "error"})
        flagged = len({f.row_number for f in found if f.severity == "warning"})
        failed += bad if validated.staged else 1
        layout = validated.staged.layout if validated.staged else "unreadable"
        out.print(
            f"{path}: {layout}, {rows} rows, {bad} failing, {flagged} flagged",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
        if validated.staged and validated.staged.unknown_columns:
            out.print(
                f"{path}: columns not in the contract (ignored): "
                f"{', '.join(validated.staged.unknown_columns)}",
                highlight=False,
                soft_wrap=True,
            )
        for failure in found:
            out.print("  " + failure.describe(), highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(1 if failed else 0)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A read-only SQL statement.")],
    warehouse: Annotated[Path, typer.Option(help="Published DuckDB file.")] = Path(
        "data/warehouse.duckdb"
    ),
    output_format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Run read-only SQL against the published warehouse."""
    import duckdb  # noqa: PLC0415

    from evidence.warehouse.connect import connect_read  # noqa: PLC0415

    if output_format not in {"table", "csv", "json"}:
        raise typer.BadParameter("use table, csv or json", param_hint="--format")
    if not warehouse.exists():
        err.print(f"no warehouse at {warehouse}: run `scar-evidence run` first")
        raise typer.Exit(1)
    try:
        with connect_read(warehouse) as con:
            result = con.execute(sql)
            names = [d[0] for d in result.description] if result.description else []
            rows = result.fetchall()
    except duckdb.Error as exc:
        err.print(f"query failed: {exc}")
        raise typer.Exit(1) from exc
    if output_format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    elif output_format == "json":
        sys.stdout.write(
            json.dumps([dict(zip(names, r, strict=True)) for r in rows], default=str, indent=1)
            + "\n"
        )
    else:
        table = Table(*names)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)


@app.command()
def synthesize(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the files.")] = Path(
        "data/examples/synthetic"
    ),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 20261125,
) -> None:
    """Write the SYNTHETIC sample inputs (labelled synthetic in names and rows)."""
    from evidence.synthesize import write_samples  # noqa: PLC0415

    for path in write_samples(out_dir, seed):
        out.print(f"wrote {path}")


def main() -> None:  # pragma: no cover - console entry point
    app()


@app.command()
def meta(
    input_csv: Annotated[Path, typer.Argument(help="Study-level CSV with metafor's column names.")],
    measure: Annotated[
        str, typer.Option(help="MD, SMD, MC, SMCR, PLO, PR, RR, OR, RD or GEN (escalc names).")
    ],
    method: Annotated[
        str, typer.Option(help="tau² estimator: REML, DL, PM, ML, HE, SJ, EE.")
    ] = "REML",
    test: Annotated[str, typer.Option(help="z, or knha for Hartung-Knapp.")] = "z",
    rho: Annotated[
        float,
        typer.Option(
            min=-1.0, max=1.0, help="Pre/post correlation where ri is missing (MC, SMCR)."
        ),
    ] = 0.5,
    by: Annotated[str | None, typer.Option(help="Column defining subgroups.")] = None,
    mods: Annotated[
        str | None, typer.Option(help="Comma-separated moderator columns (meta-regression).")
    ] = None,
    na: Annotated[
        str,
        typer.Option(
            help="omit: leave out rows missing a value the measure needs (metafor's na.omit); "
            "fail: refuse them."
        ),
    ] = "omit",
    control: Annotated[
        str | None,
        typer.Option(
            help="metafor's control for ML/REML/PM, e.g. threshold=1e-5,maxiter=100,stepadj=0.5 "
            "(used as given; default: metafor's defaults, then step halving and more iterations)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Meta-analyse INPUT_CSV: effect sizes, pooling, tau²/I²/H² CIs, subgroups,
    meta-regression, bias."""
    from evidence.meta import MetaOptions, format_meta, notices, run_meta  # noqa: PLC0415
    from evidence.meta_input import NA_ACTIONS  # noqa: PLC0415
    from evidence.synthesis.control import parse_control  # noqa: PLC0415
    from evidence.synthesis.escalc import MEASURES  # noqa: PLC0415
    from evidence.synthesis.pooling import METHODS, TESTS  # noqa: PLC0415

    if measure not in MEASURES:
        raise typer.BadParameter(f"use one of {', '.join(MEASURES)}", param_hint="--measure")
    if method not in METHODS:
        raise typer.BadParameter(f"use one of {', '.join(METHODS)}", param_hint="--method")
    if test not in TESTS:
        raise typer.BadParameter("use z or knha", param_hint="--test")
    if na not in NA_ACTIONS:
        raise typer.BadParameter("use omit or fail", param_hint="--na")
    try:
        fit_control = parse_control(control) if control is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--control") from exc
    if not input_csv.is_file():
        raise typer.BadParameter(f"{input_csv} does not exist", param_hint="INPUT_CSV")
    moderators = tuple(m.strip() for m in mods.split(",") if m.strip()) if mods else ()
    options = MetaOptions(measure, method, test, rho, by, moderators, na, fit_control)
    try:
        result = run_meta(input_csv, options)
    except EvidenceError as exc:
        err.print(f"failed: {exc}", highlight=False, soft_wrap=True, markup=False)
        raise typer.Exit(1) from exc
    for line in notices(result):
        err.print(line, highlight=False, soft_wrap=True, markup=False)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=1, allow_nan=False) + "\n")
    else:
        out.print(format_meta(result), highlight=False, soft_wrap=True, end="")


@app.command()
def serve(
    landing: Annotated[Path, typer.Option(help="Folder of input files.")] = Path("data/raw"),
    warehouse: Annotated[Path, typer.Option(help="DuckDB file to publish.")] = Path(
        "data/warehouse.duckdb"
    ),
    reports: Annotated[Path, typer.Option(help="Folder for reports.")] = Path("reports"),
    cron: Annotated[str, typer.Option(help="When to run (cron; default 02:00 nightly).")] = (
        "0 2 * * *"
    ),
    timezone: Annotated[str, typer.Option(help="Time zone of --cron.")] = "UTC",
    task_runner: Annotated[
        str, typer.Option(help="threads, dask, or a Dask scheduler address tcp://HOST:8786.")
    ] = "threads",
) -> None:
    """Serve the nightly deployment from this machine until Ctrl-C (needs a Prefect server)."""
    if not landing.is_dir():
        raise typer.BadParameter(f"{landing} is not a folder", param_hint="--landing")
    if task_runner not in {"threads", "dask"} and not task_runner.startswith("tcp://"):
        raise typer.BadParameter("use threads, dask or tcp://HOST:PORT", param_hint="--task-runner")
    _prefect_environment()
    if not os.environ.get("PREFECT_API_URL"):
        err.print(
            "serve needs a Prefect server that outlives this process: run `prefect server "
            "start` and set PREFECT_API_URL=http://127.0.0.1:4200/api (see README, Scheduling)"
        )
        raise typer.Exit(2)
    from flows.deploy import serve_nightly  # noqa: PLC0415 - Prefect is imported only here

    err.print(f"serving scar-evidence/nightly ({cron}, {timezone}); Ctrl-C stops")
    serve_nightly(
        landing=str(landing.resolve()),
        warehouse=str(warehouse.resolve()),
        reports=str(reports.resolve()),
        cron=cron,
        timezone=timezone,
        task_runner=task_runner,
    )


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write one file per view into.")],
    output_format: Annotated[
        str, typer.Option("--format", help="parquet (R: arrow::read_parquet) or csv (Excel).")
    ] = "parquet",
    warehouse: Annotated[Path, typer.Option(help="Published DuckDB file.")] = Path(
        "data/warehouse.duckdb"
    ),
) -> None:
    """Write every view of the published warehouse to OUT_DIR as Parquet or CSV files."""
    from evidence.warehouse.export import FORMATS, export_views  # noqa: PLC0415

    if output_format not in FORMATS:
        raise typer.BadParameter("use parquet or csv", param_hint="--format")
    if not warehouse.exists():
        err.print(f"no warehouse at {warehouse}: run `scar-evidence run` first")
        raise typer.Exit(1)
    for path, rows in export_views(warehouse, out_dir, output_format):
        out.print(f"{path}  ({rows} rows)", highlight=False, soft_wrap=True, markup=False)
