"""Stage two (pooling per group) against plain per-group computation, and its frame I/O."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from evidence.synthesis.pooling import rma
from evidence.warehouse.analyses import sensitivity
from evidence.warehouse.analyses.sensitivity import RHOS, rho_sensitivity, with_rho
from evidence.warehouse.pool import (
    GROUP,
    PoolingSettings,
    fetch_frame,
    insert_frame,
    pool_arm_effects,
)
from evidence.warehouse.skin_groups import joined_per_group, skin_group_arms

SETTINGS = PoolingSettings()


def arms_frame(seed: int = 7) -> pd.DataFrame:
    """SYNTHETIC arms: 4 interventions x 2 scales of the ``all`` stratum plus two skin types;
    imputed SDs in some groups only, exclusions, a one-study group, a group with none usable."""
    rng = np.random.default_rng(seed)
    rows = []
    for intervention in ("microneedling", "microneedling_prp", "laser", "control"):
        for scale in ("gb_qualitative", "gb_quantitative"):
            for kind, value in (("all", "all"), ("skin_type", "II"), ("skin_type", "V")):
                k = 1 if intervention == "laser" and scale == "gb_quantitative" else 7
                for study in rng.permutation(k):
                    n = int(rng.integers(8, 60))
                    sd1, sd2 = rng.uniform(0.5, 1.0, 2)
                    imputed = intervention == "microneedling" and study % 2 == 0
                    sd = math.sqrt(sd1**2 + sd2**2 - sd1 * sd2) if imputed else rng.uniform(0.4, 1)
                    mean = float(rng.normal(0.9, 0.3))
                    excluded = None
                    if study == 3 or (intervention == "control" and scale == "gb_quantitative"):
                        excluded = "no SD of change"
                    rows.append(
                        {
                            "study_id": f"S{study:02d}",
                            "intervention": intervention,
                            "outcome_scale": scale,
                            "stratum_kind": kind,
                            "stratum_value": value,
                            "followup_weeks": 12.0,
                            "n": n,
                            "n_patients": n,
                            "baseline_sd": sd1 if imputed else np.nan,
                            "followup_sd": sd2 if imputed else np.nan,
                            "change_mean": mean,
                            "change_sd": sd,
                            "is_change_sd_imputed": imputed,
                            "conversion": None,
                            "responders": int(n * 0.6) if study % 3 else None,
                            "data_origin": ("synthetic", "literature")[study % 2],
                            "synthetic": study % 2 == 0,
                            "evidence_source": "study_level",
                            "citation": f"SYNTHETIC S{study:02d}",
                            "source_url": None,
                            "design": "prospective",
                            "risk_of_bias": None,
                            "yi": None if excluded else mean,
                            "vi": None if excluded else sd**2 / n,
                            "exclusion_reason": excluded,
                        }
                    )
    frame = pd.DataFrame(rows)
    frame["responders"] = frame["responders"].astype("Int64")
    return frame


def test_each_pooled_row_is_rma_of_its_groups_usable_arms() -> None:
    arms = arms_frame()
    pooled, studies = pool_arm_effects(arms, SETTINGS)
    groups = list(arms.groupby(GROUP, sort=True))
    assert [tuple(r) for r in pooled[GROUP].itertuples(index=False)] == [k for k, _ in groups]
    for (key, group), (_, row) in zip(groups, pooled.iterrows(), strict=True):
        usable = group[group["exclusion_reason"].isna()].sort_values("study_id")
        assert row["k_studies"] == len(usable)
        assert row["k_excluded"] == len(group) - len(usable)
        assert row["n_patients"] == usable["n_patients"].sum()
        assert row["data_origins"] == ",".join(sorted(set(usable["data_origin"])))
        with_responders = group[group["responders"].notna()]
        if with_responders.empty:
            assert pd.isna(row["responder_rate"])
        else:
            rate = with_responders["responders"].sum() / with_responders["n"].sum()
            assert row["responder_rate"] == rate
        rows = studies[(studies[GROUP] == pd.Series(key, index=GROUP)).all(axis=1)]
        assert list(rows["study_id"]) == sorted(group["study_id"])
        if usable.empty:
            assert row["method"].startswith("not pooled")
            assert rows["weight_pct"].isna().all()
            continue
        res = rma(usable["yi"].to_numpy(float), usable["vi"].to_numpy(float))
        assert row["mean_change"] == res.beta
        assert row["ci_lb"] == res.ci_lb
        weighted = rows[rows["exclusion_reason"].isna()]
        assert list(weighted["weight_pct"]) == list(res.weights)
        assert rows[rows["exclusion_reason"].notna()]["weight_pct"].isna().all()


def test_pooling_does_not_depend_on_the_order_of_the_arms() -> None:
    arms = arms_frame()
    pooled, studies = pool_arm_effects(arms, SETTINGS)
    shuffled = arms.sample(frac=1.0, random_state=1).reset_index(drop=True)
    pooled_2, studies_2 = pool_arm_effects(shuffled, SETTINGS)
    pd.testing.assert_frame_equal(pooled, pooled_2)
    pd.testing.assert_frame_equal(studies, studies_2)


def full_repool(
    base_arms: pd.DataFrame,
    settings: PoolingSettings,
    run_rho: float,
    kinds: tuple[str, ...] = sensitivity.KINDS,
) -> pd.DataFrame:
    """The rho sensitivity as first written: every group re-pooled at every rho."""
    frames = []
    for rho in sorted({*RHOS, float(run_rho)}):
        arms = with_rho(base_arms[base_arms["stratum_kind"] != "skin_group"], rho)
        groups = skin_group_arms(arms)
        arms = pd.concat([arms, groups], ignore_index=True) if len(groups) else arms
        arms = arms[arms["stratum_kind"].isin(kinds)]
        pooled, _ = pool_arm_effects(arms, settings)
        usable = arms[arms["exclusion_reason"].isna()]
        imputed = (
            usable.assign(_imp=usable["is_change_sd_imputed"].fillna(False).astype(int))
            .groupby(GROUP)["_imp"]
            .sum()
            .rename("k_imputed")
            .reset_index()
        )
        pooled = pooled.merge(imputed, on=GROUP, how="left")
        pooled["rho"] = rho
        frames.append(pooled)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("run_rho", [0.5, 0.3])
@pytest.mark.parametrize("method", ["REML", "DL"])
def test_rho_sensitivity_equals_re_pooling_every_group_at_every_rho(
    run_rho: float, method: str
) -> None:
    arms = arms_frame()
    arms = pd.concat([arms, skin_group_arms(arms)], ignore_index=True)  # as read_arms gives
    settings = PoolingSettings(method=method)
    fast = rho_sensitivity(arms, settings, run_rho)
    pd.testing.assert_frame_equal(fast, full_repool(arms, settings, run_rho))
    # groups without an imputed arm are the same at every rho; the others move
    by_group = fast.groupby(GROUP)["mean_change"].nunique(dropna=False)
    moving = fast[fast["k_imputed"] > 0].groupby(GROUP).size().index
    assert (by_group.drop(moving) == 1).all()
    assert (by_group.loc[moving] > 1).all()


def test_rho_sensitivity_of_every_stratum_kind_equals_re_pooling_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kinds = ("all", "skin_type", "skin_group")
    monkeypatch.setattr(sensitivity, "KINDS", kinds)
    arms = arms_frame(seed=11)
    arms = pd.concat([arms, skin_group_arms(arms)], ignore_index=True)
    fast = rho_sensitivity(arms, SETTINGS, 0.5)
    assert set(fast["stratum_kind"]) == set(kinds)
    pd.testing.assert_frame_equal(fast, full_repool(arms, SETTINGS, 0.5, kinds))


def test_insert_frame_writes_nan_as_null_keeps_inf_and_fills_missing_columns() -> None:
    con = duckdb.connect()
    con.execute("create table t (a double, b varchar, c bigint, d double, e integer, f double)")
    frame = pd.DataFrame(
        {
            "f": [1.5, 2.5, 3.5],
            "a": [1.0, np.nan, np.inf],
            "b": pd.Series(["x", None, "z"], dtype="str"),
            "c": pd.array([1, None, 3], dtype="Int64"),
            "e": pd.Series([None, 2.0, np.nan], dtype=object),
            "extra": ["not", "in", "table"],
        }
    )
    insert_frame(con, "t", frame)
    assert con.sql("select * from t").fetchall() == [
        (1.0, "x", 1, None, None, 1.5),
        (None, None, None, None, 2, 2.5),
        (math.inf, "z", 3, None, None, 3.5),
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "select * from (values (1::bigint, 2::integer, true, 'a', 1.5, 1::utinyint, 7::bigint),"
        " (null, null, null, null, null, null, 8), (3, 4, false, 'c', 'nan'::double, 2, 9))"
        " t(i, j, b, s, f, u, nn)",
        "select null::varchar s, null::bigint i, null::boolean b, 1.0 f from range(3)",
        "select 'a' s, 1 i, true b from range(0)",
        "select date '2026-01-02' d, 1.5::decimal(4, 1) x",  # left to df()
    ],
)
def test_fetch_frame_gives_the_frame_of_duckdb_df(sql: str) -> None:
    con = duckdb.connect()
    pd.testing.assert_frame_equal(fetch_frame(con.sql(sql)), con.sql(sql).df(), check_exact=True)


def test_fetch_frame_sorts_text_keys_as_duckdb_order_by_does() -> None:
    con = duckdb.connect()
    sql = (
        "select * from (values ('b', 'x', 1), (null, 'a', 2), ('B', null, 3), ('é', 'a', 4),"
        " ('b', 'a', 5), ('a', 'z', 6), (null, null, 7), ('b', 'a', 8)) t(k1, k2, v)"
    )
    got = fetch_frame(con.sql(sql), order_by=["k1", "k2"])
    want = con.sql(sql + " order by k1, k2, v").df()  # v: the ties keep the relation's order
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["v"].tolist() != con.sql(sql).df()["v"].tolist()


def test_joined_per_group_sorts_and_dedupes_and_leaves_groups_without_values_none() -> None:
    values = pd.Series(["b", "a", None, "b", "c", "a", "z"], dtype="str")
    group_id = np.array([0, 0, 0, 0, 2, 2, -1])
    assert list(joined_per_group(values, group_id, 3)) == ["a,b", None, "a,c"]


GOLDEN_META = Path(__file__).resolve().parents[1] / "golden" / "meta"


def _stratum_arms(yi: list[float], vi: list[float], n: list[int]) -> pd.DataFrame:
    """One skin-type stratum of one arm: a row per study, the columns pooling reads."""
    k = len(yi)
    return pd.DataFrame(
        {
            "study_id": [f"SYN-{i:02d}" for i in range(k)],
            "intervention": "microneedling",
            "outcome_scale": "gb_quantitative",
            "stratum_kind": "skin_type",
            "stratum_value": "IV",
            "n": n,
            "n_patients": n,
            "responders": pd.array([None] * k, dtype="Int64"),
            "data_origin": "synthetic",
            "synthetic": True,
            "evidence_source": "study_level",
            "citation": "SYNTHETIC",
            "source_url": None,
            "yi": yi,
            "vi": vi,
            "exclusion_reason": None,
        }
    )


def test_a_stratum_whose_default_reml_does_not_converge_is_pooled_by_reml_with_step_halving() -> (
    None
):
    """tests/golden/meta/reml_nonconvergence_synthetic.*: metafor needs stepadj = 0.5."""
    golden = json.loads((GOLDEN_META / "reml_nonconvergence_synthetic.json").read_text())
    case = next(
        c
        for c in golden["cases"]
        if c["args"]["method"] == "REML" and c["args"]["test"] == "z" and not c["args"]["control"]
    )
    with (GOLDEN_META / "inputs" / "reml_nonconvergence_synthetic.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    arms = _stratum_arms(
        [float(r["yi"]) for r in rows], [float(r["vi"]) for r in rows], [int(r["ni"]) for r in rows]
    )

    pooled, _ = pool_arm_effects(arms, SETTINGS)

    row = pooled.iloc[0]
    expected = case["expected"]["overall"]
    assert row["method"] == "REML, z (stepadj = 0.5)"
    for column, field in (
        ("mean_change", "estimate"),
        ("tau2", "tau2"),
        ("i2", "I2"),
        ("i2_ci_lb", "I2_ci_lb"),
        ("i2_ci_ub", "I2_ci_ub"),
    ):
        assert row[column] == pytest.approx(expected[field], rel=1e-6, abs=1e-10), column


def test_a_fallback_is_taken_only_when_no_remedy_converges_and_is_labelled() -> None:
    """Paule-Mandel cannot bracket its root (Q(tau2.max) > k - 1): no control helps."""
    arms = _stratum_arms([0.0, 0.0, 0.0, 0.0, 1000.0], [0.01] * 5, [20] * 5)

    pooled, _ = pool_arm_effects(arms, PoolingSettings(method="PM"))

    method = pooled.iloc[0]["method"]
    assert method.startswith("DL, z (PM failed: Paule-Mandel")
    assert method.endswith("; DerSimonian-Laird used)")
    assert "control tried: the defaults; maxiter = 1000" in method


def test_pooled_rows_carry_i2_with_its_q_profile_interval() -> None:
    pooled, _ = pool_arm_effects(arms_frame(), SETTINGS)

    pooled_groups = pooled[pooled["k_studies"] > 1]
    assert pooled_groups["i2_ci_lb"].notna().all()
    assert (pooled_groups["i2_ci_lb"] <= pooled_groups["i2"]).all()
    assert (pooled_groups["i2"] <= pooled_groups["i2_ci_ub"]).all()
    assert pooled[pooled["k_studies"] == 1][["i2", "i2_ci_lb", "i2_ci_ub"]].isna().all().all()
