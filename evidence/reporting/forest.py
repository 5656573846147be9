"""A forest plot as an inline SVG string (RevMan/metafor conventions).

One row per study arm: label and n on the left, a square whose *area* is proportional to its
random-effects weight, a horizontal 95% CI line, and "estimate [ci_lb, ci_ub]  weight%" on the
right. A dashed line marks no effect; the pooled estimate is a diamond at the bottom with the
95% prediction interval drawn through it as a thin whiskered line; a caption states the model,
τ², I², k and n. Missing numbers print as an em dash, never ``nan``.

The SVG is written directly (a plot is a few dozen texts, lines and squares: about a
millisecond each; drawing it with matplotlib took ~0.15 s, 40 plots to a report), compact
(coordinates to 1/100 pt, no layout whitespace), with text left as text (selectable), in
DejaVu Sans. A plot draws at most
``plot_bounds.MAX_PLOTTED_STUDIES`` studies, the heaviest, and says how many more there are.
Element ids are salted with a hash of the inputs: stable between runs, distinct between plots
in one document. Elements carry ids a test can find: ``<prefix>-study-<i>``,
``<prefix>-pooled-diamond``, ``<prefix>-pi``. The bubble plots (``bubble``) are written
with the same elements.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Sequence
from typing import Any

from evidence.reporting.context import PooledStratum, StudyEffect
from evidence.reporting.formatting import (
    DASH,
    fmt_ci,
    fmt_estimate,
    fmt_i2,
    fmt_int,
    fmt_num,
    fmt_percent,
    is_number,
)
from evidence.reporting.plot_bounds import plotted_studies

# Layout, in inches (the SVG scales to its container; these fix proportions and type size).
_WIDTH = 9.0
_ROW = 0.27
_LABEL_X = 0.10
_N_X = 2.95  # right edge of the n column
_PLOT_LEFT, _PLOT_RIGHT = 3.15, 6.05
_EST_X = 6.20
_WEIGHT_X = 8.90  # right edge of the weight column
_FONT_PT = 8.5
_MAX_LABEL = 40
# Square side in points for the heaviest study; the lightest is never drawn below _MIN_SIDE.
_MAX_SIDE, _MIN_SIDE, _UNWEIGHTED_SIDE = 12.0, 3.0, 6.0
_STUDY_COLOUR, _POOLED_COLOUR, _GUIDE_COLOUR = "#2b4c7e", "#1a1a1a", "#8a8a8a"


def render_forest_svg(
    studies: Sequence[StudyEffect],
    pooled: PooledStratum | None,
    *,
    xlabel: str,
    title: str = "",
    null_value: float = 0.0,
    effect_header: str = "Improvement [95% CI]",
    log_x: bool = False,
) -> str:
    """Return an inline-able ``<svg>`` forest plot of ``studies`` and their ``pooled`` diamond.

    ``effect_header`` heads the estimate column; ``log_x`` draws a ratio (odds ratio) on a
    logarithmic axis, around ``null_value`` 1. Raises ``ValueError`` when there is nothing to
    draw (no studies and no pooled estimate).
    """
    if not studies and pooled is None:
        raise ValueError("a forest plot needs at least one study or a pooled estimate")
    shown, others = plotted_studies(studies)
    key = f"{title}|{effect_header}|{log_x}|{len(studies)}|{others}"
    salt = _salt(shown, pooled, xlabel, key, null_value)
    prefix = f"forest-{salt[:10]}"
    k = len(shown) + (1 if others else 0)
    pooled_y = -(k + 0.6) if k else 0.0
    y_bottom = (pooled_y if pooled is not None else -(k - 1)) - 0.7
    top = (0.45 + (0.32 if title else 0.0)) * _PT
    rows = (0.7 - y_bottom) * _ROW * _PT
    height = top + rows + (0.80 if pooled is not None else 0.55) * _PT
    axis = _Axis(*_x_limits(shown, pooled, null_value, log_x=log_x), log=log_x)
    svg = _Svg(prefix, top)
    if title:
        svg.text(_LABEL_X, None, title, size=_FONT_PT + 1.5, bold=True, y_pt=0.22 * _PT)
    svg.line(axis.x(null_value), top, axis.x(null_value), top + rows, _GUIDE_COLOUR, dash=True)
    for x, label in axis.ticks():
        svg.line(x, top + rows, x, top + rows + 3, "#000000")
        svg.text_at(x, top + rows + 12.5, label, size=_FONT_PT - 0.5, anchor="middle")
    svg.line(_PLOT_LEFT * _PT, top + rows, _PLOT_RIGHT * _PT, top + rows, "#000000")
    centre = (_PLOT_LEFT + _PLOT_RIGHT) / 2 * _PT
    svg.text_at(centre, top + rows + 25, xlabel, size=_FONT_PT, anchor="middle")
    for x, name, anchor in (
        (_LABEL_X, "Study", "start"),
        (_N_X, "n", "end"),
        (_EST_X, effect_header, "start"),
        (_WEIGHT_X, "Weight", "end"),
    ):
        svg.text(x, 1.15, name, bold=True, anchor=anchor)
    _draw_studies(svg, axis, shown, prefix)
    if others:
        svg.text(_LABEL_X, -len(shown), others, colour="#555555", italic=True)
    if pooled is not None:
        _draw_pooled(svg, axis, pooled, pooled_y, prefix)
        svg.text(_LABEL_X, None, _caption(pooled), size=_FONT_PT - 0.5, colour="#333333",
                 y_pt=height - 0.14 * _PT)  # fmt: skip
    root = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{_WIDTH * _PT:g}pt" height="{height:.2f}pt" '
        f'viewBox="0 0 {_WIDTH * _PT:g} {height:.2f}" version="1.1" '
        f"style=\"font-family: 'DejaVu Sans'\">"
    )
    return _inlineable(root + "".join(svg.parts) + "</svg>", title or xlabel)


_PT = 72.0  # points per inch: the SVG's unit


class _Axis:
    """The plot's x scale: data value -> SVG x, and the ticks worth labelling."""

    def __init__(self, low: float, high: float, *, log: bool) -> None:
        self.log = log
        self.low, self.high = (math.log10(low), math.log10(high)) if log else (low, high)

    def x(self, value: float) -> float:
        v = math.log10(value) if self.log else value
        share = (v - self.low) / (self.high - self.low)
        return (_PLOT_LEFT + share * (_PLOT_RIGHT - _PLOT_LEFT)) * _PT

    def ticks(self) -> list[tuple[float, str]]:
        if self.log:
            values = [
                m * 10.0**e
                for e in range(math.floor(self.low) - 1, math.ceil(self.high) + 1)
                for m in ((1, 2, 5) if self.high - self.low < 2 else (1,))
            ]
            inside = [v for v in values if self.low <= math.log10(v) <= self.high]
            return [(self.x(v), f"{v:g}") for v in inside]
        return [(self.x(v), label) for v, label in linear_ticks(self.low, self.high)]


def linear_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """(value, label) of the round values between ``low`` and ``high``: at most six, a step
    of 1, 2, 2.5 or 5 times a power of ten, labelled with the places the step needs."""
    span = high - low
    magnitude = 10.0 ** math.floor(math.log10(span / 5))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if span / (m * magnitude) <= 6)
    places = max(0, -math.floor(math.log10(step)) + (1 if str(step).endswith("25") else 0))
    first = math.ceil(low / step)
    values = [i * step for i in range(first, math.floor(high / step) + 1)]
    return [(v, f"{v + 0.0:.{places}f}") for v in values]


class _Svg:
    """SVG elements of one plot, in points; rows are placed by their row coordinate (0, -1,
    ... as the studies go down) and texts centred on their row."""

    def __init__(self, prefix: str, top: float) -> None:
        self.prefix, self.top, self.parts = prefix, top, []

    def row_y(self, row: float) -> float:
        return self.top + (0.7 - row) * _ROW * _PT

    def text(
        self,
        x_inches: float,
        row: float | None,
        text: str,
        *,
        y_pt: float | None = None,
        anchor: str = "start",
        **style: Any,
    ) -> None:
        y = self.row_y(row) if row is not None else float(y_pt or 0.0)
        self.text_at(x_inches * _PT, y, text, anchor=anchor, **style)

    def text_at(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = _FONT_PT,
        anchor: str = "start",
        bold: bool = False,
        italic: bool = False,
        colour: str = "#000000",
    ) -> None:
        style = f"font-size: {size:g}px; text-anchor: {anchor}"
        style += "; font-weight: bold" if bold else ""
        style += "; font-style: italic" if italic else ""
        style += f"; fill: {colour}" if colour != "#000000" else ""
        baseline = y + 0.35 * size  # the text's middle on y, as matplotlib's va="center"
        self.parts.append(
            f'<text x="{x:.2f}" y="{baseline:.2f}" style="{style}">{html.escape(text)}</text>'
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, colour: str, *, dash: bool = False
    ) -> None:
        width = "0.8" if colour != _STUDY_COLOUR else "1"
        dashes = "; stroke-dasharray: 2.96,1.28" if dash else ""
        self.parts.append(
            f'<path d="M {x1:.2f} {y1:.2f} L {x2:.2f} {y2:.2f}" '
            f'style="fill: none; stroke: {colour}; stroke-width: {width}{dashes}"/>'
        )

    def group(self, name: str, *elements: str) -> None:
        self.parts.append(f'<g id="{self.prefix}-{name}">{"".join(elements)}</g>')


def _draw_studies(svg: _Svg, axis: _Axis, studies: Sequence[StudyEffect], prefix: str) -> None:
    for i, (study, side) in enumerate(zip(studies, _square_sides(studies), strict=True)):
        y = svg.row_y(-i)
        svg.text(_LABEL_X, -i, _truncate(study.label or study.study_id))
        svg.text(_N_X, -i, fmt_int(study.n), anchor="end")
        svg.text(_EST_X, -i, fmt_estimate(study.yi, study.ci_lb, study.ci_ub))
        svg.text(_WEIGHT_X, -i, fmt_percent(study.weight_pct), anchor="end")
        if is_number(study.ci_lb) and is_number(study.ci_ub):
            svg.line(axis.x(study.ci_lb), y, axis.x(study.ci_ub), y, _STUDY_COLOUR)
        if is_number(study.yi):
            h = side / 2
            marker = f"{prefix}-m{i}"
            svg.group(
                f"study-{i}",
                f'<defs><path id="{marker}" d="M {-h:.2f} {h:.2f} L {h:.2f} {h:.2f} '
                f'L {h:.2f} {-h:.2f} L {-h:.2f} {-h:.2f} z"/></defs>',
                f'<use xlink:href="#{marker}" x="{axis.x(study.yi):.2f}" y="{y:.2f}" '
                f'style="fill: {_STUDY_COLOUR}"/>',
            )


def _draw_pooled(svg: _Svg, axis: _Axis, pooled: PooledStratum, row: float, prefix: str) -> None:
    for x, text, anchor in (
        (_LABEL_X, f"Pooled ({pooled.method})", "start"),
        (_N_X, fmt_int(pooled.n_patients), "end"),
        (_EST_X, fmt_estimate(pooled.mean_change, pooled.ci_lb, pooled.ci_ub), "start"),
        (_WEIGHT_X, fmt_percent(100.0) if pooled.studies else DASH, "end"),
    ):
        svg.text(x, row, text, bold=True, anchor=anchor)
    y = svg.row_y(row)
    stroke = f"fill: none; stroke: {_POOLED_COLOUR}; stroke-width: 0.8"
    if is_number(pooled.pi_lb) and is_number(pooled.pi_ub):
        low, high = axis.x(pooled.pi_lb), axis.x(pooled.pi_ub)
        whisker = 0.15 * _ROW * _PT
        d = (
            f"M {low:.2f} {y:.2f} L {high:.2f} {y:.2f} M {low:.2f} {y - whisker:.2f} "
            f"L {low:.2f} {y + whisker:.2f} M {high:.2f} {y - whisker:.2f} "
            f"L {high:.2f} {y + whisker:.2f}"
        )
        svg.group("pi", f'<path d="{d}" style="{stroke}"/>')
    if all(is_number(v) for v in (pooled.mean_change, pooled.ci_lb, pooled.ci_ub)):
        half = 0.32 * _ROW * _PT
        low, mid, high = axis.x(pooled.ci_lb), axis.x(pooled.mean_change), axis.x(pooled.ci_ub)
        d = (
            f"M {low:.2f} {y:.2f} L {mid:.2f} {y - half:.2f} L {high:.2f} {y:.2f} "
            f"L {mid:.2f} {y + half:.2f} z"
        )
        svg.group(
            "pooled-diamond",
            f'<path d="{d}" style="fill: {_POOLED_COLOUR}; stroke: {_POOLED_COLOUR}; '
            'stroke-width: 0.6"/>',
        )


def _caption(pooled: PooledStratum) -> str:
    q = ""
    if is_number(pooled.qe) and pooled.k_studies > 1:
        p = pooled.qe_p
        p_shown = "< 0.001" if is_number(p) and p < 0.001 else f"= {fmt_num(p, 3)}"
        q = f"Q = {fmt_num(pooled.qe)} (df = {pooled.k_studies - 1}), p {p_shown}; "
    return (
        f"Random-effects model ({pooled.method}); {q}τ² = {fmt_num(pooled.tau2, 3)}; "
        f"I² = {fmt_i2(pooled.i2, pooled.i2_ci_lb, pooled.i2_ci_ub)}; "
        f"k = {fmt_int(pooled.k_studies)}; "
        f"n = {fmt_int(pooled.n_patients)}; 95% PI "
        f"{fmt_ci(pooled.pi_lb, pooled.pi_ub)}"
    )


def _square_sides(studies: Sequence[StudyEffect]) -> list[float]:
    """Square sides in points, so that the square's area is proportional to the weight."""
    weights = [s.weight_pct if is_number(s.weight_pct) else None for s in studies]
    heaviest = max((w for w in weights if w is not None), default=0.0)
    if heaviest <= 0:
        return [_UNWEIGHTED_SIDE] * len(studies)
    return [
        _UNWEIGHTED_SIDE if w is None else max(_MIN_SIDE, _MAX_SIDE * (w / heaviest) ** 0.5)
        for w in weights
    ]


def _x_limits(
    studies: Sequence[StudyEffect],
    pooled: PooledStratum | None,
    null_value: float,
    *,
    log_x: bool = False,
) -> tuple[float, float]:
    values = [null_value]
    for s in studies:
        values += [s.yi, s.ci_lb, s.ci_ub]
    if pooled is not None:
        values += [pooled.mean_change, pooled.ci_lb, pooled.ci_ub, pooled.pi_lb, pooled.pi_ub]
    finite = [float(v) for v in values if is_number(v) and (not log_x or float(v) > 0)]
    if log_x:  # pad in log space
        low, high = math.log(min(finite)), math.log(max(finite))
        pad = 0.06 * (high - low) if high > low else 1.0
        return math.exp(low - pad), math.exp(high + pad)
    low, high = min(finite), max(finite)
    pad = 0.06 * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _truncate(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "…"


def _salt(
    studies: Sequence[StudyEffect],
    pooled: PooledStratum | None,
    xlabel: str,
    title: str,
    null_value: float,
) -> str:
    return _salt_text(repr((tuple(studies), pooled, xlabel, title, null_value)))


def _salt_text(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _inlineable(svg: str, label: str) -> str:
    """The figure labelled for screen readers, ready to sit in an HTML document (every id
    the writers give carries the plot's prefix, so several plots can share one document)."""
    aria = f'<svg role="img" aria-label="{html.escape(label, quote=True)}" class="forest"'
    return svg.replace("<svg", aria, 1).strip() + "\n"


__all__ = ["render_forest_svg"]
