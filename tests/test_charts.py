"""The dashboard's bars: proportional from zero, text-free (numbers live in the table), never
scaled down by a viewBox, hidden from screen readers, and free of inline styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from jinja2 import Environment
from markupsafe import Markup

from ecourse.web.charts import BAR_PARTS, bar, percent

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def parts(root: ET.Element) -> list[tuple[str, float, float]]:
    """(class, x %, width %) of every drawn part, the track left out."""
    return [
        (r.get("class"), float(r.get("x").rstrip("%")), float(r.get("width").rstrip("%")))
        for r in root.iter(f"{SVG}rect")
        if r.get("class") != "bar-track"
    ]


def test_a_bar_stretches_with_its_cell_and_never_scales_text():
    chart = bar([(3, "solid")], 4)
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.get("viewBox") is None  # a viewBox would shrink everything on a phone
    assert root.get("width") == "100%"
    assert root.get("aria-hidden") == "true"
    assert list(root.iter(f"{SVG}text")) == []
    assert "style" not in chart
    track = root.find(f"{SVG}rect")
    assert (track.get("class"), track.get("width")) == ("bar-track", "100%")


def test_parts_start_at_zero_and_lie_end_to_end_in_proportion():
    root = parse(bar([(5, "solid"), (2, "light"), (1, "waiting")], 10))
    assert parts(root) == [("bar-solid", 0, 50), ("bar-light", 50, 20), ("bar-waiting", 70, 10)]
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")][1:]
    assert fills == [BAR_PARTS["solid"], BAR_PARTS["light"], BAR_PARTS["waiting"]]


def test_zero_and_negative_parts_draw_nothing():
    assert parts(parse(bar([(0, "solid"), (-3, "waiting"), (2, "light")], 4))) == [
        ("bar-light", 0, 50)
    ]
    assert parts(parse(bar([(0, "solid")], 0))) == []


def test_parts_larger_than_the_scale_are_fitted_into_the_cell():
    drawn = parts(parse(bar([(6, "solid"), (2, "waiting")], 4)))
    assert drawn == [("bar-solid", 0, 75), ("bar-waiting", 75, 25)]


def test_thirds_are_written_short():
    assert parts(parse(bar([(1, "solid"), (1, "light")], 3))) == [
        ("bar-solid", 0, 33.33),
        ("bar-light", 33.33, 33.33),
    ]


def test_no_part_is_red():
    assert all(
        colour.lower() not in ("#9b1c1c", "#8a1c1c", "#ff0000") for colour in BAR_PARTS.values()
    )


def test_jinja_places_the_bar_unescaped():
    chart = bar([(1, "solid")], 2)
    rendered = Environment(autoescape=True).from_string("{{ chart }}").render(chart=chart)
    assert rendered == str(chart)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 8, "13%"), (1, 3, "33%"), (2, 3, "67%"), (0, 5, "0%"), (5, 5, "100%"), (3, 0, "–")],
)
def test_percent_rounds_halves_up_and_needs_a_whole(part, whole, expected):
    assert percent(part, whole) == expected
