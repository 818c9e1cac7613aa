"""A course's description as its sign-up page shows it.

The description comes from `course.yml` and would go stale the moment an admin adds a lesson
("zeven korte lessen" beside a consent text that says 8). So it may say `{{ aantal_lessen }}`
(or `{{ number_of_lessons }}`) instead of a number: the page fills in how many lessons the
course has published, in words up to twelve, as Dutch and English prose writes them. No other
placeholder is allowed; the lesson import names any other as a problem.
"""

from __future__ import annotations

import re

COUNT = re.compile(r"\{\{\s*(?:aantal_lessen|number_of_lessons)\s*\}\}")
_ANY = re.compile(r"\{\{.*?\}\}", re.DOTALL)
WORDS = {
    "nl": "nul één twee drie vier vijf zes zeven acht negen tien elf twaalf".split(),
    "en": "zero one two three four five six seven eight nine ten eleven twelve".split(),
}


def in_words(count: int, language: str) -> str:
    """A small number as a word of `language` ("zeven"), a larger one as digits."""
    words = WORDS.get(language, ())
    return words[count] if 0 <= count < len(words) else str(count)


def shown(description: str, lessons: int, language: str) -> str:
    """The description with `{{ aantal_lessen }}` filled in with the number of lessons."""
    return COUNT.sub(in_words(lessons, language), description or "")


def problems(description: str) -> list[str]:
    """What the lesson import says about placeholders a description may not use."""
    wrong = [each for each in _ANY.findall(description or "") if not COUNT.fullmatch(each)]
    return [
        f"description: {each} cannot be used; only {{{{ aantal_lessen }}}} (the number of lessons)"
        for each in wrong
    ]
