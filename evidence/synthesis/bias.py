"""Small-study effects: Egger's regression test and trim-and-fill, as metafor 3.8-1 runs them.

- ``egger_test``: ``regtest(res)`` with its defaults ``model = "rma"``, ``predictor = "sei"``
  (Egger et al. 1997, *BMJ* 315:629-634; Sterne & Egger 2005 in *Publication Bias in
  Meta-Analysis*, ch. 6): the meta-regression ``rma.uni(yi, vi, mods = ~ sqrt(vi))`` with the
  fitted model's ``method`` and ``test``; the test is that of the ``sei`` coefficient, and the
  intercept is the limit estimate (the effect as ``sei -> 0``).
- ``trimfill``: ``trimfill(res)`` with ``estimator = "L0"`` (Duval & Tweedie 2000,
  *Biometrics* 56:455-463; *JASA* 95:89-98). The side is chosen as metafor does: the slope of
  the same ``sei`` regression, filled on the left when it is >= 0, else on the right. Models in
  the iterations and the final model on the filled data use ``method`` with ``test = "z"``
  (metafor passes no ``test`` to them), so the filled estimate does not depend on ``test``.

Both take the ``control`` the model was fitted with (metafor: ``regtest()`` uses the model's
``control``; ``trimfill(res, control = ...)`` passes it to every refit); None means the
defaults and, where they do not converge, the remedies of :mod:`evidence.synthesis.control`.

Both need ``k >= 3`` (the ``sei`` regression has 2 coefficients); with fewer studies, or where
metafor's fit stops, they raise ``ValueError`` / ``EstimationError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis.control import Control
from evidence.synthesis.metareg import rma_mods
from evidence.synthesis.pooling import RMAResult, rma

TRIMFILL_MAXITER = 100  # metafor trimfill() maxiter
MIN_K_SEI_REGRESSION = 3  # intercept + sei slope + at least one residual df


@dataclass(frozen=True)
class EggerTest:
    """``regtest(res)``: ``zval``/``pval`` of the ``sei`` slope (t-based with ``dfs`` for
    ``test = "knha"``) and the limit estimate ``est`` with its CI."""

    zval: float | None
    pval: float | None
    dfs: int | None
    est: float
    ci_lb: float
    ci_ub: float


@dataclass(frozen=True)
class TrimFill:
    """``trimfill(res)``: ``k0`` studies filled on ``side``; ``fit`` is the model on the
    augmented data (the original model when ``k0 = 0``); ``yi_fill``/``vi_fill`` the added
    studies."""

    k0: int
    se_k0: float
    side: str
    fit: RMAResult
    yi_fill: tuple[float, ...]
    vi_fill: tuple[float, ...]


def _sei_design(vi: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(vi.size), np.sqrt(vi)])


def _check_k(k: int, what: str) -> None:
    if k < MIN_K_SEI_REGRESSION:
        raise ValueError(f"{what} needs k >= {MIN_K_SEI_REGRESSION} studies; got k = {k}")


def egger_test(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    control: Control | None = None,
) -> EggerTest:
    """Egger's test as ``regtest(rma(yi, vi, method, test, control))``."""
    y, v = as_yi_vi(yi, vi)
    _check_k(y.size, "Egger's test")
    fit = rma_mods(
        y, v, _sei_design(v), names=("intrcpt", "sei"), method=method, test=test, control=control
    )
    return EggerTest(
        zval=fit.zval[1],
        pval=fit.pval[1],
        dfs=fit.QMdf[1],
        est=fit.beta[0],
        ci_lb=fit.ci_lb[0],
        ci_ub=fit.ci_ub[0],
    )


def _rank_first(x: np.ndarray) -> np.ndarray:
    """R's ``rank(x, ties.method = "first")``."""
    ranks = np.empty(x.size)
    ranks[np.argsort(x, kind="stable")] = np.arange(1, x.size + 1)
    return ranks


def trimfill(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    side: str | None = None,
    control: Control | None = None,
) -> TrimFill:
    """Trim-and-fill with metafor's defaults (``estimator = "L0"``, side from the data)."""
    y0, v0 = as_yi_vi(yi, vi)
    k = y0.size
    _check_k(k, "trim-and-fill")
    if side is None:
        slope = rma_mods(y0, v0, _sei_design(v0), method=method, control=control).beta[1]
        side = "right" if slope < 0 else "left"
    if side not in {"left", "right"}:
        raise ValueError(f"side must be 'left' or 'right'; got {side!r}")
    y = -y0 if side == "right" else y0.copy()
    order = np.argsort(y, kind="stable")
    y, v = y[order], v0[order]

    k0, k0_previous, iteration = 0, -1, 0
    se_k0 = 0.0
    beta = 0.0
    yi_c = y
    while k0 != k0_previous:
        k0_previous = k0
        iteration += 1
        if iteration > TRIMFILL_MAXITER:
            raise ValueError("trim-and-fill did not converge (metafor stops here)")
        beta = rma(y[: k - k0], v[: k - k0], method=method, control=control, confint=False).beta
        yi_c = y - beta
        signed_ranks = np.sign(yi_c) * _rank_first(np.abs(yi_c))
        Sr = float(np.sum(signed_ranks[signed_ranks > 0]))
        k0_raw = (4.0 * Sr - k * (k + 1)) / (2 * k - 1)
        var_sr = (
            k * (k + 1) * (2 * k + 1)
            + 10 * k0_raw**3
            + 27 * k0_raw**2
            + 17 * k0_raw
            - 18 * k * k0_raw**2
            - 18 * k * k0_raw
            + 6 * k**2 * k0_raw
        ) / 24.0
        se_k0 = max(0.0, 4.0 * float(np.sqrt(var_sr)) / (2 * k - 1)) if var_sr >= 0 else 0.0
        k0 = max(0, round(k0_raw))

    if k0 == 0:
        fit = rma(y0, v0, method=method, control=control, confint=False)
        return TrimFill(0, se_k0, side, fit, (), ())
    centred = -(yi_c - beta) if side == "right" else yi_c - beta
    y_fill = -centred[k - k0 :]
    v_fill = v[k - k0 :]
    fit = rma(
        np.concatenate([y0, y_fill]),
        np.concatenate([v0, v_fill]),
        method=method,
        control=control,
        confint=False,
    )
    return TrimFill(
        k0, se_k0, side, fit, tuple(float(x) for x in y_fill), tuple(float(x) for x in v_fill)
    )
