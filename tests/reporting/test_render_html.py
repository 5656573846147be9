"""The HTML report: sections, tables equal to the context, escaping, self-containment."""

from __future__ import annotations

import dataclasses
import re

from evidence.reporting import render_html
from evidence.reporting.context import ReportContext
from tests.reporting.html_doc import ReportDoc
from tests.reporting.sections import SECTIONS

STRATA_HEADER = [
    "Stratum",
    "Intervention",
    "Scale",
    "k",
    "n",
    "Mean change [95% CI]",
    "95% PI",
    "τ²",
    "I² [95% CI]",
    "Responders",
    "Method",
]


def test_every_section_heading_is_present_in_order(ctx):
    doc = ReportDoc(render_html(ctx))
    assert [h for h in doc.h2 if h != "Contents"] == SECTIONS


def test_table_of_contents_links_to_every_section(ctx):
    doc = ReportDoc(render_html(ctx))
    section_ids = [a["id"] for a in doc.tags_named("section")]
    toc = [a["href"] for a in doc.tags_named("a") if (a.get("href") or "").startswith("#")]
    assert toc[: len(section_ids)] == [f"#{i}" for i in section_ids]
    assert len(section_ids) == len(SECTIONS)


def test_synthetic_source_shows_the_banner(ctx):
    assert "SYNTHETIC data only — not evidence" in "".join(ReportDoc(render_html(ctx)).text)


def test_literature_only_report_has_no_banner(ctx):
    def literature(items):
        return tuple(dataclasses.replace(i, origin="literature") for i in items)

    def strata(items):
        return tuple(dataclasses.replace(s, studies=literature(s.studies)) for s in items)

    clean = dataclasses.replace(
        ctx,
        synthetic=False,
        sources=literature(ctx.sources),
        citations=literature(ctx.citations),
        studies=literature(ctx.studies),
        overall=strata(ctx.overall),
        by_severity=strata(ctx.by_severity),
        by_skin_type=strata(ctx.by_skin_type),
    )
    assert "SYNTHETIC" not in render_html(clean)


def test_source_table_rows_equal_the_ingest_log(ctx):
    table = ReportDoc(render_html(ctx)).tables["table-sources"]
    assert table.body == [
        [
            s.source_file + (" SYNTHETIC" if s.origin == "synthetic" else ""),
            s.kind,
            s.origin,
            s.sha256[:12],
            str(s.rows_in),
            str(s.rows_loaded),
            str(s.rows_quarantined),
            str(s.rows_flagged),
            s.status,
            "—",
        ]
        for s in ctx.sources
    ]


def test_quarantine_table_has_one_row_per_file_rule_and_column(ctx):
    table = ReportDoc(render_html(ctx)).tables["table-quarantine"]
    assert table.body == [
        [q.source_file, q.rule, q.column_name, str(q.rows), q.example] for q in ctx.quarantine
    ]


def test_severity_table_rows_equal_the_pooled_strata(ctx):
    table = ReportDoc(render_html(ctx)).tables["table-severity"]
    assert table.header == [STRATA_HEADER]
    assert table.body == [
        [
            "Grade 3",
            "microneedling",
            "GB grade (1–4)",
            "3",
            "64",
            "1.10 [0.90, 1.30]",
            "[0.45, 1.75]",
            "0.012",
            "34.6% [12.3%, 70.1%]",
            "62.5%",
            "REML, Hartung-Knapp",
        ],
        [
            "Grade 4",
            "microneedling",
            "GB grade (1–4)",
            "3",
            "68",
            "0.00 [−0.30, 0.29]",
            "[0.45, 1.75]",
            "0.012",
            "34.6% [12.3%, 70.1%]",
            "62.5%",
            "REML, Hartung-Knapp",
        ],
    ]


def test_single_study_stratum_prints_dashes_for_missing_heterogeneity(ctx):
    table = ReportDoc(render_html(ctx)).tables["table-skin-type"]
    assert table.body == [
        [
            "Fitzpatrick IV",
            "microneedling",
            "GB grade (1–4)",
            "1",
            "12",
            "0.70 [0.10, 1.30]",
            "—",
            "—",
            "—",
            "—",
            "single study",
        ]
    ]


def test_overall_table_has_one_row_per_overall_stratum(ctx):
    table = ReportDoc(render_html(ctx)).tables["table-overall"]
    assert [row[:5] for row in table.body] == [
        ["All", "microneedling", "GB grade (1–4)", "6", "132"]
    ]


def test_safety_table_shows_rates_as_percent_with_wilson_interval(ctx):
    table = ReportDoc(render_html(ctx)).tables["table-safety"]
    assert table.body == [
        ["III", "40", "3.3 (1.5)", "2 / 40", "5.0% [1.4%, 16.5%]"],
        ["V", "12", "—", "0 / 0", "—"],
    ]


def test_provenance_lists_studies_with_files_hashes_and_citations(ctx):
    doc = ReportDoc(render_html(ctx))
    rows = doc.tables["table-studies"].body
    assert [row[:4] for row in rows] == [
        ["SYN-A", "Synthetic", "split_face", "not assessed"],
        ["LIT-1", "Literature", "rct", "some: no assessor blinding"],
    ]
    for row, study in zip(rows, ctx.studies, strict=True):
        for file, sha in study.files:
            assert file in row[6]
            assert sha in row[6]
    ids = {a.get("id") for a in doc.tags_named("tr")}
    assert {"study-syn-a", "study-lit-1"} <= ids
    links = [a["href"] for a in doc.tags_named("a") if not (a.get("href") or "").startswith("#")]
    assert links == ["https://example.org/lit-1"]


def test_every_internal_link_has_a_target(ctx):
    doc = ReportDoc(render_html(ctx))
    ids = {attrs.get("id") for _, attrs in doc.tags if attrs.get("id")}
    targets = {a["href"][1:] for a in doc.tags_named("a") if (a.get("href") or "").startswith("#")}
    assert targets <= ids, targets - ids


def test_methods_state_the_direction_and_the_run(ctx):
    text = " ".join(" ".join(ReportDoc(render_html(ctx)).text).split())
    for expected in (
        "Improvement = baseline − follow-up; positive = better",
        "Two-stage pooling of patient-level data",
        "Hartung–Knapp–Sidik–Jonkman",
        ctx.run_id,
        ctx.generated_at,
        ctx.warehouse_path,
        "0.50",
    ):
        assert expected in text
    assert ReportDoc(render_html(ctx)).tables["table-versions"].body == [
        [name, version] for name, version in sorted(ctx.versions.items())
    ]


def test_one_forest_plot_per_stratum_with_studies(ctx):
    doc = ReportDoc(render_html(ctx))
    figures = [a for a in doc.tags_named("figure") if a.get("class") == "forest"]
    with_studies = [s for s in (*ctx.overall, *ctx.by_severity, *ctx.by_skin_type) if s.studies]
    assert len(figures) == len(with_studies) == 4
    assert len(doc.tags_named("svg")) == 4


def test_views_without_data_say_so_instead_of_an_empty_table(ctx):
    empty = dataclasses.replace(ctx, by_skin_type=(), safety=(), quarantine=(), studies=())
    doc = ReportDoc(render_html(empty))
    text = " ".join(doc.text)
    assert "No stratum had data for this view." in text
    assert "No patient-level safety data were available." in text
    assert "No rows were quarantined." in text
    for table_id in ("table-skin-type", "table-safety", "table-quarantine", "table-studies"):
        assert table_id not in doc.tables
    assert all(table.body for table in doc.tables.values())


def test_nan_never_reaches_the_page(ctx):
    nan = float("nan")
    broken = dataclasses.replace(
        ctx.by_severity[0], tau2=nan, i2=nan, pi_lb=nan, pi_ub=nan, responder_rate=nan
    )
    html = render_html(dataclasses.replace(ctx, by_severity=(broken, *ctx.by_severity[1:])))
    assert not re.search(r"\bnan\b", html, re.IGNORECASE)


def test_hostile_label_and_citation_are_escaped_text(hostile_ctx: ReportContext):
    html = render_html(hostile_ctx)
    doc = ReportDoc(html)
    assert doc.tags_named("script") == []
    assert doc.tags_named("img") == []
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # inside the forest plot's SVG text
    study = next(r for r in doc.tables["table-studies"].body if r[0] == "EVIL-1")
    assert study[4].startswith("=cmd|")
    assert study[5] == "javascript:alert(1)"  # printed, not linked
    assert not [a for a in doc.tags_named("a") if "javascript" in (a.get("href") or "")]


def test_html_references_nothing_outside_itself_except_citation_links(ctx):
    doc = ReportDoc(render_html(ctx))
    for tag, attrs in doc.tags:
        for name, value in attrs.items():
            if value and re.search(r"https?://", value):
                assert (tag, name) == ("a", "href") or name.startswith("xmlns"), (tag, name)
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert doc.tags_named(tag) == []
    css = "".join(doc.styles)
    assert "@import" not in css
    assert re.findall(r"url\((?!#)", css) == []
    for tag, attrs in doc.tags:
        for name in ("href", "xlink:href", "clip-path"):
            value = attrs.get(name) or ""
            if tag != "a" and value:
                assert value.startswith(("#", "url(#")), (tag, name, value)
