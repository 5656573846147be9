"""The written report opens in a real browser, offline, without errors, with its plots."""

from __future__ import annotations

import struct

import pytest

from evidence.reporting import write_report
from tests.reporting.browser import open_local_page

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
def test_report_renders_offline_in_chromium_with_visible_plots(ctx, tmp_path):
    paths = write_report(ctx, tmp_path, pdf=False)
    screenshot = tmp_path / "report.png"
    with open_local_page(paths.html) as (page, problems):
        boxes = page.eval_on_selector_all(
            "svg",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [r.width, r.height]; })",
        )
        forest_plots = page.locator("figure.forest svg").count()
        headings = page.locator("h2").all_inner_texts()
        page.screenshot(path=str(screenshot), full_page=True)

    assert problems.all() == []
    assert forest_plots >= 1
    assert boxes
    assert all(width > 0 and height > 0 for width, height in boxes), boxes
    assert "13. Methods" in headings

    png = screenshot.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert width >= 1000
    assert height > 2000  # a full page, not one viewport
    assert len(png) > 50_000
