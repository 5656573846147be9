"""The responder analyses of the shipped published data reproduce R metafor.

``responders_pooled`` is ``rma(measure = "PLO", method = "REML")`` back-transformed, and
``responders_by_comparison`` is ``rma(measure = "OR", method = "REML")``, each fitted in R on
the very study rows the pipeline feeds them (tests/golden/make_responders_golden.R; the inputs
are committed beside the golden file and checked here against a fresh build of data/raw).
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pytest

from tests.conftest import SHIPPED
from tests.helpers import ingest, rows

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "responders"
# metafor's own estimates are exact to ~1e-15; 1e-6 leaves room only for reordering.
REL_TOL = 1e-6
ABS_TOL_AT_ZERO = 1e-10  # tau2 and I2 where metafor gives exactly 0
FIELDS = ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("responders")
    shutil.copytree(SHIPPED, root / "landing")
    ingest(root / "landing", root / "w.duckdb")
    return root / "w.duckdb"


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))


def _csv(name: str) -> list[tuple[str, ...]]:
    with (GOLDEN / name).open(encoding="utf-8", newline="") as fh:
        return [tuple(row) for row in csv.reader(fh)][1:]


def _text(values: tuple) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in values)


def _close(ours: float | None, theirs: float | None) -> bool:
    if theirs is None:
        return ours is None
    if ours is None:
        return False
    if theirs == 0:
        return abs(ours) <= ABS_TOL_AT_ZERO
    return math.isclose(ours, theirs, rel_tol=REL_TOL, abs_tol=0.0)


def test_golden_inputs_are_the_study_rows_the_pipeline_pools(warehouse: Path) -> None:
    studies = rows(
        warehouse,
        "select intervention, baseline_grade, responder_definition, study_id, events, n "
        "from responders_study where not synthetic order by all",
    )
    assert [_text(r) for r in studies] == _csv("responders_study.csv")
    pairs = rows(
        warehouse,
        "select intervention, comparator, responder_definition, study_id, events_treatment, "
        "n_treatment, events_comparator, n_comparator "
        "from fct_responder_comparison_studies where not synthetic order by all",
    )
    assert [_text(r) for r in pairs] == _csv("comparison_studies.csv")


def test_responders_pooled_equals_metafor_plo_reml(warehouse: Path, golden: dict) -> None:
    cases = [c for c in golden["cases"] if c["analysis"] == "responders_pooled"]
    assert cases
    for case in cases:
        grade = case["baseline_grade"]
        (ours,) = rows(
            warehouse,
            "select k_studies, proportion, ci_lb, ci_ub, pi_lb, pi_ub, tau2, i2 "
            "from responders_pooled where not synthetic and intervention = $i "
            "and responder_definition = $d and baseline_grade is not distinct from $g",
            {"i": case["intervention"], "d": case["responder_definition"], "g": grade},
        )
        assert ours[0] == case["k_studies"], case
        for name, value in zip(FIELDS, ours[1:], strict=True):
            assert _close(value, case[name]), (case["intervention"], grade, name, value, case)


def test_responders_by_comparison_equals_metafor_or_reml(warehouse: Path, golden: dict) -> None:
    cases = [c for c in golden["cases"] if c["analysis"] == "responders_by_comparison"]
    assert cases
    for case in cases:
        (ours,) = rows(
            warehouse,
            'select k_studies, "or", ci_lb, ci_ub, pi_lb, pi_ub, tau2, i2 '
            "from responders_by_comparison where not synthetic and intervention = $i "
            "and comparator = $c and responder_definition = $d",
            {"i": case["intervention"], "c": case["comparator"], "d": case["responder_definition"]},
        )
        assert ours[0] == case["k_studies"], case
        for name, value in zip(FIELDS, ours[1:], strict=True):
            assert _close(value, case[name]), (case["intervention"], name, value, case)
