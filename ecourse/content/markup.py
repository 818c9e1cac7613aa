"""Markdown to safe HTML, and the split of a lesson body into its marked sections.

markdown-it-py's `commonmark` preset passes raw HTML through, so everything it produces is
cleaned by nh3 before anyone sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import frontmatter
import nh3
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup

from ecourse.content import plaintext

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "b",
    "i",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}

# The level-2 headings that mark a lesson's sections, in Dutch and in English.
SECTION_MARKERS = {
    "oefening": "exercise",
    "exercise": "exercise",
    "reflectie": "reflection",
    "reflection": "reflection",
}
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])


def render(markdown_text: str) -> Markup:
    """Render Markdown to HTML that is safe to show anywhere."""
    return clean(_parser().render(markdown_text or ""))


def clean(html: str) -> Markup:
    """Keep only the tags, attributes and link schemes a lesson may use."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)


_TITLE = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\n|\Z)")


def split_title(markdown_text: str) -> tuple[str, str]:
    """A page's title, from its front matter (`title:`) or its own `# Title` on the first
    line, and the rest (a course's FAQ or worksheet page shows the title as its heading;
    pages have no `h1` in their Markdown)."""
    text = markdown_text or ""
    if text.startswith("---"):
        try:
            post = frontmatter.loads(text)
        except (yaml.YAMLError, ValueError):
            post = None
        if post is not None and isinstance(post.metadata.get("title", ""), str):
            title = post.metadata.get("title", "").strip()
            text = post.content
            if title:
                return title, text
    match = _TITLE.match(text)
    if match is None:
        return "", text
    return match.group(1).strip(), text[match.end() :]


def plain_text(markdown_text: str) -> str:
    """The text of some Markdown for the plain-text part of an email: paragraphs apart,
    list markers kept, and each link's address after its text (`plaintext`)."""
    return plaintext.from_tokens(_parser().parse(markdown_text or ""))


@dataclass(frozen=True)
class Sections:
    body: str
    exercise: str
    reflection: str


def split_sections(markdown_text: str) -> Sections:
    """Split a lesson at its `## Oefening` and `## Reflectie` headings."""
    parts: dict[str, str] = {"body": "", "exercise": "", "reflection": ""}
    current, start = "body", 0
    for match in _HEADING.finditer(markdown_text):
        section = SECTION_MARKERS.get(match.group(1).strip().lower())
        if section is None:
            continue
        parts[current] += markdown_text[start : match.start()]
        current, start = section, match.end()
    parts[current] += markdown_text[start:]
    return Sections(**{name: text.strip() for name, text in parts.items()})


def opening(markdown_text: str, min_words: int = 40) -> str:
    """The lesson's first paragraphs, up to the first heading, until about `min_words` long.

    Used as the teaser in a lesson's email: one short paragraph alone ("Fijn dat je er
    bent.") says too little about what is waiting.
    """
    taken: list[str] = []
    for block in re.split(r"\n\s*\n", markdown_text.strip()):
        if block.lstrip().startswith("#"):
            break
        taken.append(block.strip())
        if len(" ".join(taken).split()) >= min_words:
            break
    return "\n\n".join(taken)


WORDS_PER_MINUTE = 200  # an unhurried reading pace for lesson text


def word_count(markdown_text: str) -> int:
    """The words a reader reads: link addresses and list markers are not counted."""
    tokens = _parser().parse(markdown_text or "")
    return len(plaintext.from_tokens(tokens, decorate=False).split())


def reading_minutes(*markdown_texts: str) -> int:
    """Minutes to read the texts at a calm pace; at least one."""
    words = sum(word_count(text) for text in markdown_texts)
    return max(1, round(words / WORDS_PER_MINUTE))
