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

from evidence.heap import collection_paused
from evidence.reporting import formatting as f
from evidence.reporting.bubble import MODERATOR_LABELS, render_bubble_svg
from evidence.reporting.context import MetaRegression, PooledStratum, ReportContext, SubgroupTest
from evidence.reporting.csv_text import to_csv
from evidence.reporting.evidence_figures import (
    definition_label,
    odds_ratio_figures,
    responder_figures,
)
from evidence.reporting.forest import render_forest_svg
from evidence.reporting.grade import rules_table
from evidence.reporting.pdf import start_pdf
from evidence.reporting.plot_bounds import plotted_studies
from evidence.reporting.tables import report_tables

SYNTHETIC_BANNER = "SYNTHETIC data only — not evidence"


#: The report's sections in order: their numbers in headings and the contents.
SECTIONS = (
    "summary",
    "sof",
    "responders",
    "comparisons",
    "strata",
    "skin",
    "dose",
    "safety",
    "rob",
    "flow",
    "provenance",
    "changes",
    "methods",
)
SECTION_NUMBERS = {name: i for i, name in enumerate(SECTIONS, start=1)}

PRIMARY = "microneedling"  # forest plots are drawn for this arm; every arm is tabulated
PLOTTED_SCALES = ("gb_qualitative",)  # the primary outcome; the score is tabulated


@dataclass(frozen=True)
class ReportPaths:
    """Where ``write_report`` put the report."""

    html: Path
    markdown: Path
    pdf: Path | None = None  # None when neither Chromium nor WeasyPrint is installed
    tables: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ForestFigure:
    """One forest plot of one stratum, ready for the template."""

    stratum: PooledStratum
    title: str
    svg: Markup
    link: str = ""  # id of the study rows behind it (default: the stratum's anchor)

    @property
    def target(self) -> str:
        return self.link or self.stratum.anchor


def render_html(ctx: ReportContext) -> str:
    """The full self-contained HTML report."""
    template = _html_env().get_template("report.html.j2")
    return template.render(
        ctx=ctx,
        is_synthetic=contains_synthetic(ctx),
        banner=SYNTHETIC_BANNER,
        n=SECTION_NUMBERS,
        figures_responders=responder_figures(ctx.responders),
        figures_odds_ratios=odds_ratio_figures(ctx.odds_ratios),
        figures_overall=_forest_figures(_primary(ctx.overall)),
        figures_severity=_forest_figures(_primary(ctx.by_severity)),
        figures_skin_type=_forest_figures(_primary(ctx.by_skin_type)),
        figures_skin_group=_forest_figures(_primary(ctx.by_skin_group)),
        figures_comparisons=_forest_figures(ctx.comparisons, comparison=True),
        figures_safety=_safety_figures(ctx),
        figures_regression=_bubble_figures(ctx),
        tests=_tests_by_kind(ctx),
        rules=rules_table(),
        primary=PRIMARY,
        known_studies={s.anchor for s in ctx.studies},
    )


def render_markdown(ctx: ReportContext) -> str:
    """The compact Markdown report (same tables, no plots), e.g. for a Prefect artifact."""
    template = _markdown_env().get_template("report.md.j2")
    text = template.render(
        ctx=ctx,
        n=SECTION_NUMBERS,
        is_synthetic=contains_synthetic(ctx),
        banner=SYNTHETIC_BANNER,
        tests=_tests_by_kind(ctx),
        rules=rules_table(),
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_summary_markdown(ctx: ReportContext) -> str:
    """The plain-language summary alone, as Markdown (the Prefect summary artifact)."""
    lines = [f"# Microneedling for atrophic scars: summary ({_md_escape(ctx.run_id)})", ""]
    if contains_synthetic(ctx):
        lines += [f"> **{SYNTHETIC_BANNER}**", ""]
    lines += [f"- {_md_escape(line)}" for line in ctx.plain_summary]
    return "\n".join(lines) + "\n"


def sof_records(ctx: ReportContext) -> list[dict[str, str]]:
    """The Summary-of-Findings table as plain strings (the Prefect table artifact)."""
    return [
        {
            "comparison": r.comparison,
            "outcome": r.outcome,
            "k": str(r.k_studies),
            "n": str(r.n_patients),
            "effect [95% CI]": r.effect,
            "95% PI": r.prediction,
            "certainty": r.certainty,
            "downgraded for": "; ".join(f"{d} (−{n})" for d, n, _ in r.downgrades if n) or f.DASH,
        }
        for r in ctx.sof
    ]


@collection_paused()  # the HTML, Markdown and CSV text of a registry (evidence.heap)
def write_report(ctx: ReportContext, out_dir: Path, *, pdf: bool = True) -> ReportPaths:
    """Render the context and write ``report.html``, ``report.md``, ``report.pdf`` (the HTML
    printed, see ``pdf``) and the tables as ``tables/*.csv`` into ``out_dir`` (the only
    function here that writes)."""
    html = render_html(ctx)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tables").mkdir(exist_ok=True)
    html_path, md_path = out_dir / "report.html", out_dir / "report.md"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = out_dir / "report.pdf" if pdf else None
    printed = start_pdf(html, pdf_path) if pdf_path is not None else None
    # Chromium prints in its own process meanwhile
    md_path.write_text(render_markdown(ctx), encoding="utf-8")
    written = []
    for stem, (header, rows) in report_tables(ctx).items():
        path = out_dir / "tables" / f"{stem}.csv"
        path.write_text(to_csv(header, rows), encoding="utf-8")
        written.append(path)
    if printed is not None and printed() is None:
        pdf_path = None  # neither Chromium nor WeasyPrint is installed
    return ReportPaths(html=html_path, markdown=md_path, pdf=pdf_path, tables=tuple(written))


def contains_synthetic(ctx: ReportContext) -> bool:
    """True when the report shows synthetic results: its partition is synthetic, or (a guard)
    any study it shows is labelled synthetic."""
    if ctx.synthetic:
        return True
    origins = {c.origin for c in ctx.citations} | {s.origin for s in ctx.studies}
    for stratum in (*ctx.overall, *ctx.by_severity, *ctx.by_skin_type, *ctx.by_skin_group):
        origins |= {s.origin for s in stratum.studies}
    return "synthetic" in origins


def _primary(strata: Sequence[PooledStratum]) -> list[PooledStratum]:
    return [s for s in strata if s.intervention == PRIMARY and s.outcome_scale in PLOTTED_SCALES]


def _forest_figures(
    strata: Sequence[PooledStratum], *, comparison: bool = False
) -> list[ForestFigure]:
    figures = []
    for stratum in strata:
        if not stratum.studies:
            continue
        if comparison:  # stratum_value is "<treatment> vs <comparator>"
            treatment, _, comparator = stratum.stratum_value.partition(" vs ")
            what = f"{f.intervention_label(treatment)} vs {f.intervention_label(comparator)}"
        else:
            what = f"{f.stratum_label(stratum)} · {f.intervention_label(stratum.intervention)}"
        title = f"{what} · {_scale_short(stratum.outcome_scale)}"
        quantity = "Difference in improvement" if comparison else "Improvement"
        svg = render_forest_svg(
            stratum.studies,
            stratum,
            xlabel=f"{quantity}, {f.scale_label(stratum.outcome_scale)} (positive = better)",
            title=title,
        )
        # Safe to mark: built by forest.py, which escapes every text it writes.
        figures.append(ForestFigure(stratum=stratum, title=title, svg=Markup(svg)))
    return figures


def _safety_figures(ctx: ReportContext) -> list[ForestFigure]:
    figures = []
    for s in ctx.safety_pooled:
        if s.outcome != "pih" or s.stratum_kind != "skin_group" or not s.studies:
            continue
        stratum = PooledStratum(
            stratum_kind="safety-pih-skin-group",
            stratum_value=s.stratum_value,
            intervention="active arms",
            outcome_scale="pih",
            k_studies=s.k_studies,
            n_patients=s.n,
            mean_change=s.estimate if s.estimate is not None else float("nan"),
            se=float("nan"),
            ci_lb=s.ci_lb if s.ci_lb is not None else float("nan"),
            ci_ub=s.ci_ub if s.ci_ub is not None else float("nan"),
            tau2=None,
            i2=s.i2,
            i2_ci_lb=s.i2_ci_lb,
            i2_ci_ub=s.i2_ci_ub,
            pi_lb=s.pi_lb,
            pi_ub=s.pi_ub,
            responder_rate=None,
            method=s.method,
            studies=s.studies,
        )
        title = f"PIH · Fitzpatrick {s.stratum_value} · active arms"
        svg = render_forest_svg(
            s.studies,
            stratum,
            xlabel="Proportion with post-inflammatory hyperpigmentation",
            title=title,
        )
        figures.append(
            ForestFigure(
                stratum=stratum,
                title=title,
                svg=Markup(svg),
                link=f"safety-pih-skin-group-{s.stratum_value.lower()}",
            )
        )
    return figures


@dataclass(frozen=True)
class BubbleFigure:
    regression: MetaRegression
    title: str
    svg: Markup


def _bubble_figures(ctx: ReportContext) -> list[BubbleFigure]:
    figures = []
    for reg in ctx.meta_regressions:
        if reg.outcome_scale not in ("gb_qualitative", "gb_quantitative"):
            continue
        title = (
            f"{f.intervention_label(reg.intervention)} · {_scale_short(reg.outcome_scale)} "
            f"against {MODERATOR_LABELS.get(reg.moderator, reg.moderator).lower()}"
        )
        svg = render_bubble_svg(
            reg, ylabel=f"Improvement, {_scale_short(reg.outcome_scale)}", title=title
        )
        # Safe to mark: built by bubble.py, which escapes its text.
        figures.append(BubbleFigure(regression=reg, title=title, svg=Markup(svg)))
    return figures


def _tests_by_kind(ctx: ReportContext) -> dict[str, list[SubgroupTest]]:
    out: dict[str, list[SubgroupTest]] = {}
    for t in ctx.subgroup_tests:
        out.setdefault(t.stratification, []).append(t)
    return out


_SCALE_SHORT = {
    "gb_qualitative": "GB grade (1–4)",
    "gb_quantitative": "GB score",
    "pih": "PIH",
    "responders": "responders",
    "log_odds_ratio": "odds ratio",
    "ecca": "ECCA",
}


def _scale_short(outcome_scale: str) -> str:
    return _SCALE_SHORT.get(outcome_scale, outcome_scale)


_FILTERS: dict[str, Callable[..., Any]] = {
    "plotted": plotted_studies,
    "num": f.fmt_num,
    "int": f.fmt_int,
    "pct": f.fmt_percent,
    "i2": f.fmt_i2,
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
    "p": f.fmt_p,
    "intervention": f.intervention_label,
    "study_anchor": f.study_anchor,
    "definition": definition_label,
    "design": f.design_label,
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
    env.tests["startswith"] = lambda value, prefix: str(value).startswith(prefix)
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


_MD_TEXT_FILTERS = {
    "definition",
    "design",
    "sha",
    "scale",
    "scale_short",
    "stratum",
    "origin",
    "ci_test",
    "intervention",
    "study_anchor",
}


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
