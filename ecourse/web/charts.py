"""Server-side SVG charts for the admin dashboard.

The dashboard ships no JavaScript and runs under a Content-Security-Policy of
``style-src 'self'``, which blocks ``style`` attributes and ``<style>`` elements. So the charts
are plain SVG: presentation attributes give a readable default look, class names let the site
stylesheet theme them, and every chart is an ``role="img"`` with its own title and description
for screen readers. All text passes through :func:`markupsafe.escape`; the result is
:class:`~markupsafe.Markup`, so a template places it with ``{{ chart }}``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 600
SIDE = 20  # room at both sides so a centred first or last x label is not clipped
PLOT_HEIGHT = 160
LABEL_BAND = 28
FUNNEL_ROW = 44
MAX_X_LABELS = 10
MAX_BAR_WIDTH = 48  # a week of data should not look like three slabs
MINUS = "\u2212"

# Contrast against white: bar 7.5:1, alternate 6.5:1, text 14.8:1, axis 6.5:1 (WCAG AA).
BAR_COLOUR = "#2f5d50"
ALT_COLOUR = "#9c4221"
TEXT_COLOUR = "#1f2933"
AXIS_COLOUR = "#52606d"
TRACK_COLOUR = "#e4e7eb"  # decorative background of a funnel row; the bar carries the data


def _num(value: float) -> str:
    """Coordinates with at most two decimals: precise enough to draw, short enough to read."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _count(value: int) -> str:
    """Dutch thousands separator, so 1234 reads as "1.234" on a Dutch dashboard."""
    return f"{value:,}".replace(",", ".")


def _percent(part: int, whole: int) -> int:
    """Whole percent, halves up: round() rounds halves to even (12.5 -> 12, 13.5 -> 14)."""
    return (200 * part + whole) // (2 * whole)


def _chart_id() -> str:
    """A fresh id per chart: two charts on one page must not share title, desc or pattern ids."""
    return f"chart-{uuid.uuid4().hex[:12]}"


def _open_svg(
    chart_id: str, height: float, title: str, description: str, width: int = WIDTH
) -> list[str]:
    """The root element, scaled to its container's width, named by its own title and desc."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" width="100%"'
        f' viewBox="0 0 {width} {_num(height)}" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _close(parts: list[str]) -> Markup:
    """Mark the finished SVG safe: every piece of text in it went through escape()."""
    return Markup("".join([*parts, "</svg>"]))


def _text(
    x: float,
    y: float,
    content: str,
    *,
    cls: str,
    anchor: str = "middle",
    size: float = 11,
    tail: str = "",
) -> str:
    """One line of text in the text colour; ``content`` is escaped here, ``tail`` is markup."""
    return (
        f'<text class="{cls}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"'
        f' font-size="{_num(size)}" fill="{TEXT_COLOUR}">{escape(content)}{tail}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, *, paint: str, tooltip: str = "") -> str:
    """A rectangle; ``paint`` holds its class and fill, ``tooltip`` an escaped hover title."""
    inner = f"<title>{escape(tooltip)}</title></rect>" if tooltip else "</rect>"
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" {paint}>{inner}'


def _label_step(count: int) -> int:
    """Label every k-th column so that at most MAX_X_LABELS labels share the x axis."""
    return max(1, math.ceil(count / MAX_X_LABELS))


def _columns(
    groups: Sequence[tuple[str, Sequence[int]]],
    paints: Sequence[tuple[str, str]],
    *,
    top: float,
    unit: str,
) -> list[str]:
    """Baseline, bars, values and thinned x labels shared by the vertical bar charts.

    ``paints`` holds one (attributes, series name) pair per series. Values sit above each
    non-zero bar; with two series they are left out when a bar is too narrow to carry them
    without overlapping its neighbour, and every bar keeps its value in its hover title.
    """
    baseline = top + PLOT_HEIGHT
    peak = max((max(values, default=0) for _, values in groups), default=0)
    slot = (WIDTH - 2 * SIDE) / max(len(groups), 1)
    bar_w = min(slot * 0.8 / len(paints), MAX_BAR_WIDTH)
    font = min(11.0, max(6.0, bar_w))
    show_values = len(paints) == 1 or bar_w >= 10
    step = _label_step(len(groups))
    suffix = f" {unit}" if unit else ""
    parts = [
        f'<line class="chart-axis" x1="{SIDE}" y1="{_num(baseline)}" x2="{WIDTH - SIDE}"'
        f' y2="{_num(baseline)}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    ]
    for index, (label, values) in enumerate(groups):
        centre = SIDE + (index + 0.5) * slot
        left = centre - bar_w * len(paints) / 2
        for (paint, series), value in zip(paints, values, strict=True):
            height = value / peak * PLOT_HEIGHT if peak > 0 else 0.0
            text = f"{_count(value)}{suffix}"
            tip = f"{label} – {series}: {text}" if series else f"{label}: {text}"
            parts.append(_rect(left, baseline - height, bar_w, height, paint=paint, tooltip=tip))
            if value > 0 and show_values:
                x = left + bar_w / 2
                parts.append(_text(x, baseline - height - 4, text, cls="chart-value", size=font))
            left += bar_w
        if index % step == 0:
            parts.append(_text(centre, baseline + 18, label, cls="chart-label"))
    return parts


def _clean(value: int) -> int:
    """Counts are never negative; a negative number would draw a bar upside down, so it is 0."""
    return max(int(value), 0)


def bar_chart(
    bars: Sequence[tuple[str, int]], *, title: str, description: str, unit: str = ""
) -> Markup:
    """Vertical bars scaled to the largest value, e.g. sign-ups per day over 30 days.

    ``unit`` follows each value after a space ("12 ms"). All-zero data draws flat bars.
    """
    chart_id = _chart_id()
    top = 20
    parts = _open_svg(chart_id, top + PLOT_HEIGHT + LABEL_BAND, title, description)
    groups = [(label, (_clean(value),)) for label, value in bars]
    paint = f'class="chart-bar" fill="{BAR_COLOUR}"'
    parts += _columns(groups, [(paint, "")], top=top, unit=unit)
    return _close(parts)


def _hatch(chart_id: str) -> str:
    """Diagonal stripes for the second series, so the legend does not rely on colour alone."""
    return (
        f'<defs><pattern id="{chart_id}-hatch" class="chart-hatch" width="6" height="6"'
        ' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill="{ALT_COLOUR}"/></pattern></defs>'
    )


def _legend(names: tuple[str, str], paints: tuple[str, str]) -> list[str]:
    """Swatch plus text per series; the next swatch goes after an estimate of the text width."""
    parts = []
    x = float(SIDE)
    for name, paint in zip(names, paints, strict=True):
        swatch = paint.replace('class="', 'class="chart-swatch ', 1)
        parts.append(_rect(x, 8, 12, 12, paint=swatch))
        parts.append(_text(x + 18, 18, name, cls="chart-legend", anchor="start", size=12))
        x += 18 + len(name) * 7.2 + 24
    return parts


def paired_bar_chart(
    groups: Sequence[tuple[str, int, int]],
    *,
    title: str,
    description: str,
    legend: tuple[str, str],
) -> Markup:
    """Two bars per label on one scale, e.g. sign-ups against confirmations per day.

    The first series is solid, the second hatched and outlined, so print and colour-blind
    readers can tell them apart as well as anyone.
    """
    chart_id = _chart_id()
    top = 44
    parts = _open_svg(chart_id, top + PLOT_HEIGHT + LABEL_BAND, title, description)
    parts.append(_hatch(chart_id))
    solid = f'class="chart-bar" fill="{BAR_COLOUR}"'
    hatched = (
        f'class="chart-bar-alt" fill="url(#{chart_id}-hatch)" stroke="{ALT_COLOUR}"'
        ' stroke-width="1"'
    )
    parts += _legend(legend, (solid, hatched))
    columns = [(label, (_clean(a), _clean(b))) for label, a, b in groups]
    parts += _columns(columns, [(solid, legend[0]), (hatched, legend[1])], top=top, unit="")
    return _close(parts)


def _change(count: int, previous: int | None) -> str:
    """Drop-off from the previous step ("−12%"), a rise as "+5%"; nothing without a base."""
    if not previous:
        return ""
    if count > previous:
        return f"+{_percent(count - previous, previous)}%"
    drop = _percent(previous - count, previous)
    return f"{MINUS}{drop}%" if drop else "0%"


def _funnel_row(
    y: float, name: str, count: int, *, first: int, previous: int | None, scale: int
) -> list[str]:
    """Step name and figures on one line, the bar on a light full-width track below it."""
    figures = [_count(count)]
    if first > 0:
        figures.append(f"{_percent(count, first)}%")
    change = _change(count, previous)
    tail = f'<tspan class="chart-dropoff" fill="{ALT_COLOUR}"> · {escape(change)}</tspan>'
    summary, tail = " · ".join(figures), tail if change else ""
    full = WIDTH - 2 * SIDE
    width = count / scale * full if scale > 0 else 0.0
    return [
        _text(SIDE, y + 14, name, cls="chart-label", anchor="start", size=13),
        _text(WIDTH - SIDE, y + 14, summary, cls="chart-value", anchor="end", tail=tail),
        _rect(SIDE, y + 20, full, 16, paint=f'class="chart-track" fill="{TRACK_COLOUR}"'),
        _rect(SIDE, y + 20, width, 16, paint=f'class="chart-bar" fill="{BAR_COLOUR}"'),
    ]


def funnel_chart(steps: Sequence[tuple[str, int]], *, title: str, description: str) -> Markup:
    """Horizontal bars, one per step, with count, share of the first step and drop-off.

    Bars are scaled to the largest step, which in a real funnel is the first; a later step
    that outgrows the first (late data) still fits, and a first step of 0 falls back to the
    largest. Percentages stay relative to the first step and are left out when it is 0.
    """
    chart_id = _chart_id()
    counts = [_clean(count) for _, count in steps]
    first = counts[0] if counts else 0
    scale = max(counts, default=0)
    top = 8
    parts = _open_svg(chart_id, top + FUNNEL_ROW * len(steps) + 4, title, description)
    previous: int | None = None
    for index, ((name, _), count) in enumerate(zip(steps, counts, strict=True)):
        y = top + index * FUNNEL_ROW
        parts += _funnel_row(y, name, count, first=first, previous=previous, scale=scale)
        previous = count
    return _close(parts)


SCORE_TOP = 10  # the tension scale runs from 0 to 10
# A learner reads their chart on a phone: a narrower canvas keeps its text legible there.
SCORE_WIDTH = 360


def _score_scale(left: float, top: float) -> list[str]:
    """Faint lines at 0, 5 and 10 with their numbers, so a bar's height reads as a score."""
    parts = []
    for mark in (0, 5, SCORE_TOP):
        y = top + PLOT_HEIGHT * (1 - mark / SCORE_TOP)
        colour = AXIS_COLOUR if mark == 0 else TRACK_COLOUR
        parts.append(
            f'<line class="chart-axis" x1="{_num(left)}" y1="{_num(y)}" x2="{SCORE_WIDTH - SIDE}"'
            f' y2="{_num(y)}" stroke="{colour}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, str(mark), cls="chart-label", anchor="end", size=12))
    return parts


def before_after_chart(
    groups: Sequence[tuple[str, int | None, int | None]],
    *,
    title: str,
    description: str,
    legend: tuple[str, str],
) -> Markup:
    """Two bars per label on a fixed 0-10 scale, e.g. tension before and after an exercise.

    Unlike the count charts the scale never stretches (a 3 always looks like a 3), a 0 is a
    score with its own number on a thin stub, and a missing score leaves its place empty.
    The first series is solid, the second hatched, so colour is never the only difference.
    """
    chart_id = _chart_id()
    top, left = 44, SIDE + 20
    height = top + PLOT_HEIGHT + LABEL_BAND
    parts = _open_svg(chart_id, height, title, description, width=SCORE_WIDTH)
    parts.append(_hatch(chart_id))
    solid = f'class="chart-bar" fill="{BAR_COLOUR}"'
    hatched = f'class="chart-bar-alt" fill="url(#{chart_id}-hatch)" stroke="{ALT_COLOUR}"'
    parts += _legend(legend, (solid, hatched))
    parts += _score_scale(left, top)
    slot = (SCORE_WIDTH - SIDE - left) / max(len(groups), 1)
    bar_w, step = min(slot * 0.4, MAX_BAR_WIDTH), _label_step(len(groups))
    for index, (label, *scores) in enumerate(groups):
        centre = left + (index + 0.5) * slot
        for offset, paint, name, score in zip(
            (-1, 0), (solid, hatched), legend, scores, strict=True
        ):
            if score is None:
                continue
            value = min(max(int(score), 0), SCORE_TOP)
            bar_h = max(value / SCORE_TOP * PLOT_HEIGHT, 2.0)
            x, y = centre + offset * bar_w, top + PLOT_HEIGHT - bar_h
            tip = f"{label} – {name}: {value}"
            parts.append(_rect(x, y, bar_w, bar_h, paint=paint, tooltip=tip))
            parts.append(_text(x + bar_w / 2, y - 4, str(value), cls="chart-value", size=12))
        if index % step == 0:
            parts.append(_text(centre, top + PLOT_HEIGHT + 18, label, cls="chart-label", size=12))
    return _close(parts)
