"""The pipeline without Prefect on one file: validate + load + aggregate + pool.

``python -m benchmarks.pipeline_run FILE WAREHOUSE`` prints one JSON line: seconds per step,
rows loaded and quarantined. The flow calls exactly these steps, one task each: the file is
validated in the run's build file (its rows written once, into their final table), then
loaded.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from evidence import pipeline


def main() -> None:
    source, warehouse = Path(sys.argv[1]), Path(sys.argv[2])
    keep = len(sys.argv) > 3 and sys.argv[3] == "--keep"
    if not keep:
        warehouse.unlink(missing_ok=True)
    landing = Path(tempfile.mkdtemp(prefix="bench-landing-"))
    (landing / source.name).symlink_to(source.resolve())
    settings = pipeline.RunSettings(landing=str(landing), warehouse=str(warehouse))
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
        pipeline.build_and_pool(build, settings)
        steps["aggregate_pool"] = time.perf_counter() - mark
        mark = time.perf_counter()
    steps["publish"] = time.perf_counter() - mark
    shutil.rmtree(landing)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "steps": steps,
                "rows_in": outcome.rows_in,
                "rows_loaded": outcome.rows_loaded,
                "rows_quarantined": outcome.rows_quarantined,
            }
        )
    )


if __name__ == "__main__":
    main()
