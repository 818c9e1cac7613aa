"""The lesson editor keeps work and tells the truth: a plain "Opslaan" for drafts, the reach
step for what reaches learners, one greeting, a rendered preview line, and a test email whose
every link opens a preview (signed, one purpose, short-lived, behind the admin login)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Lesson, LessonChange, Subscriber
from ecourse.engine import emails
from ecourse.learners import current
from ecourse.web.admin import samplelinks
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, the_course
from tests.test_access import aged_token
from tests.test_admin_lessons import EDITOR, lesson_fields, post_lesson
from tests.web import ADMIN_EMAIL, csrf_token

FIRST = "/admin/cursussen/testcursus/lessen/01-les-1"
LINK = re.compile(r"https?://[^\s\"<>]+")
BANNER = "Dit is een voorbeeld"


def _post(client, url: str, page: str = EDITOR, **fields):
    token = csrf_token(client.get(page).text)
    return client.post(url, data={"csrf_token": token} | lesson_fields(**fields))


def _test_email(client, outbox, page: str = EDITOR, **fields):
    action = "/admin/cursussen/testcursus/test" if page == EDITOR else f"{page}/test"
    response = _post(client, action, page, **fields)
    assert response.status_code == 200, response.text
    (message,) = outbox
    return message


def _our_links(message) -> list[str]:
    """Every link to this site in both parts and the headers, as a mail client shows them,
    but the public help page (`/hulp`) that every lesson email links to as it is."""
    html = (message.html or "").replace("&amp;", "&")
    headers = " ".join(value for _, value in message.headers)
    found = LINK.findall(message.text + " " + html + " " + headers)
    public = {f"{BASE_URL}/hulp"}
    return sorted({link.rstrip(">") for link in found if link.startswith(BASE_URL)} - public)


def test_a_test_email_links_the_public_help_page_as_it_is(admin_client, outbox):
    message = _test_email(admin_client, outbox)
    assert f"Meer hulp: {BASE_URL}/hulp" in message.text


# Saving: a plain "Opslaan" for a draft; the reach step for whatever reaches learners.


def test_a_new_draft_is_saved_by_plain_opslaan_in_one_step(admin_client):
    response = post_lesson(admin_client, step="draft", status="draft")
    assert response.status_code == 302
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Rust in je handen"))
    assert lesson.status == "draft" and lesson.body_md.startswith("Hoi {{ voornaam }},")
    assert response.headers["Location"] == f"/admin/cursussen/testcursus/lessen/{lesson.slug}"
    change = db.session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson.id))
    assert (change.action, change.will_reach, change.admin_email) == ("created", 0, ADMIN_EMAIL)
    editor = admin_client.get(response.headers["Location"])
    assert "Concept opgeslagen" in editor.text
    assert "data-unsaved" not in editor.text  # just saved: leaving asks nothing


def test_an_existing_draft_is_saved_again_in_one_step(admin_client):
    post_lesson(admin_client, step="draft", status="draft")
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Rust in je handen"))
    url = f"/admin/cursussen/testcursus/lessen/{lesson.slug}"
    response = post_lesson(admin_client, url, step="draft", status="draft", title="Open handen")
    assert response.status_code == 302 and response.headers["Location"] == url
    db.session.refresh(lesson)
    assert lesson.title == "Open handen" and lesson.status == "draft"


@pytest.mark.parametrize(
    ("url", "status", "word"),
    [(EDITOR, "published", "wordt"), (FIRST, "published", "is"), (FIRST, "draft", "is")],
    ids=["publishing a new lesson", "changing a published one", "taking one back"],
)
def test_plain_opslaan_of_what_reaches_learners_shows_the_reach_first(
    admin_client, url, status, word
):
    before = db.session.scalar(select(LessonChange.id))
    response = post_lesson(admin_client, url, step="draft", status=status, title="Nieuw")
    assert response.status_code == 200
    assert "krijgen deze les op hun plek" in response.text
    assert f"Deze les {word} gepubliceerd, dus deze wijziging bereikt deelnemers" in response.text
    assert 'name="step" value="save"' in response.text
    assert db.session.scalar(select(LessonChange.id)) == before  # nothing saved yet
    assert db.session.scalar(select(Lesson).where(Lesson.title == "Nieuw")) is None


def test_the_editor_offers_plain_opslaan_only_where_it_fits(admin_client):
    def plain_save_hidden(page: str) -> bool:
        button = re.search(r"<button[^>]*data-plain-save[^>]*>", page)
        return " hidden" in button.group(0)

    assert not plain_save_hidden(admin_client.get(EDITOR).text)  # a new lesson starts a draft
    assert plain_save_hidden(admin_client.get(FIRST).text)  # a published lesson: reach first
    sent_back = post_lesson(admin_client, step="draft", status="draft", title="")
    assert sent_back.status_code == 400 and "data-unsaved" in sent_back.text


def test_the_reach_page_warns_before_its_unsaved_change_is_left(admin_client):
    page = post_lesson(admin_client, FIRST, step="check")
    assert "data-warn-unsaved data-unsaved" in page.text and "admin.js" in page.text


# One greeting, and a preview line with no raw placeholder.


def test_a_lesson_that_greets_itself_is_not_greeted_twice(admin_client, outbox):
    message = _test_email(admin_client, outbox)  # "Hoi {{ voornaam }}, vandaag …"
    assert message.text.count("Hoi") == 1 and "Hoi Anna, vandaag" in message.text
    assert message.html.count("Hoi") == 1
    preview = _post(admin_client, "/admin/cursussen/testcursus/voorbeeld/email")
    html_part, text_part = preview.text.split("srcdoc=")[1].split("<h2>Tekstdeel</h2>")
    assert html_part.count("Hoi") == 1 and text_part.count("Hoi") == 1  # as it goes out


def test_a_lesson_without_a_greeting_gets_the_automatic_one(admin_client, outbox):
    message = _test_email(admin_client, outbox, body_md="Vandaag kijken we naar je handen.")
    assert message.text.startswith("Hoi Anna,\n")
    assert message.text.count("Hoi") == 1


@pytest.mark.clock
def test_learners_get_one_greeting_and_a_filled_in_preview_line(app, outbox):
    lesson = the_course().lessons[0]
    lesson.body_md = "Beste {{ voornaam|default('lezer', true) }},\n\nVandaag: je adem."
    lesson.summary = "{{ voornaam }}, vandaag gaat het over je adem."  # as a lesson file may
    db.session.commit()
    now = datetime.now(UTC)
    enrolled("eva@example.org", now, first_name="Eva")
    enrolled("anoniem@example.org", now)
    run_pass(now)
    mails = {m.to: m for m in outbox if m.subject.startswith("Les 1")}
    eva, anonymous = mails["eva@example.org"], mails["anoniem@example.org"]
    assert "Hoi" not in eva.text and "Beste Eva," in eva.text
    assert "Beste lezer," in anonymous.text and "Hoi" not in anonymous.html
    assert '<div class="preview"' in eva.html
    assert ">Eva, vandaag gaat het over je adem." in eva.html
    assert ">vandaag gaat het over je adem." in anonymous.html
    assert "{{" not in eva.html + anonymous.html


def test_a_summary_placeholder_is_filled_in_the_editors_preview(admin_client):
    summary = "{{ voornaam }}, vandaag: je handen."
    preview = _post(admin_client, "/admin/cursussen/testcursus/voorbeeld/email", summary=summary)
    assert preview.status_code == 200
    assert "<dt>Voorbeeldtekst</dt><dd>Anna, vandaag: je handen.</dd>" in preview.text
    assert "{{" not in preview.text.split("srcdoc=")[1]


def test_a_summary_placeholder_that_cannot_work_is_refused(admin_client):
    response = post_lesson(admin_client, step="draft", status="draft", summary="Hoi {{ naam }}")
    assert response.status_code == 400
    assert "{{ naam }} werkt niet; je kunt alleen {{ voornaam }}" in response.text
    assert db.session.scalar(select(Lesson).where(Lesson.title == "Rust in je handen")) is None


def test_the_preview_line_never_keeps_a_raw_placeholder(app):
    lesson = the_course().lessons[0]
    lesson.summary = "Kapot {{ voornaam en {{ config }} hier"  # stored by other means
    assert "{{" not in emails.preview_text(lesson, "Eva")
    assert "}}" not in emails.preview_text(lesson, "Eva")


# Test emails: every link opens a preview of the real page.


def test_every_link_in_a_test_email_opens_a_preview(admin_client, outbox):
    message = _test_email(admin_client, outbox, title="Handen open", status="draft")
    assert message.to == ADMIN_EMAIL
    found = _our_links(message)
    assert len(found) == 3  # the lesson, the preferences, unsubscribing (also in the header)
    assert not any(part in link for link in found for part in ("/l/", "/voorkeuren/", "/afmelden"))
    for link in found:
        page = admin_client.get(link.replace(BASE_URL, ""))
        assert page.status_code == 200, link
        assert BANNER in page.text, link
        assert "form-action 'none'" in page.headers["Content-Security-Policy"]
    lesson_page = admin_client.get(found_lesson_link(message).replace(BASE_URL, ""))
    assert "<h1>Handen open</h1>" in lesson_page.text and "Hoi Anna, vandaag" in lesson_page.text


def found_lesson_link(message) -> str:
    """The link behind the email's button."""
    return re.search(r'class="button" href="([^"]+)"', message.html).group(1)


def test_the_lesson_link_shows_the_text_as_tested_even_unsaved(admin_client, outbox):
    message = _test_email(admin_client, outbox, FIRST, title="Nog niet bewaard")
    page = admin_client.get(found_lesson_link(message).replace(BASE_URL, ""))
    assert page.status_code == 200 and "<h1>Nog niet bewaard</h1>" in page.text
    assert the_course().lessons[0].title == "Les nummer 1"  # the test saved nothing


def test_a_lesson_too_long_for_a_link_opens_its_saved_version_and_says_so(admin_client, outbox):
    body = " ".join(secrets.token_hex(4) for _ in range(1500))  # does not compress
    message = _test_email(admin_client, outbox, FIRST, body_md=body)
    link = found_lesson_link(message)
    assert len(link) < samplelinks.MAX_LINK_CHARS
    page = admin_client.get(link.replace(BASE_URL, ""))
    assert page.status_code == 200 and "<h1>Les nummer 1</h1>" in page.text
    assert "te lang om in de link mee te sturen" in page.text


def test_a_new_lesson_too_long_for_a_link_says_how_to_see_it(admin_client, outbox):
    body = " ".join(secrets.token_hex(4) for _ in range(1500))
    message = _test_email(admin_client, outbox, body_md=body)
    page = admin_client.get(found_lesson_link(message).replace(BASE_URL, ""))
    assert page.status_code == 200 and BANNER in page.text
    assert "Deze les is nog niet opgeslagen" in page.text


def test_preview_links_need_an_admin_login(admin_client, outbox, client):
    message = _test_email(admin_client, outbox)
    for link in _our_links(message):
        response = client.get(link.replace(BASE_URL, ""))
        assert response.status_code == 302
        assert unquote(response.headers["Location"]).startswith("/admin/inloggen?next=/admin/")


@pytest.mark.clock  # the aged tokens are signed at the wall clock's time, less some hours
def test_a_forged_expired_or_borrowed_preview_token_opens_nothing(app, admin_client, outbox):
    link = found_lesson_link(_test_email(admin_client, outbox)).replace(BASE_URL, "")
    token = link.rsplit("/", 1)[1]
    forged = admin_client.get(link[: -len(token)] + token[:-3] + "abc")
    assert forged.status_code == 400 and "Deze voorbeeldlink werkt niet" in forged.text
    payload = {"k": "les", "c": the_course().id, "l": -1, "d": None}
    old = aged_token(app, "preview", payload, (samplelinks.PREVIEW_HOURS + 1) * 3600)
    expired = admin_client.get(f"/admin/voorbeeld/{old}")
    assert expired.status_code == 410 and "Deze voorbeeldlink is verlopen" in expired.text
    fresh = aged_token(app, "preview", payload, (samplelinks.PREVIEW_HOURS - 1) * 3600)
    assert admin_client.get(f"/admin/voorbeeld/{fresh}").status_code == 200
    borrowed = aged_token(app, "lesson", payload, 0)  # signed, but for another purpose
    assert admin_client.get(f"/admin/voorbeeld/{borrowed}").status_code == 400
    broken = aged_token(app, "preview", {"k": "les", "c": "1; drop", "d": None}, 0)
    assert admin_client.get(f"/admin/voorbeeld/{broken}").status_code == 400
    odd = aged_token(app, "preview", payload | {"d": {"title": ["x"]}}, 0)
    assert admin_client.get(f"/admin/voorbeeld/{odd}").status_code == 400


def test_the_test_email_is_the_lesson_email_with_preview_links(admin_client, outbox, app):
    """Apart from its links and subject, the test email is what a learner gets."""
    message = _test_email(admin_client, outbox, FIRST, **_saved_first_lesson())
    course = the_course()
    lesson = course.lessons[0]
    reader = Subscriber(email=ADMIN_EMAIL, first_name="Anna", public_id="x" * 22)
    real = emails.Renderer(current.settings()).render("lesson", reader, course, lesson)
    strip = re.compile(r"https?://\S+?(?=[\s\"<>])")
    assert strip.sub("URL", message.text) == strip.sub("URL", real.text)
    assert message.subject == f"[Test] {real.subject}"


def _saved_first_lesson() -> dict:
    lesson = the_course().lessons[0]
    names = ("title", "summary", "body_md", "exercise_title", "exercise_md", "reflection_md")
    fields = {name: getattr(lesson, name) for name in names}
    return fields | {"day": str(lesson.day), "exercise_minutes": str(lesson.exercise_minutes)}
