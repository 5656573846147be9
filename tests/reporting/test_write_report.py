"""write_report is the one function that touches the disk."""

from __future__ import annotations

import csv

from evidence.reporting import render_html, render_markdown, write_report
from evidence.reporting.pdf import write_pdf


def test_write_report_writes_what_the_renderers_return(ctx, tmp_path):
    out_dir = tmp_path / "reports" / "run"
    paths = write_report(ctx, out_dir, pdf=False)
    assert (paths.html, paths.markdown) == (out_dir / "report.html", out_dir / "report.md")
    assert paths.pdf is None
    assert paths.html.read_text(encoding="utf-8") == render_html(ctx)
    assert paths.markdown.read_text(encoding="utf-8") == render_markdown(ctx)


def test_every_table_is_written_as_csv_with_its_header(ctx, tmp_path):
    paths = write_report(ctx, tmp_path, pdf=False)
    names = {p.name for p in paths.tables}
    assert {"summary_of_findings.csv", "pooled_improvement.csv", "study_rows.csv"} <= names
    for path in paths.tables:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header, path.name
        assert all(header), path.name


def test_pdf_is_the_html_printed_by_chromium(ctx, tmp_path):
    paths = write_report(ctx, tmp_path)
    assert paths.pdf is not None
    assert paths.pdf.read_bytes().startswith(b"%PDF-")
    assert b"Chrom" in paths.pdf.read_bytes()[:4096] + paths.pdf.read_bytes()[-4096:]


def test_pdf_falls_back_to_weasyprint_without_chromium(ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAR_EVIDENCE_CHROMIUM", str(tmp_path / "no-such-browser"))
    (tmp_path / "r.html").write_text(render_html(ctx), encoding="utf-8")
    assert write_pdf(tmp_path / "r.html", tmp_path / "r.pdf") == "weasyprint"
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
