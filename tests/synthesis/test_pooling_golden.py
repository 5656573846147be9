"""rma() reproduces metafor 3.8-1 on every golden case in tests/golden/pooling/: the fit,
``se.tau2`` and the Q-profile CIs of tau2, I2 and H2 (``confint()``), for every method.

The golden files come from tests/golden/make_golden.R; these tests only read JSON and CSV,
so they run without R.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from evidence.synthesis.effect_sizes import mean_change
from evidence.synthesis.pooling import rma

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"

# metafor prints 4 decimals but its estimates are exact to ~1e-15; 1e-6 relative leaves room
# only for floating-point reordering, not for a different iteration path or formula. The CI
# bounds are uniroot() roots, reproduced by a step-for-step port of R's zeroin (~1e-13).
REL_TOL = 1e-6
# Where metafor's value is exactly 0 (tau2 truncated at 0, I2 = 0) a relative test is
# meaningless; our value must then be 0 up to rounding.
ABS_TOL_AT_ZERO = 1e-10

NUMERIC_FIELDS = (
    "beta",
    "se",
    "zval",
    "pval",
    "ci_lb",
    "ci_ub",
    "tau2",
    "QE",
    "QEp",
    "I2",
    "H2",
    "pi_lb",
    "pi_ub",
    "se_tau2",
    "tau2_ci_lb",
    "tau2_ci_ub",
    "I2_ci_lb",
    "I2_ci_ub",
    "H2_ci_lb",
    "H2_ci_ub",
)


def _load_documents() -> list[dict]:
    return [
        json.loads(path.read_text()) for path in sorted((GOLDEN_DIR / "pooling").glob("*.json"))
    ]


def _read_input(document: dict) -> dict[str, list[str]]:
    with (GOLDEN_DIR / document["source"]["input_file"]).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {column: [row[column] for row in rows] for column in rows[0]}


DOCUMENTS = _load_documents()
CASES = [
    pytest.param(
        document,
        case,
        id=f"{document['source']['dataset']}-{case['method']}-{case['test_requested']}",
    )
    for document in DOCUMENTS
    for case in document["cases"]
]


def _assert_close(field: str, got: float | None, expected: float | None) -> None:
    if expected is None:
        assert got is None, f"{field}: metafor gives NA, got {got}"
        return
    assert got is not None, f"{field}: metafor gives {expected}, got None"
    if expected == 0:
        assert abs(got) <= ABS_TOL_AT_ZERO, f"{field}: expected 0, got {got}"
    else:
        assert math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=0.0), (
            f"{field}: got {got!r}, metafor {expected!r}"
        )


def test_golden_files_cover_every_method_and_test() -> None:
    assert len(DOCUMENTS) >= 6
    for document in DOCUMENTS:
        combos = {(c["method"], c["test_requested"]) for c in document["cases"]}
        assert combos == {
            (m, t) for m in ("EE", "DL", "HE", "SJ", "PM", "ML", "REML") for t in ("z", "knha")
        }
        assert document["source"]["metafor_version"]


@pytest.mark.parametrize(("document", "case"), CASES)
def test_rma_matches_metafor(document: dict, case: dict) -> None:
    data = _read_input(document)
    yi = [float(x) for x in data["yi"]]
    vi = [float(x) for x in data["vi"]]

    result = rma(yi, vi, method=case["method"], test=case["test_requested"])

    assert result.k == case["k"]
    assert result.test == case["test"]
    assert result.dfs == case["dfs"]
    assert result.method == case["method"]
    for field in NUMERIC_FIELDS:
        _assert_close(field, getattr(result, field), case[field])
    assert len(result.weights) == len(case["weights"])
    for got, expected in zip(result.weights, case["weights"], strict=True):
        _assert_close("weights", got, expected)


def test_mean_change_matches_escalc_mc() -> None:
    document = next(d for d in DOCUMENTS if d["source"]["dataset"] == "microneedling_synthetic")
    data = _read_input(document)
    columns = {
        name: np.array(values, dtype=float) for name, values in data.items() if name != "study"
    }

    yi, vi = mean_change(
        columns["m1i"],
        columns["sd1i"],
        columns["m2i"],
        columns["sd2i"],
        columns["ni"],
        columns["ri"],
    )

    np.testing.assert_allclose(yi, columns["yi"], rtol=REL_TOL, atol=0)
    np.testing.assert_allclose(vi, columns["vi"], rtol=REL_TOL, atol=0)
