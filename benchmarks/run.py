"""Run the benchmarks and print one table: baseline vs pipeline, same file, same run.

``python -m benchmarks.run --rows 1000000 3000000 10000000 --formats csv parquet --bad 0 0.01``
generates missing inputs (seeded, SYNTHETIC) under benchmarks/data, then for each file runs
the plain-DuckDB baseline, the floor (the baseline's work plus the contract's checks and
nothing else: ``benchmarks.floor``) and the pipeline (validate + load + aggregate + pool, no
Prefect) in fresh processes, measuring wall seconds and peak resident memory of each process,
and prints the floor's and the pipeline's ratios to the baseline. ``--incremental`` then times
adding one new 10,000-row file (studies not yet loaded) to the warehouse each clean run built.
``--prefect`` also measures Prefect's fixed costs: a cold ephemeral API start and the per-task
overhead. ``--rounds N`` measures each file N times, interleaved, and adds a line of medians
(each ratio the median of the per-round ratios): on a shared 2-core machine one round's
ratio can move by a fifth from one run to the next.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import file_name

DATA = Path("benchmarks/data")
INCREMENT_ROWS = 10_000


def measure(
    args: list[str], env: dict[str, str] | None = None, *, quiet: bool = False
) -> tuple[dict, float, float]:
    """(JSON the child printed, wall seconds, peak RSS in MB) of one child process; ``quiet``
    drops its stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
        env=env,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    output = process.stdout.read() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{args} failed")
    line = [part for part in output.splitlines() if part.startswith("{")]
    return (json.loads(line[-1]) if line else {}), wall, usage.ru_maxrss / 1024


def prefect_costs() -> dict[str, float]:
    script = (
        "import time, json\n"
        "t0 = time.perf_counter()\n"
        "from prefect import flow, task\n"
        "t1 = time.perf_counter()\n"
        "@task\n"
        "def noop(i): return i\n"
        "@flow\n"
        "def empty(): return 0\n"
        "@flow\n"
        "def fifty(): return [noop(i) for i in range(50)]\n"
        "empty(); t2 = time.perf_counter()\n"
        "empty(); t3 = time.perf_counter()\n"
        "fifty(); t4 = time.perf_counter()\n"
        "print(json.dumps({'import': t1 - t0, 'cold_first_flow': t2 - t1, 'warm_flow': t3 - t2,"
        " 'per_task': ((t4 - t3) - (t3 - t2)) / 50}))\n"
    )
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PREFECT_HOME": home,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        # quiet: the ephemeral API logs the events it could not flush as it shuts down
        result, _, _ = measure([sys.executable, "-c", script], env, quiet=True)
    return result


def least_prefect_start(times: int = 3) -> float:
    """An empty run's Prefect start (import + a cold ephemeral API's first flow), the least
    of ``times``: it varies by seconds from one start to the next, and subtracting the least
    never flatters the whole run."""
    starts = []
    for _ in range(times):
        costs = prefect_costs()
        starts.append(costs["import"] + costs["cold_first_flow"])
    print(
        f"prefect start (import + cold first flow): {min(starts):.2f} s, the least of "
        + ", ".join(f"{s:.2f}" for s in starts)
    )
    return min(starts)


def ensure_input(
    rows: int, bad: float, fmt: str, prefix: str = "BENCH-", registry: bool = False
) -> Path:
    """The seeded input file, generated in a child process (its memory is not ours)."""
    source = DATA / file_name(rows, bad, fmt, prefix, registry)
    if not source.exists():
        subprocess.run(
            [
                *(sys.executable, "-m", "benchmarks.generate", "--rows", str(rows)),
                *("--bad", str(bad), "--format", fmt, "--out", str(DATA), "--prefix", prefix),
                *(["--registry"] if registry else []),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return source


def whole_run(source: Path, work: str) -> tuple[float, float, str]:
    """(wall seconds, peak MB, the run's summary line) of ``scar-evidence run`` on a
    landing folder holding only ``source``, as a user runs it: a fresh Prefect home (the
    ephemeral API starts cold), the CLI's own defaults otherwise."""
    landing = Path(work) / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir()
    (landing / source.name).symlink_to(source.resolve())
    warehouse = Path(work) / "w.duckdb"
    warehouse.unlink(missing_ok=True)
    cli = Path(sys.executable).parent / "scar-evidence"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PREFECT_HOME": home}
        start = time.perf_counter()
        process = subprocess.Popen(
            [
                *(str(cli), "run", "--landing", str(landing), "--warehouse", str(warehouse)),
                *("--reports", f"{work}/reports"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        output = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"scar-evidence run on {source.name} failed:\n{output[-2000:]}")
    rows = next((line for line in output.splitlines() if "rows" in line), "")
    return wall, usage.ru_maxrss / 1024, rows.strip()


def _steps(result: dict) -> str:
    return json.dumps({k: round(v, 2) for k, v in result["steps"].items()})


def _expected(source: Path, suffix: str) -> int | None:
    listed = source.with_suffix(source.suffix + suffix)
    return len(listed.read_text().split()) if listed.exists() else None


def _round(
    source: Path, work: str, prefect_start: float | None, rows: int, fmt: str, kind: str
) -> dict[str, float]:
    """One round on one file: the baseline, the floor, the pipeline (data work, then the
    report) and, with ``prefect_start``, the whole run, one after another; prints the row."""
    python = sys.executable
    base, _, base_mb = measure(
        [python, "-m", "benchmarks.baseline", str(source), f"{work}/b.duckdb"]
    )
    floor, _, _ = measure([python, "-m", "benchmarks.floor", str(source), f"{work}/f.duckdb"])
    pipe, _, pipe_mb = measure(
        [
            *(python, "-m", "benchmarks.pipeline_run", str(source)),
            *(f"{work}/p.duckdb", "--report", f"{work}/report"),
        ]
    )
    b = base["seconds"]
    report = pipe["report"]
    counts = f"{pipe['rows_quarantined']:,}"
    if (expected := _expected(source, ".bad_rows")) is not None:
        counts += f" of {expected:,} bad"
    counts += f", {pipe['rows_flagged']:,}"
    if (expected := _expected(source, ".flag_rows")) is not None:
        counts += f" of {expected:,} disagreeing"
    measured = {
        "baseline": b,
        "floor": floor["seconds"] / b,
        "data": pipe["seconds"],
        "data_ratio": pipe["seconds"] / b,
        "data_mb": pipe_mb,
        "report": report["seconds"],
    }
    run_cells = f"{'-':>6} {'-':>6} {'-':>5} {'-':>5}"
    if prefect_start is not None:
        run_s, run_mb, _line = whole_run(source, work)
        net = run_s - prefect_start
        measured |= {"run": net, "run_ratio": net / b, "run_mb": run_mb}
        run_cells = f"{run_s:>6.2f} {net:>6.2f} {run_mb:>5.0f} {net / b:>5.2f}"
    print(
        f"{rows:>10} {fmt:>7} {kind:>8} | {b:>10.2f} {base_mb:>5.0f} | "
        f"{floor['seconds']:>7.2f} {floor['seconds'] / b:>5.2f} | "
        f"{pipe['seconds']:>6.2f} {pipe_mb:>5.0f} {pipe['seconds'] / b:>5.2f} | "
        f"{report['seconds']:>8.2f} {max(report['extra_mb'], 0):>4.0f} "
        f"{report['html_mb']:>7.2f} {report['pdf']:>5.2f} | {run_cells} | {counts}",
        flush=True,
    )
    shown = {k: v if isinstance(v, str) else round(v, 2) for k, v in report.items()}
    print(f"{'':>10} steps {_steps(pipe)}; report " + json.dumps(shown), flush=True)
    return measured


def _medians(rounds: list[dict[str, float]]) -> str:
    """The line of medians over rounds: each ratio is the median of the per-round ratios
    (each round against its own baseline), not a ratio of medians."""
    middle = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    line = (
        f"{'':>10} median of {len(rounds)} rounds: baseline {middle['baseline']:.2f} s, "
        f"floor {middle['floor']:.2f}x, data work {middle['data']:.2f} s "
        f"({middle['data_ratio']:.2f}x, {middle['data_mb']:.0f} MB), "
        f"report {middle['report']:.2f} s"
    )
    if "run" in middle:
        line += (
            f", whole run - start {middle['run']:.2f} s "
            f"({middle['run_ratio']:.2f}x, {middle['run_mb']:.0f} MB)"
        )
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--bad", type=float, nargs="*", default=[0.0, 0.01])
    parser.add_argument(
        "--registry",
        action="store_true",
        help="also the registry export (sequential pseudonyms, 10%% flagged, 1%% bad rows)",
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="also time the whole `scar-evidence run` (Prefect, report included)",
    )
    parser.add_argument("--prefect", action="store_true")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each file this many times, interleaved (baseline, floor, pipeline, "
        "whole run, then again), and add a line of medians: the ratios are the median of "
        "the per-round ratios",
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help=f"after each clean run, time adding one new {INCREMENT_ROWS}-row file",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}"
    )
    prefect_start = None
    if args.whole:
        prefect_start = least_prefect_start()
    header = (
        f"{'rows':>10} {'format':>7} {'input':>8} | {'baseline s':>10} {'MB':>5} | "
        f"{'floor s':>7} {'ratio':>5} | {'data s':>6} {'MB':>5} {'ratio':>5} | "
        f"{'report s':>8} {'+MB':>4} {'html MB':>7} {'pdf s':>5} | "
        f"{'run s':>6} {'-start':>6} {'MB':>5} {'ratio':>5} | quarantined, flagged"
    )
    print(header)
    print("-" * len(header))
    inputs = [(bad, False) for bad in args.bad] + ([(0.0, True)] if args.registry else [])
    with tempfile.TemporaryDirectory() as work:
        for rows in args.rows:
            for fmt in args.formats:
                for bad, registry in inputs:
                    source = ensure_input(rows, bad, fmt, registry=registry)
                    kind = "registry" if registry else ("bad" if bad else "clean")
                    rounds = [
                        _round(source, work, prefect_start, rows, fmt, kind)
                        for _ in range(args.rounds)
                    ]
                    if len(rounds) > 1:
                        print(_medians(rounds), flush=True)
                    if args.incremental and not bad and not registry:  # a new 10k-row file
                        extra = ensure_input(INCREMENT_ROWS, 0.0, fmt, prefix="NEW-")
                        more, _more_s, more_mb = measure(
                            [
                                *(sys.executable, "-m", "benchmarks.pipeline_run", str(extra)),
                                *(f"{work}/p.duckdb", "--keep"),
                            ]
                        )
                        print(
                            f"{'':>10} {fmt:>7} +{INCREMENT_ROWS} rows onto {rows}: "
                            f"{more['seconds']:.2f} s, {more_mb:.0f} MB  steps {_steps(more)}",
                            flush=True,
                        )
    if args.prefect:
        costs = prefect_costs()
        print("prefect: " + ", ".join(f"{k} {v:.3f} s" for k, v in costs.items()))


if __name__ == "__main__":
    main()
