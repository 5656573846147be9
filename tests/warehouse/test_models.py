"""The SQL models and pooled views against hand computation and R metafor."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from tests.helpers import ingest, rows

GOLDEN = Path(__file__).parents[1] / "golden" / "pipeline"
#: Agreement with metafor: every field within 1e-6 relative (DEVELOPERS.md).
RELATIVE_TOLERANCE = 1e-6

HEADER = (
    "study_id,subject_id,intervention,fitzpatrick_type,scar_type,baseline_grade,"
    "followup_grade,sessions,followup_weeks,baseline_score,followup_score,erythema_days,pih\n"
)


@pytest.fixture
def small_warehouse(empty_landing: Path, tmp_path: Path) -> Path:
    """Two studies; H1 has two visits per subject (only the last one counts)."""
    (empty_landing / "small.csv").write_text(
        HEADER
        + "H1,a,microneedling,IV,boxcar,3,3,3,4,30,28,2,false\n"  # early visit: ignored
        + "H1,a,microneedling,IV,boxcar,3,2,3,12,30,20,2,false\n"
        + "H1,b,microneedling,IV,boxcar,3,1,3,12,32,3,3,true\n"
        + "H1,c,microneedling,II,boxcar,4,3,3,12,50,41,4,false\n"
        + "H1,d,microneedling,II,boxcar,4,2,3,12,48,30,1,false\n"
        + "H2,e,microneedling,IV,rolling,3,3,4,24,28,25,2,true\n"
        + "H2,f,microneedling,IV,rolling,3,2,4,24,26,18,,\n"
        + "H2,g,microneedling,IV,rolling,3,1,4,24,35,2,5,false\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    return warehouse


def test_arm_summaries_use_each_subjects_last_visit(small_warehouse: Path) -> None:
    found = rows(
        small_warehouse,
        "select study_id, stratum_value, n, change_mean, change_sd, responders "
        "from int_patient_arm_summaries where stratum_kind = 'severity' "
        "and outcome_scale = 'gb_qualitative' order by 1, 2",
    )
    # H1 grade 3: a 3->2, b 3->1: improvements 1, 2; H1 grade 4: c 1, d 2; H2 grade 3: 0, 1, 2
    assert [(r[0], r[1], r[2], r[5]) for r in found] == [
        ("H1", "3", 2, 2),
        ("H1", "4", 2, 2),
        ("H2", "3", 3, 2),
    ]
    assert found[0][3] == pytest.approx(1.5)
    assert found[0][4] == pytest.approx(math.sqrt(0.5))
    assert found[2][3] == pytest.approx(1.0)
    assert found[2][4] == pytest.approx(1.0)


def test_severity_view_equals_hand_computed_pooling(small_warehouse: Path) -> None:
    from evidence.synthesis.pooling import rma  # noqa: PLC0415

    ((k, n, mean, lb, ub, tau2),) = rows(
        small_warehouse,
        "select k_studies, n_patients, mean_change, ci_lb, ci_ub, tau2 from improvement_by_severity "
        "where baseline_grade = 3 and outcome_scale = 'gb_qualitative'",
    )
    # H1: yi = 1.5, vi = 0.5 / 2; H2: yi = 1.0, vi = 1.0 / 3
    expected = rma([1.5, 1.0], [0.25, 1 / 3], method="REML")
    assert (k, n) == (2, 5)
    assert mean == pytest.approx(expected.beta, rel=1e-12)
    assert (lb, ub) == (pytest.approx(expected.ci_lb), pytest.approx(expected.ci_ub))
    assert tau2 == pytest.approx(expected.tau2, abs=1e-12)
    # the fixed-effect weights 4 and 3 give (4 * 1.5 + 3 * 1.0) / 7 when tau2 = 0
    if expected.tau2 == 0:
        assert mean == pytest.approx(9 / 7)


def test_single_study_stratum_is_reported_but_not_pooled(small_warehouse: Path) -> None:
    ((k, mean, tau2, pi_lb, method),) = rows(
        small_warehouse,
        "select k_studies, mean_change, tau2, pi_lb, method from improvement_by_severity "
        "where baseline_grade = 4 and outcome_scale = 'gb_qualitative'",
    )
    assert (k, mean, tau2, pi_lb) == (1, pytest.approx(1.5), None, None)
    assert method == "single study (not pooled)"


def test_safety_view_counts_pih_by_skin_type(small_warehouse: Path) -> None:
    found = rows(
        small_warehouse,
        "select fitzpatrick_type, n_sides, pih_events, pih_n, pih_rate, erythema_days_mean "
        "from safety_by_skin_type where intervention = 'all_active' order by 1",
    )
    assert found == [
        ("II", 2, 0, 2, 0.0, pytest.approx(2.5)),
        ("IV", 5, 2, 4, 0.5, pytest.approx(3.0)),
    ]


def test_published_rows_use_rho_for_missing_change_sd(empty_landing: Path, tmp_path: Path) -> None:
    (empty_landing / "paper.csv").write_text(
        "study_id,intervention,stratum_kind,stratum_value,outcome_scale,followup_weeks,n,"
        "baseline_mean,baseline_sd,followup_mean,followup_sd,data_origin,citation,source_url\n"
        "P1,microneedling,all,all,gb_quantitative,12,25,30,3,20,4,synthetic,Test fixture,synthetic://t\n",
        encoding="utf-8",
    )
    for rho, expected_sd in ((0.5, math.sqrt(9 + 16 - 12)), (0.8, math.sqrt(9 + 16 - 19.2))):
        warehouse = tmp_path / f"w{rho}.duckdb"
        ingest(empty_landing, warehouse, rho=rho)
        ((yi, vi, imputed),) = rows(
            warehouse, "select yi, vi, is_change_sd_imputed from int_arm_effects"
        )
        assert yi == pytest.approx(10.0)
        assert vi == pytest.approx(expected_sd**2 / 25)
        assert imputed is True


def test_pooled_views_match_r_metafor_two_stage_golden(empty_landing: Path, tmp_path: Path) -> None:
    shutil.copy(GOLDEN / "synthetic_pipeline_fixture.csv", empty_landing)
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    golden = json.loads((GOLDEN / "expected.json").read_text())
    assert len(golden["cases"]) >= 6
    stratum_column = {
        "improvement_by_severity": "baseline_grade::varchar",
        "improvement_by_skin_type": "fitzpatrick_type",
    }
    fields = (
        "k_studies",
        "n_patients",
        "mean_change",
        "se",
        "ci_lb",
        "ci_ub",
        "tau2",
        "i2",
        "pi_lb",
        "pi_ub",
    )
    for case in golden["cases"]:
        found = rows(
            warehouse,
            f"select {', '.join(fields)} from {case['view']} "
            f"where {stratum_column[case['view']]} = $s and outcome_scale = $scale",
            {"s": case["stratum"], "scale": case["outcome_scale"]},
        )
        assert len(found) == 1, case
        for field, value in zip(fields, found[0], strict=True):
            want = case[field]
            assert value == pytest.approx(want, rel=RELATIVE_TOLERANCE, abs=1e-12), (
                case["view"],
                case["stratum"],
                case["outcome_scale"],
                field,
            )


def test_published_change_with_only_a_ci_is_converted_and_says_so(
    empty_landing: Path, tmp_path: Path
) -> None:
    from scipy import stats  # noqa: PLC0415

    (empty_landing / "paper.csv").write_text(
        "study_id,intervention,stratum_kind,stratum_value,outcome_scale,followup_weeks,n,"
        "change_mean,change_ci_lb,change_ci_ub,data_origin,citation,source_url,locator\n"
        "P2,microneedling,all,all,gb_quantitative,26,20,3.4,2.1,4.7,synthetic,Fixture,synthetic://p2,t1\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    ((yi, vi, conversion),) = rows(warehouse, "select yi, vi, conversion from int_arm_effects")
    sd = math.sqrt(20) * (4.7 - 2.1) / (2 * stats.t.isf(0.025, 19))
    assert yi == pytest.approx(3.4)
    assert vi == pytest.approx(sd**2 / 20)
    assert "CI" in conversion


#: The definition int_patient_arm_summaries computes in one grouped pass, written the plain
#: way: the final visits in long form (scale x stratum), then ordinary aggregates with
#: count(distinct subject_id) for patients.
PLAIN_ARM_SUMMARIES = """
with scales as (
    select *, 'gb_qualitative' as outcome_scale, baseline_grade::double as b,
           followup_grade::double as f from int_patient_final_visits
    union all
    select *, 'gb_quantitative', baseline_score, followup_score from int_patient_final_visits
    where baseline_score is not null and followup_score is not null
    union all
    select *, 'ecca', baseline_ecca, followup_ecca from int_patient_final_visits
    where baseline_ecca is not null and followup_ecca is not null
),
long as (
    select *, 'all' as stratum_kind, 'all' as stratum_value from scales
    union all select *, 'severity', baseline_grade::varchar from scales
    union all select *, 'skin_type', fitzpatrick_type from scales
)
select study_id, intervention, outcome_scale, stratum_kind, stratum_value,
       max(followup_weeks), count(*), count(distinct subject_id),
       avg(b), stddev_samp(b), avg(f), stddev_samp(f), avg(b - f), stddev_samp(b - f),
       sum(b - f), sum((b - f) * (b - f)), count(*) filter (where grade_improvement >= 1)
from long group by all order by all
"""


def test_one_pass_arm_summaries_equal_the_plain_definition(
    empty_landing: Path, tmp_path: Path
) -> None:
    """Split-face subjects (both sides in one arm, or in two arms, with equal or different
    baseline grades), missing scores, ECCA on some rows, several visits."""
    header = (
        "study_id,subject_id,side,intervention,fitzpatrick_type,scar_type,baseline_grade,"
        "followup_grade,sessions,followup_weeks,baseline_score,followup_score,"
        "baseline_ecca,followup_ecca,needle_depth_mm\n"
    )
    lines = [
        # S1: split-face, both sides microneedling; a's sides differ in baseline grade
        "S1,a,left,microneedling,IV,boxcar,3,2,3,12,30,20,60,40,1.5",
        "S1,a,right,microneedling,IV,boxcar,4,3,3,12,44,30,80,50,1.5",
        "S1,b,left,microneedling,III,rolling,3,1,3,12,31,3,,,1.5",
        "S1,b,right,microneedling,III,rolling,3,2,3,12,29,,,,1.5",
        "S1,c,left,microneedling,III,rolling,2,2,3,6,12,11,40,30,1.5",
        "S1,c,right,microneedling,III,rolling,2,1,3,6,13,2,45,20,1.5",
        "S1,c,left,microneedling,III,rolling,2,1,3,12,12,2,40,25,1.5",
        "S1,c,right,microneedling,III,rolling,2,1,3,12,13,3,45,20,1.5",
        # S2: split-face, one side each arm
        "S2,d,left,microneedling_prp,V,icepick,4,2,4,24,50,20,,,2.0",
        "S2,d,right,microneedling,V,icepick,4,3,4,24,49,35,,,2.0",
        "S2,e,left,microneedling_prp,V,icepick,3,1,4,24,30,2,,,2.0",
        "S2,e,right,microneedling,V,icepick,3,2,4,24,28,15,,,2.0",
        # S3: whole face
        "S3,f,whole,microneedling,II,boxcar,3,2,5,12,25,18,,,1.0",
        "S3,g,whole,microneedling,II,boxcar,3,3,5,12,26,25,,,1.0",
        "S3,h,whole,microneedling,VI,boxcar,4,2,5,12,40,22,,,1.0",
    ]
    (empty_landing / "split.csv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    outcomes = ingest(empty_landing, warehouse)
    assert outcomes[0].rows_quarantined == 0, outcomes
    model = rows(
        warehouse,
        "select study_id, intervention, outcome_scale, stratum_kind, stratum_value, "
        "followup_weeks, n, n_patients, baseline_mean, baseline_sd, followup_mean, followup_sd, "
        "change_mean, change_sd, sum_improvement, sum_sq_improvement, responders "
        "from int_patient_arm_summaries order by all",
    )
    plain = rows(warehouse, PLAIN_ARM_SUMMARIES)
    assert len(model) == len(plain) > 0
    # S1 microneedling, all strata, grade: 6 subject-sides of 3 patients
    assert ("S1", "microneedling", "gb_qualitative", "all", "all") in {r[:5] for r in model}
    for got, want in zip(model, plain, strict=True):
        assert got[:8] == want[:8]
        for a, b in zip(got[8:], want[8:], strict=True):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12, abs=1e-12)
    patients = {r[:5]: r[7] for r in model}
    assert patients[("S1", "microneedling", "gb_qualitative", "all", "all")] == 3
    assert patients[("S1", "microneedling", "gb_qualitative", "severity", "3")] == 2


def test_patient_models_recompute_changed_studies_only_and_equal_a_full_rebuild(
    empty_landing: Path, tmp_path: Path
) -> None:
    """A second run adds a file (a new study and a new subject of an old one) and changes
    another; the patient models, updated for those studies only, equal a fresh build."""
    (empty_landing / "a.csv").write_text(
        HEADER
        + "H1,a,microneedling,IV,boxcar,3,2,3,12,30,20,2,false\n"
        + "H1,b,laser,II,boxcar,4,2,3,12,48,30,1,false\n",
        encoding="utf-8",
    )
    (empty_landing / "b.csv").write_text(
        HEADER + "H2,e,microneedling,IV,rolling,3,3,4,24,28,25,2,true\n", encoding="utf-8"
    )
    (empty_landing / "z.csv").write_text(
        HEADER
        + "H9,q,microneedling,V,mixed,2,1,4,12,20,8,3,false\n"
        + "H9,r,microneedling,V,mixed,3,1,4,12,25,2,3,false\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    untouched = rows(warehouse, "select * from int_patient_arm_summaries where study_id = 'H9'")
    (empty_landing / "b.csv").write_text(
        HEADER
        + "H2,e,microneedling,IV,rolling,3,1,4,24,28,5,2,true\n"
        + "H2,f,microneedling,IV,rolling,4,2,4,24,40,20,2,false\n",
        encoding="utf-8",
    )
    (empty_landing / "c.csv").write_text(
        HEADER
        + "H1,c,microneedling,IV,boxcar,3,1,3,12,31,3,3,true\n"
        + "H3,g,microneedling_prp,VI,icepick,4,3,5,12,50,41,4,false\n",
        encoding="utf-8",
    )
    ingest(empty_landing, warehouse)
    fresh = tmp_path / "fresh.duckdb"
    ingest(empty_landing, fresh)
    for model in (
        "int_patient_final_visits",
        "int_patient_arm_summaries",
        "int_patient_safety",
        "int_patient_studies",
    ):
        query = f"select * from {model} order by all"
        assert rows(warehouse, query) == rows(fresh, query), model
    assert {r[0] for r in rows(warehouse, "select study_id from int_patient_arm_summaries")} == {
        "H1",
        "H2",
        "H3",
        "H9",
    }
    assert rows(warehouse, "select * from changed_studies") == []
    assert untouched == rows(
        warehouse, "select * from int_patient_arm_summaries where study_id = 'H9'"
    )


PLAIN_SKIN_GROUP_ARMS = """
with scales as (
    select *, 'gb_qualitative' as outcome_scale, baseline_grade::double as b,
           followup_grade::double as f from int_patient_final_visits
    union all
    select *, 'gb_quantitative', baseline_score, followup_score from int_patient_final_visits
    where baseline_score is not null and followup_score is not null
),
typed as (
    select *, if(fitzpatrick_type in ('I', 'II', 'III'), 'I-III', 'IV-VI') as skin_group
    from scales
),
usable as (  -- a skin-type arm counts only when poolable: n >= 2 and a nonzero SD
    select study_id, intervention, outcome_scale, fitzpatrick_type from typed group by all
    having count(*) >= 2 and stddev_samp(b - f) > 0
)
select study_id, intervention, outcome_scale, skin_group, count(*), avg(b - f),
       stddev_samp(b - f)
from typed semi join usable using (study_id, intervention, outcome_scale, fitzpatrick_type)
group by all order by all
"""


def test_fitzpatrick_group_arms_equal_the_plain_summary_of_their_visits(
    empty_landing: Path, tmp_path: Path
) -> None:
    """Each study's I-III and IV-VI arm, merged from its skin-type arms' sufficient
    statistics, equals the mean and SD of the group's final visits computed directly; a type
    arm of one subject-side or of zero variance is left out of its group."""
    header = (
        "study_id,subject_id,side,intervention,fitzpatrick_type,scar_type,baseline_grade,"
        "followup_grade,sessions,followup_weeks,baseline_score,followup_score\n"
    )
    lines = [
        "G1,a,whole,microneedling,II,boxcar,3,2,3,12,30,20",
        "G1,b,whole,microneedling,II,boxcar,4,1,3,12,44,2",
        "G1,c,whole,microneedling,II,boxcar,3,3,3,12,31,29",
        "G1,d,whole,microneedling,III,rolling,2,1,3,12,20,3",
        "G1,e,whole,microneedling,III,rolling,4,2,3,12,41,",
        "G1,f,whole,microneedling,IV,rolling,3,1,3,12,33,1",
        "G1,g,whole,microneedling,IV,rolling,3,2,3,12,35,24",
        "G1,h,whole,microneedling,V,icepick,4,2,3,12,45,21",  # V: one subject, left out
        "G1,i,whole,microneedling,VI,icepick,3,2,3,12,30,22",  # VI: zero variance, left out
        "G1,j,whole,microneedling,VI,icepick,4,3,3,12,40,31",
        "G1,k,whole,laser,III,boxcar,3,2,3,12,30,26",
        "G1,l,whole,laser,III,boxcar,4,2,3,12,42,20",
        "G2,m,left,microneedling,I,boxcar,3,1,4,24,32,3",
        "G2,m,right,microneedling,I,boxcar,3,2,4,24,30,18",
        "G2,n,left,microneedling,I,boxcar,4,2,4,24,44,19",
        "G2,n,right,microneedling,I,boxcar,4,3,4,24,46,33",
        "G2,o,whole,microneedling,V,rolling,3,2,4,24,28,17",
        "G2,p,whole,microneedling,V,rolling,2,1,4,24,21,2",
        "G2,q,whole,microneedling,VI,rolling,4,1,4,24,47,0",
        "G2,r,whole,microneedling,VI,rolling,3,3,4,24,33,30",
    ]
    (empty_landing / "groups.csv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    outcomes = ingest(empty_landing, warehouse)
    assert outcomes[0].rows_quarantined == 0, outcomes
    merged = rows(
        warehouse,
        "select study_id, intervention, outcome_scale, stratum_value, n, yi, sqrt(vi * n) "
        "from fct_study_weights where stratum_kind = 'skin_group' order by all",
    )
    plain = rows(warehouse, PLAIN_SKIN_GROUP_ARMS)
    assert ("G1", "microneedling", "gb_qualitative", "IV-VI", 2) in {r[:5] for r in merged}
    assert [r[:5] for r in merged] == [r[:5] for r in plain]
    for got, want in zip(merged, plain, strict=True):
        assert got[5:] == pytest.approx(want[5:], rel=1e-12, abs=1e-12), got[:4]
