"""Text from the data is inert in every output: HTML, Markdown and CSV (formula injection)."""

from __future__ import annotations

import csv

import pytest

from evidence.reporting import render_html, write_report
from evidence.reporting.csv_text import csv_cell, to_csv
from tests.reporting.html_doc import ReportDoc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("plain", "plain"),
        (-0.25, -0.25),
        (None, ""),
    ],
)
def test_csv_cell_defuses_formulas_but_keeps_numbers(value, expected):
    assert csv_cell(value) == expected


def test_hostile_study_is_harmless_in_html_and_every_csv(hostile_ctx, tmp_path):
    html = render_html(hostile_ctx)
    doc = ReportDoc(html)
    assert doc.tags_named("script") == []
    assert "<script" not in html.lower()
    paths = write_report(hostile_ctx, tmp_path, pdf=False)
    cells = []
    for path in paths.tables:
        with path.open(encoding="utf-8", newline="") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    assert any("=cmd|" in c for c in cells)  # the hostile citation is there ...
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or c.startswith("-c")]  # ... inert
    assert "'=cmd|' /C calc'!A0 <img src=x onerror=alert(1)> [x](javascript:alert(1))" in cells


def test_csv_round_trips_commas_quotes_and_newlines():
    text = to_csv(["a", "b"], [['x, "y"', "line1\nline2"]])
    assert list(csv.reader(text.splitlines(keepends=True))) == [
        ["a", "b"],
        ['x, "y"', "line1\nline2"],
    ]
