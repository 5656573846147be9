"""The pipeline without Prefect on one file: validate + load + aggregate + pool, then the report.

``python -m benchmarks.pipeline_run FILE WAREHOUSE [--keep] [--report DIR]`` prints one JSON
line: seconds per step, rows loaded, quarantined and flagged. ``seconds`` is the data work
(validate, load, models and pooling, publish), the steps the flow runs one task each: the file
is validated in the run's build file (its rows written once, into their final table), then
loaded. With ``--report DIR`` the report follows as the flow writes it (context from the
published warehouse; HTML, Markdown and CSV), timed apart, with the size of report.html and
the peak memory it adds above the data work's; then what ``--pdf`` adds (the HTML printed).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from evidence import pipeline
from evidence.reporting.pdf import write_pdf


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _ChildrenMemory:
    """The peak of the summed proportional set size (shared pages split between their
    processes) of this process's children, sampled every 50 ms while the block runs."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _ChildrenMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._done.wait(0.05):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_full_info().pss
                except psutil.Error:  # ended meanwhile
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--keep", action="store_true", help="load onto the existing warehouse")
    parser.add_argument("--report", type=Path, help="also write the report into this folder")
    args = parser.parse_args()
    source, warehouse = args.source, args.warehouse
    if not args.keep:
        warehouse.unlink(missing_ok=True)
    landing = Path(tempfile.mkdtemp(prefix="bench-landing-"))
    (landing / source.name).symlink_to(source.resolve())
    settings = pipeline.RunSettings(
        landing=str(landing), warehouse=str(warehouse), reports=str(args.report)
    )
    record = pipeline.RunRecord(
        run_id=pipeline.new_run_id(), started_at=datetime.now(UTC).isoformat(), settings=settings
    )
    steps: dict[str, float] = {}
    start = time.perf_counter()
    with pipeline.writer_session(settings) as build:
        steps["open"] = time.perf_counter() - start
        mark = time.perf_counter()
        validated = pipeline.validate_file(build, settings, source.name)
        steps["validate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        outcome = pipeline.load_file(build, validated, "bench")
        steps["load"] = time.perf_counter() - mark
        mark = time.perf_counter()
        record = pipeline.RunRecord(**{**record.__dict__, "outcomes": (outcome,)})
        pipeline.build_and_pool(build, settings, record.run_id)
        pipeline.record_run(build, record)
        steps["aggregate_pool"] = time.perf_counter() - mark
        mark = time.perf_counter()
    steps["publish"] = time.perf_counter() - mark
    seconds = time.perf_counter() - start
    shutil.rmtree(landing)
    result: dict[str, object] = {
        "seconds": seconds,
        "steps": steps,
        "rows_in": outcome.rows_in,
        "rows_loaded": outcome.rows_loaded,
        "rows_quarantined": outcome.rows_quarantined,
        "rows_flagged": outcome.rows_flagged,
        "peak_mb": _peak_mb(),
    }
    if args.report is not None:
        data_peak = _peak_mb()
        mark = time.perf_counter()
        ctx = pipeline.read_report_context(record)
        context_s = time.perf_counter() - mark
        mark = time.perf_counter()
        files = pipeline.write_report_files(ctx, record)
        write_s = time.perf_counter() - mark
        report_peak = _peak_mb()
        mark = time.perf_counter()  # what --pdf adds: the same HTML printed
        with _ChildrenMemory() as printer_memory:
            printer = write_pdf(files.html, files.html.with_suffix(".pdf"))
        pdf_s = time.perf_counter() - mark
        result["report"] = {
            "seconds": context_s + write_s,
            "context": context_s,
            "write": write_s,
            "html_mb": files.html.stat().st_size / 1e6,
            "extra_mb": report_peak - data_peak,
            "pdf": pdf_s,
            "pdf_by": printer,
            # Chromium prints in processes of its own: their peak proportional set size
            "printer_mb": printer_memory.peak_mb,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
