"""Meta-regression bubble plot as an inline SVG: study estimates against a moderator.

Each study is a circle whose area is proportional to its inverse-variance weight
(``1 / vi``). When the regression was performed, the fitted line and its 95% confidence band
(metafor ``predict()``: ``b0 + b1 x -/+ crit * sqrt(v0 + 2 x c01 + x^2 v1)``) are drawn;
otherwise the plot says why not (e.g. "not performed (k = 6 < 10)").
"""

from __future__ import annotations

import io

import numpy as np

from evidence.reporting.context import MetaRegression
from evidence.reporting.forest import _RC, _inlineable, _salt_text
from evidence.reporting.formatting import fmt_ci, fmt_num, fmt_p
from evidence.reporting.plot_bounds import plotted_points

MODERATOR_LABELS = {"sessions": "Number of sessions", "needle_depth_mm": "Needle depth (mm)"}
_COLOUR, _LINE = "#2b4c7e", "#a61b1b"


def regression_band(reg: MetaRegression, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """(fit, lower, upper) of the regression line at ``x`` (requires a performed fit)."""
    if reg.intercept is None or reg.slope is None:
        raise ValueError(f"meta-regression {reg.status}: no line to draw")
    fit = reg.intercept + reg.slope * x
    var = (
        (reg.var_intercept or 0.0)
        + 2 * x * (reg.cov_intercept_slope or 0.0)
        + x**2 * (reg.var_slope or 0.0)
    )
    half = (reg.crit or 1.959963984540054) * np.sqrt(np.maximum(var, 0.0))
    return fit, fit - half, fit + half


def render_bubble_svg(reg: MetaRegression, *, ylabel: str, title: str) -> str:
    from matplotlib import rc_context  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    salt = _salt_text(repr((reg, ylabel, title)))
    prefix = f"forest-{salt[:10]}"
    with rc_context({**_RC, "svg.hashsalt": salt}):
        fig = Figure(figsize=(6.2, 3.6))
        ax = fig.add_axes((0.11, 0.17, 0.86, 0.68))
        ax.set_xlabel(MODERATOR_LABELS.get(reg.moderator, reg.moderator), parse_math=False)
        ax.set_ylabel(ylabel, parse_math=False)
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        fig.text(0.02, 0.95, title, fontsize=9.5, fontweight="bold", va="center", parse_math=False)
        points, left_out = plotted_points(reg.points)
        if points:
            x = np.array([p.x for p in points], dtype=float)
            y = np.array([p.yi for p in points], dtype=float)
            w = 1.0 / np.array([max(p.vi, 1e-12) for p in points], dtype=float)
            sizes = 20 + 280 * (w / w.max())
            ax.scatter(
                x,
                y,
                s=sizes,
                color=_COLOUR,
                alpha=0.55,
                edgecolors=_COLOUR,
                linewidths=0.8,
                zorder=3,
                gid=f"{prefix}-points",
            )
            pad = 0.1 * (np.ptp(x) or 1.0)
            ax.set_xlim(x.min() - pad, x.max() + pad)
        if reg.status == "performed" and reg.intercept is not None and reg.points:
            lo, hi = ax.get_xlim()
            grid = np.linspace(lo, hi, 60)
            fit, lower, upper = regression_band(reg, grid)
            ax.fill_between(
                grid, lower, upper, color=_LINE, alpha=0.15, linewidth=0, gid=f"{prefix}-band"
            )
            ax.plot(grid, fit, color=_LINE, linewidth=1.4, gid=f"{prefix}-line")
            caption = (
                f"Slope {fmt_num(reg.slope, 3)} {fmt_ci(reg.slope_ci_lb, reg.slope_ci_ub, 3)} "
                f"per unit, p {fmt_p(reg.slope_pval)}; k = {reg.k}; τ² = {fmt_num(reg.tau2, 3)}"
            )
        else:
            caption = f"Meta-regression {reg.status}; points are the studies (k = {reg.k})"
        if left_out:
            caption += f"; the {len(points)} with the most weight drawn"
        if not reg.points:
            ax.text(
                0.5,
                0.5,
                "no study reported this moderator",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#5b6570",
                parse_math=False,
            )
        fig.text(0.02, 0.03, caption, fontsize=8, color="#333333", parse_math=False)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _inlineable(buffer.getvalue(), title, prefix)
    return svg.replace('class="forest"', 'class="plot bubble"', 1)
