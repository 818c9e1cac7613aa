"""Copy that stays true and pages that lead somewhere: the sign-up page counts the lessons the
course publishes, an imported person is told how they were added, pages for an English
learner or browser (where the course allows English) are English, errors included, and every
page that cannot go on offers a fresh link and the way to the landing page."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import abort, current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from ecourse.content import description, lessonfiles
from ecourse.core.db import db
from ecourse.core.models import Consent, Subscriber
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import CourseWriter, enrolled, sign_up, the_course
from tests.test_admin_lessons import post_lesson
from tests.test_admin_people import import_csv
from tests.test_i18n import (  # noqa: F401  (fixtures: an English and an open course)
    assert_english,
    english_course,
    english_learner,
    open_course,
)
from tests.web import csrf_token, link_in, post_form

# The English course's learner (`english_learner`), who opened lesson 1 in `client`.
EMMA = "emma@example.org"
SHIPPED = Path(__file__).resolve().parent.parent / "lessons" / "lichaam-en-hechting"
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
FRESH_LINK_BUTTON = re.compile(
    r'<form method="post" action="/link"[^>]*>.*?<button type="submit" class="button">'
    r"(Stuur me een nieuwe link|Send me a fresh link)</button>",
    re.DOTALL,
)


@pytest.fixture
def course_files(course_files) -> CourseWriter:
    """The test course, whose description says how many lessons it has as course.yml may."""
    course_files.course(description="Je krijgt {{ aantal_lessen }} korte lessen per mail.")
    return course_files


def main(html: str) -> str:
    """The page's own content, without the header and footer every page shares."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def old_token(purpose: str, payload, days_ago: int) -> str:
    """A link signed `days_ago` days ago, as an email from back then carries it."""

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - days_ago * 86400

    serializer = URLSafeTimedSerializer(
        current_app.secret_key, salt=f"ecourse.{purpose}", signer=Then
    )
    return serializer.dumps(payload)


# --- Counts from the course ----------------------------------------------------------------


def test_the_landing_page_counts_the_published_lessons_after_an_admin_adds_one(
    client, admin_client
):
    before = client.get("/").text
    assert "Je krijgt drie korte lessen per mail." in before
    assert "drie lessen via e-mail" in before and "{{" not in before
    post_lesson(admin_client, step="save", status="draft", title="Nog een concept")
    assert "Je krijgt drie korte lessen per mail." in client.get("/").text  # a draft: no
    saved = post_lesson(admin_client, step="save")
    assert saved.status_code == 302, saved.text
    after = client.get("/").text
    assert "Je krijgt vier korte lessen per mail." in after and "vier lessen via e-mail" in after


def test_the_shipped_description_takes_its_number_from_the_course():
    folder = lessonfiles.read_folder(SHIPPED)
    assert not folder.problems
    text = folder.course.description
    assert "{{ aantal_lessen }}" in text and "zeven" not in text
    assert "zeven in totaal" in description.shown(text, 7, "nl")
    assert "acht in totaal" in description.shown(text, 8, "nl")
    assert description.shown(text, 13, "nl").count("13 in totaal") == 1


def test_a_description_may_use_no_other_placeholder(tmp_path):
    writer = CourseWriter(tmp_path / "cursus")
    writer.course(description="Hoi {{ voornaam }}, {{ aantal_lessen }} lessen.")
    writer.lesson("01-een", title="Een", day=0)
    problems = lessonfiles.read_folder(writer.root).problems
    assert any("description: {{ voornaam }} cannot be used" in p for p in problems)
    assert not any("aantal_lessen }} cannot" in p for p in problems)


# --- How an imported person was added ------------------------------------------------------


@pytest.mark.clock
def test_an_imported_person_is_told_they_were_added_and_from_where(admin_client, outbox):
    source = "intekenlijst workshop <Utrecht> & co"
    import_csv(admin_client, "email\nlater@example.org\n", send_confirmations="y", source=source)
    sign_up("zelf@example.org", datetime.now(UTC))  # in the same pass: each gets their own
    run_pass(datetime.now(UTC))
    (confirm,) = [m for m in outbox if m.to == "later@example.org"]
    (own,) = [m for m in outbox if m.to == "zelf@example.org"]
    assert "ingevuld op onze aanmeldpagina" in own.text and "bron:" not in own.text
    assert "Wij hebben dit adres toegevoegd voor de gratis e-cursus" in confirm.text
    assert f"(bron: {source})" in confirm.text
    assert "(bron: intekenlijst workshop &lt;Utrecht&gt; &amp; co)" in confirm.html
    assert "<Utrecht>" not in confirm.html
    for part in (confirm.text, confirm.html):
        assert "aanmeldpagina" not in part and "hopelijk jij" not in part
    assert "Wil je de cursus niet?" in confirm.text
    run_pass(datetime.now(UTC) + timedelta(days=3))  # the one reminder
    reminders = {m.to: m for m in outbox if m.subject.startswith("Nog één klik")}
    reminder, own_reminder = reminders["later@example.org"], reminders["zelf@example.org"]
    assert "ingevuld op onze aanmeldpagina" in own_reminder.text
    assert f"omdat wij dit adres hebben toegevoegd (bron: {source})" in reminder.text
    assert "aanmeldpagina" not in reminder.text + reminder.html
    # Once they confirm, each lesson says why it comes in words true for them as well.
    link = link_in(reminder.text, "/bevestig/").replace(BASE_URL, "")
    client = admin_client.application.test_client()
    post_form(client, link, {})
    run_pass(datetime.now(UTC) + timedelta(days=3, minutes=1))
    lesson = next(m for m in outbox if m.to == "later@example.org" and "/l/" in m.text)
    assert "omdat je je aanmelding voor de e-cursus" in lesson.text
    assert "je hebt aangemeld" not in lesson.text + lesson.html


@pytest.mark.clock
def test_someone_who_signed_up_themselves_is_told_so(app, outbox):
    sign_up("zelf@example.org", datetime.now(UTC))
    run_pass(datetime.now(UTC))
    (confirm,) = outbox
    assert "Iemand, hopelijk jij, heeft dit adres aangemeld" in confirm.text
    assert "omdat dit adres is ingevuld op onze aanmeldpagina" in confirm.text
    assert "bron:" not in confirm.text + confirm.html


# --- The learner's language, errors included -------------------------------------------------


def ask_fresh_link_and_open_it(client, outbox) -> None:
    """What erasure needs: a fresh link for the learner in this session, emailed, clicked."""
    page = client.get("/voorkeuren/")
    client.post("/link/mij", data={"csrf_token": csrf_token(page.text)})
    run_pass(datetime.now(UTC))
    fresh = next(m for m in reversed(outbox) if "/toegang/" in m.text)
    link = link_in(fresh.text, "/toegang/").replace(BASE_URL, "")
    opened = client.post(link, data={"csrf_token": csrf_token(client.get(link).text)})
    assert opened.status_code == 302


@pytest.mark.clock
@pytest.mark.usefixtures("english_learner")
def test_the_erased_page_is_english_for_an_english_learner(client, outbox):
    ask_fresh_link_and_open_it(client, outbox)
    page = client.get("/voorkeuren/")
    done = client.post(
        "/voorkeuren/wissen", data={"csrf_token": csrf_token(page.text), "confirm": "y"}
    )
    assert done.status_code == 200 and '<html lang="en">' in done.text
    assert "Je gegevens zijn gewist" not in done.text
    assert 'href="/"' in main(done.text)  # on to the landing page, to start again one day
    assert db.session.scalar(select(Subscriber.status)) == "erased"


@pytest.fixture
def gone(app) -> str:
    """A page that is gone for good (410), added before the app serves its first request."""
    app.add_url_rule("/test-gone", "test_gone", lambda: abort(410))
    return "/test-gone"


@pytest.mark.usefixtures("gone", "english_learner")  # the page is added before any request
def test_error_pages_are_english_for_an_english_learner(client):
    pages = {
        400: client.get("/l/not-a-real-token"),
        404: client.get("/no-such-page"),
        410: client.get("/test-gone"),
    }
    token = csrf_token(client.get("/les/welcome/01-welcome").text)
    not_yet = {"csrf_token": token, "deel": "voor", "voor": "3"}
    pages[403] = client.post("/les/welcome/03-breath/check-in", data=not_yet)
    pages["csrf"] = client.post("/les/welcome/01-welcome/check-in", data={"voor": "3"})
    for key, response in pages.items():
        assert '<html lang="en">' in response.text, key
        assert "Dat lukte niet" not in response.text and "beginpagina" not in response.text
        assert_english(response.text)
    assert [pages[code].status_code for code in (400, 403, 404, 410)] == [400, 403, 404, 410]
    assert pages["csrf"].status_code == 400


@pytest.fixture
def settings(settings):
    """Two sign-ups a minute, so the limit is quickly reached."""
    return settings | {"SIGNUP_RATE_LIMIT": "2 per minute"}


@pytest.mark.usefixtures("english_course")
def test_the_rate_limit_page_of_an_english_course_is_english(client):
    answers = [
        post_form(client, "/c/welcome", {"email": f"p{n}@example.org", "consent": "y"})
        for n in range(3)
    ]
    assert [answer.status_code for answer in answers] == [302, 302, 429]
    limited = answers[-1].text
    assert '<html lang="en">' in limited and "Even rustig aan" not in limited
    assert_english(limited)


@pytest.mark.clock
@pytest.mark.usefixtures("english_learner")
def test_an_expired_lesson_link_speaks_its_learners_language_in_a_new_browser(app):
    emma = db.session.scalar(select(Subscriber).where(Subscriber.email == EMMA))
    days = app.config["ECOURSE"]["LINK_MAX_AGE_DAYS"] + 1
    lesson_id = emma.enrollments[0].course.published_lessons[0].id
    token = old_token("lesson", [emma.public_id, lesson_id], days)
    fresh = app.test_client()  # a new phone: no session, a Dutch landing course
    page = fresh.get(f"/l/{token}")
    assert page.status_code == 400 and '<html lang="en">' in page.text
    assert "Deze link is verlopen" not in page.text
    assert FRESH_LINK_BUTTON.search(page.text)
    garbled = fresh.get(f"/l/{token[:-3]}")  # nothing to go on: the landing course's Dutch
    assert '<html lang="nl">' in garbled.text and "Deze link werkt niet" in garbled.text


@pytest.mark.clock
@pytest.mark.usefixtures("english_course")
def test_an_expired_confirmation_speaks_the_sign_up_language_and_leads_to_its_course(app):
    person = sign_up("late@example.org", datetime.now(UTC), course=the_course("welcome"))
    days = app.config["ECOURSE"]["CONFIRM_MAX_AGE_DAYS"] + 1
    token = old_token("confirm", ["signup", person.consents[0].public_id], days)
    page = app.test_client().get(f"/bevestig/{token}")
    assert page.status_code == 400 and '<html lang="en">' in page.text
    assert 'href="/c/welcome"' in page.text
    assert_english(page.text)


@pytest.mark.usefixtures("open_course")
def test_an_english_browser_gets_english_errors_where_the_course_allows_english(app):
    visitor = app.test_client()
    assert '<html lang="en">' in visitor.get("/c/world", headers=ENGLISH).text
    missing = visitor.get("/no-such-page", headers=ENGLISH)  # the course they came for
    garbled = visitor.get("/l/not-a-real-token", headers=ENGLISH)
    for response in (missing, garbled):
        assert '<html lang="en">' in response.text
        assert_english(response.text)
    dutch = visitor.get("/no-such-page", headers={"Accept-Language": "nl"})
    assert '<html lang="nl">' in dutch.text


# --- Wording ---------------------------------------------------------------------------------


@pytest.mark.clock
def test_the_preview_buttons_speak_of_dates(client, outbox):
    enrolled("eva@example.org", datetime.now(UTC))
    run_pass(datetime.now(UTC))
    lesson = next(m for m in outbox if m.subject.startswith("Les 1"))
    client.get(link_in(lesson.text, "/voorkeuren/").replace(BASE_URL, ""))
    page = client.get("/voorkeuren/").text
    assert "Bekijk de nieuwe datums" in page and "nieuwe data" not in page


# --- No dead ends ----------------------------------------------------------------------------


def garbled(path: str) -> str:
    return f"{path}not.a.real.token"


@pytest.fixture
def no_session_pages(app) -> dict[str, str]:
    """Every page that cannot go on without an email's link, as a browser without one sees it."""
    return {
        "preferences": "/voorkeuren/",
        "overview": "/cursus/testcursus",
        "lesson": "/les/testcursus/01-les-1",
        "lesson link": garbled("/l/"),
        "preferences link": garbled("/voorkeuren/link/"),
        "unsubscribe link": garbled("/afmelden/"),
        "fresh link": garbled("/toegang/"),
    }


def test_every_page_without_a_way_in_offers_a_fresh_link_and_the_landing_page(
    app, no_session_pages
):
    for name, path in no_session_pages.items():
        visitor = app.test_client()
        page = visitor.get(path)
        assert page.status_code in (400, 403, 404), name
        assert FRESH_LINK_BUTTON.search(main(page.text)), name
        home = re.search(r'<a href="(/|/c/testcursus)">', main(page.text))
        assert home, f"{name}: no way to the landing page"
        landing = visitor.get(home.group(1))
        assert landing.status_code == 200 and "Stuur mij de eerste les" in landing.text, name
    # The form works from such a page (asked once: /link allows five tries per quarter).
    asked = visitor.post("/link", data={"csrf_token": csrf_token(page.text), "email": "x@y.nl"})
    assert asked.status_code == 302 and asked.location.endswith("/link/verstuurd")


@pytest.mark.clock
def test_the_fresh_link_from_a_dead_end_reaches_the_learner(app, outbox):
    enrolled("eva@example.org", datetime.now(UTC))
    visitor = app.test_client()
    page = visitor.get("/voorkeuren/")
    visitor.post("/link", data={"csrf_token": csrf_token(page.text), "email": "eva@example.org"})
    run_pass(datetime.now(UTC))
    fresh = [m for m in outbox if m.to == "eva@example.org" and "/toegang/" in m.text]
    assert len(fresh) == 1


def test_the_consent_record_of_an_import_names_its_source(admin_client):
    import_csv(admin_client, "email,consent\nja@example.org,ja\n", source="beurs 2026")
    assert db.session.scalar(select(Consent)).imported_from == "beurs 2026"
