"""Rules that look across the rows of a file (run in SQL over the whole validated file).

Pandera validates a file in batches, so anything that needs several rows at once lives here:
unique keys (within the file and against the warehouse), split-face pairing, study strata
that must not add up to more patients than the study analysed, and a study's risk-of-bias
judgements, which must cover every domain of one tool.
"""

from __future__ import annotations

import duckdb

from evidence.warehouse.tables import TARGET_TABLES
from schemas.raw import PATIENT_KEY, RISK_OF_BIAS_KEY, STUDY_KEY
from schemas.vocab import ROB_DOMAINS

KEYS = {"patient": PATIENT_KEY, "study": STUDY_KEY, "risk_of_bias": RISK_OF_BIAS_KEY}


def apply_file_rules(con: duckdb.DuckDBPyConnection, layout: str, valid: str, failed: str) -> None:
    """Add to ``failed`` the failures of every rule over the rows of one file (``valid``: a
    relation of its rows that passed, with ``source_row``); keys already loaded from other
    files are the load's (:func:`fail_keys_in_warehouse`)."""
    fail_repeated_keys(con, layout, valid, failed)
    if layout == "patient":
        fail_unpaired_split_face_rows(con, valid, failed)
    elif layout == "study":
        fail_strata_exceeding_total(con, valid, failed)
    else:
        fail_incomplete_domain_sets(con, valid, failed)


def _key(layout: str) -> tuple[tuple[str, ...], str, str]:
    """(key columns, the key as a list, its label) of a layout."""
    columns = KEYS[layout]
    return columns, ", ".join("v." + k for k in columns), ",".join(columns)


def fail_repeated_keys(
    con: duckdb.DuckDBPyConnection, layout: str, valid: str, failed: str
) -> None:
    """``unique_key``: every row whose key another row of the file has too.

    The rows are grouped by a 64-bit hash of the key (one integer: a registry's ten million
    keys group several times faster than by the four columns); the few rows whose hash
    repeats are then grouped by the key itself, so a hash collision refuses nothing."""
    key_columns, keys, label = _key(layout)
    hashed = f"hash({', '.join(key_columns)})"
    repeated = " and ".join(f"v.{k} is not distinct from d.{k}" for k in key_columns)
    con.execute(
        f"""
        insert into {failed}
        with candidates as (
            select * from {valid}
            where {hashed} in (select {hashed} from {valid} group by all having count(*) > 1)
        )
        select v.source_row, $label, concat_ws('|', {keys}),
               'unique_key', 'another row of this file has the same key (' || $label || ')'
        from candidates v
        semi join (select {", ".join(key_columns)} from candidates group by all
                   having count(*) > 1) d
            on {repeated}
        """,
        {"label": label},
    )


def fail_keys_in_warehouse(
    con: duckdb.DuckDBPyConnection, source_file: str, layout: str, valid: str, failed: str
) -> None:
    """``unique_key_in_warehouse``: rows whose key is already loaded from another file."""
    key_columns, keys, label = _key(layout)
    target = TARGET_TABLES[layout]
    match = " and ".join(f"t.{k} = v.{k}" for k in key_columns)
    # An inner join, so DuckDB builds its hash table on the file's rows and probes the
    # warehouse with it (a correlated EXISTS hashed the whole warehouse: 1.2 s at 10M rows).
    con.execute(
        f"""
        insert into {failed}
        select v.source_row, $label, concat_ws('|', {keys}), 'unique_key_in_warehouse',
               'a row with the same key (' || $label || ') is already loaded from '
               || min(t.source_file)
        from {valid} v
        join {target} t on {match}
        where t.source_file <> $source
        group by v.source_row, {keys}
        """,
        {"label": label, "source": source_file},
    )


def fail_unpaired_split_face_rows(con: duckdb.DuckDBPyConnection, valid: str, failed: str) -> None:
    """A split-face visit has exactly one left and one right row and no whole-face row."""
    con.execute(
        f"""
        insert into {failed}
        select source_row, 'side', side, 'split_face_pair',
               'split-face rows must pair one left and one right side of the subject at each '
               || 'visit (found ' || lefts || ' left, ' || rights || ' right, ' || wholes
               || ' whole for ' || subject_id || ' at week ' || followup_weeks || ')'
        from (
            select *,
                count(*) filter (where side = 'left') over visit as lefts,
                count(*) filter (where side = 'right') over visit as rights,
                count(*) filter (where side = 'whole') over visit as wholes
            from {valid} v
            -- only subjects with a left or right row can break the rule
            semi join (select distinct study_id, subject_id from {valid} where side <> 'whole') s
                on v.study_id = s.study_id and v.subject_id = s.subject_id
            window visit as (partition by v.study_id, v.subject_id, v.followup_weeks)
        )
        where (side <> 'whole' and (lefts <> 1 or rights <> 1 or wholes > 0))
           or (side = 'whole' and lefts + rights > 0)
        """
    )


def fail_strata_exceeding_total(con: duckdb.DuckDBPyConnection, valid: str, failed: str) -> None:
    """Severity or skin-type strata of an arm may not hold more patients than its 'all' row."""
    con.execute(
        f"""
        insert into {failed}
        select s.source_row, 'n', s.n::varchar, 'strata_exceed_total',
               'the ' || s.stratum_kind || ' strata of this arm add up to ' || s.strata_n
               || ' patients but its "all" row has n = ' || a.n
        from (
            select *, sum(n) over (
                partition by study_id, intervention, outcome_scale, followup_weeks, stratum_kind
            ) as strata_n
            from {valid}
            where stratum_kind <> 'all'
        ) s
        join {valid} a
          on a.stratum_kind = 'all'
         and (a.study_id, a.intervention, a.outcome_scale, a.followup_weeks)
           = (s.study_id, s.intervention, s.outcome_scale, s.followup_weeks)
        where s.strata_n > a.n
        """
    )


def fail_incomplete_domain_sets(con: duckdb.DuckDBPyConnection, valid: str, failed: str) -> None:
    """``complete_domain_set``: a study is judged with one tool, once in every domain of it
    (its overall judgement is derived from all of them)."""
    tools = list(ROB_DOMAINS.items())
    values = ", ".join(f"($tool{i}, $domains{i})" for i in range(len(tools)))
    params: dict[str, object] = {}
    for i, (tool, domains) in enumerate(tools):
        params[f"tool{i}"] = tool.value
        params[f"domains{i}"] = list(domains)
    con.execute(
        f"""
        insert into {failed}
        with tools (tool, domains) as (values {values}),
        studies as (
            select study_id, count(distinct rob_tool) as n_tools, any_value(rob_tool) as tool,
                   list_sort(list(domain)) as judged
            from {valid} group by study_id
        ),
        incomplete as (
            select s.study_id
            from studies s left join tools t on t.tool = s.tool
            where s.n_tools > 1 or s.judged <> list_sort(t.domains)
        )
        select v.source_row, 'domain', v.domain, 'complete_domain_set',
               'study ' || v.study_id || ' needs one judgement in each domain of one tool ('
               || v.rob_tool || ': ' || array_to_string(t.domains, ', ') || ')'
        from {valid} v
        semi join incomplete i on i.study_id = v.study_id
        left join tools t on t.tool = v.rob_tool
        """,
        params,
    )
