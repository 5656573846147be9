"""Skin type from what the literature reports: a study-level subgroup analysis
(``fct_skin_class_subgroups``).

No published study here reports its outcomes per Fitzpatrick type; most report only the
range of types they enrolled. A study's population is classed from that range
(:func:`skin_class`): ``III-VI only`` when every enrolled type is III or darker,
``includes I-II`` when a type I or II patient was enrolled, ``not reported`` otherwise.
Within each outcome x intervention x measure, studies are pooled per class (the run's
estimator) and the classes compared with ``Q_between`` (an equal-effects model of the class
estimates, as :mod:`.subgroups`). This is a between-study, population-level comparison: a
difference may come from anything else that differs between the studies (country, protocol,
scar severity), and it says nothing about an individual patient's skin type.

Outcomes: responder proportion (logit scale, per responder definition), mean improvement (per
scale), and PIH in active arms (logit scale). Synthetic studies are analysed apart.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from evidence.synthesis.counts import logit_proportion
from evidence.synthesis.pooling import rma
from evidence.warehouse.analyses._frames import finite
from evidence.warehouse.analyses.responders import last_time_points
from evidence.warehouse.pooled_fit import PoolingSettings, fit_group

DARKER, INCLUDES_LIGHT, NOT_REPORTED = "III-VI only", "includes I-II", "not reported"
CLASSES = (DARKER, INCLUDES_LIGHT)
_ROMAN = ("I", "II", "III", "IV", "V", "VI")
_TYPE = re.compile(r"\b(VI|IV|V|III|II|I|[1-6])\b")

#: Per study: its population's skin types as reported (published) or seen (patient-level).
POPULATION_SQL = """
select study_id, string_agg(distinct fitzpatrick_types, '; ') as fitzpatrick_types
from stg_study_arms where fitzpatrick_types is not null group by study_id
union all
select study_id, string_agg(distinct fitzpatrick_type, ', ') as fitzpatrick_types
from int_patient_safety
where study_id not in (select study_id from stg_study_arms where fitzpatrick_types is not null)
group by study_id
"""

DDL = """
    outcome varchar, intervention varchar, measure varchar, skin_class varchar,
    k_studies integer, n bigint, estimate double, ci_lb double, ci_ub double,
    i2 double, q_between double, df integer, pval double, study_ids varchar,
    note varchar, synthetic boolean
"""
COLUMNS = [c.split()[0] for c in DDL.replace("\n", " ").split(",") if c.strip()]


def enrolled_types(text: object) -> set[int]:
    """The Fitzpatrick types (1-6) a reported range names: "III-V" -> {3, 4, 5},
    "type IV and V" -> {4, 5}, "3 to 6" -> {3, 4, 5, 6}; nothing recognisable -> empty."""
    if not isinstance(text, str):
        return set()
    found = [
        _ROMAN.index(t) + 1 if t in _ROMAN else int(t)
        for t in _TYPE.findall(text.upper().replace("–", "-").replace("—", "-"))
    ]
    if not found:
        return set()
    ranged = re.search(r"(-|\bTO\b)", text.upper().replace("–", "-").replace("—", "-"))
    return set(range(min(found), max(found) + 1)) if ranged else set(found)


def skin_class(text: object) -> str:
    types = enrolled_types(text)
    if not types:
        return NOT_REPORTED
    return DARKER if min(types) >= 3 else INCLUDES_LIGHT


def _pool(
    yi: np.ndarray, vi: np.ndarray, settings: PoolingSettings
) -> tuple[float, float, float, float, float | None]:
    """(estimate, se, ci_lb, ci_ub, I2) of one class (metafor's remedies before any labelled
    fallback)."""
    res = fit_group(yi, vi, settings).res
    lb = res.ci_lb if res.ci_lb is not None else math.nan
    ub = res.ci_ub if res.ci_ub is not None else math.nan
    return res.beta, res.se, lb, ub, (None if res.k == 1 else finite(res.I2))


def _compare(
    frame: pd.DataFrame, outcome: str, keys: list[str], settings: PoolingSettings, back: object
) -> list[dict[str, object]]:
    """Rows per class of every group of ``frame`` (columns yi, vi, n, study_id, skin_class,
    synthetic and ``keys``) that has studies in both classes."""
    rows: list[dict[str, object]] = []
    known = frame[frame["skin_class"].isin(CLASSES)]
    for key, group in known.groupby(["synthetic", *keys], sort=True):
        if group["skin_class"].nunique() < 2:
            continue
        synthetic, *names = key
        per_class = []
        for cls in CLASSES:
            part = group[group["skin_class"] == cls].sort_values("study_id")
            beta, se, lb, ub, i2 = _pool(
                part["yi"].to_numpy(float), part["vi"].to_numpy(float), settings
            )
            per_class.append((cls, part, beta, se, lb, ub, i2))
        fit = rma(
            np.array([c[2] for c in per_class]),
            np.array([c[3] ** 2 for c in per_class]),
            method="EE",
        )
        transform = back  # expit for logits, identity for mean improvements
        for cls, part, beta, _, lb, ub, i2 in per_class:
            rows.append(
                {
                    "outcome": outcome,
                    "intervention": names[0],
                    "measure": names[1],
                    "skin_class": cls,
                    "k_studies": len(part),
                    "n": int(part["n"].sum()),
                    "estimate": transform(beta),  # type: ignore[operator]
                    "ci_lb": transform(lb),  # type: ignore[operator]
                    "ci_ub": transform(ub),  # type: ignore[operator]
                    "i2": i2,
                    "q_between": finite(fit.QE),
                    "df": 1,
                    "pval": finite(fit.QEp),
                    "study_ids": ", ".join(part["study_id"]),
                    "note": "between-study comparison of study populations",
                    "synthetic": bool(synthetic),
                }
            )
    return rows


def _classes_of(study_ids: pd.Series, classes: dict[str, str]) -> pd.Series:
    return pd.Series(
        [classes.get(s, NOT_REPORTED) for s in study_ids], index=study_ids.index, dtype=object
    )


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if math.isfinite(x) else math.nan


def _same(x: float) -> float:
    return x


def skin_class_subgroups(
    population: pd.DataFrame,
    responder_arms: pd.DataFrame,
    arms: pd.DataFrame,
    safety_by_study: pd.DataFrame,
    settings: PoolingSettings,
) -> pd.DataFrame:
    """One row per class of every outcome x intervention x measure compared across classes."""
    classes = dict(
        zip(population["study_id"], population["fitzpatrick_types"].map(skin_class), strict=True)
    )
    rows: list[dict[str, object]] = []
    last = last_time_points(responder_arms)
    if len(last):
        resp = last[last["stratum_kind"] == "all"].copy()
        resp["yi"], resp["vi"], _ = logit_proportion(
            resp["events"].to_numpy(float), resp["n"].to_numpy(float)
        )
        resp["skin_class"] = _classes_of(resp["study_id"], classes)
        rows += _compare(
            resp, "responders", ["intervention", "responder_definition"], settings, _expit
        )
    overall = arms[(arms["stratum_kind"] == "all") & arms["exclusion_reason"].isna()].copy()
    if len(overall):
        overall["skin_class"] = _classes_of(overall["study_id"], classes)
        rows += _compare(overall, "improvement", ["intervention", "outcome_scale"], settings, _same)
    if len(safety_by_study):
        pih = safety_by_study[
            (safety_by_study["stratum_kind"] == "all") & (safety_by_study["n"] > 0)
        ].copy()
        if len(pih):
            pih["yi"], pih["vi"], _ = logit_proportion(
                pih["events"].to_numpy(float), pih["n"].to_numpy(float)
            )
            pih["intervention"], pih["measure"] = "all_active", "pih_proportion"
            pih["skin_class"] = _classes_of(pih["study_id"], classes)
            rows += _compare(pih, "pih", ["intervention", "measure"], settings, _expit)
    return pd.DataFrame(rows, columns=COLUMNS)
