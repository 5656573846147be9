"""evidence.meta.run_meta reproduces metafor 3.8-1 on every case in tests/golden/meta/.

The golden files come from tests/golden/make_meta_golden.R; this test reads JSON and CSV
only, so it runs without R.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from evidence.meta import run_meta
from evidence.synthesis.escalc import escalc
from tests.synthesis.meta_golden import (
    META_DIR,
    REL_TOL,
    assert_matches,
    input_path,
    load_cases,
    options_for,
)

CASES = load_cases()


def test_golden_cases_cover_every_measure_both_tests_and_subgroups() -> None:
    combos = {(c.values[1]["args"]["measure"], c.values[1]["args"]["test"]) for c in CASES}
    for measure in ("MD", "SMD", "MC", "SMCR", "PLO", "PR", "RR", "OR", "RD", "GEN"):
        assert {(measure, "z"), (measure, "knha")} <= combos, measure
    bys = {c.values[1]["args"]["by"] for c in CASES}
    assert {"skin_type", "severity"} <= bys
    assert len(CASES) >= 12
    for case in CASES:
        assert case.values[0]["source"]["metafor_version"]


def test_golden_cases_cover_missing_values_cells_remedies_and_heterogeneity_cis() -> None:
    expected = [c.values[1]["expected"] for c in CASES]
    assert any(e["omitted"] for e in expected)  # dat.yusuf1985: "Snow 1" has no counts
    inputs = {input_path(c.values[0]).read_text().splitlines()[0] for c in CASES}
    assert '"study","ai","bi","ci","di","alloc","ablat"' in inputs  # dat.bcg as cells
    controls = {(e["overall"]["control"] or {}).get("stepadj") for e in expected}
    assert 0.5 in controls  # a default REML fit that does not converge, remedied
    methods = {c.values[1]["args"]["method"] for c in CASES if c.values[1]["expected"]["metareg"]}
    assert {"REML", "ML", "DL", "PM", "EE"} <= methods  # R2 by every kind of estimator
    for e in expected:
        overall = e["overall"]
        random = overall["k"] > 1 and e["overall"]["tau2_se"] is not None
        assert (overall["I2_ci_lb"] is not None) == random


@pytest.mark.parametrize(("document", "case"), CASES)
def test_meta_matches_metafor(document: dict, case: dict) -> None:
    result = run_meta(input_path(document), options_for(case))

    assert_matches(result, case["expected"], "result")


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in META_DIR.glob("*.json") if "k1" not in p.stem)
)
def test_escalc_yi_vi_match_metafor(name: str) -> None:
    import json  # noqa: PLC0415

    document = json.loads((META_DIR / f"{name}.json").read_text())
    with input_path(document).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for case in document["cases"]:
        measure = case["args"]["measure"]
        fitted = [r for r in rows if r["study"] not in case["expected"]["omitted"]]
        columns = {
            c: np.array([float(r[c]) if r[c] != "" else np.nan for r in fitted])
            for c in rows[0]
            if c not in {"study", "alloc", "design", "skin_type", "severity", "arm"}
        }
        es = escalc(measure, columns, rho=case["args"]["rho"])
        np.testing.assert_allclose(es.yi, case["expected"]["yi"], rtol=REL_TOL, atol=1e-15)
        np.testing.assert_allclose(es.vi, case["expected"]["vi"], rtol=REL_TOL, atol=0)
