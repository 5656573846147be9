"""Fitzpatrick groups I-III and IV-VI: each study's per-type arms merged into one arm per group.

The per-type arms of one study are disjoint sets of patients, so they merge exactly through
their sufficient statistics (Cochrane Handbook 6.5.2.10, table 6.5.a):
``N = sum(n)``, ``mean = sum(n m) / N``,
``SD^2 = (sum((n - 1) sd^2 + n m^2) - N mean^2) / (N - 1)``.
A published arm already reported for a range inside one group (e.g. "IV-V") is used as it is;
a range that spans both groups (e.g. "III-V") belongs to neither.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SKIN_GROUPS: dict[str, frozenset[str]] = {
    "I-III": frozenset({"I", "II", "III"}),
    "IV-VI": frozenset({"IV", "V", "VI"}),
}
ROMAN = ("I", "II", "III", "IV", "V", "VI")
ARM_KEY = ["study_id", "intervention", "outcome_scale"]


def fitzpatrick_types(value: object) -> frozenset[str]:
    """``"IV" -> {IV}``, ``"III-V"``/``"III–V"`` -> {III, IV, V}; anything else -> empty."""
    text = str(value or "").strip().upper().replace("–", "-").replace("—", "-")
    if not text:
        return frozenset()
    low, _, high = text.partition("-")
    high = high or low
    if low not in ROMAN or high not in ROMAN:
        return frozenset()
    a, b = ROMAN.index(low), ROMAN.index(high)
    return frozenset(ROMAN[min(a, b) : max(a, b) + 1])


def skin_group_of(value: object) -> str | None:
    """The group a type or range lies in, or None when it spans both (or is not a type)."""
    types = fitzpatrick_types(value)
    for name, members in SKIN_GROUPS.items():
        if types and types <= members:
            return name
    return None


def skin_group_arms(arms: pd.DataFrame) -> pd.DataFrame:
    """One arm per study x intervention x scale x skin group, from the ``skin_type`` arms.

    Only usable arms (no ``exclusion_reason``, with n, mean and SD of change) are merged; the
    result has the columns of ``int_arm_effects`` with ``stratum_kind = 'skin_group'``.
    """
    typed = arms[(arms["stratum_kind"] == "skin_type") & arms["exclusion_reason"].isna()].copy()
    if typed.empty:
        return arms.iloc[0:0].copy()
    values = typed["stratum_value"]
    # one call per distinct stratum value, not per arm
    typed["_group"] = values.map(
        {value: skin_group_of(value) for value in values.dropna().unique()}
    )
    # a fixed order, so the merged sums do not depend on the order DuckDB returned the rows
    typed = typed[typed["_group"].notna()].sort_values([*ARM_KEY, "stratum_value"], kind="stable")
    return _merge_groups(typed, list(arms.columns))


def _merge_groups(typed: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """All groups at once (vectorised: a registry has thousands of studies)."""
    keys = [*ARM_KEY, "_group"]
    n = typed["n"].astype(float)
    m = typed["change_mean"].astype(float)
    sd = typed["change_sd"].astype(float)
    work = typed.assign(
        _n=n,
        _nm=n * m,
        _ss=(n - 1) * sd**2 + n * m**2,
        _imputed=typed["is_change_sd_imputed"].fillna(False).astype(bool),
        _has_responders=typed["responders"].notna(),
    )
    grouped = work.groupby(keys, sort=True)
    out = grouped.head(1).set_index(keys).sort_index()
    sums = grouped[["_n", "_nm", "_ss"]].sum()
    # row -> position of its group in ``sums`` (-1: a null key, in no group)
    group_id = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)
    total = sums["_n"]
    mean = sums["_nm"] / total
    variance = ((sums["_ss"] - total * mean**2) / (total - 1)).clip(lower=0.0)
    variance = variance.where(total > 1)
    all_responders = grouped["_has_responders"].all()
    out["stratum_kind"] = "skin_group"
    out["stratum_value"] = out.index.get_level_values("_group")
    out["followup_weeks"] = grouped["followup_weeks"].max()
    out["n"] = total.astype(int)
    out["n_patients"] = grouped["n_patients"].sum().astype(int)
    for column in ("baseline_mean", "baseline_sd", "followup_mean", "followup_sd"):
        out[column] = None
    out["change_mean"] = mean
    out["change_sd"] = variance.pow(0.5)
    out["is_change_sd_imputed"] = grouped["_imputed"].any()
    out["responders"] = grouped["responders"].sum().where(all_responders)
    out["data_origin"] = _joined(work, group_id, sums.index, "data_origin").reindex(out.index)
    out["yi"] = mean
    out["vi"] = variance / total
    out["exclusion_reason"] = None
    out.loc[~(variance > 0).fillna(False), "exclusion_reason"] = (
        "zero variance (every patient changed equally)"
    )
    if "conversion" in out.columns:
        out["conversion"] = _joined(work, group_id, sums.index, "conversion").reindex(out.index)
    frame = out.reset_index().drop(columns="_group")
    frame["responders"] = _plain(frame["responders"], int)
    frame["change_sd"] = _plain(frame["change_sd"], float)
    frame["vi"] = _plain(frame["vi"], float)
    return frame[columns]


def _plain(values: pd.Series, kind: type[int] | type[float]) -> object:
    """``values`` as a list of ``kind`` (None where missing) would give them to pandas: in
    ``kind``'s dtype when none is missing, else as Python objects."""
    if values.notna().all():
        return values.to_numpy(dtype=np.int64 if kind is int else np.float64)
    return [None if pd.isna(v) else kind(v) for v in values]


def _joined(work: pd.DataFrame, group_id: np.ndarray, groups: pd.Index, column: str) -> pd.Series:
    """Distinct values of ``column`` per group of ``groups``, sorted and comma-joined (NaN
    where none); ``group_id`` gives each row of ``work`` its position in ``groups``."""
    values = work[column]
    joined = joined_per_group(values, group_id, len(groups))
    return pd.Series(joined, index=groups, dtype=values.dtype)


def joined_per_group(values: pd.Series, group_id: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group ``0 .. n_groups - 1``, the distinct non-null ``values`` of its rows
    (``group_id``; -1 for none), sorted and comma-joined; None where it has none.

    Done on integer codes, not by a Python join per group: thousands of studies make tens of
    thousands of groups, and all but a few have a single distinct value.
    """
    present = values.notna().to_numpy() & (group_id >= 0)
    codes, uniques = pd.factorize(values[present], sort=True)
    joined = np.full(n_groups, None, dtype=object)
    if len(uniques) == 0:
        return joined
    # the distinct (group, value) pairs, sorted by group, then value
    pairs = np.unique(group_id[present] * len(uniques) + codes)
    group, code = np.divmod(pairs, len(uniques))
    names = np.asarray(uniques, dtype=object)
    first = np.ones(len(group), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    joined[group[first]] = names[code[first]]
    for g, c in zip(group[~first], code[~first], strict=True):
        joined[g] = f"{joined[g]},{names[c]}"
    return joined
