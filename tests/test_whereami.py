"""The learner's "where am I?": progress and done marks on the overview, the course's
status with its action, "Les n van N" with previous/next and the next lesson's date on a
lesson page, and on the preferences page the real lesson numbers, stop and resume, the
time zones and the learner's data as a page to read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ecourse.core import dates
from ecourse.core.db import db
from ecourse.core.models import Enrollment, Lesson
from ecourse.learners import timeline
from ecourse.web import learner as service
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, run_until
from tests.test_preferences import open_my_data as open_fresh_link
from tests.web import csrf_token, link_in

# The pages read the clock (`utcnow`) for what is scheduled and for the fresh link's hour.
pytestmark = pytest.mark.clock

# A fixed start far ahead, so the dates do not depend on today: lessons on days 0, 2 and 4.
START = datetime(2097, 12, 1, 9, 0, tzinfo=UTC)
OVERVIEW, PREFERENCES = "/cursus/testcursus", "/voorkeuren/"


def enter(client, outbox, number: int = 1) -> None:
    message = next(m for m in outbox if m.subject.startswith(f"Les {number}"))
    assert client.get(link_in(message.text, "/l/").replace(BASE_URL, "")).status_code == 302


@pytest.fixture
def two_lessons(app, client, outbox):
    """A learner who received lessons 1 and 2 of 3, in this client's session."""
    subscriber = enrolled("waar@example.org", START, first_name="Wim")
    run_until(START, START + timedelta(days=2, hours=1))
    enter(client, outbox)
    return subscriber


def enrollment() -> Enrollment:
    db.session.expire_all()
    return db.session.scalar(select(Enrollment))


def lesson(slug: str) -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.slug == slug))


def post(client, path: str, page: str = OVERVIEW, **fields):
    token = csrf_token(client.get(page).text)
    return client.post(path, data={"csrf_token": token} | fields)


def test_the_overview_shows_how_far_and_what_was_done(client, two_lessons):
    service.record_exercise_done(enrollment(), lesson("01-les-1"), datetime.now(UTC))
    page = client.get(OVERVIEW).text
    assert "2 van 3 lessen ontvangen" in page
    assert '<progress max="3" value="2"' in page
    items = re.findall(r'<li class="lesson-item[^"]*" value="(\d)">(.*?)</li>', page, re.S)
    marks = {number: text for number, text in items}
    assert "oefening gedaan" in marks["1"] and "nog niet geopend" in marks["2"]
    assert "niet geopend" not in marks["3"] and "komt" in marks["3"]
    client.get("/les/testcursus/02-les-2")
    assert "gelezen" in client.get(OVERVIEW).text


def test_a_lesson_page_says_which_lesson_and_links_the_others_received(client, two_lessons):
    first = client.get("/les/testcursus/01-les-1").text
    second = client.get("/les/testcursus/02-les-2").text
    assert "Les 1 van 3" in first and "Les 2 van 3" in second
    assert 'href="/les/testcursus/02-les-2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert 'href="/les/testcursus/01-les-1" rel="prev"' in second
    assert 'rel="next"' not in second  # lesson 3 has not reached them yet
    coming = [
        entry
        for entry in timeline.for_enrollment(enrollment(), datetime.now(UTC))
        if entry.state == timeline.State.SCHEDULED
    ]
    when = dates.format_local(coming[0].at, enrollment().zone, with_time=True, language="nl")
    assert f"De volgende les komt op {when}." in second


def test_crisis_numbers_can_be_called_with_one_tap(client, two_lessons):
    for url in ("/les/testcursus/01-les-1", OVERVIEW):
        page = client.get(url).text
        assert '<a href="tel:113">113</a>' in page
        assert '<a href="tel:08000113">0800-0113</a>' in page


def test_paused_shows_until_when_and_resumes_from_the_overview(client, two_lessons):
    saved = post(client, "/voorkeuren/testcursus/pauzeren", page=PREFERENCES, days="0", step="save")
    assert saved.status_code == 302 and enrollment().status == "paused"
    page = client.get(OVERVIEW).text
    assert "Gepauzeerd tot je hervat." in page and "niet gepland" not in page
    assert 'action="/voorkeuren/testcursus/hervatten"' in page
    preview = post(client, "/voorkeuren/testcursus/hervatten")
    assert preview.status_code == 200 and "Hervatten: zo worden je lessen dan" in preview.text
    assert enrollment().status == "paused"
    done = post(client, "/voorkeuren/testcursus/hervatten", step="save")
    assert done.status_code == 302 and enrollment().status == "active"
    assert "Gepauzeerd" not in client.get(OVERVIEW).text


def test_a_pause_with_an_end_shows_its_date(client, two_lessons):
    post(client, "/voorkeuren/testcursus/pauzeren", page=PREFERENCES, days="7", step="save")
    until = dates.format_local(enrollment().paused_until, enrollment().zone, language="nl")
    assert f"Gepauzeerd tot {until}." in client.get(OVERVIEW).text


def test_stopping_in_the_preferences_and_going_on_needs_a_fresh_link(client, two_lessons, outbox):
    preview = post(client, "/voorkeuren/testcursus/stoppen", page=PREFERENCES)
    assert "Je krijgt dan geen lessen meer." in preview.text
    assert enrollment().status == "active"
    post(client, "/voorkeuren/testcursus/stoppen", page=PREFERENCES, step="save")
    assert enrollment().status == "stopped"
    page = client.get(OVERVIEW).text
    assert "Je bent gestopt met deze cursus." in page and "niet gepland" not in page
    assert "Verder waar je was" not in page and "Stuur me een link" in page
    refused = post(client, "/voorkeuren/testcursus/verder", page=PREFERENCES, step="save")
    assert refused.status_code == 400 and "met een nieuwe link" in refused.text
    assert enrollment().status == "stopped"
    open_fresh_link(client, outbox)
    assert "Verder waar je was" in client.get(PREFERENCES).text
    assert 'action="/voorkeuren/testcursus/verder"' in client.get(OVERVIEW).text
    went_on = post(client, "/voorkeuren/testcursus/verder", step="save")
    assert went_on.status_code == 302
    assert enrollment().status == "active" and enrollment().next_due_at is not None
    assert "Gestopt: Testcursus" not in client.get(PREFERENCES).text


def test_after_an_unsubscribe_from_all_mail_only_a_new_sign_up_brings_lessons(
    client, two_lessons, outbox
):
    message = next(m for m in outbox if m.subject.startswith("Les"))
    url = link_in(message.text, "/afmelden/").replace(BASE_URL, "")
    page = client.get(url)
    client.post(url, data={"csrf_token": csrf_token(page.text), "choice": "all"})
    overview = client.get(OVERVIEW).text
    assert "afgemeld voor alle e-mail" in overview and 'href="/c/testcursus"' in overview
    refused = post(client, "/voorkeuren/testcursus/verder", page=PREFERENCES, step="save")
    assert refused.status_code == 400 and enrollment().status == "stopped"


def test_finished_says_so_and_starts_again(client, two_lessons):
    run_until(START, START + timedelta(days=5))
    assert enrollment().status == "completed"
    page = client.get(OVERVIEW).text
    assert "Je hebt alle lessen gehad." in page and "3 van 3 lessen ontvangen" in page
    done = post(client, "/voorkeuren/testcursus/opnieuw", step="save")
    assert done.status_code == 302
    assert enrollment().status == "active" and enrollment().round == 2


def test_the_preferences_number_the_coming_lessons_as_the_course_does(app, client, outbox):
    now = datetime.now(UTC)
    enrolled("nummer@example.org", now)
    run_pass(now)
    enter(client, outbox)
    page = client.get(PREFERENCES).text
    numbers = re.findall(r'<ol class="dates">.*?</ol>', page, re.S)[0]
    assert re.findall(r'<li value="(\d+)">', numbers) == ["2", "3"]


def test_the_time_zones_are_places_grouped_with_the_common_ones_first(client, two_lessons):
    page = client.get(PREFERENCES).text
    select_html = re.search(r'<select[^>]*name="timezone".*?</select>', page, re.S).group(0)
    values = re.findall(r'<option[^>]*value="([^"]+)"', select_html)
    assert values[:2] == ["Europe/Amsterdam", "Europe/Brussels"]
    assert '<optgroup label="Europa">' in select_html
    for alias in ("Factory", "localtime", "Etc/GMT+3", "Europe/Kiev", "US/Eastern", "UTC"):
        assert alias not in values
    assert "Pacific/Auckland" in values and len(values) == len(set(values))


def test_a_zone_not_in_the_list_is_refused_with_a_message(client, two_lessons):
    refused = post(
        client, "/voorkeuren/tijd", page=PREFERENCES, send_time="07:30", timezone="Factory"
    )
    assert refused.status_code == 400 and "Kies een tijdzone uit de lijst." in refused.text
    chosen = post(
        client, "/voorkeuren/tijd", page=PREFERENCES, send_time="07:30", timezone="Asia/Tokyo"
    )
    assert chosen.status_code == 200 and "Ja, zo opslaan" in chosen.text


def test_the_data_is_a_page_to_read_and_a_json_download(client, two_lessons, outbox):
    assert client.get("/voorkeuren/mijn-gegevens").status_code == 403
    open_fresh_link(client, outbox)
    page = client.get("/voorkeuren/mijn-gegevens")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    for section in ("Over jou", "Je cursussen en lessen", "Je toestemming", "E-mails aan jou"):
        assert section in page.text
    assert "waar@example.org" in page.text and "Les nummer 1" in page.text
    assert 'href="/voorkeuren/mijn-gegevens.json"' in page.text
    download = client.get("/voorkeuren/mijn-gegevens.json")
    assert download.headers["Content-Type"].startswith("application/json")
    assert download.json["profile"]["email"] == "waar@example.org"


def test_a_stopped_course_starts_over_from_lesson_1_only_with_a_fresh_link(
    client, two_lessons, outbox
):
    post(client, "/voorkeuren/testcursus/stoppen", page=PREFERENCES, step="save")
    refused = post(client, "/voorkeuren/testcursus/opnieuw", page=PREFERENCES, step="save")
    assert refused.status_code == 400 and enrollment().status == "stopped"
    open_fresh_link(client, outbox)
    assert "Opnieuw beginnen bij les 1" in client.get(OVERVIEW).text
    again = post(client, "/voorkeuren/testcursus/opnieuw", page=PREFERENCES, step="save")
    assert again.status_code == 302
    assert enrollment().status == "active" and enrollment().round == 2
