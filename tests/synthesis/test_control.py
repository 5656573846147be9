"""metafor's control (threshold, maxiter, stepadj) and the remedies tried before giving up.

The values are pinned to R by tests/golden/meta/reml_nonconvergence_synthetic.json; these tests
check the policy: defaults first, remedies in order, a given control used as it is.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from evidence.synthesis.control import (
    DEFAULT_CONTROL,
    Control,
    EstimationError,
    converge,
    parse_control,
    remedies,
)
from evidence.synthesis.metareg import rma_mods
from evidence.synthesis.pooling import rma
from evidence.synthesis.tau2 import reml

GOLDEN_INPUT = (
    Path(__file__).resolve().parents[1]
    / "golden"
    / "meta"
    / "inputs"
    / "reml_nonconvergence_synthetic.csv"
)


def _stratum() -> tuple[list[float], list[float]]:
    """The SYNTHETIC 8-study stratum whose default REML Fisher scoring does not converge."""
    with GOLDEN_INPUT.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [float(r["yi"]) for r in rows], [float(r["vi"]) for r in rows]


def test_default_control_is_metafors() -> None:
    assert Control(threshold=1e-5, maxiter=100, stepadj=1.0) == DEFAULT_CONTROL
    assert DEFAULT_CONTROL.describe() == ""


def test_parse_control_reads_any_subset_of_the_knobs() -> None:
    assert parse_control("stepadj=0.5") == Control(stepadj=0.5)
    assert parse_control(" threshold=1e-6 , maxiter=500 ") == Control(threshold=1e-6, maxiter=500)
    assert parse_control("stepadj=0.5,maxiter=1000").describe() == "maxiter = 1000, stepadj = 0.5"


@pytest.mark.parametrize(
    "text", ["stepadj", "tol=1e-4", "maxiter=many", "stepadj=0", "stepadj=2", "maxiter=0"]
)
def test_parse_control_refuses_unknown_or_bad_entries(text: str) -> None:
    with pytest.raises(ValueError, match=r"stepadj|maxiter|threshold|tol"):
        parse_control(text)


def test_remedies_halve_the_step_then_add_iterations_for_ml_and_reml() -> None:
    assert remedies("REML", DEFAULT_CONTROL) == (
        DEFAULT_CONTROL,
        Control(stepadj=0.5),
        Control(stepadj=0.5, maxiter=1000),
        Control(stepadj=0.25, maxiter=1000),
    )
    assert remedies("PM", DEFAULT_CONTROL) == (DEFAULT_CONTROL, Control(maxiter=1000))
    assert remedies("DL", DEFAULT_CONTROL) == (DEFAULT_CONTROL,)


def test_converge_returns_the_first_control_that_works() -> None:
    tried: list[Control] = []

    def fit(control: Control) -> Control:
        tried.append(control)
        if control.stepadj == 1.0:
            raise EstimationError("did not converge")
        return control

    assert converge("REML", None, fit) == Control(stepadj=0.5)
    assert tried == [DEFAULT_CONTROL, Control(stepadj=0.5)]


def test_converge_names_every_control_tried_when_none_works() -> None:
    def fit(control: Control) -> Control:
        raise EstimationError("Fisher scoring algorithm did not converge")

    with pytest.raises(EstimationError, match=r"tried: the defaults; stepadj = 0\.5; "):
        converge("REML", None, fit)


def test_a_given_control_is_used_as_it_is_without_remedies() -> None:
    tried: list[Control] = []

    def fit(control: Control) -> Control:
        tried.append(control)
        raise EstimationError("did not converge")

    with pytest.raises(EstimationError):
        converge("REML", Control(maxiter=5), fit)
    assert tried == [Control(maxiter=5)]


def test_default_reml_does_not_converge_on_the_stratum_and_step_halving_does() -> None:
    yi, vi = _stratum()
    with pytest.raises(EstimationError, match="did not converge"):
        reml(yi, vi)
    assert reml(yi, vi, Control(stepadj=0.5)) == pytest.approx(1.0838763203, rel=1e-9)


def test_rma_applies_the_remedy_and_records_the_control_that_converged() -> None:
    yi, vi = _stratum()

    res = rma(yi, vi, method="REML")

    assert res.control == Control(stepadj=0.5)
    assert res.tau2 == pytest.approx(1.0838763203, rel=1e-9)


def test_rma_with_a_given_control_that_fails_raises() -> None:
    yi, vi = _stratum()
    with pytest.raises(EstimationError):
        rma(yi, vi, method="REML", control=DEFAULT_CONTROL)


def test_estimators_without_iterations_report_no_control() -> None:
    yi, vi = _stratum()
    assert rma(yi, vi, method="DL").control is None
    assert rma(yi, vi, method="EE").control is None
    assert rma(yi[:1], vi[:1], method="REML").control is None


def test_meta_regression_r2_uses_the_remedy_when_the_model_without_moderators_needs_it() -> None:
    yi, vi = _stratum()
    sessions = [3, 4, 3, 5, 4, 6, 3, 4]
    design = [[1.0, s] for s in sessions]

    reg = rma_mods(yi, vi, design, method="REML")
    exact = rma_mods(yi, vi, design, method="REML", control=DEFAULT_CONTROL)

    assert reg.control == DEFAULT_CONTROL
    assert reg.R2 == 100.0  # tau2 0 with sessions, 1.08 without (converged with stepadj 0.5)
    assert exact.R2 is None  # metafor's NA: its model without moderators does not converge
