"""The floor: the baseline's own work plus the contract's checks, and nothing else.

``python -m benchmarks.floor FILE DBFILE`` prints one JSON line with the seconds taken, like
``benchmarks.baseline``. It is a lower bound for a DuckDB pipeline that checks the text of
every cell against the contract before it stores the row, measured on the same file and in
the same run as the baseline, so the runner can say how close to the plain-DuckDB time such a
checked load can get:

1. one DuckDB pass reads the file as the pipeline does (every cell as text, so that nothing is
   lost before it is checked), checks each row against the contract compiled to SQL
   (:func:`evidence.warehouse.sql_contract.validation_select`: Pandera's casts, parsers,
   column and row checks) and stores the rows that pass, typed;
2. the contract's unique key is checked across the stored rows (a group-by of the key);
3. the baseline's aggregate runs on the stored rows.

Left out, though the pipeline must do them: quarantine rows and their reasons, the scan for
direct identifiers, split-face pairing, lineage columns, the final-visit and per-study
models, pooling and the publish step.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.baseline import AGGREGATE
from evidence.warehouse.patient_pass import optimizers_disabled
from evidence.warehouse.sql_contract import ROW_PASSED, validation_select
from evidence.warehouse.staging import stage_file
from schemas.privacy import AGE_COLUMN
from schemas.raw import PATIENT_KEY


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.unlink(missing_ok=True)
    start = time.perf_counter()
    con = duckdb.connect(str(target), config={"threads": 2})
    con.execute("create schema _ingest")
    staged = stage_file(con, source, "_ingest.raw")
    checked = validation_select(
        staged.stream or staged.table,
        staged.layout,
        staged.columns,
        age_column=AGE_COLUMN,
        numbered=staged.stream is None,
    )
    with optimizers_disabled(con, "in_clause"):  # as in the pipeline's pass
        con.execute(
            f"create table outcomes as select * exclude (_fails) from ({checked}) "
            f"where {ROW_PASSED}"
        )
    key = ", ".join(PATIENT_KEY)
    repeated = con.sql(
        f"select count(*) from (select {key} from outcomes group by all having count(*) > 1)"
    ).fetchall()[0][0]
    groups = con.sql(AGGREGATE).fetchall()
    stored = con.sql("select count(*) from outcomes").fetchall()[0][0]
    con.execute("checkpoint")
    con.close()
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "groups": len(groups),
                "rows_stored": stored,
                "repeated_keys": repeated,
            }
        )
    )


if __name__ == "__main__":
    main()
