"""Who greets the reader at the top of a lesson email: the lesson itself, or ecourse.

This is the one place that decides it. A lesson email opens with ecourse's own greeting
("Hoi Anna," or, without a name, "Hoi,") unless the lesson text already begins with a
greeting of its own, so an author who writes "Hoi {{ voornaam }}," is not greeted over.

A text greets when its first line starts with a greeting word (`WORDS`), then at most two
names, words or placeholders, then a comma, an exclamation mark or the end of the line:
"Hoi {{ voornaam }},", "Beste lezer,", "Lieve {{ voornaam|default('jij') }}!", "Hallo!".
"Dag 3 van de cursus" and "Hoi en welkom bij les drie, …" do not: there the greeting word
starts a sentence, and the email greets as usual. The editor's email preview and test email
are built by the same code as the real emails, so they show the greeting that goes out.
"""

from __future__ import annotations

import re

# Greeting words in Dutch, and in English for lessons of an English course.
WORDS = (
    "hoi",
    "hallo",
    "hai",
    "hey",
    "hee",
    "beste",
    "lieve",
    "liefste",
    "dag",
    "goedemorgen",
    "goedemiddag",
    "goedenavond",
    "welkom",
    "hi",
    "hello",
    "dear",
)
# A name or word (letters first, so "Dag 3" is no greeting) or a placeholder.
_NAME = r"(?:\{\{.*?\}\}|[^\W\d_][\w'’-]*)"
_GREETING = re.compile(
    r"[ \t>#*_]*"  # Markdown around it: "**Hoi Anna,**", "> Hoi,"
    rf"(?:{'|'.join(WORDS)})\b"
    rf"(?:[ \t]+{_NAME}){{0,2}}"
    r"[ \t*_]*(?:[,!]|\r?\n|\Z)",
    re.IGNORECASE,
)


def greets_itself(lesson_text: str) -> bool:
    """Whether the lesson text begins with its own greeting (then the email adds none)."""
    return _GREETING.match((lesson_text or "").lstrip("\r\n")) is not None


def email_greets(lesson_text: str) -> bool:
    """Whether a lesson email with this text opens with ecourse's greeting."""
    return not greets_itself(lesson_text)
