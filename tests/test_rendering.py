"""Rendering once per pass and filling in each recipient gives exactly the direct render."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ecourse.content import markup
from ecourse.content.catalog import import_path
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


LINKS_AND_LISTS = """Kijk eerst [de korte video](https://academie.test/video?deel=1&taal=nl) of lees \
<https://academie.test/lezen>. Vragen? [Mail de docent](mailto:docent@academie.test).

- Voeten op de grond
- Adem **rustig** uit, zie [de uitleg](https://academie.test/adem)

3. Zit rechtop.
4. Adem in.
   - Tel tot vier.

<p>Een regel HTML <script>alert(1)</script>met &amp; erin.</p>
"""


def test_plain_text_keeps_link_addresses_and_list_markers():
    text = markup.plain_text(LINKS_AND_LISTS)
    assert text.splitlines() == [
        "Kijk eerst de korte video (https://academie.test/video?deel=1&taal=nl) of lees "
        "https://academie.test/lezen. Vragen? Mail de docent (docent@academie.test).",
        "",
        "- Voeten op de grond",
        "- Adem rustig uit, zie de uitleg (https://academie.test/adem)",
        "",
        "3. Zit rechtop.",
        "4. Adem in.",
        "   - Tel tot vier.",
        "",
        "Een regel HTML met & erin.",
    ]
    # Reading time counts what a reader reads: no addresses, no markers.
    assert markup.word_count("- Een [twee](https://drie.test/vier)\n- vijf") == 3


def test_a_lessons_text_part_keeps_its_links_and_lists(app, course_files, settings):
    body = LINKS_AND_LISTS + "\n## Oefening\n\n1. Voeten op de grond.\n"
    course_files.lesson("01-les-1", title="Les nummer 1", day=0, body=body)
    import_path(
        Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", datetime(2026, 11, 3, tzinfo=UTC)
    )
    course = the_course()
    lesson = course.published_lessons[0]
    reader = Subscriber(email="r@example.org", first_name="Anna", public_id="p" * 22)
    rendered = emails.Renderer(current.settings()).render("lesson", reader, course, lesson)
    assert "de korte video (https://academie.test/video?deel=1&taal=nl)" in rendered.text
    assert "\n- Voeten op de grond\n- Adem rustig uit" in rendered.text
    assert "\n3. Zit rechtop.\n4. Adem in.\n   - Tel tot vier." in rendered.text
    assert 'href="https://academie.test/video?deel=1&amp;taal=nl"' in rendered.html
