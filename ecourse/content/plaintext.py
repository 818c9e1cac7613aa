"""Markdown as plain text, for the text part of an email.

A reader of the text part (a plain-text mail client, a screen reader reading it, a watch)
cannot click a word: a link keeps its address after its text, "tekst (https://…)", and a
list keeps its markers ("- ", "1. "), so steps still read as steps. Everything else of the
markup (emphasis, raw HTML tags, images) is left out, keeping only its words.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

import nh3
from markdown_it.token import Token

SHOWN_SCHEMES = ("http://", "https://", "mailto:")
INDENT = "   "  # per level of a nested list: under the text of the item above


@dataclass
class _Writer:
    """Walks markdown-it's block tokens once, writing lines."""

    decorate: bool
    lines: list[str] = field(default_factory=list)
    lists: list[bool] = field(default_factory=list)  # per open list: ordered?
    marker: str = ""  # the marker of a list item whose first line is still to come

    def write(self, tokens: list[Token]) -> str:
        for token in tokens:
            self._block(token)
        text = "\n".join(self.lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def _block(self, token: Token) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not self.lists:
                self._gap()
            self.lists.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
            if not self.lists:
                self._gap()
        elif kind == "list_item_open":
            self.marker = f"{token.info}. " if self.lists[-1] else "- "
        elif kind == "inline":
            self._text(_inline(token.children or [], self.decorate))
        elif kind in ("fence", "code_block"):
            self._text(token.content.rstrip("\n"))
        elif kind == "html_block":
            self._text(_without_tags(token.content).strip())

    def _text(self, text: str) -> None:
        if not self.lists:
            self._gap()
            self.lines.extend(text.split("\n"))
            self._gap()
            return
        indent = INDENT * (len(self.lists) - 1)
        marker = self.marker if self.decorate else ""
        first, *rest = text.split("\n")
        pad = " " * len(self.marker) if self.decorate else ""
        self.lines.append(f"{indent}{marker or pad}{first}")
        self.lines.extend(f"{indent}{pad}{line}" for line in rest)
        self.marker = ""

    def _gap(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")


def _inline(children: list[Token], decorate: bool) -> str:
    """One paragraph's (or heading's, or item's) words, with link addresses kept.

    Raw HTML in the line is cleaned as the HTML part cleans it (a `<script>`'s content
    goes too): the words are escaped, joined with the tags, and nh3 keeps only text.
    """
    raw = any(child.type == "html_inline" for child in children)
    words = html_lib.escape if raw else str
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its text starts in `parts`)
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "image"):  # an image: its alt text
            parts.append(words(child.content))
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "html_inline":
            parts.append(child.content)
        elif kind == "link_open":
            links.append((str(child.attrs.get("href", "")), len(parts)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            address = _address(href, html_lib.unescape("".join(parts[start:])))
            if decorate and address:
                parts.append(words(f" ({address})"))
    return _without_tags("".join(parts)) if raw else "".join(parts)


def _address(href: str, text: str) -> str:
    """What to write after a link's text: its web address or email address, or nothing
    when the text already says it (an autolink) or the link goes nowhere a reader can go."""
    if not href.lower().startswith(SHOWN_SCHEMES):
        return ""
    shown = href[len("mailto:") :].partition("?")[0] if href.lower().startswith("mailto:") else href
    return "" if _bare(text) in (_bare(shown), _bare(href)) else shown


def _bare(address: str) -> str:
    return re.sub(r"^(https?://|mailto:)", "", address.strip().lower()).rstrip("/")


def _without_tags(html: str) -> str:
    return html_lib.unescape(nh3.clean(html, tags=set()))


def from_tokens(tokens: list[Token], decorate: bool = True) -> str:
    """The text of parsed Markdown; without link addresses and list markers when not
    `decorate` (for counting words)."""
    return _Writer(decorate).write(tokens)
