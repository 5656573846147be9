"""The forest plot SVG, checked through its XML rather than its pixels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from evidence.reporting import render_forest_svg

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def forest(stratum, **kwargs):
    return render_forest_svg(
        stratum.studies, stratum, xlabel="Improvement, GB grade (positive = better)", **kwargs
    )


def groups(root: ET.Element, suffix: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if re.search(suffix, g.get("id", ""))]


def square_side(root: ET.Element, marker_group: ET.Element) -> float:
    """The side of a study's square, read from the marker path the group uses."""
    use = next(marker_group.iter(f"{SVG}use"))
    ref = use.get(XLINK_HREF, "")[1:]
    path = next(p for p in root.iter(f"{SVG}path") if p.get("id") == ref)
    xs = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))[::2]]
    return max(xs) - min(xs)


def test_one_square_marker_per_study_and_a_diamond(ctx):
    stratum = ctx.by_severity[0]
    root = ET.fromstring(forest(stratum, title="Grade 3"))
    assert len(groups(root, r"-study-\d+$")) == len(stratum.studies) == 3
    (diamond,) = groups(root, r"-pooled-diamond$")
    (outline,) = diamond.iter(f"{SVG}path")
    assert len(re.findall(r"[ML]", outline.get("d", ""))) == 4  # four corners: a polygon


def test_square_area_is_proportional_to_weight(ctx):
    stratum = ctx.by_severity[0]  # weights 45, 30, 25
    root = ET.fromstring(forest(stratum))
    sides = [square_side(root, g) for g in groups(root, r"-study-\d+$")]
    areas = [side**2 for side in sides]
    weights = [s.weight_pct for s in stratum.studies]
    assert areas[1] / areas[0] == pytest.approx(weights[1] / weights[0], rel=0.02)
    assert areas[2] / areas[0] == pytest.approx(weights[2] / weights[0], rel=0.02)


def test_prediction_interval_is_drawn_only_when_known(ctx):
    with_pi = ET.fromstring(forest(ctx.by_severity[0]))
    without_pi = ET.fromstring(forest(ctx.by_skin_type[0]))
    assert len(groups(with_pi, r"-pi$")) == 1
    assert groups(without_pi, r"-pi$") == []


def test_caption_shows_i2_with_its_confidence_interval(ctx):
    root = ET.fromstring(forest(ctx.by_severity[0]))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    caption = next(t for t in texts if t.startswith("Random-effects model"))
    assert "I² = 34.6% [12.3%, 70.1%]" in caption


def test_single_study_without_tau2_prints_dashes_not_nan(ctx):
    svg = forest(ctx.by_skin_type[0])
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    caption = next(t for t in texts if t.startswith("Random-effects model"))
    assert "τ² = —" in caption
    assert "I² = —" in caption
    assert "k = 1" in caption
    assert "0.70 [0.10, 1.30]" in texts
    assert not re.search(r"\bnan\b", svg, re.IGNORECASE)


def test_svg_is_inlineable_and_self_contained(ctx):
    svg = forest(ctx.by_severity[0])
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert "DOCTYPE" not in svg
    assert "<metadata" not in svg
    root = ET.fromstring(svg)
    assert root.findall(f".//{SVG}image") == []
    assert root.findall(f".//{SVG}text")  # svg.fonttype none: text stays text
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in (XLINK_HREF, "href") or value.startswith("url("):
                assert value.startswith(("#", "url(#")), (name, value)


def test_two_plots_share_no_element_ids(ctx):
    ids = [
        {e.get("id") for e in ET.fromstring(forest(s)).iter() if e.get("id")}
        for s in ctx.by_severity
    ]
    assert ids[0]
    assert ids[0].isdisjoint(ids[1])


def test_rendering_is_deterministic(ctx):
    assert forest(ctx.by_severity[0]) == forest(ctx.by_severity[0])


def test_nothing_to_plot_is_an_error():
    with pytest.raises(ValueError, match="at least one study"):
        render_forest_svg([], None, xlabel="x")
