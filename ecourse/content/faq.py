"""A course's FAQ (`faq.md`) as a page: every `##` question a heading with an id, so a
teacher can send a link straight to one answer (`/cursus/<slug>/vragen#id`)."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup

from ecourse.content import markup

_H2 = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Question:
    anchor: str
    text: str


@dataclass(frozen=True)
class Faq:
    title: str  # the file's own `# Title`, if it has one
    html: Markup
    questions: tuple[Question, ...]


def page(markdown_text: str) -> Faq:
    """The FAQ rendered by the lessons' safe pipeline, each `##` given its anchor."""
    title, rest = markup.split_title(markdown_text)
    cleaned = str(markup.render(rest))
    questions: list[Question] = []

    def anchored(match: re.Match) -> str:
        text = html.unescape(_TAG.sub("", match.group(1))).strip()
        anchor = _unique(slug(text), {each.anchor for each in questions})
        questions.append(Question(anchor, text))
        return f'<h2 id="{anchor}">{match.group(1)}</h2>'

    rendered = _H2.sub(anchored, cleaned)
    return Faq(title, Markup(rendered), tuple(questions))


def slug(text: str) -> str:
    """A heading as an id a URL carries as it is: "Wat als ik huil?" → "wat-als-ik-huil"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return words[:60].rstrip("-") or "vraag"


def _unique(anchor: str, taken: set[str]) -> str:
    candidate, number = anchor, 2
    while candidate in taken:
        candidate, number = f"{anchor}-{number}", number + 1
    return candidate
