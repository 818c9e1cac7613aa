"""Languages: Dutch first, English complete as the second.

Which language a page or an email speaks is decided in this order: the course's language
(a Dutch course's pages and emails are Dutch, so interface and lesson text agree), then the
learner's own preference, then the browser's (or the page's) language, then Dutch. A course
whose `language` is `any` leaves the choice to the learner and the browser.

Source strings are the Dutch text itself; `ecourse/translations/en` holds the English. The
web's part (the page's language, Flask-Babel) is `ecourse.web.locale`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import Translations

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
ANY = "any"  # a course that follows the learner's (or the browser's) language
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def language_for(course=None, subscriber=None, browser: str | None = None) -> str:
    """The language for this course and learner (and browser, for pages)."""
    if course is not None and course.language in LANGUAGES:
        return course.language
    if subscriber is not None and subscriber.language in LANGUAGES:
        return subscriber.language
    return browser if browser in LANGUAGES else DEFAULT


@lru_cache(maxsize=8)
def translations(language: str) -> Translations:
    """The catalog for `language`, for rendering outside a request (emails)."""
    return Translations.load(str(TRANSLATIONS), [language], domain="messages")
