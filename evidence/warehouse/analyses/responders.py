"""Responder analyses: pooled proportions and within-study odds ratios.

``fct_responders_pooled`` / ``fct_responders_study``: the proportion of responders of each
intervention, overall and by baseline Goodman-Baron grade, pooled within one responder
definition (a "≥ 1 grade" responder is not a "good or excellent" one). Each arm counts at its
last time point with that definition; proportions are pooled on the logit scale (metafor
``rma(measure = "PLO", xi, ni)``, 1/2 added to a 0 or n cell) and back-transformed
(``predict(res, transf = plogis)``).

``fct_responder_comparisons`` / ``fct_responder_comparison_studies``: within-study odds
ratios of responding, treatment against comparator (the pairs of
:mod:`.comparisons`), both arms at the latest time point at which both report responders with
the same definition; log odds ratios pooled (``rma(measure = "OR", ai, n1i, ci, n2i)``).
Split-face sides are treated as independent groups (the usual practice in published
meta-analyses of these trials; it ignores the within-person pairing).

A study is synthetic or not as a whole (``synthetic``), and no estimate pools both kinds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from evidence.synthesis.counts import log_odds_ratio, logit_proportion
from evidence.synthesis.pooling import RMAResult
from evidence.warehouse.analyses._frames import finite
from evidence.warehouse.analyses.comparisons import (
    PAIRS,
    comparison_label,
    is_split_face,
    pair_sizes,
)
from evidence.warehouse.pooled_fit import PoolingSettings, fit_group

ARMS_SQL = "select * from int_responder_arms"
KEY = ["synthetic", "intervention", "stratum_kind", "stratum_value", "responder_definition"]
CRIT = 1.959963984540054  # the normal 97.5% quantile, for the per-study 95% CIs

POOLED_DDL = """
    intervention varchar, stratum_kind varchar, stratum_value varchar,
    responder_definition varchar, k_studies integer, n_patients bigint, events bigint,
    logit double, logit_se double, proportion double, ci_lb double, ci_ub double,
    tau2 double, i2 double, i2_ci_lb double, i2_ci_ub double, qe double, qe_p double,
    pi_lb double, pi_ub double, method varchar, synthetic boolean
"""
STUDY_DDL = """
    intervention varchar, stratum_kind varchar, stratum_value varchar,
    responder_definition varchar, study_id varchar, followup_weeks double,
    events bigint, n bigint, proportion double, yi double, vi double,
    ci_lb double, ci_ub double, weight_pct double, evidence_source varchar,
    design varchar, risk_of_bias varchar, citation varchar, source_url varchar,
    synthetic boolean
"""
COMPARISON_DDL = """
    comparison varchar, intervention varchar, comparator varchar,
    responder_definition varchar, k_studies integer, n_patients bigint,
    events_treatment bigint, n_treatment bigint, events_comparator bigint,
    n_comparator bigint, log_or double, se double, "or" double, ci_lb double,
    ci_ub double, pval double, tau2 double, i2 double, i2_ci_lb double, i2_ci_ub double,
    qe double, qe_p double, pi_lb double, pi_ub double, method varchar, synthetic boolean
"""
COMPARISON_STUDY_DDL = """
    comparison varchar, intervention varchar, comparator varchar,
    responder_definition varchar, study_id varchar, followup_weeks double,
    events_treatment bigint, n_treatment bigint, events_comparator bigint,
    n_comparator bigint, yi double, vi double, "or" double, ci_lb double, ci_ub double,
    weight_pct double, design varchar, risk_of_bias varchar, citation varchar,
    source_url varchar, synthetic boolean
"""


def _fit(yi: np.ndarray, vi: np.ndarray, settings: PoolingSettings) -> tuple[RMAResult, str]:
    """The model and its label (metafor's remedies before any labelled fallback)."""
    fit = fit_group(yi, vi, settings)
    return fit.res, fit.label


def _expit(x: float | None) -> float | None:
    return None if x is None else 1.0 / (1.0 + math.exp(-x))


def _heterogeneity(res: RMAResult, transform: object) -> dict[str, object]:
    single = res.k == 1
    f = transform  # back-transform of the PI (expit or exp)
    return {
        "tau2": None if single else res.tau2,
        "i2": None if single else finite(res.I2),
        "i2_ci_lb": None if single else finite(res.I2_ci_lb),
        "i2_ci_ub": None if single else finite(res.I2_ci_ub),
        "qe": None if single else finite(res.QE),
        "qe_p": None if single else finite(res.QEp),
        "pi_lb": None if single or res.pi_lb is None else f(res.pi_lb),  # type: ignore[operator]
        "pi_ub": None if single or res.pi_ub is None else f(res.pi_ub),  # type: ignore[operator]
    }


def last_time_points(arms: pd.DataFrame) -> pd.DataFrame:
    """Each arm x stratum x definition at its last time point with responders."""
    if arms.empty:
        return arms
    keys = [*KEY, "study_id"]
    ordered = arms.sort_values([*keys, "followup_weeks"], kind="stable")
    return ordered.drop_duplicates(keys, keep="last").reset_index(drop=True)


def pool_responders(
    arms: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled rows, study rows): logit-pooled proportions per ``KEY`` group."""
    last = last_time_points(arms)
    pooled: list[dict[str, object]] = []
    studies: list[pd.DataFrame] = []
    if last.empty:
        return pd.DataFrame(), pd.DataFrame()
    # last_time_points sorts by KEY, then study: each group's studies come in order
    for key, group in last.groupby(KEY, sort=True, dropna=False):
        events = group["events"].to_numpy(float)
        n = group["n"].to_numpy(float)
        yi, vi, _ = logit_proportion(events, n)
        res, method = _fit(yi, vi, settings)
        row = dict(zip(KEY, key, strict=True))
        row.update(
            k_studies=res.k,
            n_patients=int(n.sum()),
            events=int(events.sum()),
            logit=res.beta,
            logit_se=res.se,
            proportion=_expit(res.beta),
            ci_lb=_expit(res.ci_lb),
            ci_ub=_expit(res.ci_ub),
            method=method,
            **_heterogeneity(res, _expit),
        )
        pooled.append(row)
        half = CRIT * np.sqrt(vi)
        studies.append(
            group.assign(
                proportion=events / n,
                yi=yi,
                vi=vi,
                ci_lb=1 / (1 + np.exp(-(yi - half))),
                ci_ub=1 / (1 + np.exp(-(yi + half))),
                weight_pct=np.asarray(res.weights, dtype=float),
            )
        )
    return pd.DataFrame(pooled), pd.concat(studies, ignore_index=True)


def responder_pairs(arms: pd.DataFrame) -> pd.DataFrame:
    """One row per study x pair x definition: both arms' events and n at the latest time
    point at which both report responders with that definition (stratum "all")."""
    overall = arms[arms["stratum_kind"] == "all"]
    on = ["synthetic", "study_id", "responder_definition", "followup_weeks"]
    frames = []
    for treatment, comparator in PAIRS:
        m = overall[overall["intervention"] == treatment].merge(
            overall[overall["intervention"] == comparator], on=on, suffixes=("", "_comparator")
        )
        if m.empty:
            continue
        m = m.sort_values([*on], kind="stable").drop_duplicates(
            ["synthetic", "study_id", "responder_definition"], keep="last"
        )
        frames.append(m.assign(comparison=comparison_label(treatment, comparator)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def compare_responders(
    arms: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled odds ratios, study rows) per comparison x definition x synthetic."""
    pairs = responder_pairs(arms)
    if pairs.empty:
        return pd.DataFrame(), pd.DataFrame()
    pooled: list[dict[str, object]] = []
    studies: list[pd.DataFrame] = []
    keys = ["synthetic", "comparison", "responder_definition"]
    ordered = pairs.sort_values("study_id", kind="stable")  # each group's studies in order
    for key, group in ordered.groupby(keys, sort=True):
        a, n1 = group["events"].to_numpy(float), group["n"].to_numpy(float)
        c, n2 = group["events_comparator"].to_numpy(float), group["n_comparator"].to_numpy(float)
        yi, vi, _ = log_odds_ratio(a, n1, c, n2)
        res, method = _fit(yi, vi, settings)
        synthetic, comparison, definition = key
        treatment, comparator = str(comparison).split(" vs ")
        split = is_split_face(group)
        pooled.append(
            {
                "comparison": comparison,
                "intervention": treatment,
                "comparator": comparator,
                "responder_definition": definition,
                "k_studies": res.k,
                "n_patients": int(pair_sizes(group, "n", split).sum()),
                "events_treatment": int(a.sum()),
                "n_treatment": int(n1.sum()),
                "events_comparator": int(c.sum()),
                "n_comparator": int(n2.sum()),
                "log_or": res.beta,
                "se": res.se,
                "or": math.exp(res.beta),
                "ci_lb": None if res.ci_lb is None else math.exp(res.ci_lb),
                "ci_ub": None if res.ci_ub is None else math.exp(res.ci_ub),
                "pval": finite(res.pval),
                "method": method,
                "synthetic": bool(synthetic),
                **_heterogeneity(res, math.exp),
            }
        )
        half = CRIT * np.sqrt(vi)
        studies.append(
            pd.DataFrame(
                {
                    "comparison": comparison,
                    "intervention": treatment,
                    "comparator": comparator,
                    "responder_definition": definition,
                    "study_id": group["study_id"].to_numpy(),
                    "followup_weeks": group["followup_weeks"].to_numpy(),
                    "events_treatment": a.astype(np.int64),
                    "n_treatment": n1.astype(np.int64),
                    "events_comparator": c.astype(np.int64),
                    "n_comparator": n2.astype(np.int64),
                    "yi": yi,
                    "vi": vi,
                    "or": np.exp(yi),
                    "ci_lb": np.exp(yi - half),
                    "ci_ub": np.exp(yi + half),
                    "weight_pct": np.asarray(res.weights, dtype=float),
                    "design": group["design"]
                    .where(group["design"].notna(), group["design_comparator"])
                    .to_numpy(),
                    "risk_of_bias": group["risk_of_bias"].to_numpy(),
                    "citation": group["citation"].to_numpy(),
                    "source_url": group["source_url"].to_numpy(),
                    "synthetic": bool(synthetic),
                }
            )
        )
    return pd.DataFrame(pooled), pd.concat(studies, ignore_index=True)
