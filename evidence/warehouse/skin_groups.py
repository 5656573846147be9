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
GROUP_NAMES = list(SKIN_GROUPS)  # in sorted order
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
    result has the columns of ``int_arm_effects`` with ``stratum_kind = 'skin_group'``, one
    row per group in key order (``ARM_KEY``, then the group).
    """
    is_typed = (arms["stratum_kind"] == "skin_type").to_numpy(dtype=bool, na_value=False)
    candidates = np.flatnonzero(is_typed & arms["exclusion_reason"].isna().to_numpy())
    if not len(candidates):
        return arms.iloc[0:0].copy()
    # one call per distinct stratum value, not per arm
    value_code, values = pd.factorize(arms["stratum_value"].take(candidates), sort=True)
    group_of_value = np.array(
        [GROUP_NAMES.index(g) if (g := skin_group_of(v)) else -1 for v in values] + [-1]
    )
    group = group_of_value[value_code]  # code -1 (a null value) takes the appended -1
    keys = [_codes(arms[column].take(candidates)) for column in ARM_KEY]
    keep = (group >= 0) & np.logical_and.reduce([k >= 0 for k in keys])  # no null key
    if not keep.any():
        return arms.iloc[0:0].copy()
    keys = [k[keep] for k in keys]
    group, value_code, candidates = group[keep], value_code[keep], candidates[keep]
    # a fixed order, so the merged sums do not depend on the order DuckDB returned the rows:
    # by key and group, within a group by stratum value, ties in the arms' order
    order = np.lexsort((value_code, group, *reversed(keys)))
    rows = candidates[order]
    composite = np.stack([*(k[order] for k in keys), group[order]])
    starts = np.flatnonzero(np.r_[True, (composite[:, 1:] != composite[:, :-1]).any(axis=0)])
    return _merge_groups(arms, rows, starts, group[order][starts])


def _codes(column: pd.Series) -> np.ndarray:
    """Integer codes in the values' sorted order; -1 for null."""
    return pd.factorize(column, sort=True)[0]


def _merge_groups(
    arms: pd.DataFrame, rows: np.ndarray, starts: np.ndarray, group: np.ndarray
) -> pd.DataFrame:
    """Merge the arms ``rows`` (ordered; group ``g`` is ``rows[starts[g]:starts[g + 1]]``)
    by their sufficient statistics, all groups at once (a registry has thousands)."""

    def column(name: str) -> np.ndarray:
        return arms[name].to_numpy(dtype=np.float64, na_value=np.nan)[rows]

    def sums(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts)

    n, m, sd = column("n"), column("change_mean"), column("change_sd")
    total = sums(np.nan_to_num(n))
    mean = sums(np.nan_to_num(n * m)) / total
    squares = sums(np.nan_to_num((n - 1) * sd**2 + n * m**2))
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.clip((squares - total * mean**2) / (total - 1), 0.0, None)
    variance = np.where(total > 1, variance, np.nan)
    responders = column("responders")
    has_responders = ~np.isnan(responders)
    all_responders = np.logical_and.reduceat(has_responders, starts)
    imputed = arms["is_change_sd_imputed"].fillna(False).to_numpy(dtype=bool)[rows]
    group_id = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(rows)]))

    out = arms.take(rows[starts]).reset_index(drop=True)
    out["stratum_kind"] = "skin_group"
    out["stratum_value"] = pd.Series(np.asarray(GROUP_NAMES, dtype=object)[group], dtype="str")
    out["followup_weeks"] = np.fmax.reduceat(column("followup_weeks"), starts)
    out["n"] = total.astype(int)
    out["n_patients"] = sums(np.nan_to_num(column("n_patients"))).astype(int)
    for name in ("baseline_mean", "baseline_sd", "followup_mean", "followup_sd"):
        if name in out.columns:
            out[name] = None
    out["change_mean"] = mean
    out["change_sd"] = _plain(pd.Series(variance**0.5), float)
    out["is_change_sd_imputed"] = np.logical_or.reduceat(imputed, starts)
    merged = pd.Series(sums(np.nan_to_num(responders))).where(all_responders)
    out["responders"] = _plain(merged, int)
    for name in ("data_origin", "conversion"):
        if name in out.columns:
            values = arms[name].take(rows)
            joined = joined_per_group(values, group_id, len(starts))
            out[name] = pd.Series(joined, dtype=values.dtype)
    out["yi"] = mean
    out["vi"] = _plain(pd.Series(variance / total), float)
    zero = ~(variance > 0)
    out["exclusion_reason"] = np.where(
        zero, "zero variance (every patient changed equally)", None
    ).astype(object)
    return out


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
