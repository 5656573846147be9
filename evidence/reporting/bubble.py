"""Meta-regression bubble plot as an inline SVG: study estimates against a moderator.

Each study is a circle whose area is proportional to its inverse-variance weight
(``1 / vi``). When the regression was performed, the fitted line and its 95% confidence band
(metafor ``predict()``: ``b0 + b1 x -/+ crit * sqrt(v0 + 2 x c01 + x^2 v1)``) are drawn;
otherwise the plot says why not (e.g. "not performed (k = 6 < 10)").

Written directly, with the forest plot's elements (``forest._Svg``): a plot is at most
:data:`plot_bounds.MAX_PLOTTED_POINTS` circles, two axes and a band, well under a millisecond,
where drawing it with matplotlib took ~0.1 s and importing matplotlib ~1 s a run. Elements a
test can find: ``<prefix>-points`` (one circle per study drawn), ``<prefix>-band`` and
``<prefix>-line``.
"""

from __future__ import annotations

import math

import numpy as np

from evidence.reporting.context import MetaRegression
from evidence.reporting.forest import _PT, _inlineable, _salt_text, _Svg, linear_ticks
from evidence.reporting.formatting import fmt_ci, fmt_num, fmt_p
from evidence.reporting.plot_bounds import plotted_points

MODERATOR_LABELS = {"sessions": "Number of sessions", "needle_depth_mm": "Needle depth (mm)"}
_COLOUR, _LINE = "#2b4c7e", "#a61b1b"
_WIDTH, _HEIGHT = 6.2 * _PT, 3.6 * _PT
# the plotting area, in points from the top left
_LEFT, _RIGHT, _TOP, _BOTTOM = 0.11 * _WIDTH, 0.97 * _WIDTH, 0.15 * _HEIGHT, 0.83 * _HEIGHT
_FONT = 8.5
#: circle area in pt² of the lightest and the heaviest study
_MIN_AREA, _MAX_AREA = 20.0, 300.0
_GRID = 60  # points along the fitted line and its band


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


class _Scale:
    """Data value -> SVG coordinate along one axis."""

    def __init__(self, low: float, high: float, start: float, end: float) -> None:
        self.low, self.high, self.start, self.end = low, high, start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def _limits(values: list[float], pad_share: float) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    pad = pad_share * (high - low) if high > low else 1.0
    return low - pad, high + pad


def render_bubble_svg(reg: MetaRegression, *, ylabel: str, title: str) -> str:
    salt = _salt_text(repr((reg, ylabel, title)))
    prefix = f"forest-{salt[:10]}"
    svg = _Svg(prefix, 0.0)
    points, left_out = plotted_points(reg.points)
    x = np.array([p.x for p in points], dtype=float)
    y = np.array([p.yi for p in points], dtype=float)
    x_low, x_high = _limits(x.tolist(), 0.1)
    band: tuple[np.ndarray, ...] = ()
    performed = reg.status == "performed" and reg.intercept is not None and bool(reg.points)
    if performed:
        grid = np.linspace(x_low, x_high, _GRID)
        band = (grid, *regression_band(reg, grid))
    y_values = y.tolist() + [v for series in band[2:] for v in series.tolist()]
    y_low, y_high = _limits(y_values, 0.05)
    sx = _Scale(x_low, x_high, _LEFT, _RIGHT)
    sy = _Scale(y_low, y_high, _BOTTOM, _TOP)
    svg.text_at(0.02 * _WIDTH, 0.05 * _HEIGHT, title, size=_FONT + 1, bold=True)
    _axes(svg, sx, sy, MODERATOR_LABELS.get(reg.moderator, reg.moderator), ylabel)
    if band:
        grid, fit, lower, upper = band
        outline = [*zip(grid, upper, strict=True), *reversed(list(zip(grid, lower, strict=True)))]
        svg.group(
            "band",
            f'<path d="{_path(outline, sx, sy)} z" style="fill: {_LINE}; '
            'fill-opacity: 0.15; stroke: none"/>',
        )
        svg.group(
            "line",
            f'<path d="{_path(list(zip(grid, fit, strict=True)), sx, sy)}" '
            f'style="fill: none; stroke: {_LINE}; stroke-width: 1.4"/>',
        )
    if points:
        weights = 1.0 / np.maximum(np.array([p.vi for p in points], dtype=float), 1e-12)
        areas = _MIN_AREA + (_MAX_AREA - _MIN_AREA) * (weights / weights.max())
        svg.group(
            "points",
            *(
                f'<circle cx="{sx(px):.2f}" cy="{sy(py):.2f}" r="{math.sqrt(a / math.pi):.2f}" '
                f'style="fill: {_COLOUR}; fill-opacity: 0.55; stroke: {_COLOUR}; '
                'stroke-width: 0.8"/>'
                for px, py, a in zip(x.tolist(), y.tolist(), areas.tolist(), strict=True)
            ),
        )
    if not reg.points:
        svg.text_at(
            (_LEFT + _RIGHT) / 2,
            (_TOP + _BOTTOM) / 2,
            "no study reported this moderator",
            anchor="middle",
            colour="#5b6570",
        )
    if performed:
        caption = (
            f"Slope {fmt_num(reg.slope, 3)} {fmt_ci(reg.slope_ci_lb, reg.slope_ci_ub, 3)} "
            f"per unit, p {fmt_p(reg.slope_pval)}; k = {reg.k}; τ² = {fmt_num(reg.tau2, 3)}"
        )
    else:
        caption = f"Meta-regression {reg.status}; points are the studies (k = {reg.k})"
    if left_out:
        caption += f"; the {len(points)} with the most weight drawn"
    svg.text_at(0.02 * _WIDTH, 0.97 * _HEIGHT, caption, size=_FONT - 0.5, colour="#333333")
    root = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{_WIDTH:g}pt" height="{_HEIGHT:g}pt" viewBox="0 0 {_WIDTH:g} {_HEIGHT:g}" '
        f'version="1.1" style="font-family: \'DejaVu Sans\'">'
    )
    svg_text = _inlineable(root + "".join(svg.parts) + "</svg>", title)
    return svg_text.replace('class="forest"', 'class="plot bubble"', 1)


def _axes(svg: _Svg, sx: _Scale, sy: _Scale, xlabel: str, ylabel: str) -> None:
    """The left and bottom axes with their ticks and labels."""
    svg.line(_LEFT, _BOTTOM, _RIGHT, _BOTTOM, "#000000")
    svg.line(_LEFT, _TOP, _LEFT, _BOTTOM, "#000000")
    for value, label in linear_ticks(sx.low, sx.high):
        svg.line(sx(value), _BOTTOM, sx(value), _BOTTOM + 3.5, "#000000")
        svg.text_at(sx(value), _BOTTOM + 12, label, size=_FONT - 0.5, anchor="middle")
    for value, label in linear_ticks(sy.low, sy.high):
        svg.line(_LEFT - 3.5, sy(value), _LEFT, sy(value), "#000000")
        svg.text_at(_LEFT - 5, sy(value), label, size=_FONT - 0.5, anchor="end")
    svg.text_at((_LEFT + _RIGHT) / 2, _BOTTOM + 26, xlabel, anchor="middle")
    # the y label, turned to read upwards
    x, y = 0.03 * _WIDTH, (_TOP + _BOTTOM) / 2
    svg.text_at(x, y, ylabel, anchor="middle")
    last = svg.parts[-1]
    svg.parts[-1] = last.replace("<text ", f'<text transform="rotate(-90 {x:.2f} {y:.2f})" ', 1)


def _path(points: list[tuple[float, float]], sx: _Scale, sy: _Scale) -> str:
    return "M " + " L ".join(f"{sx(px):.2f} {sy(py):.2f}" for px, py in points)
