"""The Markdown report: same tables as the HTML, compact, and inert when rendered."""

from __future__ import annotations

import dataclasses
import re

from evidence.reporting import render_markdown
from tests.reporting.md_doc import markdown_tables, section
from tests.reporting.sections import SECTIONS


def test_every_section_heading_is_present_in_order(ctx):
    markdown = render_markdown(ctx)
    assert re.findall(r"^## (.+)$", markdown, re.M) == SECTIONS
    assert "**SYNTHETIC data only — not evidence**" in markdown


def test_severity_table_rows_equal_the_pooled_strata(ctx):
    markdown = render_markdown(ctx)
    part = section(markdown, "5. Improvement by scar severity and skin type")
    table = next(t for t in markdown_tables(part) if t[1][0] == "Grade 3")
    assert table[1:] == [
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


def test_source_and_quarantine_tables_equal_the_ingest_log(ctx):
    sources, quarantine = markdown_tables(section(render_markdown(ctx), "10. Data flow"))[-2:]
    assert sources[1:] == [
        [
            s.source_file,
            s.kind,
            s.origin,
            f"`{s.sha256[:12]}`",
            str(s.rows_in),
            str(s.rows_loaded),
            str(s.rows_quarantined),
            str(s.rows_flagged),
            s.status,
        ]
        for s in ctx.sources
    ]
    assert quarantine[1:] == [
        [q.source_file, q.rule, q.column_name, str(q.rows), q.example] for q in ctx.quarantine
    ]


def test_safety_and_single_study_rows_print_dashes(ctx):
    markdown = render_markdown(ctx)
    (safety,) = markdown_tables(section(markdown, "8. Safety by skin type"))
    assert safety[1:] == [
        ["III", "40", "3.3 (1.5)", "2 / 40", "5.0% [1.4%, 16.5%]"],
        ["V", "12", "—", "0 / 0", "—"],
    ]
    tables = markdown_tables(section(markdown, "5. Improvement by scar severity and skin type"))
    skin = next(t for t in tables if t[1][0] == "Fitzpatrick IV")
    assert skin[1][6:10] == ["—", "—", "—", "—"]


def test_views_without_data_say_so(ctx):
    markdown = render_markdown(dataclasses.replace(ctx, by_skin_type=(), safety=()))
    assert "No stratum had data for this view." in section(
        markdown, "5. Improvement by scar severity and skin type"
    )
    assert markdown_tables(section(markdown, "8. Safety by skin type")) == []


def test_nan_never_reaches_the_markdown(ctx):
    nan = float("nan")
    broken = dataclasses.replace(ctx.overall[0], mean_change=nan, tau2=nan, i2=nan)
    markdown = render_markdown(dataclasses.replace(ctx, overall=(broken,)))
    assert not re.search(r"\bnan\b", markdown, re.IGNORECASE)


def test_hostile_text_cannot_inject_html_links_or_cells(hostile_ctx):
    markdown = render_markdown(hostile_ctx)
    assert "<script" not in markdown.lower()
    assert "<img" not in markdown.lower()
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown)  # only as escaped text
    (studies,) = markdown_tables(section(markdown, "11. Provenance"))
    evil = next(row for row in studies if row[0] == "EVIL-1")
    assert len(evil) == 7  # the "|" inside the citation did not split the row
    assert evil[4].startswith("=cmd|")
    assert evil[5] == "—"
