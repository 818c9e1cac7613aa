"""The dashboard's SVG charts: proportional, escaped, accessible and free of inline styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from jinja2 import Environment
from markupsafe import Markup

from ecourse.web.charts import bar_chart, funnel_chart, paired_bar_chart

SVG = "{http://www.w3.org/2000/svg}"
NASTY = ["<script>alert(1)</script>", "\"&'", "a & b < c"]


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def rects(root: ET.Element, cls: str) -> list[ET.Element]:
    """Rectangles whose class is exactly ``cls`` (legend swatches carry an extra class)."""
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == cls]


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == cls]


def heights(root: ET.Element, cls: str = "chart-bar") -> list[float]:
    return [float(r.get("height")) for r in rects(root, cls)]


def widths(root: ET.Element) -> list[float]:
    return [float(r.get("width")) for r in rects(root, "chart-bar")]


def view_height(root: ET.Element) -> float:
    return float(root.get("viewBox").split()[3])


def all_charts(label: str = "ma", title: str = "Aanmeldingen") -> list[Markup]:
    return [
        bar_chart([(label, 3), ("di", 5)], title=title, description="Per dag"),
        paired_bar_chart(
            [(label, 3, 2)], title=title, description="Per dag", legend=(label, "Bevestigd")
        ),
        funnel_chart([(label, 10), ("Bevestigd", 8)], title=title, description="Trechter"),
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_chart_is_an_accessible_scalable_image(index):
    chart = all_charts()[index]
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert len(root.get("viewBox").split()) == 4
    assert root.get("preserveAspectRatio") == "xMidYMid meet"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == (title_id, "Aanmeldingen")
    assert desc.get("id") == desc_id
    assert desc.text in ("Per dag", "Trechter")


def test_ids_are_unique_per_call():
    first, second = (parse(bar_chart([], title="Zelfde", description="d")) for _ in range(2))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


@pytest.mark.parametrize("index", [0, 1, 2])
def test_no_inline_styles_anywhere(index):
    chart = all_charts()[index]
    assert "style=" not in chart
    root = parse(chart)
    assert root.find(f".//{SVG}style") is None
    assert all("style" not in element.attrib for element in root.iter())


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("nasty", NASTY)
def test_labels_and_titles_are_escaped(index, nasty):
    chart = all_charts(label=nasty, title=nasty)[index]
    assert "<script>" not in chart
    root = parse(chart)  # still well-formed XML
    assert root.find(f"{SVG}title").text == nasty
    shown = [("".join(t.itertext())) for t in root.iter(f"{SVG}text")]
    assert nasty in shown


def test_jinja_places_the_chart_unescaped():
    chart = bar_chart([("<b>", 1)], title="t", description="d")
    rendered = Environment(autoescape=True).from_string("{{ chart }}").render(chart=chart)
    assert rendered == str(chart)
    assert "&lt;b&gt;" in rendered


def test_bar_heights_are_proportional_and_share_a_baseline():
    root = parse(bar_chart([("a", 10), ("b", 20), ("c", 5)], title="t", description="d"))
    a, b, c = heights(root)
    assert b / a == pytest.approx(2, abs=0.01)
    assert a / c == pytest.approx(2, abs=0.01)
    bottoms = {
        round(float(r.get("y")) + float(r.get("height")), 2) for r in rects(root, "chart-bar")
    }
    assert len(bottoms) == 1
    axis = root.find(f"{SVG}line[@class='chart-axis']")
    assert float(axis.get("y1")) == pytest.approx(bottoms.pop(), abs=0.01)


def test_values_sit_above_non_zero_bars_with_unit_and_dutch_thousands():
    root = parse(
        bar_chart([("a", 1234), ("b", 0), ("c", 7)], title="t", description="d", unit="ms")
    )
    assert texts(root, "chart-value") == ["1.234 ms", "7 ms"]
    bar_tops = [float(r.get("y")) for r in rects(root, "chart-bar")]
    value_ys = [
        float(t.get("y")) for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"
    ]
    assert value_ys[0] < bar_tops[0]
    assert value_ys[1] < bar_tops[2]


def test_all_zero_draws_flat_bars_without_crashing():
    root = parse(bar_chart([("a", 0), ("b", 0)], title="t", description="d"))
    assert heights(root) == [0.0, 0.0]
    assert texts(root, "chart-value") == []
    assert texts(root, "chart-label") == ["a", "b"]


def test_empty_data_still_draws_a_titled_chart():
    for chart in (
        bar_chart([], title="Leeg", description="d"),
        paired_bar_chart([], title="Leeg", description="d", legend=("x", "y")),
        funnel_chart([], title="Leeg", description="d"),
    ):
        root = parse(chart)
        assert root.find(f"{SVG}title").text == "Leeg"
        assert rects(root, "chart-bar") == []


def test_negative_counts_draw_as_zero():
    root = parse(bar_chart([("a", -5), ("b", 4)], title="t", description="d"))
    assert heights(root)[0] == 0.0


def test_x_labels_are_thinned_for_many_bars():
    bars = [(f"{day} nov", day) for day in range(1, 61)]
    labels = texts(parse(bar_chart(bars, title="t", description="d")), "chart-label")
    assert 5 <= len(labels) <= 10
    assert labels[0] == "1 nov"
    assert len(texts(parse(bar_chart(bars, title="t", description="d")), "chart-value")) == 60


def test_few_bars_keep_every_label():
    bars = [(f"{day} nov", day) for day in range(1, 8)]
    labels = texts(parse(bar_chart(bars, title="t", description="d")), "chart-label")
    assert labels == [f"{day} nov" for day in range(1, 8)]


def test_paired_bars_share_one_scale_and_a_pattern_legend():
    root = parse(
        paired_bar_chart(
            [("ma", 40, 20), ("di", 10, 0)],
            title="t",
            description="d",
            legend=("Aanmeldingen", "Bevestigingen"),
        )
    )
    solid = heights(root, "chart-bar")
    hatched = heights(root, "chart-bar-alt")
    assert solid[0] / hatched[0] == pytest.approx(2, abs=0.01)
    assert solid[0] / solid[1] == pytest.approx(4, abs=0.01)
    assert hatched[1] == 0.0
    assert texts(root, "chart-legend") == ["Aanmeldingen", "Bevestigingen"]
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    fill = f"url(#{pattern.get('id')})"
    assert all(r.get("fill") == fill for r in rects(root, "chart-bar-alt"))
    swatches = [r for r in root.iter(f"{SVG}rect") if "chart-swatch" in r.get("class", "")]
    assert [s.get("fill") for s in swatches] == [rects(root, "chart-bar")[0].get("fill"), fill]
    assert root.get("aria-labelledby").split()[0].removesuffix("-title") in pattern.get("id")


def test_funnel_widths_percentages_and_drop_off():
    steps = [
        ("Aangemeld", 200),
        ("Bevestigd", 100),
        ("Les 1 verstuurd", 100),
        ("Les 1 geopend", 25),
    ]
    root = parse(funnel_chart(steps, title="t", description="d"))
    first, second, third, fourth = widths(root)
    assert first / second == pytest.approx(2, abs=0.01)
    assert second == pytest.approx(third, abs=0.01)
    assert first / fourth == pytest.approx(8, abs=0.01)
    assert first == pytest.approx(float(rects(root, "chart-track")[0].get("width")), abs=0.01)
    assert texts(root, "chart-label") == [name for name, _ in steps]
    assert texts(root, "chart-value") == [
        "200 · 100%",
        "100 · 50% · \u221250%",
        "100 · 50% · 0%",
        "25 · 13% · \u221275%",  # 12.5% rounds half up
    ]
    dropoffs = ["".join(t.itertext()) for t in root.iter(f"{SVG}tspan")]
    assert dropoffs == [" · \u221250%", " · 0%", " · \u221275%"]


def test_funnel_rounds_to_whole_percent():
    root = parse(funnel_chart([("Aangemeld", 120), ("Bevestigd", 100)], title="t", description="d"))
    assert texts(root, "chart-value")[1] == "100 · 83% · \u221217%"


def test_funnel_shows_a_rise_with_a_plus():
    root = parse(funnel_chart([("a", 100), ("b", 80), ("c", 100)], title="t", description="d"))
    assert texts(root, "chart-value")[2] == "100 · 100% · +25%"


def test_funnel_with_zero_first_step_scales_to_the_largest():
    root = parse(funnel_chart([("a", 0), ("b", 10), ("c", 5)], title="t", description="d"))
    zero, largest, half = widths(root)
    assert zero == 0.0
    assert largest / half == pytest.approx(2, abs=0.01)
    assert texts(root, "chart-value") == ["0", "10", "5 · \u221250%"]


def test_funnel_of_zeros_draws_empty_bars():
    root = parse(funnel_chart([("a", 0), ("b", 0)], title="t", description="d"))
    assert widths(root) == [0.0, 0.0]
    assert texts(root, "chart-value") == ["0", "0"]


def test_funnel_grows_with_the_number_of_steps():
    short = parse(funnel_chart([("a", 2), ("b", 1)], title="t", description="d"))
    tall = parse(funnel_chart([("a", 4), ("b", 3), ("c", 2), ("d", 1)], title="t", description="d"))
    assert view_height(tall) > view_height(short)
    rows = [float(t.get("y")) for t in tall.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert rows == sorted(set(rows)) and len(rows) == 4
