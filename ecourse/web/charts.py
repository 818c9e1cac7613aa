"""Server-side SVG charts: the admin dashboard's bars and the learner's check-in chart.

The pages ship no JavaScript for charts and run under a Content-Security-Policy of
``style-src 'self'``, which blocks ``style`` attributes and ``<style>`` elements. So the charts
are plain SVG: presentation attributes give a readable default look, and class names let the
site stylesheet theme them. All text passes through :func:`markupsafe.escape`; the result is
:class:`~markupsafe.Markup`, so a template places it with ``{{ chart }}``.

The dashboard's bars (:func:`bar`) sit in table cells beside their numbers: they carry no
text and have no viewBox, so a phone never shrinks a label to a few pixels. The check-in
chart is one ``role="img"`` with its own title and description for screen readers.
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
MAX_X_LABELS = 10
MAX_BAR_WIDTH = 48  # a week of data should not look like three slabs
BAR_HEIGHT = 14  # a dashboard bar, in CSS pixels

# Contrast against white: bar 7.5:1, alternate 6.5:1, text 14.8:1, axis 6.5:1 (WCAG AA).
BAR_COLOUR = "#2f5d50"
ALT_COLOUR = "#9c4221"
TEXT_COLOUR = "#1f2933"
AXIS_COLOUR = "#52606d"
TRACK_COLOUR = "#e4e7eb"  # decorative background of a bar; the bar carries the data
# The parts of a dashboard bar. None is red: a bar shows counts, never a loss or a gain.
BAR_PARTS = {
    "solid": BAR_COLOUR,  # the step itself: received, confirmed, …
    "light": "#8fb8a8",  # the rest of the same people (signed up, not confirmed)
    "waiting": "#aeb5bd",  # not their turn yet: grey, neither a loss nor a success
}


def _num(value: float) -> str:
    """Coordinates with at most two decimals: precise enough to draw, short enough to read."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def percent(part: int, whole: int) -> str:
    """`part` as a whole percent of `whole`, halves up ("13%" for 12.5%); "–" without a whole.

    round() would round halves to even (12.5 -> 12, 13.5 -> 14).
    """
    if whole <= 0:
        return "–"
    return f"{(200 * max(part, 0) + whole) // (2 * whole)}%"


def bar(parts: Sequence[tuple[int, str]], scale: int) -> Markup:
    """A horizontal bar for a table cell: 0 at the cell's left edge, `scale` at its right.

    ``parts`` are (count, kind) pairs laid end to end from zero, each as wide as its share of
    `scale`; a kind is a key of `BAR_PARTS`. Counts below zero draw as nothing, and parts
    that add up to more than `scale` are fitted to the cell rather than drawn past it. The
    bar is hidden from screen readers: the numbers are in the table's own cells.
    """
    counts = [max(int(count), 0) for count, _ in parts]
    whole = max(scale, sum(counts))
    pieces = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar" width="100%"'
        f' height="{BAR_HEIGHT}" aria-hidden="true" focusable="false">',
        f'<rect class="bar-track" width="100%" height="{BAR_HEIGHT}" fill="{TRACK_COLOUR}"/>',
    ]
    left = 0.0
    for count, (_, kind) in zip(counts, parts, strict=True):
        width = 100 * count / whole if whole else 0.0
        if width > 0:
            pieces.append(
                f'<rect class="bar-{kind}" x="{_num(left)}%" width="{_num(width)}%"'
                f' height="{BAR_HEIGHT}" fill="{BAR_PARTS[kind]}"/>'
            )
        left += width
    return Markup("".join([*pieces, "</svg>"]))


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
