"""Render a :class:`ReportContext` to HTML and Markdown strings; one function writes them.

``render_html`` and ``render_markdown`` are pure (context in, string out). ``write_report`` is
the only function here that touches the file system. The HTML is self-contained: inline CSS,
inline SVG forest plots, no scripts, and no external references other than ``<a href>`` links
to the citations' sources. Autoescaping is on; only the SVGs built by ``forest.py`` are
marked safe. The Markdown environment escapes every interpolated value (``finalize``) so a
label cannot inject HTML, links or table cells when the artifact is rendered.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from evidence.reporting import formatting as f
from evidence.reporting.context import PooledStratum, ReportContext
from evidence.reporting.forest import render_forest_svg

SYNTHETIC_BANNER = "Contains SYNTHETIC data — not evidence"


@dataclass(frozen=True)
class ReportPaths:
    """Where ``write_report`` put the report."""

    html: Path
    markdown: Path


@dataclass(frozen=True)
class ForestFigure:
    """One forest plot of one stratum, ready for the template."""

    stratum: PooledStratum
    title: str
    svg: Markup


def render_html(ctx: ReportContext) -> str:
    """The full self-contained HTML report."""
    template = _html_env().get_template("report.html.j2")
    return template.render(
        ctx=ctx,
        is_synthetic=contains_synthetic(ctx),
        banner=SYNTHETIC_BANNER,
        figures_overall=_forest_figures(ctx.overall),
        figures_severity=_forest_figures(ctx.by_severity),
        figures_skin_type=_forest_figures(ctx.by_skin_type),
    )


def render_markdown(ctx: ReportContext) -> str:
    """The compact Markdown report (same tables, no plots), e.g. for a Prefect artifact."""
    template = _markdown_env().get_template("report.md.j2")
    text = template.render(ctx=ctx, is_synthetic=contains_synthetic(ctx), banner=SYNTHETIC_BANNER)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def write_report(ctx: ReportContext, out_dir: Path) -> ReportPaths:
    """Render the context and write ``report.html`` and ``report.md`` into ``out_dir``."""
    html, markdown = render_html(ctx), render_markdown(ctx)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(html=out_dir / "report.html", markdown=out_dir / "report.md")
    paths.html.write_text(html, encoding="utf-8")
    paths.markdown.write_text(markdown, encoding="utf-8")
    return paths


def contains_synthetic(ctx: ReportContext) -> bool:
    """True when any source, citation or plotted study is synthetic (or mixed)."""
    origins = {s.origin for s in ctx.sources} | {c.origin for c in ctx.citations}
    for stratum in (*ctx.overall, *ctx.by_severity, *ctx.by_skin_type):
        origins |= {s.origin for s in stratum.studies}
    return bool(origins & {"synthetic", "mixed"})


def _forest_figures(strata: Sequence[PooledStratum]) -> list[ForestFigure]:
    figures = []
    for stratum in strata:
        if not stratum.studies:
            continue
        title = f"{f.stratum_label(stratum)} · {stratum.intervention} · " + _scale_short(
            stratum.outcome_scale
        )
        svg = render_forest_svg(
            stratum.studies,
            stratum,
            xlabel=f"Improvement, {f.scale_label(stratum.outcome_scale)} (positive = better)",
            title=title,
        )
        # Safe to mark: built by forest.py, where matplotlib escapes every label it writes.
        figures.append(ForestFigure(stratum=stratum, title=title, svg=Markup(svg)))
    return figures


_SCALE_SHORT = {"gb_qualitative": "GB grade (1–4)", "gb_quantitative": "GB score"}


def _scale_short(outcome_scale: str) -> str:
    return _SCALE_SHORT.get(outcome_scale, outcome_scale)


_FILTERS: dict[str, Callable[..., str]] = {
    "num": f.fmt_num,
    "int": f.fmt_int,
    "pct": f.fmt_percent,
    "rate": f.fmt_rate,
    "ci": f.fmt_ci,
    "est": f.fmt_estimate,
    "rate_ci": f.fmt_rate_ci,
    "mean_sd": f.fmt_mean_sd,
    "sha": f.short_sha,
    "scale": f.scale_label,
    "scale_short": _scale_short,
    "stratum": f.stratum_label,
    "origin": f.origin_label,
    "ci_test": f.ci_test_label,
}


def _base_env(**options: Any) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evidence.reporting", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )
    env.tests["web_url"] = f.is_web_url
    env.globals["DASH"] = f.DASH
    return env


@functools.cache
def _html_env() -> jinja2.Environment:
    env = _base_env(autoescape=True)
    env.filters.update(_FILTERS)
    return env


class _MdRaw(str):
    """Markdown already made safe (numbers from our formatters, built links)."""

    __slots__ = ()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|!#~])")


def _md_escape(value: object) -> str:
    """Escape one interpolated value for a GFM table cell or list item."""
    if isinstance(value, _MdRaw):
        return str(value)
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(value))  # a newline would end a table row
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_url(url: str) -> str:
    """A link target that cannot close the Markdown link or the table cell."""
    return _MdRaw(quote(url.strip(), safe=":/?#@&=+$,;%~.-_"))


def _md_raw(func: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        return _MdRaw(func(*args, **kwargs))

    return wrapper


_MD_TEXT_FILTERS = {"sha", "scale", "scale_short", "stratum", "origin", "ci_test"}


@functools.cache
def _markdown_env() -> jinja2.Environment:
    env = _base_env(autoescape=False, finalize=_md_escape)
    env.filters.update(
        {
            name: func if name in _MD_TEXT_FILTERS else _md_raw(func)
            for name, func in _FILTERS.items()
        }
    )
    env.filters["md_url"] = _md_url
    env.filters["md_raw"] = _MdRaw  # for macro output, whose values were escaped inside
    return env
