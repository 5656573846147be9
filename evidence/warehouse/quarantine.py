"""What a load writes about the rows it does not load as they are: quarantine and row flags.

``quarantine`` gets one line per failure of a refused row, with the cells as they were in the
file (``value`` and the whole row as JSON in ``original_row``); columns refused as direct
identifiers are redacted in both. The warnings of loaded rows stay with the rows (``_flags``);
the view ``row_flags`` lists them (:mod:`evidence.warehouse.patient_files`).
"""

from __future__ import annotations

import duckdb

from evidence.warehouse.sql_cells import quote, sql_literal
from evidence.warehouse.staging import STAGING, StagedFile

REDACTED = "'[redacted: direct identifier]'"


def stage_failed_rows(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, tag: str, staging: str = STAGING
) -> None:
    """``rawfail_<tag>``: the failed rows as they are in the file, for the quarantine.

    The validation pass keeps the cells of the rows it refuses; only rows refused later (by
    a rule across rows, or a file-level refusal) are read from the file again."""
    raw, failed, rawfail = (f"{staging}.{kind}_{tag}" for kind in ("raw", "failed", "rawfail"))
    cells = ", ".join(["_row", *(quote(h) for h in staged.headers)])
    con.execute(f"create table if not exists {rawfail} as select {cells} from {raw} where false")
    missing = f"""
        select row_number from {failed}
        except select _row from {rawfail}
        except select _row from {raw}_lines
    """
    if con.sql(f"select count(*) from ({missing})").fetchall()[0][0]:
        con.execute(
            f"insert into {rawfail} select {cells} from {raw} "
            f"semi join ({missing}) m on _row = m.row_number"
        )


def failures_sql(tag: str, staged: StagedFile, staging: str = STAGING) -> str:
    """SELECT of a validated file's failures with the cells as they were in the file.

    Columns refused as direct identifiers are redacted, in ``value`` and in ``original_row``.
    """
    raw, failed = f"{staging}.rawfail_{tag}", f"{staging}.failed_{tag}"

    def cell(header: str) -> str:
        return REDACTED if header in staged.redacted else f"r.{quote(header)}"

    def shown(header: str) -> str:
        """The failing cell as in the file; the reader's value where the row has none (a line
        kept out of the file's view, a formula without its value)."""
        return REDACTED if header in staged.redacted else f"coalesce(r.{quote(header)}, f.value)"

    named = set(staged.columns.values()) | set(staged.redacted)
    cases = [f"when '{name}' then {shown(header)}" for name, header in staged.columns.items()]
    cases += [f"when {sql_literal(header)} then {REDACTED}" for header in staged.redacted]
    # a failure of the line itself names the file's column (e.g. an oversized cell)
    cases += [f"when {sql_literal(h)} then {shown(h)}" for h in staged.headers if h not in named]
    value = f"case f.column_name {' '.join(cases)} else f.value end" if cases else "f.value"
    fields = ", ".join(
        f"{sql_literal(header)}: {cell(header)}" for header in ("_row", *staged.headers)
    )
    return f"""
        select f.row_number, f.column_name, {value} as value, f.rule,
               'row ' || f.row_number || ': ' || f.message as message,
               case when r._row is null then null else to_json({{{fields}}}) end as original_row
        from {failed} f left join {raw} r on r._row = f.row_number
        order by f.row_number, f.column_name
    """
