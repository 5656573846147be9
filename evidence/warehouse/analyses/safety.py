"""Safety by skin type, pooled across studies (``fct_safety_pooled``, ``fct_safety_studies``).

PIH: events / treated subject-sides of every active (non-control) arm of a study, per
Fitzpatrick type from patient-level rows; published arms give PIH for the study's reported
range of types, which counts towards a Fitzpatrick group only when the range lies inside it
(a range spanning I-III and IV-VI counts only towards "all"). Proportions are pooled on the
logit scale (metafor ``escalc(measure = "PLO")``, 1/2 added to a 0 or n cell) with a
random-effects model and back-transformed (``transf = plogis``).
Erythema: mean days per study (patient-level rows; SD known) pooled as raw means
(``measure = "MN"``, ``vi = sd^2 / n``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from evidence.synthesis.counts import logit_proportion
from evidence.warehouse.analyses._frames import finite, partitions
from evidence.warehouse.pooled_fit import GroupFit, PoolingSettings, fit_group
from evidence.warehouse.skin_groups import SKIN_GROUPS, skin_group_of

PATIENT_SQL = """
select study_id, fitzpatrick_type as skin, data_origin, pih_n as n, pih_events as events,
       erythema_days_mean as erythema_mean, erythema_days_sd as erythema_sd, erythema_n,
       bool_or(data_origin = 'synthetic') over (partition by study_id) as synthetic
from int_patient_safety
"""
STUDY_SQL = """
select study_id, any_value(fitzpatrick_types) as skin, any_value(data_origin) as data_origin,
       arg_max(n, pih_events) as n, max(pih_events) as events,
       avg(erythema_days) as erythema_mean, null::double as erythema_sd,
       0 as erythema_n, bool_or(data_origin = 'synthetic') as synthetic
from stg_study_arms
where intervention <> 'control' and (pih_events is not null or erythema_days is not null)
  and study_id not in (select study_id from int_patient_cells)
group by study_id
"""
STUDY_DDL = """
    outcome varchar, stratum_kind varchar, stratum_value varchar, study_id varchar,
    evidence_source varchar, data_origin varchar, events bigint, n bigint,
    estimate double, ci_lb double, ci_ub double, weight_pct double, synthetic boolean
"""
POOLED_DDL = """
    outcome varchar, stratum_kind varchar, stratum_value varchar, k_studies integer,
    events bigint, n bigint, estimate double, ci_lb double, ci_ub double,
    pi_lb double, pi_ub double, tau2 double, i2 double, i2_ci_lb double, i2_ci_ub double,
    method varchar, data_origins varchar,
    synthetic boolean
"""
CRIT = 1.959963984540054  # the normal 97.5% quantile, for the per-study 95% CIs
STRATA = (
    *(("skin_type", t) for t in ("I", "II", "III", "IV", "V", "VI")),
    *(("skin_group", g) for g in SKIN_GROUPS),
    ("all", "all"),
)


def safety_rows(patient: pd.DataFrame, study: pd.DataFrame) -> pd.DataFrame:
    """Per study x stratum: PIH events / n and erythema mean (SD, n) in long form."""
    parts = []
    for source, frame in (("patient_level", patient), ("study_level", study)):
        if frame.empty:
            continue
        skins = frame["skin"]
        group = skins.map({skin: skin_group_of(skin) for skin in skins.dropna().unique()})
        in_group = group.notna()
        strata = [
            frame.assign(stratum_kind="all", stratum_value="all"),
            frame[in_group].assign(stratum_kind="skin_group", stratum_value=group[in_group]),
        ]
        if source == "patient_level":
            strata.append(
                frame.assign(
                    stratum_kind="skin_type", stratum_value=[str(s) for s in frame["skin"]]
                )
            )
        parts.append(pd.concat(strata, ignore_index=True).assign(evidence_source=source))
    if not parts:
        return pd.DataFrame()
    long = pd.concat(parts, ignore_index=True)
    numeric = ["n", "events", "erythema_n"]
    long[numeric] = long[numeric].fillna(0)
    long["erythema_sum"] = long["erythema_mean"].fillna(0) * long["erythema_n"]
    long["erythema_sq"] = (
        long["erythema_sd"].fillna(0) ** 2 * (long["erythema_n"] - 1).clip(lower=0)
        + long["erythema_n"] * long["erythema_mean"].fillna(0) ** 2
    )
    keys = ["synthetic", "study_id", "stratum_kind", "stratum_value", "evidence_source"]
    agg = long.groupby(keys, sort=True).agg(
        data_origin=("data_origin", "first"),
        n=("n", "sum"),
        events=("events", "sum"),
        erythema_n=("erythema_n", "sum"),
        erythema_sum=("erythema_sum", "sum"),
        erythema_sq=("erythema_sq", "sum"),
    )
    return agg.reset_index()


def pool_safety(
    by_study: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled rows, study rows) for PIH and erythema in every stratum of ``STRATA``, for the
    non-synthetic studies and, apart, for the synthetic ones (when there are any)."""
    pooled, studies = [], []
    for synthetic in partitions(by_study):
        own = by_study[by_study["synthetic"] == synthetic] if len(by_study) else by_study
        for kind, value in STRATA:
            part = (
                own[(own["stratum_kind"] == kind) & (own["stratum_value"] == value)]
                if len(own)
                else own
            )
            pih = part[part["n"] > 0] if len(part) else part
            ery = part[part["erythema_n"] > 1] if len(part) else part
            for row, rows in (
                _pool_pih(pih, kind, value, settings),
                _pool_erythema(ery, kind, value, settings),
            ):
                pooled.append({**row, "synthetic": synthetic})
                if rows is not None:
                    studies.append(rows.assign(synthetic=synthetic))
    return pd.DataFrame(pooled), (
        pd.concat(studies, ignore_index=True) if studies else pd.DataFrame()
    )


def _heterogeneity(fit: GroupFit) -> dict[str, object]:
    """tau2 and I² with its CI (null for a single study)."""
    res = fit.res
    single = res.k == 1
    return {
        "tau2": None if single else res.tau2,
        "i2": None if single else finite(res.I2),
        "i2_ci_lb": None if single else finite(res.I2_ci_lb),
        "i2_ci_ub": None if single else finite(res.I2_ci_ub),
    }


def _expit(x: float | None) -> float | None:
    return None if x is None else 1.0 / (1.0 + math.exp(-x))


def _expit_array(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _study_frame(
    outcome: str, kind: str, value: str, part: pd.DataFrame, **columns: object
) -> pd.DataFrame:
    """One stratum's study rows (``STUDY_DDL``'s columns), built column-wise."""
    return pd.DataFrame(
        {
            "outcome": outcome,
            "stratum_kind": kind,
            "stratum_value": value,
            "study_id": part["study_id"].to_numpy(),
            "evidence_source": part["evidence_source"].to_numpy(),
            "data_origin": part["data_origin"].to_numpy(),
            **columns,
        }
    )


def _base(outcome: str, kind: str, value: str, part: pd.DataFrame) -> dict[str, object]:
    return {
        "outcome": outcome,
        "stratum_kind": kind,
        "stratum_value": value,
        "k_studies": len(part),
        "data_origins": ",".join(sorted(part["data_origin"].dropna().unique()))
        if len(part)
        else "",
    }


def _pool_pih(
    part: pd.DataFrame, kind: str, value: str, settings: PoolingSettings
) -> tuple[dict[str, object], pd.DataFrame | None]:
    row = _base("pih", kind, value, part)
    row.update(
        events=int(part["events"].sum()) if len(part) else 0,
        n=int(part["n"].sum()) if len(part) else 0,
    )
    if part.empty:
        row["method"] = "not pooled: no study reported PIH in this stratum"
        return row, None
    yi, vi, _ = logit_proportion(part["events"].to_numpy(float), part["n"].to_numpy(float))
    fit = fit_group(yi, vi, settings)
    res = fit.res
    single = res.k == 1
    row.update(
        estimate=_expit(res.beta),
        ci_lb=_expit(res.ci_lb),
        ci_ub=_expit(res.ci_ub),
        pi_lb=None if single else _expit(res.pi_lb),
        pi_ub=None if single else _expit(res.pi_ub),
        **_heterogeneity(fit),
        method="single study (logit CI)" if single else f"{res.method}, logit (PLO){fit.note}",
    )
    half = CRIT * np.sqrt(vi)
    studies = _study_frame(
        "pih",
        kind,
        value,
        part,
        events=part["events"].to_numpy(dtype=np.int64),
        n=part["n"].to_numpy(dtype=np.int64),
        estimate=part["events"].to_numpy(float) / part["n"].to_numpy(float),
        ci_lb=_expit_array(yi - half),
        ci_ub=_expit_array(yi + half),
        weight_pct=res.weights,
    )
    return row, studies


def _pool_erythema(
    part: pd.DataFrame, kind: str, value: str, settings: PoolingSettings
) -> tuple[dict[str, object], pd.DataFrame | None]:
    row = _base("erythema_days", kind, value, part)
    row.update(events=None, n=int(part["erythema_n"].sum()) if len(part) else 0)
    if part.empty:
        row["method"] = "not pooled: no study gave erythema days with an SD in this stratum"
        return row, None
    n = part["erythema_n"].to_numpy(float)
    mean = part["erythema_sum"].to_numpy(float) / n
    var = np.maximum(part["erythema_sq"].to_numpy(float) - n * mean**2, 0) / (n - 1)
    vi = var / n
    if np.any(vi <= 0):
        row["method"] = "not pooled: an erythema SD is zero"
        return row, None
    fit = fit_group(mean, vi, settings)
    res = fit.res
    single = res.k == 1
    row.update(
        estimate=res.beta,
        ci_lb=res.ci_lb,
        ci_ub=res.ci_ub,
        pi_lb=None if single else res.pi_lb,
        pi_ub=None if single else res.pi_ub,
        **_heterogeneity(fit),
        method="single study" if single else f"{res.method}, raw mean (MN){fit.note}",
    )
    half = CRIT * np.sqrt(vi)
    studies = _study_frame(
        "erythema_days",
        kind,
        value,
        part,
        events=np.full(len(part), np.nan),
        n=part["erythema_n"].to_numpy(dtype=np.int64),
        estimate=mean,
        ci_lb=mean - half,
        ci_ub=mean + half,
        weight_pct=res.weights,
    )
    return row, studies
