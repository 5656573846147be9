"""write_report is the one function that touches the disk."""

from __future__ import annotations

from evidence.reporting import ReportPaths, render_html, render_markdown, write_report


def test_write_report_writes_what_the_renderers_return(ctx, tmp_path):
    out_dir = tmp_path / "reports" / "run"
    paths = write_report(ctx, out_dir)
    assert paths == ReportPaths(html=out_dir / "report.html", markdown=out_dir / "report.md")
    assert paths.html.read_text(encoding="utf-8") == render_html(ctx)
    assert paths.markdown.read_text(encoding="utf-8") == render_markdown(ctx)
