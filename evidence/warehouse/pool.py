"""Stage two of the analysis: pool the arm effects of each stratum across studies.

Reads ``int_arm_effects`` (built by the SQL models), adds each study's Fitzpatrick-group arms
(``stratum_kind = 'skin_group'``: I-III and IV-VI, see ``skin_groups``), fits a
random-effects model per stratum x intervention x outcome scale with
:func:`evidence.synthesis.pooling.rma`, and writes ``fct_pooled_improvement`` (one row per
group) and ``fct_study_weights`` (one row per study arm, the rows of the forest plots). Each
group's fit and its columns come from :mod:`evidence.warehouse.pooled_fit` (metafor's remedies
before any fallback; I² with its CI). DuckDB has no distribution functions, so this step is
Python. The further analyses the report shows
(subgroup tests, meta-regression, comparisons, safety, sensitivity, history) are in
``evidence.warehouse.analyses``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evidence.synthesis.distributions import norm_ppf
from evidence.warehouse.pooled_fit import (
    FIT_DDL,
    PoolingSettings,
    empty_fit_columns,
    fit_columns,
    fit_group,
)
from evidence.warehouse.skin_groups import joined_per_group, skin_group_arms

__all__ = [
    "GROUP",
    "PoolingSettings",
    "fetch_frame",
    "insert_frame",
    "pool_arm_effects",
    "pooled_rows",
    "read_arms",
    "write_pooled",
]

#: A pooled group. ``synthetic`` keeps synthetic studies apart: an estimate never pools a
#: synthetic study with a non-synthetic one (published or real patient-level data).
GROUP = ["stratum_kind", "stratum_value", "intervention", "outcome_scale", "synthetic"]
STUDY_EXTRA = ["design", "risk_of_bias", "sessions", "needle_depth_mm"]


#: The study-row columns taken from the arms (``STUDY_EXTRA`` follow where present).
STUDY_COLUMNS = [
    "study_id",
    "evidence_source",
    "data_origin",
    "n",
    "yi",
    "vi",
    "exclusion_reason",
    "citation",
    "source_url",
]
GroupKey = tuple[object, ...]
PooledRow = dict[str, object]


@dataclass(frozen=True)
class _Groups:
    """``arms`` sorted by group (``GROUP``, as ``groupby(sort=True, dropna=False)`` orders
    them), then by ``study_id`` (stable); group ``g`` is rows ``bounds[g]:bounds[g + 1]``."""

    arms: pd.DataFrame
    keys: list[GroupKey]
    bounds: npt.NDArray[np.intp]
    usable: npt.NDArray[np.bool_]


def _group_arms(arms: pd.DataFrame) -> _Groups:
    """One sort of all arms instead of a pandas frame per group (a registry has thousands)."""
    group_id = arms.groupby(GROUP, sort=True, dropna=False).ngroup().to_numpy()
    study, _ = pd.factorize(arms["study_id"], sort=True)
    study = np.where(study < 0, len(arms), study)  # a null study_id sorts last
    order = np.lexsort((study, group_id))
    needed = {*GROUP, *STUDY_COLUMNS, *STUDY_EXTRA, "n_patients", "responders"}
    ordered = arms[[c for c in arms.columns if c in needed]]
    if (order != np.arange(len(order))).any():  # read_arms' arms come sorted: no copy
        ordered = ordered.take(order)
    ordered = ordered.reset_index(drop=True)
    sorted_id = group_id[order]
    starts = np.flatnonzero(np.r_[True, sorted_id[1:] != sorted_id[:-1]])
    keys = list(ordered[GROUP].take(starts).itertuples(index=False, name=None))
    return _Groups(
        arms=ordered,
        keys=keys,
        bounds=np.r_[starts, len(ordered)],
        usable=ordered["exclusion_reason"].isna().to_numpy(),
    )


def _group_sums(values: npt.NDArray[Any], groups: _Groups) -> npt.NDArray[Any]:
    return np.add.reduceat(values, groups.bounds[:-1])


def _numbers(column: pd.Series, keep: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """``column`` where ``keep`` (and not null), else 0; integers stay integers (exact sums)."""
    integer = pd.api.types.is_integer_dtype(column.dtype)
    values = column.to_numpy(dtype=np.int64 if integer else np.float64, na_value=0)
    return np.where(keep & column.notna().to_numpy(), values, 0)


def _summaries(groups: _Groups) -> list[PooledRow]:
    """Per group: the key, counts, patients, responder rate and data origins of its arms."""
    arms, usable = groups.arms, groups.usable
    k_studies = _group_sums(usable.astype(np.int64), groups)
    sizes = np.diff(groups.bounds)
    n_patients = _group_sums(_numbers(arms["n_patients"], usable), groups)
    has_responders = arms["responders"].notna().to_numpy()
    k_responders = _group_sums(has_responders.astype(np.int64), groups)
    responders = _group_sums(_numbers(arms["responders"], has_responders), groups)
    responder_n = _group_sums(_numbers(arms["n"], has_responders), groups)
    group_id = np.repeat(np.arange(len(groups.keys)), sizes)
    origins = joined_per_group(
        arms["data_origin"], np.where(usable, group_id, -1), len(groups.keys)
    )
    rows: list[PooledRow] = []
    for g, key in enumerate(groups.keys):
        row: PooledRow = dict(zip(GROUP, key, strict=True))
        row.update(
            k_studies=int(k_studies[g]),
            k_excluded=int(sizes[g] - k_studies[g]),
            n_patients=int(n_patients[g]),
            responder_rate=(float(responders[g] / responder_n[g]) if k_responders[g] else None),
            data_origins=origins[g] or "",
        )
        rows.append(row)
    return rows


def _pool_groups(
    groups: _Groups, settings: PoolingSettings
) -> tuple[list[PooledRow], list[npt.NDArray[np.float64] | None]]:
    """Pooled rows of every group, and the weights (%) of its usable arms (None where not
    fitted)."""
    yi = groups.arms["yi"].to_numpy(dtype=np.float64, na_value=np.nan)
    vi = groups.arms["vi"].to_numpy(dtype=np.float64, na_value=np.nan)
    rows: list[PooledRow] = []
    weights: list[npt.NDArray[np.float64] | None] = []
    for g, row in enumerate(_summaries(groups)):
        part = slice(groups.bounds[g], groups.bounds[g + 1])
        usable = groups.usable[part]
        if not usable.any():
            row.update(empty_fit_columns("no study arm with a usable mean change and SD"))
            weights.append(None)
        else:
            fit = fit_group(yi[part][usable], vi[part][usable], settings)
            row.update(fit_columns(fit))
            weights.append(np.asarray(fit.res.weights, dtype=np.float64))
        rows.append(row)
    return rows, weights


def _study_rows(
    groups: _Groups, weights: list[npt.NDArray[np.float64] | None], settings: PoolingSettings
) -> pd.DataFrame:
    """One row per arm (the forest plots): its effect, CI and weight (null when excluded)."""
    arms = groups.arms
    columns = [*STUDY_COLUMNS, *[c for c in STUDY_EXTRA if c in arms.columns], *GROUP]
    studies = arms[columns].copy()
    crit = float(norm_ppf(0.5 + settings.level / 200.0))
    se = studies["vi"].pow(0.5)
    studies["ci_lb"] = studies["yi"] - crit * se
    studies["ci_ub"] = studies["yi"] + crit * se
    weight_pct = np.full(len(arms), np.nan)
    for g, w in enumerate(weights):
        if w is not None:
            start = groups.bounds[g]
            rows = start + np.flatnonzero(groups.usable[start : groups.bounds[g + 1]])
            weight_pct[rows] = w
    studies["weight_pct"] = weight_pct
    return studies


def pool_arm_effects(
    arms: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled rows, study rows) for every group of ``arms`` (columns of int_arm_effects).

    Groups in ``GROUP`` order; the study rows of a group by ``study_id``.
    """
    if arms.empty:
        return pd.DataFrame(), pd.DataFrame()
    groups = _group_arms(arms)
    rows, weights = _pool_groups(groups, settings)
    return pd.DataFrame(rows), _study_rows(groups, weights, settings)


def pooled_rows(arms: pd.DataFrame, settings: PoolingSettings) -> dict[GroupKey, PooledRow]:
    """The pooled row of every group of ``arms`` by its key, in ``GROUP`` order (the rows of
    ``pool_arm_effects``)."""
    if arms.empty:
        return {}
    groups = _group_arms(arms)
    rows, _ = _pool_groups(groups, settings)
    return dict(zip(groups.keys, rows, strict=True))


POOLED_DDL = f"""
create or replace table fct_pooled_improvement (
    stratum_kind varchar, stratum_value varchar, intervention varchar, outcome_scale varchar,
    k_studies integer, k_excluded integer, n_patients bigint, {FIT_DDL},
    responder_rate double, method varchar, data_origins varchar, synthetic boolean
)
"""

STUDY_DDL = """
create or replace table fct_study_weights (
    stratum_kind varchar, stratum_value varchar, intervention varchar, outcome_scale varchar,
    study_id varchar, evidence_source varchar, data_origin varchar, n bigint,
    yi double, vi double, ci_lb double, ci_ub double, weight_pct double,
    exclusion_reason varchar, citation varchar, source_url varchar,
    design varchar, risk_of_bias varchar, sessions double, needle_depth_mm double,
    synthetic boolean
)
"""


def write_pooled(
    con: duckdb.DuckDBPyConnection, settings: PoolingSettings, arms: pd.DataFrame | None = None
) -> int:
    """Pool ``arms`` (default: :func:`read_arms`) into the fct tables; returns the number of
    pooled groups."""
    arms = read_arms(con) if arms is None else arms
    pooled, studies = pool_arm_effects(arms, settings)
    con.execute(POOLED_DDL)
    con.execute(STUDY_DDL)
    for table, frame in (("fct_pooled_improvement", pooled), ("fct_study_weights", studies)):
        insert_frame(con, table, frame)
    return len(pooled)


def read_arms(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``int_arm_effects`` plus the Fitzpatrick-group arms merged from the per-type arms,
    sorted by ``GROUP`` and ``study_id`` as ``order by`` sorts (the order the pooling uses)."""
    order = [*GROUP, "study_id"]
    arms = fetch_frame(con.sql("select * from int_arm_effects"), order_by=order)
    groups = skin_group_arms(arms)
    if not len(groups):
        return arms
    # 'skin_group' sorts between 'severity' and 'skin_type': its rows go in as one block
    at = int((arms["stratum_kind"] < "skin_group").sum())  # null kinds sort last
    block = groups.sort_values(order, kind="stable", na_position="last")
    return pd.concat([arms.iloc[:at], block, arms.iloc[at:]], ignore_index=True)


#: pandas' nullable dtype of each Arrow type ``df()`` gives one when the column has a null.
_MASKED: dict[pa.DataType, Any] = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def fetch_frame(relation: duckdb.DuckDBPyRelation, order_by: Sequence[str] = ()) -> pd.DataFrame:
    """``relation.df()``, the same frame, faster: through Arrow, whose strings pandas keeps as
    they are instead of building a Python object per cell (seconds on a large registry).

    ``order_by`` (text columns) sorts the rows as ``order by`` would (bytewise, nulls last),
    in Arrow, keeping ties in the relation's order (on the arms ~0.05 s, DuckDB's sort ~0.09 s;
    a result left to ``df()`` is sorted by DuckDB).

    As with ``df()``, integer and boolean columns with a null take pandas' nullable dtypes and
    a text column of nulls only (or of no rows) holds Python objects (None). A result with a
    column of another type (or a repeated name) is left to ``df()``.
    """
    table = relation.to_arrow_table()
    simple = all(
        pa.types.is_string(t) or pa.types.is_float64(t) or t in _MASKED for t in table.schema.types
    )
    if not simple or len(set(table.column_names)) < table.num_columns:
        return (relation.order(", ".join(map(_quote, order_by))) if order_by else relation).df()
    if order_by:
        table = table.take(pc.sort_indices(table, sort_keys=[(c, "ascending") for c in order_by]))
    frame = table.to_pandas(types_mapper=_MASKED.get)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.type in _MASKED and column.null_count == 0:
            frame[name] = frame[name].to_numpy(dtype=column.type.to_pandas_dtype())
        elif pa.types.is_string(column.type) and column.null_count == len(column):
            frame[name] = np.full(len(column), None, dtype=object)  # df(): no text, no 'str'
    return frame


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append ``frame``'s columns named like ``table``'s (missing ones as null; NaN as null).

    The frame is scanned as it is (no Python object per cell): DuckDB reads None, pd.NA and
    NaT as null, and each float column's NaN is turned into null here (``inf`` stays).
    """
    if frame.empty:
        return
    columns = [row[0] for row in con.sql(f"describe {table}").fetchall()]
    full = frame.reindex(columns=columns)
    select = ", ".join(
        f"nullif({_quote(column)}, 'nan'::double)"
        if pd.api.types.is_float_dtype(full[column].dtype)
        else _quote(column)
        for column in columns
    )
    con.register("_frame", full)
    try:
        con.execute(f"insert into {table} select {select} from _frame")
    finally:
        con.unregister("_frame")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
