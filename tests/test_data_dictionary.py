"""docs/data-dictionary.md is generated from the contracts, the DDL and the SQL models."""

from __future__ import annotations

from pathlib import Path

from evidence.data_dictionary import DEFAULT_PATH, data_dictionary_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_committed_data_dictionary_matches_the_generator() -> None:
    committed = (ROOT / DEFAULT_PATH).read_text(encoding="utf-8")
    assert committed == data_dictionary_markdown(), "run: python -m evidence.data_dictionary"


def test_every_column_has_a_meaning_and_every_view_is_listed() -> None:
    text = data_dictionary_markdown()
    assert "| — |" not in text
    for view in (
        "improvement_by_severity",
        "improvement_by_skin_type",
        "improvement_by_sessions",
        "improvement_by_needle_depth",
        "improvement_by_scar_type",
        "improvement_by_comparison",
        "safety_by_skin_type",
        "study_characteristics",
    ):
        assert f"## {view}\n\nView (marts)" in text, view
