"""Synthetic data never meets real data: every pooled relation says which it pools, adding
synthetic files changes no non-synthetic number, and real patient-level uploads still pool with
published arms (two-stage)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHIPPED, SYNTHETIC
from tests.helpers import ingest, rows

pytestmark = pytest.mark.slow  # four warehouses built from the shipped and synthetic data

#: Every table and view that pools or summarises across studies.
POOLED = (
    "fct_pooled_improvement",
    "fct_study_weights",
    "fct_comparisons",
    "fct_comparison_studies",
    "fct_responders_pooled",
    "fct_responders_study",
    "fct_responder_comparisons",
    "fct_responder_comparison_studies",
    "fct_safety_pooled",
    "fct_safety_studies",
    "fct_subgroup_differences",
    "fct_meta_regression",
    "fct_rho_sensitivity",
    "fct_skin_class_subgroups",
    "improvement_overall",
    "improvement_by_severity",
    "improvement_by_skin_type",
    "improvement_by_comparison",
    "improvement_by_sessions",
    "improvement_by_needle_depth",
    "improvement_by_scar_type",
    "responders_pooled",
    "responders_study",
    "responders_by_comparison",
    "safety_by_skin_type",
)


def _build(root: Path, *sources: Path) -> Path:
    landing = root / "landing"
    for source in sources:
        shutil.copytree(source, landing / source.name)
    ingest(landing, root / "w.duckdb")
    return root / "w.duckdb"


@pytest.fixture(scope="module")
def real_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("real"), SHIPPED)


@pytest.fixture(scope="module")
def real_and_synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("both"), SHIPPED, SYNTHETIC)


def _frame(warehouse: Path, relation: str, synthetic: bool) -> pd.DataFrame:
    import duckdb  # noqa: PLC0415

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frame = con.sql(
            f"select * from {relation} where synthetic = $s", params={"s": synthetic}
        ).df()
    finally:
        con.close()
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("relation", POOLED)
def test_every_pooled_relation_has_a_boolean_synthetic_column(
    real_and_synthetic: Path, relation: str
) -> None:
    ((kind,),) = rows(
        real_and_synthetic,
        "select data_type from information_schema.columns "
        "where table_name = $t and column_name = 'synthetic'",
        {"t": relation},
    )
    assert kind == "BOOLEAN"


@pytest.mark.parametrize("relation", POOLED)
def test_adding_synthetic_files_changes_no_non_synthetic_number(
    real_only: Path, real_and_synthetic: Path, relation: str
) -> None:
    pd.testing.assert_frame_equal(
        _frame(real_only, relation, False), _frame(real_and_synthetic, relation, False)
    )


def test_synthetic_studies_are_pooled_only_with_each_other(real_and_synthetic: Path) -> None:
    mixed = rows(
        real_and_synthetic,
        """
        select stratum_kind, stratum_value, intervention, outcome_scale, synthetic,
               list(distinct data_origin)
        from fct_study_weights
        group by all
        having bool_or(data_origin = 'synthetic') and not bool_and(data_origin = 'synthetic')
        """,
    )
    assert mixed == []
    origins = {
        (synthetic, origin)
        for synthetic, origin in rows(
            real_and_synthetic, "select distinct synthetic, data_origin from fct_study_weights"
        )
    }
    assert (True, "synthetic") in origins
    assert (False, "literature") in origins
    assert all(synthetic == (origin == "synthetic") for synthetic, origin in origins)


def test_real_patient_level_uploads_pool_with_published_arms(tmp_path: Path) -> None:
    """A trial's patient rows (data_origin 'trial') are real data: reduced to arms, they pool
    in the same estimate as the published arms."""
    landing = tmp_path / "landing"
    shutil.copytree(SHIPPED, landing / "raw")
    trial = pd.read_csv(SYNTHETIC / "patient_level" / "synthetic_patient_outcomes.csv", dtype=str)
    trial = trial[trial["study_id"] == "SYN-C"].assign(study_id="TRIAL-C", data_origin="trial")
    (landing / "trial").mkdir()
    trial.to_csv(landing / "trial" / "site_upload.csv", index=False)
    ingest(landing, tmp_path / "w.duckdb")
    sources = rows(
        tmp_path / "w.duckdb",
        """
        select distinct evidence_source from fct_study_weights
        where not synthetic and stratum_kind = 'all' and intervention = 'microneedling'
          and outcome_scale = 'gb_qualitative' and weight_pct is not null
        order by 1
        """,
    )
    assert sources == [("patient_level",), ("study_level",)]
