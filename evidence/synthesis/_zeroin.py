"""Brent's root finder exactly as R's ``uniroot()`` runs it (``R_zeroin2`` in R's
``src/library/stats/src/zeroin.c``), so that Paule-Mandel tau2 follows metafor's path.

R's ``uniroot()`` stops at an absolute tolerance of ``tol`` (metafor passes
``.Machine$double.eps^0.25``), so two correct root finders can disagree in the fourth
decimal; porting the algorithm step for step is what gives 1e-6 agreement with metafor.
"""

from __future__ import annotations

from collections.abc import Callable

DBL_EPSILON = 2.220446049250313e-16


def zeroin2(  # noqa: PLR0912 -- kept branch for branch with R's zeroin.c for auditability
    f: Callable[[float], float],
    ax: float,
    bx: float,
    *,
    fa: float,
    fb: float,
    tol: float,
    maxiter: int,
) -> float:
    """Return a root of ``f`` in ``[ax, bx]`` given ``fa = f(ax)`` and ``fb = f(bx)``.

    Line-by-line port of ``R_zeroin2`` (G. Forsythe, M. Malcolm, C. Moler, *Computer
    methods for mathematical computations*, 1977; R Core Team). When ``maxiter`` is
    exhausted R's ``uniroot()`` only warns and returns the current iterate; so does this.
    """
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * DBL_EPSILON * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0.0 and fc > 0.0) or (fb < 0.0 and fc < 0.0):
            c, fc = a, fa
    return b
