"""A forest plot as an inline SVG string (RevMan/metafor conventions).

One row per study arm: label and n on the left, a square whose *area* is proportional to its
random-effects weight, a horizontal 95% CI line, and "estimate [ci_lb, ci_ub]  weight%" on the
right. A dashed line marks no effect; the pooled estimate is a diamond at the bottom with the
95% prediction interval drawn through it as a thin whiskered line; a caption states the model,
τ², I², k and n. Missing numbers print as an em dash, never ``nan``.

The figure is built on :class:`matplotlib.figure.Figure` (no pyplot, so nothing is left open),
with ``svg.fonttype = "none"`` so text stays selectable, and the XML prolog, DOCTYPE and RDF
metadata are stripped so the SVG can be inlined in HTML. Element ids are salted with a hash of
the inputs: stable between runs, distinct between plots in one document. Artists carry ids a
test can find: ``<prefix>-study-<i>``, ``<prefix>-pooled-diamond``, ``<prefix>-pi``.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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

_RC = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": _FONT_PT,
    "axes.unicode_minus": True,
    "text.usetex": False,
}


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
    from matplotlib import rc_context  # noqa: PLC0415 - importing matplotlib costs ~0.5 s
    from matplotlib.figure import Figure  # noqa: PLC0415

    salt = _salt(studies, pooled, xlabel, f"{title}|{effect_header}|{log_x}", null_value)
    prefix = f"forest-{salt[:10]}"
    with rc_context({**_RC, "svg.hashsalt": salt}):
        fig = Figure()
        _draw(
            fig,
            studies,
            pooled,
            xlabel=xlabel,
            title=title,
            null_value=null_value,
            prefix=prefix,
            effect_header=effect_header,
            log_x=log_x,
        )
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return _inlineable(buffer.getvalue(), title or xlabel, prefix)


def _draw(
    fig: Figure,
    studies: Sequence[StudyEffect],
    pooled: PooledStratum | None,
    *,
    xlabel: str,
    title: str,
    null_value: float,
    prefix: str,
    effect_header: str,
    log_x: bool,
) -> None:
    k = len(studies)
    pooled_y = -(k + 0.6) if k else 0.0
    ax, text = _layout(fig, k, pooled_y if pooled is not None else None, title)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlim(*_x_limits(studies, pooled, null_value, log_x=log_x))
    ax.set_xlabel(xlabel, parse_math=False)
    ax.axvline(null_value, linestyle="--", linewidth=0.8, color=_GUIDE_COLOUR, zorder=1)
    header_y = 1.15
    text(_LABEL_X, header_y, "Study", fontweight="bold")
    text(_N_X, header_y, "n", fontweight="bold", ha="right")
    text(_EST_X, header_y, effect_header, fontweight="bold")
    text(_WEIGHT_X, header_y, "Weight", fontweight="bold", ha="right")
    _draw_studies(ax, text, studies, prefix)
    if pooled is not None:
        _draw_pooled(ax, text, pooled, pooled_y, prefix)
        fig.text(
            _LABEL_X / _WIDTH,
            0.14 / fig.get_figheight(),
            _caption(pooled),
            fontsize=_FONT_PT - 0.5,
            color="#333333",
            va="center",
            parse_math=False,
        )


def _layout(
    fig: Figure, k: int, pooled_y: float | None, title: str
) -> tuple[Axes, Callable[..., None]]:
    """Size the figure to its rows; return the plot axes and a row-text writer.

    The writer places text at x in inches from the figure's left edge and y in data rows, so
    the label, n, estimate and weight columns line up with the markers.
    """
    from matplotlib.transforms import blended_transform_factory  # noqa: PLC0415

    y_bottom = (pooled_y if pooled_y is not None else -(k - 1)) - 0.7
    rows_height = (0.7 - y_bottom) * _ROW
    top = 0.45 + (0.32 if title else 0.0)  # header row (+ title)
    bottom = 0.80 if pooled_y is not None else 0.55  # ticks, x label (+ caption)
    height = top + rows_height + bottom
    fig.set_size_inches(_WIDTH, height)
    box = (_PLOT_LEFT, bottom, _PLOT_RIGHT - _PLOT_LEFT, rows_height)
    ax = fig.add_axes((box[0] / _WIDTH, box[1] / height, box[2] / _WIDTH, box[3] / height))
    ax.set_ylim(y_bottom, 0.7)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=_FONT_PT - 0.5, length=3)
    if title:
        fig.text(
            _LABEL_X / _WIDTH,
            1 - 0.22 / height,
            title,
            fontsize=_FONT_PT + 1.5,
            fontweight="bold",
            va="center",
            parse_math=False,
        )
    trans = blended_transform_factory(fig.dpi_scale_trans, ax.transData)

    def text(x: float, y: float, s: str, **kw: Any) -> None:
        ax.text(x, y, s, transform=trans, va="center", clip_on=False, parse_math=False, **kw)

    return ax, text


def _draw_studies(
    ax: Axes, text: Callable[..., None], studies: Sequence[StudyEffect], prefix: str
) -> None:
    for i, (study, side) in enumerate(zip(studies, _square_sides(studies), strict=True)):
        y = -i
        text(_LABEL_X, y, _truncate(study.label or study.study_id))
        text(_N_X, y, fmt_int(study.n), ha="right")
        text(_EST_X, y, fmt_estimate(study.yi, study.ci_lb, study.ci_ub))
        text(_WEIGHT_X, y, fmt_percent(study.weight_pct), ha="right")
        if is_number(study.ci_lb) and is_number(study.ci_ub):
            ax.hlines(y, study.ci_lb, study.ci_ub, color=_STUDY_COLOUR, linewidth=1, zorder=2)
        if is_number(study.yi):
            ax.scatter(
                [study.yi],
                [y],
                s=[side**2],
                marker="s",
                color=_STUDY_COLOUR,
                linewidths=0,
                zorder=3,
                gid=f"{prefix}-study-{i}",
            )


def _draw_pooled(
    ax: Axes, text: Callable[..., None], pooled: PooledStratum, y: float, prefix: str
) -> None:
    from matplotlib.patches import Polygon  # noqa: PLC0415

    bold = {"fontweight": "bold"}
    text(_LABEL_X, y, f"Pooled ({pooled.method})", **bold)
    text(_N_X, y, fmt_int(pooled.n_patients), ha="right", **bold)
    text(_EST_X, y, fmt_estimate(pooled.mean_change, pooled.ci_lb, pooled.ci_ub), **bold)
    text(_WEIGHT_X, y, fmt_percent(100.0) if pooled.studies else DASH, ha="right", **bold)
    if is_number(pooled.pi_lb) and is_number(pooled.pi_ub):
        ax.hlines(y, pooled.pi_lb, pooled.pi_ub, color=_POOLED_COLOUR, linewidth=0.8, zorder=2)
        ax.vlines(
            [pooled.pi_lb, pooled.pi_ub],
            y - 0.15,
            y + 0.15,
            color=_POOLED_COLOUR,
            linewidth=0.8,
            zorder=2,
            gid=f"{prefix}-pi",
        )
    if all(is_number(v) for v in (pooled.mean_change, pooled.ci_lb, pooled.ci_ub)):
        half = 0.32
        corners = [
            (pooled.ci_lb, y),
            (pooled.mean_change, y + half),
            (pooled.ci_ub, y),
            (pooled.mean_change, y - half),
        ]
        ax.add_patch(
            Polygon(
                corners,
                closed=True,
                facecolor=_POOLED_COLOUR,
                edgecolor=_POOLED_COLOUR,
                linewidth=0.6,
                zorder=4,
                gid=f"{prefix}-pooled-diamond",
            )
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


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_ID_OR_REF = re.compile(r'(\bid="|href="#|url\(#)(?!forest-)([^")]+)')


def _inlineable(svg: str, label: str, prefix: str) -> str:
    """Drop the XML prolog, DOCTYPE and RDF metadata; label the figure for screen readers.

    matplotlib numbers its groups ``figure_1``, ``axes_1``...; those ids (and every reference
    to them) get the plot's prefix so several plots can share one HTML document.
    """
    svg = _METADATA.sub("", _PROLOG.sub("", svg, count=1), count=1)
    svg = _ID_OR_REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    aria = f'<svg role="img" aria-label="{html.escape(label, quote=True)}" class="forest"'
    return svg.replace("<svg", aria, 1).strip() + "\n"


__all__ = ["render_forest_svg"]
