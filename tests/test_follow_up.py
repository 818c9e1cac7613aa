"""The follow-up: one email some days after the last lesson, its question and its answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ecourse.core import keys, links, tokens
from ecourse.core.db import db
from ecourse.core.extras import FollowUpAnswer
from ecourse.core.models import Delivery, Enrollment
from ecourse.core.statuses import DeliveryKind, DeliveryStatus
from ecourse.engine import drip, planner
from ecourse.learners import current, lessonchanges
from ecourse.web import sessions
from ecourse.web.learner import unsubscribe
from tests.factories import enrolled, run_until, the_course
from tests.web import post_form

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 25, 20, 15, tzinfo=AMS).astimezone(UTC)
FOLLOW_UP = """---
subject: Hoe was de cursus?
summary: Eén vraag, en de volgende data.
question: Hoeveel had je aan de cursus?
---
Je hebt de laatste les gehad. **Dank je wel** dat je meedeed.

Lees [ons verhaal](https://academie.test/verhaal) als je wilt.
"""


def write_follow_up(writer, dates=("zaterdag 6 maart 2027", "zondag 11 april 2027"), days=7):
    writer.course(
        follow_up={"days": days, "dates": list(dates)},
        teacher={"name": "Marieke de Vries"},
    )
    (writer.root / "follow-up.md").write_text(FOLLOW_UP, encoding="utf-8")


@pytest.fixture
def follow_up_files(course_files):
    """The test course with a follow-up.md (ask for it before `app`, which imports it)."""
    write_follow_up(course_files)
    return course_files


def reimport(writer, now: datetime = START) -> None:
    """Import the course folder again as `ecourse lessons import` does (learners re-planned)."""
    lessonchanges.import_files(Path(writer.root.parent), "Europe/Amsterdam", "skip", "test", now)


def enrollment_of(subscriber) -> Enrollment:
    return db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == subscriber.id))


def follow_ups() -> list[Delivery]:
    return list(
        db.session.scalars(
            select(Delivery).where(Delivery.kind == DeliveryKind.FOLLOW_UP).order_by(Delivery.id)
        )
    )


def through_the_course(email="anna@example.org", days=8):
    """Enroll at START and run every pass until all lessons went out (not the follow-up)."""
    subscriber = enrolled(email, START, first_name="Anna")
    run_until(START, START + timedelta(days=days))
    return subscriber


def expected_moment(enrollment: Enrollment) -> datetime:
    rhythm = planner.rhythm_for(enrollment, current.settings())
    return drip.follow_up_due_at(enrollment.last_sent_at, enrollment.course.follow_up_days, rhythm)


def follow_up_mails(outbox, address="anna@example.org"):
    return [m for m in outbox if m.to == address and m.subject == "Hoe was de cursus?"]


# Planning


def test_planned_at_the_send_time_days_after_the_last_lesson(follow_up_files, app, outbox):
    subscriber = through_the_course()
    enrollment = enrollment_of(subscriber)
    assert enrollment.status == "completed"
    [row] = follow_ups()
    last = max(the_course().lessons, key=drip.order_key)
    assert row.key == keys.follow_up(enrollment.id, last.id)
    assert row.status == DeliveryStatus.QUEUED
    moment = expected_moment(enrollment)
    assert row.send_after.astimezone(UTC) == moment
    local = moment.astimezone(AMS)
    assert local.strftime("%H:%M") == the_course().send_time
    sent_on = enrollment.last_sent_at.astimezone(AMS).date()
    assert local.date() == sent_on + timedelta(days=7)
    assert follow_up_mails(outbox) == []
    run_until(moment - timedelta(minutes=1), moment - timedelta(minutes=1))
    assert follow_up_mails(outbox) == []
    run_until(moment, moment + timedelta(days=30))
    [mail] = follow_up_mails(outbox)
    assert mail.date == moment


def test_skipped_weekday_moves_it_like_a_lesson(course_files, app):
    write_follow_up(course_files)
    sent = START + timedelta(days=3)
    for skipped in range(7):
        rhythm = drip.Rhythm(AMS, drip.time(7, 30), frozenset({skipped}))
        moment = drip.follow_up_due_at(sent, 7, rhythm)
        assert moment.astimezone(AMS).weekday() != skipped
        plain = drip.follow_up_due_at(sent, 7, drip.Rhythm(AMS, drip.time(7, 30)))
        assert moment >= plain
        assert moment - plain <= timedelta(days=1)


def test_sent_once_whatever_passes_and_replanning(follow_up_files, app, outbox):
    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    run_until(moment, moment + timedelta(days=10))
    planner.reschedule_course(the_course().id, moment + timedelta(days=11), current.settings())
    run_until(moment + timedelta(days=11), moment + timedelta(days=40))
    assert len(follow_up_mails(outbox)) == 1
    assert len(follow_ups()) == 1


def test_none_when_the_course_has_no_follow_up(app, outbox):
    through_the_course(days=40)
    assert follow_ups() == []
    assert enrollment_of(enrolled("b@example.org", START + timedelta(days=41))) is not None


def test_not_after_a_stop(follow_up_files, app, outbox):
    from ecourse.web.learner import stop_course

    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    stop_course(subscriber, the_course(), moment - timedelta(days=1))
    db.session.commit()
    run_until(moment, moment + timedelta(days=30))
    assert follow_up_mails(outbox) == []
    assert follow_ups()[0].status == DeliveryStatus.CANCELLED


def test_not_after_an_unsubscribe(follow_up_files, app, outbox):
    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    unsubscribe(subscriber, moment - timedelta(hours=1))
    run_until(moment, moment + timedelta(days=30))
    assert follow_up_mails(outbox) == []


def test_not_after_erasure(follow_up_files, app, outbox):
    from ecourse.learners import privacy

    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    privacy.erase(subscriber, "asked", moment - timedelta(hours=1))
    db.session.commit()
    run_until(moment, moment + timedelta(days=30))
    assert follow_up_mails(outbox) == []


def test_withheld_at_the_claim_when_the_follow_up_went_from_the_course(
    follow_up_files, app, outbox
):
    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    (follow_up_files.root / "follow-up.md").unlink()
    reimport(follow_up_files, moment - timedelta(days=1))
    assert the_course().follow_up_md == ""
    run_until(moment, moment + timedelta(days=30))
    assert follow_up_mails(outbox) == []
    [row] = follow_ups()
    assert row.status == DeliveryStatus.CANCELLED
    assert "no follow-up" in row.last_error


def test_replanned_after_a_lesson_added_later(follow_up_files, app, outbox):
    subscriber = through_the_course()
    enrollment = enrollment_of(subscriber)
    first = follow_ups()[0]
    follow_up_files.lesson("04-les-4", title="Les nummer 4", day=6)
    reimport(follow_up_files, START + timedelta(days=8))
    db.session.refresh(enrollment)
    assert enrollment.status == "active"  # reopened: the follow-up waits
    db.session.refresh(first)
    assert first.status == DeliveryStatus.CANCELLED
    run_until(START + timedelta(days=8), START + timedelta(days=60))
    db.session.refresh(enrollment)
    [old, new] = follow_ups()
    lesson_four = next(each for each in the_course().lessons if each.slug == "04-les-4")
    assert new.key == keys.follow_up(enrollment.id, lesson_four.id)
    [mail] = follow_up_mails(outbox)
    assert mail.date == expected_moment(enrollment)


# The email


def test_the_email_both_parts(follow_up_files, app, outbox):
    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    run_until(moment, moment + timedelta(days=1))
    [mail] = follow_up_mails(outbox)
    answer_url = links.follow_up_url(subscriber, the_course())
    # The text part: greeting, text, question, the answer link, the dates, the invitation.
    assert mail.text.startswith("Hoi Anna,")
    assert "Dank je wel" in mail.text and "**" not in mail.text
    assert "https://academie.test/verhaal" in mail.text  # a link keeps its address
    assert "Hoeveel had je aan de cursus?" in mail.text
    text_link = re.search(r"http\S+/vraag/\S+", mail.text).group(0)
    assert urlsplit(text_link).path.startswith("/vraag/")
    assert "- zaterdag 6 maart 2027\n- zondag 11 april 2027" in mail.text
    assert "Kom kennismaken: https://academie.test/weekend" in mail.text
    assert "Marieke de Vries" in mail.text
    # The HTML part: the same, with score links and a list of dates.
    assert "<strong>Dank je wel</strong>" in mail.html
    assert "Eén vraag, en de volgende data." in mail.html  # the preview line
    for score in range(1, 6):
        assert f"?score={score}" in mail.html
    assert "<li>zaterdag 6 maart 2027</li>" in mail.html
    assert 'href="https://academie.test/weekend"' in mail.html
    headers = dict(mail.headers)
    assert "een-klik" in headers["List-Unsubscribe"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert tokens.read("follow-up", urlsplit(answer_url).path.rsplit("/", 1)[1]) == [
        subscriber.public_id,
        the_course().id,
    ]


def test_without_dates_the_email_points_at_the_site(course_files, app, outbox):
    write_follow_up(course_files, dates=())
    reimport(course_files)
    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    run_until(moment, moment + timedelta(days=1))
    [mail] = follow_up_mails(outbox)
    assert "De volgende datums" not in mail.text
    assert "site van de academie" in mail.text
    assert "<ul>" not in mail.html


def test_an_invitation_to_the_site_itself_is_not_repeated(course_files, app, outbox):
    write_follow_up(course_files, dates=())
    site = "https://academie.test/"
    course_files.course(
        academy={"url": site},
        call_to_action={"url": site, "text": "Kom kennismaken"},
        follow_up={"days": 7},
    )
    reimport(course_files)
    subscriber = through_the_course()
    moment = expected_moment(enrollment_of(subscriber))
    run_until(moment, moment + timedelta(days=1))
    [mail] = follow_up_mails(outbox)
    assert len(re.findall(re.escape(site) + r"(?=\s)", mail.text)) == 1
    assert "Kom kennismaken: " + site in mail.text
    assert "site van de academie" not in mail.text


# Answering


def answer_path(subscriber) -> str:
    return urlsplit(links.follow_up_url(subscriber, the_course())).path


def the_answer(subscriber) -> FollowUpAnswer | None:
    db.session.expire_all()
    return db.session.scalar(
        select(FollowUpAnswer).where(FollowUpAnswer.enrollment_id == enrollment_of(subscriber).id)
    )


def test_the_page_asks_the_question_and_preselects_a_clicked_score(follow_up_files, app, client):
    subscriber = enrolled("anna@example.org", START, first_name="Anna")
    page = client.get(answer_path(subscriber) + "?score=4")
    assert page.status_code == 200
    assert "Hoeveel had je aan de cursus?" in page.text
    assert re.search(r'value="4" required checked', page.text)
    assert page.text.count(" checked") == 1
    assert "<legend>" in page.text and 'maxlength="1000"' in page.text
    assert the_answer(subscriber) is None  # a click in the email saves nothing
    assert client.get(answer_path(subscriber) + "?score=9").text.count(" checked") == 0
    post_form(client, answer_path(subscriber), {"score": "4"})
    with client.session_transaction() as session:
        assert sessions.LEARNER not in session  # the link opens this page, nothing more


def test_answering_saves_and_a_second_answer_replaces_it(follow_up_files, app, client):
    subscriber = enrolled("anna@example.org", START, first_name="Anna")
    path = answer_path(subscriber)
    saved = post_form(client, path, {"score": "4", "comment": "  Heel <b>fijn</b>.  "})
    assert saved.status_code == 303
    thanks = client.get(saved.headers["Location"])
    assert "Dank je wel" in thanks.text and "je gaf een 4" in thanks.text
    assert "https://academie.test/weekend" in thanks.text
    answer = the_answer(subscriber)
    assert (answer.score, answer.comment) == (4, "Heel <b>fijn</b>.")
    assert answer.course_id == the_course().id
    post_form(client, path, {"score": "2", "comment": ""})
    answer = the_answer(subscriber)
    assert (answer.score, answer.comment) == (2, "")
    assert db.session.query(FollowUpAnswer).count() == 1
    page = client.get(path)
    assert re.search(r'value="2" required checked', page.text)


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("", "Kies een cijfer van 1 tot 5."),
        ("0", "Dat cijfer kennen we niet"),
        ("6", "Dat cijfer kennen we niet"),
        ("4.5", "Dat cijfer kennen we niet"),
        ("<script>", "Dat cijfer kennen we niet"),
    ],
)
def test_a_missing_or_tampered_score_is_refused_in_words(
    follow_up_files, app, client, score, message
):
    subscriber = enrolled("anna@example.org", START)
    refused = post_form(client, answer_path(subscriber), {"score": score, "comment": "Mooi"})
    assert refused.status_code == 400
    assert message in refused.text
    assert "<script>" not in refused.text.split("<main", 1)[1]
    assert ">Mooi</textarea>" in refused.text  # what they wrote is kept
    assert the_answer(subscriber) is None


def test_a_sentence_over_the_limit_is_refused_with_its_length(follow_up_files, app, client):
    subscriber = enrolled("anna@example.org", START)
    refused = post_form(client, answer_path(subscriber), {"score": "3", "comment": "a" * 1001})
    assert refused.status_code == 400
    assert "1001 tekens" in refused.text and "1000" in refused.text
    assert the_answer(subscriber) is None
    fits = post_form(client, answer_path(subscriber), {"score": "3", "comment": "a" * 1000})
    assert fits.status_code == 303
    assert len(the_answer(subscriber).comment) == 1000


def test_a_post_without_csrf_saves_nothing(follow_up_files, app, client):
    subscriber = enrolled("anna@example.org", START)
    refused = client.post(answer_path(subscriber), data={"score": "5"})
    assert refused.status_code == 400
    assert the_answer(subscriber) is None


def test_expired_and_garbled_links_say_so(follow_up_files, app, client):
    from tests.test_true_copy import old_token

    subscriber = enrolled("anna@example.org", START)
    payload = [subscriber.public_id, the_course().id]
    expired = client.get(f"/vraag/{old_token('follow-up', payload, 91)}")
    assert expired.status_code == 410
    assert "Deze link is verlopen" in expired.text
    still = client.get(f"/vraag/{old_token('follow-up', payload, 89)}")
    assert still.status_code == 200
    garbled = client.get(answer_path(subscriber)[:-3] + "xyz")
    assert garbled.status_code == 400 and "Deze link werkt niet" in garbled.text
    other_purpose = tokens.make("unsubscribe", payload)
    assert client.get(f"/vraag/{other_purpose}").status_code == 400
    refused = client.post(f"/vraag/{old_token('follow-up', payload, 91)}", data={"score": "5"})
    assert refused.status_code in (400, 410)
    assert the_answer(subscriber) is None


def test_the_page_speaks_the_learners_language(course_files, app, client):
    write_follow_up(course_files)
    course_files.course(
        language="any", follow_up={"days": 7, "dates": []}, teacher={"name": "Marieke"}
    )
    reimport(course_files)
    subscriber = enrolled("ann@example.org", START)
    subscriber.language = "en"
    db.session.commit()
    page = client.get(answer_path(subscriber))
    assert 'lang="en"' in page.text


# The dashboard


def answer_as(email: str, score: int, comment: str, now: datetime):
    from ecourse.learners import answers

    subscriber = enrolled(email, now)
    return answers.save(enrollment_of(subscriber), score, comment, now)


@pytest.mark.clock
def test_the_dashboard_shows_the_answers_of_its_period(follow_up_files, app, admin_client):
    from ecourse.core.clock import utcnow

    now = utcnow()  # the dashboard's period ends at the wall clock's today
    for number, score in enumerate((5, 5, 4, 2)):
        answer_as(f"a{number}@example.org", score, f"Zin {number} <em>x</em>", now)
    answer_as("old@example.org", 1, "Van lang geleden", now - timedelta(days=400))
    page = admin_client.get("/admin/?periode=maand")
    assert page.status_code == 200
    section = page.text.split('id="kop-antwoorden"', 1)[1].split("</section>", 1)[0]
    assert "<strong>4</strong> antwoorden" in section
    assert "<strong>4,0</strong> gemiddeld cijfer" in section
    rows = re.findall(r'<th scope="row">(\d)</th><td class="num">(\d+)</td>', section)
    assert rows == [("1", "0"), ("2", "1"), ("3", "0"), ("4", "1"), ("5", "2")]
    assert "Zin 3 &lt;em&gt;x&lt;/em&gt;" in section and "<em>x</em>" not in section
    assert "Van lang geleden" not in section
    assert "@example.org" not in section
    assert 'class="bar-solid"' in section


def test_the_dashboard_is_for_owners_only(follow_up_files, app, admin, client):
    from ecourse.web.admin import roles

    assert not roles.allows(roles.AdminRole.EDITOR, "admin.dashboard")
    assert roles.allows(roles.AdminRole.OWNER, "admin.dashboard")


# Privacy


def test_the_export_holds_the_answer_and_erasure_empties_the_sentence(follow_up_files, app, client):
    from ecourse.learners import privacy
    from ecourse.web.preferences.data import export

    answer = answer_as("anna@example.org", 4, "Het hielp me.", START)
    subscriber = db.session.get(Enrollment, answer.enrollment_id).subscriber
    [enrollment] = export(subscriber)["enrollments"]
    assert enrollment["follow_up_answer"]["score"] == 4
    assert enrollment["follow_up_answer"]["comment"] == "Het hielp me."
    privacy.erase(subscriber, "asked", START + timedelta(days=1))
    db.session.commit()
    kept = the_answer(subscriber)
    assert (kept.score, kept.comment) == (4, "")


def test_the_privacy_page_mentions_the_answer(follow_up_files, app, client):
    page = client.get("/privacy")
    assert "de vraag in de e-mail na de cursus" in page.text
