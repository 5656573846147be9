"""Checks on the transcribed literature (data/raw/literature/): the study arms and the risk of
bias by domain."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evidence.warehouse.validate import check_file
from schemas.raw import STUDY_KEY
from schemas.vocab import ROB_DOMAINS, RobTool

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "data" / "raw" / "literature"
LITERATURE = FOLDER / "literature_study_arms.csv"
RISK_OF_BIAS = FOLDER / "literature_risk_of_bias.csv"
SOURCES = FOLDER / "SOURCES.md"

#: The evidence base the report rests on must not shrink below this silently.
MIN_STUDIES = 30


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return _read(LITERATURE)


@pytest.fixture(scope="module")
def rob() -> pd.DataFrame:
    return _read(RISK_OF_BIAS)


@pytest.mark.parametrize("path", [LITERATURE, RISK_OF_BIAS], ids=lambda p: p.name)
def test_literature_files_pass_their_contracts_with_no_failures(path: Path) -> None:
    _, failures = check_file(path)
    assert failures == [], "\n".join(
        f"row {f.row_number}, {f.column_name}={f.value!r}: {f.rule}" for f in failures
    )


def test_every_row_names_its_citation_source_url_and_locator(table: pd.DataFrame) -> None:
    for column in ("citation", "source_url", "locator"):
        blank = table[table[column].str.strip() == ""]
        assert blank.empty, f"{column} missing on rows {list(blank.index + 1)}"


def test_no_two_rows_share_study_arm_stratum_outcome_and_time(table: pd.DataFrame) -> None:
    key = list(STUDY_KEY)
    keyed = table.assign(followup_weeks=table["followup_weeks"].astype(float))
    duplicated = keyed[keyed.duplicated(subset=key, keep=False)]
    assert duplicated.empty, duplicated[key].to_string()


def test_every_row_is_labelled_literature(table: pd.DataFrame, rob: pd.DataFrame) -> None:
    assert set(table["data_origin"].str.strip().str.lower()) == {"literature"}
    assert set(rob["data_origin"].str.strip().str.lower()) == {"literature"}


def test_file_covers_at_least_30_published_studies(table: pd.DataFrame) -> None:
    assert table["study_id"].nunique() >= MIN_STUDIES


def test_every_study_in_the_file_is_listed_in_sources(table: pd.DataFrame) -> None:
    text = SOURCES.read_text(encoding="utf-8")
    missing = sorted(sid for sid in table["study_id"].unique() if sid not in text)
    assert not missing, missing


def test_every_time_point_counts_weeks_from_baseline(table: pd.DataFrame) -> None:
    """One clock: no week 0, and every converted time point says how it was converted."""
    weeks = table["followup_weeks"].astype(float)
    assert (weeks > 0).all(), list(table.loc[weeks <= 0, "study_id"])
    derived = table[table["timepoint_basis"] == "derived_from_end_of_treatment"]
    assert set(table["timepoint_basis"]) <= {"from_baseline", "derived_from_end_of_treatment"}
    unexplained = derived[derived["notes"].str.strip() == ""]
    assert unexplained.empty, list(unexplained["study_id"])


def test_responders_always_carry_their_definition_in_the_sources_words(
    table: pd.DataFrame,
) -> None:
    with_responders = table[table["responders"] != ""]
    assert (with_responders["responder_definition"] != "").all()
    assert (with_responders["responder_definition_as_reported"].str.strip() != "").all()
    assert (table.loc[table["responders"] == "", "responder_definition"] == "").all()


def test_every_row_says_how_its_scale_was_reported(table: pd.DataFrame) -> None:
    scaled = table[table["outcome_scale"] != "safety"]
    assert (scaled["scale_as_reported"].str.strip() != "").all()
    assert set(scaled["is_scale_assumed"].str.lower()) <= {"true", "false"}


def test_safety_rows_carry_an_adverse_event_count(table: pd.DataFrame) -> None:
    safety = table[table["outcome_scale"].str.strip().str.lower() == "safety"]
    empty = safety[(safety["pih_events"] == "") & (safety["erythema_days"] == "")]
    assert empty.empty, list(empty["study_id"])


def test_every_study_is_judged_in_every_domain_of_its_tool(
    table: pd.DataFrame, rob: pd.DataFrame
) -> None:
    assert set(rob["study_id"]) == set(table["study_id"])
    for study, rows in rob.groupby("study_id"):
        tools = set(rows["rob_tool"])
        assert len(tools) == 1, study
        assert sorted(rows["domain"]) == sorted(ROB_DOMAINS[RobTool(tools.pop())]), study


def test_randomised_studies_use_rob2_and_the_others_robins_i(
    table: pd.DataFrame, rob: pd.DataFrame
) -> None:
    designs = table.groupby("study_id")["design"].max()
    tools = rob.groupby("study_id")["rob_tool"].first()
    for study, design in designs.items():
        expected = "rob2" if design in ("rct", "split_face_rct") else "robins_i"
        assert tools[study] == expected, (study, design)
