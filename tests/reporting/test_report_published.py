"""The report of the shipped published data: real evidence only, its new sections equal the
warehouse, and it reads on one screen (Chromium at 1280 px, and A4)."""

from __future__ import annotations

import shutil

import pytest

from evidence.reporting import render_html, write_report
from evidence.reporting.formatting import fmt_estimate, fmt_int, fmt_rate_ci
from evidence.reporting.from_warehouse import read_report_context
from tests.conftest import SHIPPED
from tests.helpers import ingest, rows
from tests.reporting.browser import open_local_page
from tests.reporting.html_doc import ReportDoc


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("published")
    shutil.copytree(SHIPPED, root / "landing")
    warehouse = root / "w.duckdb"
    ingest(root / "landing", warehouse, run_id="run-1")
    ctx = read_report_context(warehouse, "run-1", method="REML", test="z", rho=0.5, versions={})
    return warehouse, ctx, ReportDoc(render_html(ctx))


def test_warehouse_and_report_hold_no_synthetic_row(published):
    warehouse, ctx, doc = published
    assert rows(warehouse, "select count(*) from study_arms where data_origin = 'synthetic'") == [
        (0,)
    ]
    relations = rows(
        warehouse,
        "select table_name from information_schema.columns where column_name = 'synthetic'",
    )
    assert len(relations) >= 20
    for (relation,) in relations:
        assert rows(warehouse, f"select count(*) from {relation} where synthetic") == [(0,)]
    assert not ctx.synthetic
    assert ctx.synthetic_results == ()
    assert "SYNTHETIC" not in "".join(doc.text)


def test_first_screen_states_the_evidence_base(published):
    warehouse, ctx, doc = published
    ((studies, newest, randomised),) = rows(
        warehouse,
        "select count(distinct study_id), max(publication_year), "
        "count(distinct study_id) filter (where design in ('rct', 'split_face_rct')) "
        "from study_arms",
    )
    base = ctx.evidence_base
    assert (base.published_studies, base.newest_year, base.randomised_studies) == (
        studies,
        newest,
        randomised,
    )
    text = " ".join("".join(doc.text).split())
    assert f"Evidence base: {studies} published studies" in text
    assert f"Newest study: {newest}" in text
    assert studies >= 30


def test_responders_table_equals_the_pooled_view(published):
    warehouse, _, doc = published
    body = doc.tables["table-responders"].body
    expected = rows(
        warehouse,
        "select k_studies, events, n_patients, proportion, ci_lb, ci_ub "
        "from responders_pooled order by all",
    )
    shown = sorted((r[3], r[4], r[5]) for r in body)
    assert shown == sorted(
        (fmt_int(k), f"{fmt_int(e)} / {fmt_int(n)}", fmt_rate_ci(p, lb, ub))
        for k, e, n, p, lb, ub in expected
    )


def test_odds_ratio_table_equals_the_comparison_view(published):
    warehouse, _, doc = published
    body = doc.tables["table-odds-ratios"].body
    expected = rows(
        warehouse,
        'select k_studies, "or", ci_lb, ci_ub from responders_by_comparison order by all',
    )
    assert sorted((r[2], r[4]) for r in body) == sorted(
        (fmt_int(k), fmt_estimate(o, lb, ub)) for k, o, lb, ub in expected
    )


def test_risk_of_bias_table_has_every_study_with_its_derived_overall(published):
    warehouse, _, doc = published
    body = doc.tables["table-risk-of-bias"].body
    expected = rows(warehouse, "select study_id, overall from study_risk_of_bias order by 1")
    assert [(r[0], r[-1]) for r in body] == [(s, o.replace("_", " ")) for s, o in expected]
    robins = [r for r in body if r[1] == "ROBINS-I"]
    assert robins
    assert all(len([c for c in r[2:9] if c]) == 7 for r in robins)


def test_skin_type_section_says_what_the_literature_reports(published):
    warehouse, ctx, doc = published
    ((by_type,),) = rows(
        warehouse,
        "select count(distinct study_id) from study_arms where stratum_kind = 'skin_type'",
    )
    assert len(doc.tables["table-evidence-map"].body) == ctx.evidence_base.published_studies
    text = " ".join("".join(doc.text).split())
    if by_type == 0:
        assert "No study here reports its outcomes per Fitzpatrick skin type." in text
    assert "between-study" in text


def test_published_meta_analysis_is_set_beside_this_reports_estimate(published):
    _, ctx, doc = published
    (published_or,) = [x for x in ctx.external if x.measure == "OR"]
    assert (published_or.estimate, published_or.ci_lb, published_or.ci_ub) == (2.97, 1.96, 4.51)
    body = doc.tables["table-external"].body
    assert any("2.97 [1.96, 4.51]" in r[1] for r in body)
    assert all(r[3] for r in body)  # each names what differs


@pytest.mark.browser
def test_evidence_base_and_summary_of_findings_fit_one_screen_and_a4(published, tmp_path):
    _, ctx, _ = published
    paths = write_report(ctx, tmp_path, pdf=False)
    fits = (
        "() => { const t = document.getElementById('table-sof');"
        " const s = t.closest('section');"
        " return [t.scrollWidth, s.clientWidth, t.getBoundingClientRect().right,"
        " document.documentElement.clientWidth,"
        " document.getElementById('evidence-base').getBoundingClientRect().bottom]; }"
    )
    with open_local_page(paths.html, width=1280, height=800) as (page, problems):
        table, section, right, viewport, base_bottom = page.evaluate(fits)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 680, "height": 960})  # A4 less 15 mm margins, 96 dpi
        a4_table, a4_section, a4_right, a4_viewport, _ = page.evaluate(fits)
    assert problems.all() == []
    assert table <= section, (table, section)
    assert right <= viewport, (right, viewport)
    assert base_bottom <= 800
    assert a4_table <= a4_section, (a4_table, a4_section)
    assert a4_right <= a4_viewport, (a4_right, a4_viewport)
