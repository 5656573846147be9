"""Published analyses reproduced to the decimals their authors printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.meta import MetaOptions, run_meta

INPUTS = Path(__file__).resolve().parents[1] / "golden" / "meta" / "inputs"


def _printed(decimals: int) -> float:
    """Half a unit in the last printed decimal: the most a correct value can differ by."""
    return 0.5 * 10.0**-decimals


def test_analysis_example_viechtbauer2010() -> None:
    """Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat
    Softw 36(3), doi:10.18637/jss.v036.i03: the BCG vaccine trials (dat.bcg) as log relative
    risks from the four cells, REML random-effects model with its prediction interval and
    confint(), and the mixed-effects model with absolute latitude (its R^2)."""
    options = MetaOptions(measure="RR", method="REML", mods=("ablat",))

    result = run_meta(INPUTS / "bcg_cells.csv", options)

    overall, reg = result["overall"], result["metareg"]
    four = pytest.approx
    assert overall["k"] == 13
    assert overall["estimate"] == four(-0.7145, abs=_printed(4))
    assert overall["se"] == four(0.1798, abs=_printed(4))
    assert overall["tau2"] == four(0.3132, abs=_printed(4))
    assert overall["Q"] == four(152.2330, abs=_printed(4))
    assert (overall["pi_lb"], overall["pi_ub"]) == four((-1.8667, 0.4376), abs=_printed(4))
    assert (overall["tau2_ci_lb"], overall["tau2_ci_ub"]) == four((0.1197, 1.1115), abs=_printed(4))
    assert (overall["I2_ci_lb"], overall["I2_ci_ub"]) == four((81.9177, 97.6781), abs=_printed(4))
    assert reg["names"] == ["intrcpt", "ablat"]
    assert reg["estimate"][1] == four(-0.0291, abs=_printed(4))
    assert reg["QM"] == four(16.3571, abs=_printed(4))
    assert reg["R2"] == four(75.62, abs=_printed(2))
