"""What a plot (or a list of study rows) can show a reader: at most
:data:`MAX_PLOTTED_STUDIES` study rows, :data:`MAX_PLOTTED_POINTS` bubbles.

A registry-sized meta-analysis pools a thousand studies per stratum; a forest plot of all of
them is unreadable, and its SVG grows with every row (and the PDF with it). A plot shows the
studies with the most weight, in their order, and one line says how many more there are and
how much of the weight they carry; every study stays in the report's tables (CSV) and in the
provenance's list of studies. The report's lists of study rows per pooled estimate are bounded
the same way."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Protocol

from evidence.reporting.context import StudyEffect
from evidence.reporting.formatting import fmt_int, fmt_percent, is_number

MAX_PLOTTED_STUDIES = 12


def plotted_studies(
    studies: Sequence[StudyEffect],
) -> tuple[tuple[StudyEffect, ...], str | None]:
    """(the studies a plot draws, the line that stands for the others, or None)."""
    if len(studies) <= MAX_PLOTTED_STUDIES:
        return tuple(studies), None
    weights = [float(s.weight_pct) if is_number(s.weight_pct) else -1.0 for s in studies]
    # the heaviest, the earlier first among equals (nlargest is stable)
    shown = sorted(heapq.nlargest(MAX_PLOTTED_STUDIES, range(len(studies)), weights.__getitem__))
    carried = sum(max(w, 0.0) for w in weights) - sum(max(weights[i], 0.0) for i in shown)
    line = (
        f"… {fmt_int(len(studies) - len(shown))} more studies ({fmt_percent(carried)} of the "
        "weight; all in the tables)"
    )
    return tuple(studies[i] for i in shown), line


#: The most studies a bubble plot (meta-regression) draws: the heaviest, by 1 / vi.
MAX_PLOTTED_POINTS = 60


def plotted_points(points: Sequence[_Point]) -> tuple[tuple[_Point, ...], int]:
    """(the points a bubble plot draws, how many more it leaves out)."""
    if len(points) <= MAX_PLOTTED_POINTS:
        return tuple(points), 0
    heaviest = sorted(range(len(points)), key=lambda i: (points[i].vi, i))
    shown = sorted(heaviest[:MAX_PLOTTED_POINTS])
    return tuple(points[i] for i in shown), len(points) - MAX_PLOTTED_POINTS


class _Point(Protocol):
    vi: float
