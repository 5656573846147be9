"""The report built from the SYNTHETIC example data (the patient-level path: every stratum,
meta-regression and safety table is filled): its tables equal the warehouse, every section has
numbers, and it opens offline in Chromium with its plots drawn. The report of the shipped
published data is tested in test_report_published.py."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from evidence import pipeline
from evidence.reporting import render_html, render_markdown, write_report
from evidence.reporting.formatting import fmt_estimate, fmt_int
from evidence.reporting.from_warehouse import read_report_context
from tests.conftest import SYNTHETIC
from tests.helpers import rows
from tests.reporting.browser import open_local_page
from tests.reporting.html_doc import ReportDoc

SECTIONS = 13


def _run(landing: Path, warehouse: Path, run_id: str) -> None:
    settings = pipeline.RunSettings(landing=str(landing), warehouse=str(warehouse))
    with pipeline.writer_session(settings) as build:
        for name in pipeline.discover(settings):
            pipeline.load_file(build, pipeline.validate_file(build, settings, name), run_id)
        pipeline.build_and_pool(build, settings, run_id)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory):
    """A warehouse with two runs over the synthetic examples: the first without the
    study-level file, then with it."""
    root = tmp_path_factory.mktemp("shipped")
    landing = root / "landing"
    shutil.copytree(SYNTHETIC, landing)
    literature = next(landing.rglob("synthetic_study_summaries.csv"), None)
    held_back = None
    if literature is not None:
        held_back = root / literature.name
        literature.rename(held_back)
    warehouse = root / "w.duckdb"
    _run(landing, warehouse, "run-1")
    first = read_report_context(warehouse, "run-1", method="REML", test="z", rho=0.5, versions={})
    if held_back is not None:
        shutil.copy(held_back, landing / held_back.name)
    _run(landing, warehouse, "run-2")
    ctx = read_report_context(warehouse, "run-2", method="REML", test="z", rho=0.5, versions={})
    return warehouse, first, ctx


def test_report_has_all_nine_sections_with_numbers_and_no_nan(shipped):
    _, _, ctx = shipped
    html = render_html(ctx)
    doc = ReportDoc(html)
    assert len([h for h in doc.h2 if h != "Contents"]) == SECTIONS
    assert not re.search(r"\bnan\b", html, re.IGNORECASE)
    assert not re.search(r"\bnan\b", render_markdown(ctx), re.IGNORECASE)
    for table in (
        "table-sof",
        "table-severity",
        "table-skin-type",
        "table-skin-group",
        "table-metareg",
        "table-comparisons",
        "table-safety-pooled",
        "table-data-flow",
        "table-studies",
        "table-pooled-rows",
        "table-rho",
    ):
        assert doc.tables[table].body, table
    assert ctx.plain_summary
    assert re.search(r"\d", ctx.plain_summary[0])


def test_severity_table_equals_the_pooled_view(shipped):
    warehouse, _, ctx = shipped
    body = ReportDoc(render_html(ctx)).tables["table-severity"].body
    expected = rows(
        warehouse,
        "select baseline_grade, intervention, k_studies, n_patients, mean_change, ci_lb, ci_ub "
        "from improvement_by_severity where mean_change is not null",
    )
    shown = {(r[0], r[1], r[3], r[4], r[5]) for r in body}
    for grade, intervention, k, n, mean, lb, ub in expected:
        assert (
            f"Grade {grade}",
            intervention,
            fmt_int(k),
            fmt_int(n),
            fmt_estimate(mean, lb, ub),
        ) in shown


def test_sof_microneedling_alone_row_is_the_overall_view(shipped):
    warehouse, _, ctx = shipped
    ((k, n, mean, lb, ub),) = rows(
        warehouse,
        "select k_studies, n_patients, mean_change, ci_lb, ci_ub from improvement_overall "
        "where intervention = 'microneedling' and outcome_scale = 'gb_qualitative'",
    )
    body = ReportDoc(render_html(ctx)).tables["table-sof"].body
    (first,) = [
        r for r in body if r[0].startswith("Microneedling alone (before") and "grade" in r[1]
    ]
    assert first[2:5] == [str(k), str(n), f"{fmt_estimate(mean, lb, ub)} grades"]
    assert first[6] in {"high", "moderate", "low", "very low"}


def test_meta_regression_below_ten_studies_says_not_performed(shipped):
    warehouse, _, ctx = shipped
    stored = {
        (m, s): (k, status)
        for m, s, k, status in rows(
            warehouse, "select moderator, outcome_scale, k, status from fct_meta_regression"
        )
    }
    for reg in ctx.meta_regressions:
        k, status = stored[(reg.moderator, reg.outcome_scale)]
        assert (reg.k, reg.status) == (k, status)
        if k < 10:
            assert status == f"not performed (k = {k} < 10)"


def test_safety_and_data_flow_equal_the_warehouse(shipped):
    warehouse, _, ctx = shipped
    ((events, n),) = rows(
        warehouse,
        "select events, n from fct_safety_pooled where outcome = 'pih' and stratum_kind = 'all' "
        "and synthetic = $s",
        {"s": ctx.synthetic},
    )
    pih_all = next(s for s in ctx.safety_pooled if s.outcome == "pih" and s.stratum_kind == "all")
    assert (pih_all.events, pih_all.n) == (events, n)
    ((rows_in, loaded, quarantined),) = rows(
        warehouse,
        "select sum(rows_in), sum(rows_loaded), sum(rows_quarantined) from ingest_log "
        "where status <> 'superseded'",
    )
    flow = {c.label: c.count for c in ctx.data_flow}
    assert (flow["Rows read"], flow["Rows loaded"], flow["Rows quarantined"]) == (
        rows_in,
        loaded,
        quarantined,
    )
    assert sum(c.count for c in ctx.data_flow if c.label.startswith("Quarantined by rule")) == (
        quarantined
    )


def test_first_run_has_no_previous_run_and_second_shows_what_moved(shipped):
    _, first, ctx = shipped
    assert first.previous_run_id is None
    assert "There is no previous run" in render_html(first)
    assert ctx.previous_run_id == "run-1"
    if ctx.source_changes:
        assert {c.change for c in ctx.source_changes} <= {"new", "changed"}
        assert any(c.status != "unchanged" for c in ctx.estimate_changes)


@pytest.mark.browser
def test_shipped_report_opens_offline_in_chromium_with_its_plots(shipped, tmp_path):
    _, _, ctx = shipped
    paths = write_report(ctx, tmp_path, pdf=False)
    with open_local_page(paths.html) as (page, problems):
        boxes = page.eval_on_selector_all(
            "figure svg",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [r.width, r.height, e.querySelectorAll('path, use').length]; })",
        )
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    assert problems.all() == []
    assert len(boxes) >= 10
    assert all(w > 0 and h > 0 and marks > 0 for w, h, marks in boxes), boxes
    assert (tmp_path / "report.png").stat().st_size > 20_000


POOLED_TABLES = ("fct_pooled_improvement", "fct_comparisons", "fct_safety_pooled")


@pytest.mark.parametrize("table", [*POOLED_TABLES, "fct_rho_sensitivity"])
def test_no_pooled_group_of_the_shipped_data_falls_back_from_reml(shipped, table):
    warehouse, _, _ = shipped
    methods = {m for (m,) in rows(warehouse, f"select distinct method from {table}")}
    assert methods, table
    assert not [m for m in methods if "failed" in m or m.startswith("DL")], methods


@pytest.mark.parametrize("table", POOLED_TABLES)
def test_every_pooled_group_of_the_shipped_data_has_i2_with_its_interval(shipped, table):
    warehouse, _, _ = shipped
    ((without_ci, with_i2),) = rows(
        warehouse,
        "select count(*) filter (where i2 is not null and i2_ci_lb is null), "
        f"count(*) filter (where i2 is not null) from {table} where k_studies > 1",
    )
    assert with_i2 > 0
    assert without_ci == 0
