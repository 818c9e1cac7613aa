"""A course's worksheet (`worksheet.md`) as parts to print: Markdown, with whole-line markers
for what Markdown cannot draw.

`[[lichaamskaart]]` is a body outline to mark, `[[schrijfregels:N]]` N ruled lines to write
on (1 to 12), `[[zakkaart]]` … `[[/zakkaart]]` a card to cut out around the Markdown between.
Each `##` section is a part of its own, so print can keep it on one page. The Markdown goes
through the lessons' safe pipeline (`markup.render`); the drawings are the template's, so
their words are translated like any page's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from ecourse.content import markup

MAX_LINES = 12
_MARKER = re.compile(r"^\[\[\s*(/?[a-z]+)(?::\s*(\d+))?\s*\]\]$")
_SECTION = re.compile(r"^(?=##[ \t])", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~)")


@dataclass(frozen=True)
class Block:
    """One thing on the sheet: `html` (rendered Markdown), `body-map`, `lines` (`count`
    ruled lines) or `card` (a cut-out card holding `inner` blocks)."""

    kind: str
    html: Markup = Markup("")
    count: int = 0
    inner: tuple[Block, ...] = field(default=())


@dataclass(frozen=True)
class Sheet:
    title: str  # the file's own `# Title`, if it has one
    sections: tuple[tuple[Block, ...], ...]  # at each `##` heading, a row of blocks


def sheet(markdown_text: str) -> Sheet:
    """The worksheet as its title and its sections, ready for the template."""
    title, rest = markup.split_title(markdown_text)
    sections = [part for part in _SECTION.split(rest) if part.strip()]
    return Sheet(title, tuple(tuple(_blocks(part.splitlines())) for part in sections))


def problems(markdown_text: str) -> list[str]:
    """What a worksheet's author should fix: unknown markers, line counts out of range, a
    card not closed (or closed twice, or inside another)."""
    found, open_card = [], False
    for number, line in _marker_lines(markdown_text):
        name, count = line
        where = f"worksheet.md line {number}"
        if name == "zakkaart":
            if open_card:
                found.append(
                    f"{where}: [[zakkaart]] inside a card; close the first with [[/zakkaart]]"
                )
            open_card = True
        elif name == "/zakkaart":
            if not open_card:
                found.append(f"{where}: [[/zakkaart]] without a [[zakkaart]] before it")
            open_card = False
        elif name == "schrijfregels":
            if count is None or not 1 <= count <= MAX_LINES:
                found.append(f"{where}: write [[schrijfregels:N]] with N from 1 to {MAX_LINES}")
        elif name != "lichaamskaart":
            found.append(
                f"{where}: unknown marker [[{name}]] "
                "(known: lichaamskaart, schrijfregels:N, zakkaart … /zakkaart)"
            )
    if open_card:
        found.append("worksheet.md: a [[zakkaart]] is not closed with [[/zakkaart]]")
    return found


def _blocks(lines: list[str]) -> list[Block]:
    """Markdown between the markers rendered as one piece each; a card gathers what is
    inside it (an unclosed card runs to the section's end, as its author can see)."""
    blocks: list[Block] = []
    pending: list[str] = []
    card: list[str] | None = None
    for line, marker in _read(lines):
        if card is not None and marker != ("/zakkaart", None):
            card.append(line)
            continue
        if marker is None:
            pending.append(line)
            continue
        _flush(pending, blocks)
        name, count = marker
        if name == "zakkaart":
            card = []
        elif name == "/zakkaart":
            blocks.append(Block("card", inner=tuple(_blocks(card or []))))
            card = None
        elif name == "lichaamskaart":
            blocks.append(Block("body-map"))
        elif name == "schrijfregels" and count is not None:
            blocks.append(Block("lines", count=max(1, min(MAX_LINES, count))))
    if card is not None:
        blocks.append(Block("card", inner=tuple(_blocks(card))))
    _flush(pending, blocks)
    return blocks


def _flush(pending: list[str], blocks: list[Block]) -> None:
    text = "\n".join(pending).strip()
    if text:
        blocks.append(Block("html", html=markup.render(text)))
    pending.clear()


def _read(lines: list[str]):
    """Each line with its marker (name, number) or None; markers in a code fence are text."""
    fenced = False
    for line in lines:
        if _FENCE.match(line.strip()):
            fenced = not fenced
        match = None if fenced else _MARKER.match(line.strip())
        yield line, (_named(match) if match else None)


def _named(match: re.Match) -> tuple[str, int | None]:
    count = match.group(2)
    return match.group(1), int(count) if count is not None else None


def _marker_lines(markdown_text: str):
    for number, (_, marker) in enumerate(_read((markdown_text or "").splitlines()), start=1):
        if marker is not None:
            yield number, marker
