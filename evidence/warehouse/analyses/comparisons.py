"""Controlled comparisons within studies: mean differences (``fct_comparisons``).

A comparison is a pair of arms of the same study, on the same scale: every add-on
(PRP, TCA, subcision, topical) against microneedling alone, and microneedling (and fractional
radiofrequency microneedling) against its comparators, laser and control (``PAIRS``). Per
study, the mean difference of the two improvements ``MD = yi_treatment - yi_comparator``
with ``vi = vi_treatment + vi_comparator`` (positive: the treatment improved more), then
random-effects pooling across studies (``pool_arm_effects``). Only designs with both arms in
one study isolate the treatment's effect; a study is wholly synthetic or not, so a pair never
mixes the two. Split-face arms share patients; treating them as independent ignores a
positive within-person correlation and so overstates the variance (conservative); the study
rows say which were split-face.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.warehouse.analyses._frames import partitions
from evidence.warehouse.pool import PoolingSettings, pool_arm_effects

#: (treatment, comparator) pairs compared within studies, in the report's order.
PAIRS: tuple[tuple[str, str], ...] = (
    ("microneedling_prp", "microneedling"),
    ("microneedling_tca", "microneedling"),
    ("microneedling_subcision", "microneedling"),
    ("microneedling_topical", "microneedling"),
    ("microneedling", "laser"),
    ("microneedling", "control"),
    ("fractional_rf_microneedling", "laser"),
    ("fractional_rf_microneedling", "control"),
)
#: Pairs for which the report says "no study compared both arms" when none did.
EXPECTED = PAIRS[:6]
SPLIT_FACE = frozenset({"split_face", "split_face_rct"})
SCALES = ("gb_qualitative", "gb_quantitative")

POOLED_DDL = """
    comparison varchar, intervention varchar, comparator varchar, outcome_scale varchar,
    k_studies integer, n_patients bigint, md double, se double, ci_lb double, ci_ub double,
    pval double, tau2 double, i2 double, i2_ci_lb double, i2_ci_ub double, qe double,
    qe_p double, pi_lb double, pi_ub double, method varchar, data_origins varchar, synthetic boolean
"""
STUDY_DDL = """
    comparison varchar, intervention varchar, comparator varchar, outcome_scale varchar,
    study_id varchar, evidence_source varchar, data_origin varchar, n bigint,
    yi double, vi double, ci_lb double, ci_ub double, weight_pct double,
    design varchar, risk_of_bias varchar, citation varchar, source_url varchar,
    synthetic boolean
"""


def comparison_label(treatment: str, comparator: str) -> str:
    return f"{treatment} vs {comparator}"


def pair_sizes(pairs: pd.DataFrame, column: str, split: np.ndarray) -> np.ndarray:
    """Patients of both arms of each pair: the larger arm when split-face (the same people),
    else the sum (``column`` and ``column + "_comparator"``)."""
    own = pairs[column].to_numpy(dtype="int64")
    other = pairs[f"{column}_comparator"].to_numpy(dtype="int64")
    return np.where(split, np.maximum(own, other), own + other)


def is_split_face(pairs: pd.DataFrame) -> np.ndarray:
    return (
        pairs["design"].isin(SPLIT_FACE) | pairs["design_comparator"].isin(SPLIT_FACE)
    ).to_numpy()


def _pairs(treatment: str, comparator: str, arms: pd.DataFrame) -> pd.DataFrame:
    """One row per study with both arms on a scale: their difference, as an arm effect."""
    treated = arms[arms["intervention"] == treatment]
    base = arms[arms["intervention"] == comparator]
    m = treated.merge(
        base, on=["study_id", "outcome_scale", "synthetic"], suffixes=("", "_comparator")
    )
    if m.empty:
        return pd.DataFrame()
    split = is_split_face(m)
    return pd.DataFrame(
        {
            "stratum_kind": "comparison",
            "stratum_value": comparison_label(treatment, comparator),
            "intervention": treatment,
            "outcome_scale": m["outcome_scale"],
            "synthetic": m["synthetic"],
            "study_id": m["study_id"],
            "evidence_source": m["evidence_source"],
            "data_origin": m["data_origin"],
            "n": pair_sizes(m, "n", split),
            "n_patients": pair_sizes(m, "n_patients", split),
            "yi": (m["yi"] - m["yi_comparator"]).astype("float64"),
            "vi": (m["vi"] + m["vi_comparator"]).astype("float64"),
            "exclusion_reason": None,
            "responders": None,
            "citation": m["citation"],
            "source_url": m["source_url"],
            "design": m["design"].where(m["design"].notna(), m["design_comparator"]),
            "risk_of_bias": m["risk_of_bias"],
        }
    )


def compare_arms(
    arms: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled comparisons, study rows) from the usable ``all``-stratum arms."""
    overall = arms[(arms["stratum_kind"] == "all") & arms["exclusion_reason"].isna()]
    found_pairs = [found for t, c in PAIRS if not (found := _pairs(t, c, overall)).empty]
    frame = pd.concat(found_pairs, ignore_index=True) if found_pairs else pd.DataFrame()
    if frame.empty:
        pooled, studies = pd.DataFrame(), pd.DataFrame()
    else:
        pooled, studies = pool_arm_effects(frame, settings)
    pooled_rows = []
    for synthetic in partitions(arms):
        own = pooled[pooled["synthetic"] == synthetic] if not pooled.empty else pooled
        for treatment, comparator in PAIRS:
            label = comparison_label(treatment, comparator)
            found = own[own["stratum_value"] == label] if not own.empty else own
            if found.empty and (treatment, comparator) in EXPECTED and not synthetic:
                pooled_rows += [
                    {
                        "comparison": label,
                        "intervention": treatment,
                        "comparator": comparator,
                        "outcome_scale": scale,
                        "k_studies": 0,
                        "n_patients": 0,
                        "method": "not pooled: no study compared both arms on this scale",
                        "synthetic": synthetic,
                    }
                    for scale in SCALES
                ]
            for _, p in found.iterrows():
                pooled_rows.append(
                    {
                        **p.to_dict(),
                        "comparison": label,
                        "comparator": comparator,
                        "md": p["mean_change"],
                    }
                )
    pooled_out = pd.DataFrame(pooled_rows)
    if not studies.empty:
        studies = studies.rename(columns={"stratum_value": "comparison"})
        studies["comparator"] = studies["comparison"].str.split(" vs ").str[1]
    return pooled_out, studies
