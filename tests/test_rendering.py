"""Rendering once per pass and filling in each recipient gives exactly the direct render."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from ecourse.core.models import Consent, Subscriber
from ecourse.engine import emails
from ecourse.learners import current
from ecourse.mail import compose
from tests.factories import the_course


class Events(HTMLParser):
    """A document as its parse events, entities decoded: equal events, equal document."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if self.events and self.events[-1][0] == "data":
            data = self.events.pop()[1] + data
        self.events.append(("data", data))


NAMES = ["", "Anna", "<script>alert('x')</script>", 'Zoë & "Jan"', "zzECOURSEFIRST_NAMEzz"]


@pytest.mark.parametrize("first_name", NAMES)
@pytest.mark.parametrize("kind", ["confirm", "lesson"])
def test_personal_fill_equals_a_direct_render(app, kind, first_name):
    course = the_course()
    lesson = course.published_lessons[1] if kind == "lesson" else None
    reader = Subscriber(
        email="r@example.org", first_name=first_name, public_id="p" * 22, status="active"
    )
    sign_up = Consent(public_id="s" * 22, first_name="") if kind == "confirm" else None
    renderer = emails.Renderer(current.settings())
    renderer.render(
        kind,
        Subscriber(email="o@example.org", first_name="Eerst", public_id="q" * 22),
        course,
        lesson,
        sign_up,
    )
    values = emails.personal_values(kind, reader, course, lesson, sign_up)
    cached = renderer.fill(kind, course, lesson, values)
    settings = current.settings()
    context = emails.shared_context(kind, course, lesson, settings, first_name) | values
    direct = compose.render(settings.templates, kind, context)
    assert (cached.subject, cached.text) == (direct.subject, direct.text)
    assert Events(cached.html).events == Events(direct.html).events
    if "<script>" in first_name:
        assert "<script>" not in cached.html


def test_each_distinct_email_is_rendered_once_per_pass(app, monkeypatch):
    course = the_course()
    calls = []
    real = compose.render
    monkeypatch.setattr(compose, "render", lambda *args: calls.append(args[1]) or real(*args))
    renderer = emails.Renderer(current.settings())
    for number in range(50):
        reader = Subscriber(
            email=f"r{number}@example.org", first_name=f"N{number}", public_id=f"{number:022d}"
        )
        renderer.render("lesson", reader, course, course.published_lessons[0])
    assert calls == ["lesson"]
