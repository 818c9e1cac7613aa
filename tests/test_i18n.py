"""Languages: every interface and email string has its English, an English course speaks English
from page to inbox, a course open to every language follows the learner and the browser, and
Dutch stays the default (the rest of the suite is Dutch throughout)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from ecourse.content import lessonfiles
from ecourse.content.catalog import import_path
from ecourse.core.db import db
from ecourse.core.models import Consent, Event, Subscriber
from ecourse.web.snippet import snippet_for
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import CourseWriter, enrolled, the_course
from tests.web import csrf_token, link_in, post_form

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ecourse" / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
# The same keywords as scripts/translations passes to pybabel.
KEYWORDS = DEFAULT_KEYWORDS | {"lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2)}

# Words that give a Dutch page or email away; URLs (/afmelden/, /voorkeuren/) are lower case.
DUTCH = (
    "Afmelden",
    "Oefening",
    "Leestijd",
    "Hoi ",
    " minuten",
    "Tempo, pauze",
    "Bewaar",
    "je gegevens",
    "Naar je lessen",
    "Alleen voor jou",
)
ACADEMY = "https://academie.nl"
ENGLISH_DAY = re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d")
DUTCH_DAY = re.compile(r"(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d")


def assert_english(text: str) -> None:
    found = [word for word in DUTCH if word in text]
    assert not found, f"Dutch on an English page or email: {found}"


@pytest.fixture
def settings(settings):
    """The academy's site may embed the sign-up form and call the API."""
    return settings | {"EMBED_ORIGINS": ACADEMY}


# --- The catalog -------------------------------------------------------------------------


def _catalog():
    with ENGLISH_PO.open("rb") as file:
        return read_po(file)


def _source_messages() -> set[str | tuple[str, ...]]:
    """Every msgid in the code and templates, extracted as scripts/translations does."""
    with (TRANSLATIONS / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    inside = ("ecourse", "email_templates")

    def wanted(path: str) -> bool:
        relative = Path(path).relative_to(ROOT).parts
        return not relative or relative[0] in inside

    found = extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=wanted
    )
    return {message for _file, _line, message, _comments, _context in found}


def test_every_message_in_the_sources_has_its_english():
    catalog = _catalog()
    sources = _source_messages()
    assert len(sources) > 150  # the extraction itself works
    problems = []
    for message in sources:
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
        elif entry.fuzzy or not all(_strings(entry)):
            problems.append(f"untranslated or fuzzy: {msgid!r}")
    assert not problems, "run `bash scripts/translations`, then translate:\n" + "\n".join(
        sorted(problems)
    )


def _strings(entry) -> tuple[str, ...]:
    return entry.string if isinstance(entry.string, tuple) else (entry.string,)


def test_the_english_keeps_every_placeholder():
    catalog = _catalog()
    errors = [(message.id, [str(error) for error in found]) for message, found in catalog.check()]
    assert not errors


def test_the_committed_mo_is_the_po_compiled():
    with ENGLISH_MO.open("rb") as file:
        compiled = read_mo(file)
    assert _pairs(compiled) == _pairs(_catalog()), "run `bash scripts/translations` and commit"


def _pairs(catalog) -> dict:
    """msgid to msgstr, plurals as tuples (a .mo reads back with lists)."""

    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(message.id): plain(message.string) for message in catalog if message.id}


# --- An English course ---------------------------------------------------------------------


def write_course(folder: Path, language: str) -> CourseWriter:
    """A three-lesson course with English content; the lesson text is the course's own."""
    writer = CourseWriter(folder)
    writer.course(
        title="Breathing room",
        description="A course to try things with.",
        language=language,
        sender_name="Test Academy",
        call_to_action={"url": "https://academie.test/weekend", "text": "Come and meet us"},
    )
    for number, (slug, title, day, minutes) in enumerate(
        [
            ("01-welcome", "Welcome", 0, 1),
            ("02-shoulders", "Shoulders", 2, 4),
            ("03-breath", "Breath", 4, 5),
        ],
        start=1,
    ):
        writer.lesson(
            slug,
            title=title,
            day=day,
            front={
                "summary": f"The {title.lower()} lesson.",
                "exercise": {"title": f"Practice {number}", "minutes": minutes},
            },
            body=(
                f"The first paragraph of {title}.\n\nA second paragraph.\n\n"
                "## Exercise\n\n1. Feet on the floor.\n2. Breathe out.\n\n"
                "## Reflection\n\n- What did you notice?\n"
            ),
        )
    return writer


def add_course(app, course_files, slug: str, language: str) -> CourseWriter:
    """Write a course beside the Dutch test course (which stays the landing page's) and
    import it into the running app."""
    writer = write_course(course_files.root.parent / slug, language)
    import_path(writer.root, "Europe/Amsterdam", datetime.now(UTC))
    return writer


@pytest.fixture
def english_course(app, course_files) -> CourseWriter:
    return add_course(app, course_files, "welcome", "en")


@pytest.fixture
def open_course(app, course_files) -> CourseWriter:
    """A course that leaves the language to the learner and the browser."""
    return add_course(app, course_files, "world", "any")


def enrolled_in(slug: str, email: str, now: datetime, **kwargs) -> Subscriber:
    subscriber = enrolled(email, now, course=the_course(slug), **kwargs)
    run_pass(now)
    return subscriber


def open_lesson(client, outbox, number: int, word: str = "Lesson") -> str:
    """Follow the lesson link of lesson `number` (its email's subject starts with `word`)."""
    message = next(m for m in outbox if m.subject.startswith(f"{word} {number}:"))
    entered = client.get(link_in(message.text, "/l/").replace(BASE_URL, ""))
    assert entered.status_code == 302
    return entered.location


@pytest.mark.clock
def test_an_english_course_sends_its_confirmation_and_lessons_in_english(english_course, outbox):
    enrolled_in("welcome", "emma@example.org", datetime.now(UTC), first_name="Emma")
    confirm, lesson = outbox
    assert confirm.subject == "Confirm your sign-up for Breathing room"
    assert "Hi Emma," in confirm.text and "The link works for 7 days." in confirm.text
    assert "Yes, confirm my sign-up" in confirm.html and '<html lang="en">' in confirm.html
    assert lesson.subject == "Lesson 1: Welcome"
    assert "Lesson 1 of 3" in lesson.html and "Read the lesson and do the exercise" in lesson.html
    assert "Exercise: Practice 1 (about 1 minute)" in lesson.text
    assert "Unsubscribe:" in lesson.text and "Warm wishes," in lesson.text
    for message in (confirm, lesson):
        assert_english(message.subject + message.text + message.html)


@pytest.fixture
def english_learner(english_course, client, outbox):
    """A learner of the English course who opened lesson 1 from their email. The course
    starts far ahead, on Sunday 1 December 2097 in Amsterdam, so its dates are fixed."""
    start = datetime(2097, 12, 1, 9, 0, tzinfo=UTC)
    subscriber = enrolled_in("welcome", "emma@example.org", start, first_name="Emma")
    open_lesson(client, outbox, 1)
    return subscriber


def test_the_lesson_page_of_an_english_course_is_english(client, english_learner):
    page = client.get("/les/welcome/01-welcome").text
    assert '<html lang="en">' in page
    assert "Exercise: Practice 1" in page and "About 1 minute" in page
    assert "About 1 minute to read" in page and "Something to think about" in page
    assert "Timer for 1 minute" in page and 'data-minute-other="{n} minutes"' in page
    assert 'data-say-running="The timer is running. {time} to go."' in page
    assert "Only you can see this." in page and "Save everything and finish" in page
    assert "Pace, pauses and your data" in page and 'aria-label="Look after yourself"' in page
    assert_english(page)


def test_a_refused_check_in_says_why_in_english(client, english_learner):
    page = client.get("/les/welcome/01-welcome")
    refused = client.post(
        "/les/welcome/01-welcome/check-in",
        data={"csrf_token": csrf_token(page.text), "deel": "voor", "voor": "11"},
    )
    assert refused.status_code == 400
    assert "For how tense you felt before the exercise, choose a whole number" in refused.text
    assert_english(refused.text)


def test_the_overview_and_locked_pages_are_english_with_english_dates(client, english_learner):
    overview = client.get("/cursus/welcome").text
    assert "received on Sunday 1 December" in overview
    assert "arrives on Tuesday 3 December, 07:30" in overview
    locked = client.get("/les/welcome/02-shoulders")
    assert locked.status_code == 403
    assert "This lesson is still to come" in locked.text
    assert "This lesson arrives in your inbox on Tuesday 3 December, 07:30." in locked.text
    for page in (overview, locked.text):
        assert '<html lang="en">' in page and not DUTCH_DAY.search(page)
        assert_english(page)


def test_the_preferences_page_is_english_and_so_is_a_previewed_change(client, english_learner):
    page = client.get("/voorkeuren/").text
    assert "<h1>Pace, pauses and your data</h1>" in page
    assert "Your lessons arrive at 07:30 (Europe/Amsterdam)." in page
    assert "How long would you like to pause?" in page and "One week" in page
    assert "1 extra day" in page and "14 extra days" in page
    assert "Which language" not in page  # an English course speaks English
    preview = client.post(
        "/voorkeuren/welcome/pauzeren", data={"csrf_token": csrf_token(page), "days": "7"}
    )
    assert "Pause: this is when your lessons would come" in preview.text
    assert ENGLISH_DAY.search(preview.text) and not DUTCH_DAY.search(preview.text)
    saved = client.post(
        "/voorkeuren/welcome/pauzeren",
        data={"csrf_token": csrf_token(preview.text), "days": "7", "step": "save"},
    )
    assert saved.status_code == 302
    after = client.get("/voorkeuren/").text
    assert "Your course is paused." in after and "Paused until" in after
    for text in (page, preview.text, after):
        assert_english(text)


def test_a_change_that_does_not_apply_says_why_in_english(client, english_learner):
    page = client.get("/voorkeuren/")
    refused = client.post(
        "/voorkeuren/welcome/hervatten", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 400 and "This course isn&#39;t paused." in refused.text


def test_unsubscribing_from_an_english_course_is_english_without_a_session(
    app, english_learner, outbox
):
    lesson = next(m for m in outbox if m.subject.startswith("Lesson 1"))
    url = link_in(lesson.text, "/afmelden/").replace(BASE_URL, "")
    fresh = app.test_client()  # opened from the email in another browser: no session
    page = fresh.get(url).text
    assert '<html lang="en">' in page and "<h1>Unsubscribe</h1>" in page
    assert "Just the course ‘Breathing room’" in page and "Stop all email" in page
    assert_english(page)
    done = fresh.post(url, data={"csrf_token": csrf_token(page), "choice": "course"})
    assert "This course has stopped" in done.text and "walking part of the way" in done.text
    one_click = dict(lesson.headers)["List-Unsubscribe"].strip("<>").replace(BASE_URL, "")
    answer = app.test_client(use_cookies=False).post(one_click)
    assert answer.text == "You're unsubscribed.\n"


def test_a_missing_page_is_english_for_a_learner_of_an_english_course(client, english_learner):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text
    assert "This page doesn't exist (any more)." in response.text
    assert "Something went wrong" in response.text and "Dat lukte niet" not in response.text


@pytest.mark.clock
def test_signing_up_for_an_english_course_is_english_from_form_to_welcome(
    english_course, client, outbox
):
    landing = client.get("/c/welcome").text
    assert '<html lang="en">' in landing and "Send me the first lesson" in landing
    assert "Yes, send me the free e-course ‘Breathing room’: three lessons by email" in landing
    assert (
        "Your email address" in landing and "Your first name (you can leave this empty)" in landing
    )
    refused = post_form(client, "/c/welcome", {"email": "", "consent": "y"})
    assert refused.status_code == 400 and "Please fill in your email address." in refused.text
    assert "Something is still missing:" in refused.text
    sent = post_form(client, "/c/welcome", {"email": "emma@example.org", "consent": "y"})
    assert sent.status_code == 302
    check = client.get(sent.location).text  # no learner yet: the course signed up for speaks
    assert '<html lang="en">' in check and "<h1>Check your inbox</h1>" in check
    consent = db.session.scalar(select(Consent))
    assert consent.text.startswith("Yes, send me the free e-course ‘Breathing room’")
    run_pass(datetime.now(UTC))
    confirm_url = link_in(outbox[0].text, "/bevestig/").replace(BASE_URL, "")
    fresh = client.application.test_client()  # the email opened in another browser
    confirm = fresh.get(confirm_url).text
    assert '<html lang="en">' in confirm and "Yes, sign me up" in confirm
    welcome = fresh.post(confirm_url, data={"csrf_token": csrf_token(confirm)}).text
    assert "<h1>Welcome!</h1>" in welcome and "on its way to emma@example.org" in welcome
    for page in (landing, refused.text, check, confirm, welcome):
        assert_english(page)


def test_the_embedded_form_and_the_api_speak_the_course_language(english_course, client):
    snippet = snippet_for(the_course("welcome"))  # as the (Dutch) admin page offers it
    assert 'lang="en"' in snippet and ">Send me the first lesson</button>" in snippet
    assert "Yes, send me the free e-course ‘Breathing room’" in snippet
    assert_english(snippet)
    elsewhere = {"Origin": "https://elders.example"}
    refused = client.post("/aanmelden/welcome", data={}, headers=elsewhere)
    assert refused.status_code == 403 and "Signing up didn't work this way" in refused.text
    answer = client.post(
        "/api/v1/signups",
        json={"course": "welcome", "email": "not an address", "consent": True, "elapsed_ms": 5000},
        headers={"Origin": ACADEMY},
    )
    assert answer.status_code == 400
    assert answer.json == {
        "error": "This email address isn't quite right. Could you check it once more?",
        "field": "email",
    }


# --- A course open to every language -------------------------------------------------------


@pytest.fixture
def open_learner(open_course, client, outbox):
    """A learner of the open course, with no language of their own yet, on lesson 1."""
    subscriber = enrolled_in("world", "sam@example.org", datetime.now(UTC))
    open_lesson(client, outbox, 1, word="Les")  # no preference and no browser yet: Dutch
    return subscriber


def test_an_open_course_follows_the_browser(client, open_learner):
    english = client.get("/les/world/01-welcome", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.text and "About 1 minute to read" in english.text
    dutch = client.get("/les/world/01-welcome", headers={"Accept-Language": "nl-BE"})
    assert '<html lang="nl">' in dutch.text and "Leestijd ongeveer 1 minuut" in dutch.text
    other = client.get("/les/world/01-welcome", headers={"Accept-Language": "fr"})
    assert '<html lang="nl">' in other.text  # neither: Dutch


@pytest.mark.clock
def test_a_learner_of_an_open_course_chooses_english_and_their_emails_follow(
    client, open_learner, outbox
):
    page = client.get("/voorkeuren/")
    assert 'lang="en">English</label>' in page.text and ">Nederlands</label>" in page.text
    refused = client.post("/voorkeuren/taal", data={"language": "en"})
    assert (
        refused.status_code == 400 and db.session.get(Subscriber, open_learner.id).language is None
    )
    saved = client.post(
        "/voorkeuren/taal", data={"csrf_token": csrf_token(page.text), "language": "en"}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Subscriber, open_learner.id).language == "en"
    event = db.session.scalar(select(Event).where(Event.action == "language"))
    assert (event.actor, event.detail) == ("learner", "en")
    after = client.get("/voorkeuren/").text
    assert '<html lang="en">' in after and "Your language is saved." in after
    run_pass(datetime.now(UTC) + timedelta(days=3))
    lesson = next(m for m in outbox if "Shoulders" in m.subject)
    assert lesson.subject == "Lesson 2: Shoulders"
    assert_english(lesson.subject + lesson.text + lesson.html)


@pytest.mark.clock
def test_signing_up_for_an_open_course_keeps_the_browser_language(open_course, client, outbox):
    english = {"Accept-Language": "en"}
    page = client.get("/c/world", headers=english)
    assert '<html lang="en">' in page.text and "Send me the first lesson" in page.text
    data = {"csrf_token": csrf_token(page.text), "email": "sam@example.org", "consent": "y"}
    assert client.post("/c/world", data=data, headers=english).status_code == 302
    assert db.session.scalar(select(Subscriber.language)) == "en"
    run_pass(datetime.now(UTC))
    assert outbox[0].subject == "Confirm your sign-up for Breathing room"


def test_the_language_choice_is_only_for_courses_that_leave_it_open(client, english_learner):
    page = client.get("/voorkeuren/")
    assert ">Nederlands</label>" not in page.text
    refused = client.post(
        "/voorkeuren/taal", data={"csrf_token": csrf_token(page.text), "language": "nl"}
    )
    assert refused.status_code == 404
    assert db.session.get(Subscriber, english_learner.id).language is None


# --- Dutch stays Dutch ---------------------------------------------------------------------


@pytest.mark.clock
def test_a_dutch_course_stays_dutch_whatever_the_browser_says(app, client, outbox):
    enrolled("lotte@example.org", datetime.now(UTC), first_name="Lotte")
    run_pass(datetime.now(UTC))
    open_lesson(client, outbox, 1, word="Les")
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    page = client.get("/les/testcursus/01-les-1", headers=english_browser).text
    assert '<html lang="nl">' in page and "Leestijd ongeveer" in page
    missing = app.test_client().get("/no-such-page", headers=english_browser).text
    assert '<html lang="nl">' in missing and "Deze pagina bestaat niet (meer)." in missing
    assert all(message.subject.startswith(("Bevestig", "Les 1")) for message in outbox)


def test_the_admin_stays_dutch_for_an_english_learner_and_browser(admin_client, english_learner):
    url = f"/admin/deelnemers/{english_learner.public_id}"
    page = admin_client.get(url, headers={"Accept-Language": "en"}).text
    assert '<html lang="nl">' in page
    assert DUTCH_DAY.search(page) and not ENGLISH_DAY.search(page)


def test_course_files_accept_any_language_and_refuse_unknown_ones(tmp_path):
    open_folder = write_course(tmp_path / "open", "any").root
    assert lessonfiles.read_folder(open_folder).course.language == "any"
    french = write_course(tmp_path / "french", "fr").root
    problems = lessonfiles.read_folder(french).problems
    assert any("language must be one of nl, en, any, not 'fr'" in p for p in problems)
