"""Pooling benchmark: random-effects pooling of 1,000 studies x 30 strata against a plain
DuckDB GROUP BY, same run.

``python -m benchmarks.pooling --studies 1000 --groups 30 --method REML --repeat 3`` builds a
seeded SYNTHETIC arms frame (the columns of ``int_arm_effects``: one mean change and its
variance per study x stratum x intervention; some arms excluded, some with an SD imputed from
rho), then times, best of ``--repeat``:

- ``pool_arm_effects``: the random-effects fits (``--method``) and study rows, from the frame;
- ``write_pooled``: read ``int_arm_effects`` from an in-memory DuckDB, merge the skin-group
  arms, pool, and write ``fct_pooled_improvement`` and ``fct_study_weights``;
- ``rho_sensitivity``: the ``fct_rho_sensitivity`` rows (re-pooling at rho 0.2 / 0.5 / 0.8);
- the baseline: a DuckDB ``GROUP BY`` of the same table computing the fixed-effect
  inverse-variance mean per group (``sum(yi / vi) / sum(1 / vi)``), fetched.

It prints seconds and each one's ratio to the baseline, then one JSON line. The issue's
acceptance line is ``pool_arm_effects`` <= 1 s for 1,000 studies x 30 strata with REML.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from evidence.warehouse.analyses.sensitivity import rho_sensitivity
from evidence.warehouse.pool import PoolingSettings, pool_arm_effects, read_arms, write_pooled

INTERVENTIONS = ("microneedling", "microneedling_prp", "microneedling_tca", "laser")
#: Strata in the order they are used: 30 groups = 10 strata x 3 interventions.
STRATA = (
    ("all", "all"),
    *(("severity", g) for g in ("2", "3", "4")),
    *(("skin_type", t) for t in ("I", "II", "III", "IV", "V", "VI")),
)
BASELINE = """
select stratum_kind, stratum_value, intervention, outcome_scale,
       count(*) as k, sum(yi / vi) / sum(1 / vi) as mean_change, sqrt(1 / sum(1 / vi)) as se
from int_arm_effects
where exclusion_reason is null
group by all
order by all
"""


def synthetic_arms(studies: int, groups: int, seed: int = 20261125) -> pd.DataFrame:
    """``studies`` x ``groups`` arms with the columns of ``int_arm_effects`` (SYNTHETIC).

    Groups are strata x interventions (``STRATA`` first, then the next intervention); every
    study has an arm in every group: a change in Goodman-Baron grade around 0.9 with a true
    between-study SD of 0.2, n 8-80 per arm, SD of change 0.5-0.9. About 2% of arms lack an SD
    (excluded, no yi/vi), 0.5% have zero variance (excluded) and 10% have an SD imputed from
    the baseline and follow-up SDs at rho 0.5.
    """
    rng = np.random.default_rng(seed)
    keys = [(*STRATA[g % len(STRATA)], INTERVENTIONS[g // len(STRATA)]) for g in range(groups)]
    size = studies * groups
    group = np.repeat(np.arange(groups), studies)
    study = np.tile(np.arange(studies), groups)
    n = rng.integers(8, 81, size)
    truth = 0.9 + rng.normal(0.0, 0.2, studies)[study] + 0.1 * (group % 3)
    sd = rng.uniform(0.5, 0.9, size)
    change_mean = np.round(truth + rng.normal(0.0, 1.0, size) * sd / np.sqrt(n), 4)
    sd1, sd2 = rng.uniform(0.5, 0.9, size), rng.uniform(0.4, 0.8, size)
    imputed = rng.random(size) < 0.10
    sd = np.where(imputed, np.sqrt(sd1**2 + sd2**2 - sd1 * sd2), sd)
    missing = rng.random(size) < 0.02
    zero = ~missing & (rng.random(size) < 0.005)
    sd = np.where(zero, 0.0, sd)
    vi = sd**2 / n
    excluded = pd.Series(
        np.where(
            missing,
            "no SD of change",
            np.where(zero, "zero variance (every patient changed equally)", None),
        ),
        dtype="str",
    )
    no_text = pd.Series([None] * size, dtype="str")
    study_id = np.char.add("SYN-", np.char.zfill(study.astype(str), 4))
    responders = np.rint(n * rng.uniform(0.3, 0.8, size)).astype(float)
    responders[rng.random(size) < 0.3] = np.nan
    return pd.DataFrame(
        {
            "study_id": study_id,
            "intervention": [keys[g][2] for g in group],
            "outcome_scale": "gb_qualitative",
            "stratum_kind": [keys[g][0] for g in group],
            "stratum_value": [keys[g][1] for g in group],
            "followup_weeks": 12.0,
            "n": n,
            "n_patients": n,
            "baseline_mean": 3.0,
            "baseline_sd": np.where(imputed, sd1, np.nan),
            "followup_mean": 3.0 - change_mean,
            "followup_sd": np.where(imputed, sd2, np.nan),
            "change_mean": change_mean,
            "change_sd": np.where(missing, np.nan, sd),
            "is_change_sd_imputed": imputed,
            "conversion": no_text,
            "responders": pd.array(responders, dtype="Int64"),
            "data_origin": "synthetic",
            "evidence_source": np.where(study % 4 == 0, "study_level", "patient_level"),
            "citation": np.char.add("SYNTHETIC benchmark study ", study_id),
            "source_url": np.char.add("synthetic://benchmark/", study_id),
            "sessions": (study % 6 + 1).astype(float),
            "needle_depth_mm": 1.5,
            "design": "prospective",
            "risk_of_bias": "some concerns",
            "risk_of_bias_reason": no_text,
            "synthetic": True,  # a study with a synthetic row: pooled apart from real ones
            "yi": np.where(missing, np.nan, change_mean),
            "vi": np.where(missing, np.nan, vi),
            "exclusion_reason": excluded,
        }
    )


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``run()`` (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--studies", type=int, default=1_000)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--method", default="REML")
    parser.add_argument("--test", default="z")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    if not 0 < args.groups <= len(STRATA) * len(INTERVENTIONS):
        parser.error(f"--groups must be 1 .. {len(STRATA) * len(INTERVENTIONS)}")
    settings = PoolingSettings(method=args.method, test=args.test)
    arms = synthetic_arms(args.studies, args.groups, args.seed)
    con = duckdb.connect(config={"threads": 2})
    con.register("_arms", arms)
    con.execute("create table int_arm_effects as select * from _arms")
    con.unregister("_arms")
    read = read_arms(con)
    pool_arm_effects(arms.head(200), settings)  # imports and first-call costs, not timed

    seconds = {
        "baseline": best_of(args.repeat, lambda: con.sql(BASELINE).fetchall()),
        "pool_arm_effects": best_of(args.repeat, lambda: pool_arm_effects(arms, settings)),
        "write_pooled": best_of(args.repeat, lambda: write_pooled(con, settings)),
        "rho_sensitivity": best_of(args.repeat, lambda: rho_sensitivity(read, settings, 0.5)),
    }
    ((groups,),) = con.sql("select count(*) from fct_pooled_improvement").fetchall()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.studies} studies x {args.groups} groups "
        f"({len(arms)} arms, {groups} groups with the skin-group arms), {args.method}, "
        f"best of {args.repeat}"
    )
    header = f"{'step':>17} | {'seconds':>8} | {'x baseline':>10}"
    print(header)
    print("-" * len(header))
    for step, value in seconds.items():
        print(f"{step:>17} | {value:>8.3f} | {value / seconds['baseline']:>10.1f}")
    print(json.dumps({"seconds": seconds, "arms": len(arms), "groups": groups}))


if __name__ == "__main__":
    main()
