"""The plain-DuckDB baseline: load the file into a table and aggregate, nothing else.

``python -m benchmarks.baseline FILE DBFILE`` prints one JSON line with the seconds taken.
The aggregation is the pipeline's headline question: mean improvement in Goodman-Baron grade
by intervention x skin type x baseline severity.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

AGGREGATE = """
select intervention, fitzpatrick_type, baseline_grade, count(*) as n,
       avg(baseline_grade - followup_grade) as mean_change,
       stddev_samp(baseline_grade - followup_grade) as sd_change
from outcomes group by all
"""


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.unlink(missing_ok=True)
    start = time.perf_counter()
    con = duckdb.connect(str(target), config={"threads": 2})
    reader = "read_parquet" if source.suffix == ".parquet" else "read_csv"
    con.execute(f"create table outcomes as select * from {reader}($path)", {"path": str(source)})
    groups = con.sql(AGGREGATE).fetchall()
    con.execute("checkpoint")
    con.close()
    print(json.dumps({"seconds": time.perf_counter() - start, "groups": len(groups)}))


if __name__ == "__main__":
    main()
