"""Fitzpatrick groups I-III and IV-VI: each study's per-type arms merged into one arm per group.

The per-type arms of one study are disjoint sets of patients, so they merge exactly through
their sufficient statistics (Cochrane Handbook 6.5.2.10, table 6.5.a):
``N = sum(n)``, ``mean = sum(n m) / N``,
``SD^2 = (sum((n - 1) sd^2 + n m^2) - N mean^2) / (N - 1)``.
A published arm already reported for a range inside one group (e.g. "IV-V") is used as it is;
a range that spans both groups (e.g. "III-V") belongs to neither.
"""

from __future__ import annotations

import math

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
    typed["_group"] = typed["stratum_value"].map(skin_group_of)
    # a fixed order, so the merged sums do not depend on the order DuckDB returned the rows
    typed = typed[typed["_group"].notna()].sort_values([*ARM_KEY, "stratum_value"], kind="stable")
    merged = [
        _merge(group, name)
        for (*_key, name), group in typed.groupby([*ARM_KEY, "_group"], sort=True)
    ]
    if not merged:
        return arms.iloc[0:0].copy()
    return pd.DataFrame(merged, columns=arms.columns)


def _merge(group: pd.DataFrame, name: str) -> dict[str, object]:
    first = group.iloc[0].to_dict()
    n = group["n"].astype(float)
    m = group["change_mean"].astype(float)
    sd = group["change_sd"].astype(float)
    total = float(n.sum())
    mean = float((n * m).sum() / total)
    sum_sq = float(((n - 1) * sd**2 + n * m**2).sum())
    variance = max(0.0, (sum_sq - total * mean**2) / (total - 1)) if total > 1 else math.nan
    responders = group["responders"]
    row = {
        **first,
        "stratum_kind": "skin_group",
        "stratum_value": name,
        "followup_weeks": group["followup_weeks"].max(),
        "n": int(total),
        "n_patients": int(group["n_patients"].sum()),
        "baseline_mean": None,
        "baseline_sd": None,
        "followup_mean": None,
        "followup_sd": None,
        "change_mean": mean,
        "change_sd": math.sqrt(variance) if math.isfinite(variance) else None,
        "is_change_sd_imputed": bool(group["is_change_sd_imputed"].fillna(False).any()),
        "responders": int(responders.sum()) if responders.notna().all() else None,
        "data_origin": ",".join(sorted(set(group["data_origin"].dropna()))) or None,
        "yi": mean,
        "vi": variance / total if math.isfinite(variance) else None,
        "exclusion_reason": None,
    }
    if not (math.isfinite(variance) and variance > 0):
        row["exclusion_reason"] = "zero variance (every patient changed equally)"
    if "conversion" in row:
        row["conversion"] = "; ".join(sorted(set(group["conversion"].dropna()))) or None
    return row
