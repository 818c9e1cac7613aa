"""A lesson's page, rendered once per version of its text.

The lesson page shows three parts (the text, the exercise, the reflection) and a reading
time. Rendering Markdown and cleaning the HTML is the page's biggest cost, so each version
of a lesson is rendered once per process and kept; a lesson whose text greets the learner
by name (`{{ voornaam }}`) is filled in per learner, but its reading time is still kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from ecourse.content import markup, placeholders


@dataclass(frozen=True)
class LessonPage:
    body: Markup
    exercise: Markup
    reflection: Markup
    reading_minutes: int


def lesson_page(lesson, first_name: str) -> LessonPage:
    """The parts of `lesson`'s page for a learner called `first_name`."""
    texts = (lesson.body_md or "", lesson.exercise_md or "", lesson.reflection_md or "")
    version = hashlib.sha256("\x00".join(texts).encode()).hexdigest()
    if any(placeholders.used_in(text) for text in texts):
        body, exercise, reflection = (placeholders.render_markdown(t, first_name) for t in texts)
        return LessonPage(body, exercise, reflection, _reading_minutes(version, *texts[:2]))
    return _shared(version, *texts)


@lru_cache(maxsize=256)
def _shared(version: str, body: str, exercise: str, reflection: str) -> LessonPage:
    rendered = [markup.render(text) for text in (body, exercise, reflection)]
    return LessonPage(*rendered, _reading_minutes(version, body, exercise))


@lru_cache(maxsize=256)
def _reading_minutes(version: str, body: str, exercise: str) -> int:
    return markup.reading_minutes(body, exercise)
