"""Run the benchmarks and print one table: baseline vs pipeline, same file, same run.

``python -m benchmarks.run --rows 1000000 3000000 10000000 --formats csv parquet --bad 0 0.01``
generates missing inputs (seeded, SYNTHETIC) under benchmarks/data, then for each file runs
the plain-DuckDB baseline, the floor (the baseline's work plus the contract's checks and
nothing else: ``benchmarks.floor``) and the pipeline (validate + load + aggregate + pool, no
Prefect) in fresh processes, measuring wall seconds and peak resident memory of each process,
and prints the floor's and the pipeline's ratios to the baseline. ``--incremental`` then times
adding one new 10,000-row file (studies not yet loaded) to the warehouse each clean run built.
``--prefect`` also measures Prefect's fixed costs: a cold ephemeral API start and the per-task
overhead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import file_name

DATA = Path("benchmarks/data")
INCREMENT_ROWS = 10_000


def measure(args: list[str], env: dict[str, str] | None = None) -> tuple[dict, float, float]:
    """(JSON the child printed, wall seconds, peak RSS in MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
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
        result, _, _ = measure([sys.executable, "-c", script], env)
    return result


def ensure_input(rows: int, bad: float, fmt: str, prefix: str = "BENCH-") -> Path:
    """The seeded input file, generated in a child process (its memory is not ours)."""
    source = DATA / file_name(rows, bad, fmt, prefix)
    if not source.exists():
        subprocess.run(
            [
                *(sys.executable, "-m", "benchmarks.generate", "--rows", str(rows)),
                *("--bad", str(bad), "--format", fmt, "--out", str(DATA), "--prefix", prefix),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return source


def _steps(result: dict) -> str:
    return json.dumps({k: round(v, 2) for k, v in result["steps"].items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--bad", type=float, nargs="+", default=[0.0, 0.01])
    parser.add_argument("--prefect", action="store_true")
    parser.add_argument(
        "--incremental",
        action="store_true",
        help=f"after each clean run, time adding one new {INCREMENT_ROWS}-row file",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    header = (
        f"{'rows':>10} {'format':>7} {'bad':>5} | {'baseline s':>10} {'MB':>6} | "
        f"{'floor s':>8} {'ratio':>6} | {'pipeline s':>10} {'MB':>6} | {'ratio':>6} | quarantined"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as work:
        for rows in args.rows:
            for fmt in args.formats:
                for bad in args.bad:
                    source = ensure_input(rows, bad, fmt)
                    base, _base_s, base_mb = measure(
                        [
                            sys.executable,
                            "-m",
                            "benchmarks.baseline",
                            str(source),
                            f"{work}/b.duckdb",
                        ]
                    )
                    floor, _floor_s, _floor_mb = measure(
                        [sys.executable, "-m", "benchmarks.floor", str(source), f"{work}/f.duckdb"]
                    )
                    pipe, _pipe_s, pipe_mb = measure(
                        [
                            sys.executable,
                            "-m",
                            "benchmarks.pipeline_run",
                            str(source),
                            f"{work}/p.duckdb",
                        ]
                    )
                    expected = ""
                    bad_file = source.with_suffix(source.suffix + ".bad_rows")
                    if bad and bad_file.exists():
                        expected = f" of {len(bad_file.read_text().split())} bad"
                    print(
                        f"{rows:>10} {fmt:>7} {bad:>5} | "
                        f"{base['seconds']:>10.2f} {base_mb:>6.0f} | "
                        f"{floor['seconds']:>8.2f} {floor['seconds'] / base['seconds']:>6.2f} | "
                        f"{pipe['seconds']:>10.2f} {pipe_mb:>6.0f} | "
                        f"{pipe['seconds'] / base['seconds']:>6.2f} | "
                        f"{pipe['rows_quarantined']}{expected}  steps {_steps(pipe)}",
                        flush=True,
                    )
                    if args.incremental and not bad:  # one new 10k-row file onto this warehouse
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
