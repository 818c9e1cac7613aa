"""Admin lessons: the list, the editor with its previews, the reach step, reordering, files."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ecourse.content import lessonfiles, lessonwriter
from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Lesson, LessonChange, Subscriber
from ecourse.learners import reach
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, run_until, the_course
from tests.web import ADMIN_EMAIL, csrf_token

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EDITOR = "/admin/cursussen/testcursus/lessen/nieuw"


def lesson_fields(**overrides) -> dict:
    return {
        "title": "Rust in je handen",
        "slug": "",
        "day": "1",
        "summary": "Een korte les over je handen.",
        "status": "published",
        "body_md": "Hoi {{ voornaam }}, vandaag kijken we naar je handen.\n\nTweede alinea.",
        "exercise_title": "Handen openen",
        "exercise_minutes": "4",
        "exercise_md": "1. Leg je handen op je knieën.\n2. Open ze langzaam.",
        "reflection_md": "- Wat voelde je?",
        "late_rule": "skip",
    } | overrides


def post_lesson(client, url: str = EDITOR, **fields):
    token = csrf_token(client.get(url).text)
    return client.post(url, data={"csrf_token": token} | lesson_fields(**fields))


def three_learners(now: datetime) -> dict[str, Subscriber]:
    """One past lesson 2 (day 2), one at lesson 1, one who finished: the test course."""
    learners, previous = {}, None
    for name, email, ago in [
        ("finished", "klaar@example.org", timedelta(days=6)),
        ("at_two", "twee@example.org", timedelta(days=3)),
        ("at_one", "een@example.org", timedelta(hours=1)),
    ]:
        if previous:
            run_until(previous, now - ago)
        learners[name] = enrolled(email, now - ago, first_name=name.title())
        previous = now - ago
    run_until(previous, now)
    return learners


def lessons_sent(subscriber: Subscriber) -> list[str]:
    rows = db.session.scalars(
        select(Lesson.slug)
        .join(Delivery, Delivery.lesson_id == Lesson.id)
        .where(Delivery.subscriber_id == subscriber.id, Delivery.status == "sent")
        .order_by(Delivery.id)
    )
    return list(rows)


# The reach preview's numbers and dates, against a course built here, at fixed moments.


def test_reach_preview_counts_and_dates_for_a_lesson_added_between_lessons(app):
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Amsterdam
    enrolled("klaar@example.org", start - timedelta(days=10))
    enrolled("twee@example.org", start)
    enrolled("een@example.org", start + timedelta(days=2))
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # Thursday afternoon
    run_until(start - timedelta(days=10), now)
    course = the_course()
    draft = reach.LessonDraft.of(None, **_draft_values(day=1))
    found = reach.preview(course.id, course.lessons, draft, now)
    assert [who.email for who in found.will_receive] == ["een@example.org"]
    assert sorted(who.email for who in found.past) == ["klaar@example.org", "twee@example.org"]
    assert found.received == 0
    # Due on its day (Thursday 07:30) but saved at 13:00: the next morning slot, Friday.
    friday = datetime(2026, 3, 6, 7, 30, tzinfo=AMSTERDAM)
    assert found.will_receive[0].at == friday
    assert [who.at for who in found.past] == [friday, friday]
    assert found.days("will_receive") == [(friday.date(), 1)]


@pytest.mark.clock
def test_reach_preview_of_a_lesson_everyone_already_has(app):
    now = datetime.now(UTC)
    three_learners(now)
    course = the_course()
    first = course.lessons[0]
    found = reach.preview(course.id, course.lessons, reach.LessonDraft.of(first), now)
    assert (found.received, len(found.will_receive), len(found.past)) == (3, 0, 0)


def _draft_values(**overrides) -> dict:
    fields = lesson_fields(**overrides)
    values = {name: fields[name] for name in reach.LESSON_FIELDS if name != "slug"}
    values |= {"day": int(fields["day"]), "exercise_minutes": int(fields["exercise_minutes"])}
    return values | {"slug": "01b-handen"}


# The editor, the reach step and saving, through the admin's pages.


@pytest.mark.clock
def test_new_lesson_shows_its_reach_before_saving_and_saves_nothing_yet(admin_client):
    three_learners(datetime.now(UTC))
    response = post_lesson(admin_client, step="check")
    assert response.status_code == 200
    assert "<strong>1</strong> krijgen deze les op hun plek" in response.text
    assert "<strong>2</strong> zijn al voorbij deze plek" in response.text
    assert "een@example.org" in response.text
    assert 'name="late_rule" type="radio" value="send"' in response.text
    assert db.session.scalar(select(Lesson).where(Lesson.title == "Rust in je handen")) is None


@pytest.mark.clock
@pytest.mark.parametrize("rule", ["skip", "send"])
def test_saving_stores_the_rule_and_plans_the_learners(admin_client, rule):
    now = datetime.now(UTC)
    learners = three_learners(now)
    response = post_lesson(admin_client, step="save", late_rule=rule)
    assert response.status_code == 302, response.text
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Rust in je handen"))
    assert lesson.slug == "02-rust-in-je-handen" and lesson.late_rule == rule
    change = db.session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson.id))
    assert (change.action, change.late_rule, change.admin_email) == ("created", rule, ADMIN_EMAIL)
    assert (change.will_reach, change.already_past) == (1, 2)
    run_until(now, now + timedelta(days=3))
    got_it = {name for name, who in learners.items() if lesson.slug in lessons_sent(who)}
    assert got_it == ({"at_one", "at_two", "finished"} if rule == "send" else {"at_one"})
    page = admin_client.get(f"/admin/deelnemers/{learners['at_two'].public_id}")
    word = "alsnog sturen" if rule == "send" else "overslaan"
    assert f"Regel voor wie al verder was: <strong>{word}</strong>" in page.text
    assert ADMIN_EMAIL in page.text


@pytest.mark.clock
def test_lesson_added_later_is_sent_in_the_morning_not_when_saved(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("een@example.org", now - timedelta(days=10))
    run_until(now - timedelta(days=10), now)
    post_lesson(admin_client, step="save", day="14")
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == learner.id))
    db.session.refresh(enrollment)
    due = enrollment.next_due_at.astimezone(AMSTERDAM)
    assert enrollment.status == "active"
    assert (due.hour, due.minute) == (7, 30) and due > now


def test_invalid_lesson_form_shows_every_problem_and_saves_nothing(admin_client):
    response = post_lesson(admin_client, step="save", title="", day="400", exercise_md="")
    assert response.status_code == 400
    assert "Geef de les een titel." in response.text
    assert "Een dag van 0 tot en met 365." in response.text
    assert "Beschrijf de oefening." in response.text
    assert db.session.scalar(select(LessonChange)) is None


@pytest.mark.parametrize(
    "payload",
    [
        "{{ config }}",
        "{{ config.SECRET_KEY }}",
        "{{ voornaam.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{{ voornaam|attr('__class__') }}",
        "{{ request }}",
        "{{ lipsum.__globals__ }}",
        '{{ "a" * 99999999 }}',
        "{{ 9 ** 9 ** 9 }}",
        "{{ voornaam.ljust(99999999999999999999) }}",
        "{{ voornaam.ljust(3000000) }}",
        "{{ voornaam.split }}",
        '{{ "%9999999s" % voornaam }}',
    ],
)
def test_placeholder_payloads_are_refused_and_never_run(admin_client, app, payload):
    response = post_lesson(admin_client, step="check", body_md=f"Hallo {payload} daar.")
    assert response.status_code == 400
    assert "werkt niet; je kunt alleen {{ voornaam }}" in response.text
    assert app.config["SECRET_KEY"] not in response.text


@pytest.mark.clock
def test_a_payload_stored_by_other_means_fails_safely_on_the_lesson_page(app, client, outbox):
    lesson = the_course().lessons[0]
    lesson.body_md = "Hallo {{ config.SECRET_KEY }} en {{ voornaam|upper }}!"
    db.session.commit()
    now = datetime.now(UTC)
    enrolled("lees@example.org", now, first_name="<b>Lot</b>")
    run_pass(now)
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    assert app.config["SECRET_KEY"] not in message.text + message.html
    link = next(word for word in message.text.split() if "/l/" in word)
    client.get(link.replace("http://ecourse.test", ""))
    page = client.get("/les/testcursus/01-les-1")
    assert page.status_code == 200
    assert app.config["SECRET_KEY"] not in page.text
    assert "<b>Lot</b>" not in page.text


@pytest.mark.clock
def test_a_name_in_a_link_target_cannot_become_a_script_link(app, client, outbox):
    lesson = the_course().lessons[0]
    lesson.body_md = "Hoi, lees [dit]({{ voornaam }}) eerst.\n\nVerder."
    db.session.commit()
    now = datetime.now(UTC)
    enrolled("js@example.org", now, first_name="javascript:alert(1)")
    run_pass(now)
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    assert 'href="javascript' not in message.html and ">dit</a>" in message.html
    link = next(word for word in message.text.split() if "/l/" in word)
    client.get(link.replace("http://ecourse.test", ""))
    page = client.get("/les/testcursus/01-les-1")
    assert page.status_code == 200 and "dit</a>" in page.text
    assert 'href="javascript' not in page.text


@pytest.mark.clock
def test_placeholders_fill_in_each_learners_name_escaped(app, client, outbox):
    lesson = the_course().lessons[0]
    lesson.body_md = "Hoi {{ voornaam }}, fijn dat je er bent.\n\nVerder."
    db.session.commit()
    now = datetime.now(UTC)
    enrolled("anna@example.org", now, first_name="Anna")
    enrolled("jan@example.org", now, first_name="<i>Jan</i>")
    run_pass(now)
    texts = {m.to: m for m in outbox if m.subject.startswith("Les 1")}
    assert "Hoi Anna, fijn" in texts["anna@example.org"].text
    assert "Hoi <i>Jan</i>, fijn" in texts["jan@example.org"].text  # plain text stays text
    assert "Hoi &lt;i&gt;Jan&lt;/i&gt;, fijn" in texts["jan@example.org"].html


def test_previews_show_the_page_and_the_email_as_sent(admin_client):
    token = csrf_token(admin_client.get(EDITOR).text)
    data = {"csrf_token": token} | lesson_fields()
    page = admin_client.post("/admin/cursussen/testcursus/voorbeeld/pagina", data=data)
    assert page.status_code == 200
    assert "<h1>Rust in je handen</h1>" in page.text
    assert "Hoi Anna, vandaag" in page.text
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    email = admin_client.post("/admin/cursussen/testcursus/voorbeeld/email", data=data)
    assert email.status_code == 200
    assert "Les 2: Rust in je handen" in email.text  # its number once published
    assert '<iframe class="preview" title="HTML-deel van de e-mail" sandbox srcdoc="' in email.text
    assert "Hoi Anna, vandaag kijken we naar je handen." in email.text
    broken = admin_client.post(
        "/admin/cursussen/testcursus/voorbeeld/pagina", data=data | {"title": ""}
    )
    assert broken.status_code == 400 and "Geef de les een titel." in broken.text


def test_test_email_goes_to_the_admins_own_address(admin_client, outbox):
    token = csrf_token(admin_client.get(EDITOR).text)
    data = {"csrf_token": token} | lesson_fields()
    response = admin_client.post("/admin/cursussen/testcursus/test", data=data)
    assert response.status_code == 200
    assert f"Testmail verstuurd naar {ADMIN_EMAIL}" in response.text
    (message,) = outbox
    assert message.to == ADMIN_EMAIL
    assert message.subject == "[Test] Les 2: Rust in je handen"
    assert db.session.scalar(select(Delivery)) is None  # a test is no delivery


@pytest.mark.clock
def test_lesson_list_shows_order_status_and_counts(admin_client, client, outbox):
    now = datetime.now(UTC)
    enrolled("een@example.org", now)
    enrolled("twee@example.org", now)
    run_pass(now)
    link = next(w for w in outbox[-1].text.split() if "/l/" in w)
    client.get(link.replace("http://ecourse.test", ""))
    client.post(
        "/les/testcursus/01-les-1/gedaan",
        data={"csrf_token": csrf_token(client.get("/les/testcursus/01-les-1").text)},
    )
    page = admin_client.get("/admin/cursussen/testcursus")
    row = page.text.split("Les nummer 1</a>")[1].split("</tr>")[0]
    cells = [cell.split("<")[0] for cell in row.split('<td class="num">')[1:4]]
    assert cells == ["2", "1", "1"]  # received, opened, exercise done
    assert page.text.index("Les nummer 1") < page.text.index("Les nummer 2")


@pytest.mark.clock
def test_changing_a_day_replans_the_learners(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("een@example.org", now - timedelta(hours=2))
    run_pass(now)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == learner.id))
    before = enrollment.next_due_at
    url = "/admin/cursussen/testcursus/lessen/02-les-2"
    lesson = the_course().lessons[1]
    fields = {name: getattr(lesson, name) for name in reach.LESSON_FIELDS if name != "slug"}
    response = post_lesson(admin_client, url, step="save", **(fields | {"day": "3"}))
    assert response.status_code == 302
    db.session.refresh(enrollment)
    assert enrollment.next_due_at.astimezone(AMSTERDAM).date() == (
        before.astimezone(AMSTERDAM).date() + timedelta(days=1)
    )


@pytest.mark.clock
def test_unpublishing_stops_a_lesson_for_those_who_did_not_get_it(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("een@example.org", now)
    run_pass(now)
    url = "/admin/cursussen/testcursus/lessen/02-les-2"
    lesson = the_course().lessons[1]
    fields = {name: getattr(lesson, name) for name in reach.LESSON_FIELDS if name != "slug"}
    check = post_lesson(admin_client, url, step="check", **(fields | {"status": "draft"}))
    assert "als <strong>concept</strong>" in check.text
    post_lesson(admin_client, url, step="save", **(fields | {"status": "draft"}))
    run_until(now, now + timedelta(days=6))
    assert lessons_sent(learner) == ["01-les-1", "03-les-3"]
    change = db.session.scalar(select(LessonChange))
    assert change.action == "unpublished"


def test_moving_a_lesson_up_swaps_days_after_showing_its_reach(admin_client):
    page = admin_client.get("/admin/cursussen/testcursus")
    url = "/admin/cursussen/testcursus/lessen/03-les-3/verplaats"
    data = {"csrf_token": csrf_token(page.text), "direction": "up"}
    confirm = admin_client.post(url, data=data)
    assert confirm.status_code == 200 and "Lessen van plaats wisselen" in confirm.text
    assert [lesson.day for lesson in the_course().lessons] == [0, 2, 4]  # nothing yet
    done = admin_client.post(url, data=data | {"confirmed": "yes", "late_rule": "skip"})
    assert done.status_code == 302
    db.session.expire_all()
    assert [(lesson.slug, lesson.day) for lesson in the_course().lessons] == [
        ("01-les-1", 0),
        ("03-les-3", 2),
        ("02-les-2", 4),
    ]


def first_slot_at_or_after(moment: datetime) -> datetime:
    """The test course's first 07:30 in Amsterdam not before `moment` (no skipped days)."""
    day = moment.astimezone(AMSTERDAM).date()
    if datetime.combine(day, time(7, 30), tzinfo=AMSTERDAM) < moment:
        day += timedelta(days=1)
    return datetime.combine(day, time(7, 30), tzinfo=AMSTERDAM)


@pytest.mark.clock
@pytest.mark.parametrize(("rule", "next_slug"), [("skip", "03-les-3"), ("send", "02-les-2")])
def test_reorder_moves_the_next_lesson_and_its_due_time(admin_client, rule, next_slug):
    now = datetime.now(UTC)
    learner = enrolled("een@example.org", now)
    run_pass(now)  # lesson 1 (day 0) is sent; lesson 2 (day 2) is next
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == learner.id))
    start_day = now.astimezone(AMSTERDAM).date()
    assert enrollment.next_due_at == datetime.combine(
        start_day + timedelta(days=2), time(7, 30), tzinfo=AMSTERDAM
    )
    page = admin_client.get("/admin/cursussen/testcursus")
    url = "/admin/cursussen/testcursus/lessen/02-les-2/verplaats"
    data = {"csrf_token": csrf_token(page.text), "direction": "up"}
    done = admin_client.post(url, data=data | {"confirmed": "yes", "late_rule": rule})
    assert done.status_code == 302
    # Lesson 2 now comes before lesson 1, which this learner already has: with "skip" the
    # course goes on with lesson 3 on day 4; with "send" lesson 2 comes at the first
    # morning slot at least the minimum gap (12 hours) after lesson 1.
    expected = {
        "skip": datetime.combine(start_day + timedelta(days=4), time(7, 30), tzinfo=AMSTERDAM),
        "send": first_slot_at_or_after(now + timedelta(hours=12)),
    }[rule]
    db.session.refresh(enrollment)
    assert enrollment.next_due_at == expected
    run_until(now, expected)
    assert lessons_sent(learner) == ["01-les-1", next_slug]


def test_export_writes_files_that_import_back_the_same(admin_client, tmp_path):
    response = admin_client.get("/admin/cursussen/testcursus/export")
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        archive.extractall(tmp_path)
    folder = lessonfiles.read_folder(tmp_path / "testcursus")
    assert folder.problems == []
    course = the_course()
    for lesson, read in zip(course.lessons, folder.lessons, strict=True):
        assert (read.slug, read.title, read.day, read.body_md, read.exercise_md) == (
            lesson.slug,
            lesson.title,
            lesson.day,
            lesson.body_md,
            lesson.exercise_md,
        )
    assert lessonwriter.course_files(course)["course.yml"].startswith("title: Testcursus")


IMPORT_URL = "/admin/cursussen/testcursus/import"


def upload(client, files: dict[str, str]):
    """The first step of an import: upload a zip of the course folder and check it."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        for name, text in files.items():
            out.writestr(f"testcursus/{name}", text)
    token = csrf_token(client.get(IMPORT_URL).text)
    return client.post(
        IMPORT_URL,
        data={"csrf_token": token, "archive": (io.BytesIO(archive.getvalue()), "cursus.zip")},
        content_type="multipart/form-data",
    )


def apply_upload(client, checked_page: str, rule: str = "skip"):
    """The second step: import what was checked, with the rule for learners past it."""
    name = re.search(r'name="upload" type="hidden" value="([^"]+)"', checked_page).group(1)
    data = {"csrf_token": csrf_token(checked_page), "upload": name, "late_rule": rule}
    return client.post(IMPORT_URL, data=data | {"step": "apply"})


def test_import_checks_first_then_updates_and_records_the_change(admin_client):
    files = lessonwriter.course_files(the_course())
    files["02-les-2.md"] = files["02-les-2.md"].replace("Les nummer 2", "Nieuwe titel")
    checked = upload(admin_client, files)
    assert checked.status_code == 200, checked.text
    assert "<strong>testcursus/02-les-2</strong>: bewerkt" in checked.text
    db.session.expire_all()
    assert the_course().lessons[1].title == "Les nummer 2"  # nothing applied yet
    done = apply_upload(admin_client, checked.text)
    assert done.status_code == 200 and "Import klaar" in done.text
    db.session.expire_all()
    lesson = the_course().lessons[1]
    assert lesson.title == "Nieuwe titel"
    change = db.session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson.id))
    assert (change.action, change.admin_email) == ("edited", ADMIN_EMAIL)
    again = apply_upload(admin_client, checked.text)
    assert again.status_code == 400 and "verlopen of al geïmporteerd" in again.text


@pytest.mark.clock
@pytest.mark.parametrize("rule", ["skip", "send"])
def test_a_lesson_added_by_file_shows_its_reach_and_follows_the_chosen_rule(admin_client, rule):
    now = datetime.now(UTC)
    learners = three_learners(now)
    files = lessonwriter.course_files(the_course())
    files["01b-handen.md"] = (
        files["02-les-2.md"].replace("day: 2", "day: 1").replace("Les nummer 2", "Handen")
    )
    checked = upload(admin_client, files)
    assert "<strong>testcursus/01b-handen</strong>: toegevoegd" in checked.text
    assert "1 krijgen de les op hun plek in de cursus; 2 waren al verder" in checked.text
    assert 'name="late_rule" type="radio" value="send"' in checked.text
    apply_upload(admin_client, checked.text, rule)
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "01b-handen"))
    assert lesson.late_rule == rule and lesson.available_from is not None
    change = db.session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson.id))
    assert (change.action, change.will_reach, change.already_past) == ("created", 1, 2)
    run_until(now, now + timedelta(days=3))
    got_it = {name for name, who in learners.items() if "01b-handen" in lessons_sent(who)}
    assert got_it == ({"at_one", "at_two", "finished"} if rule == "send" else {"at_one"})
    sent = db.session.scalars(
        select(Delivery).where(Delivery.lesson_id == lesson.id, Delivery.status == "sent")
    )
    for delivery in sent:  # never in the afternoon it was imported: at a morning slot
        assert delivery.sent_at.astimezone(AMSTERDAM).strftime("%H:%M") == "07:30"
        assert delivery.sent_at > now


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("../buiten.md", "x", "een pad buiten de map"),
        ("testcursus/course.yml", "title: [", "cannot be read"),
    ],
)
def test_import_refuses_bad_archives_and_changes_nothing(admin_client, name, text, message):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(name, text)
    url = "/admin/cursussen/testcursus/import"
    token = csrf_token(admin_client.get(url).text)
    response = admin_client.post(
        url,
        data={"csrf_token": token, "archive": (io.BytesIO(archive.getvalue()), "x.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.text
    assert "Er is niets geïmporteerd" in response.text
