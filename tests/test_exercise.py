"""The exercise on a lesson page: the steps, the timer's markup, the learner's own tension
check-in and note, their chart on the overview, and what admins may (not) see of it."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Enrollment, Lesson, Progress
from ecourse.web import learner as service
from ecourse.web.charts import PLOT_HEIGHT, before_after_chart
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, run_until
from tests.web import csrf_token, link_in

LESSON = "/les/testcursus/01-les-1"
CHECKIN = f"{LESSON}/check-in"
NOTE = "Mijn schouders zakten pas bij de derde uitademing, zeeleeuw-7731."
SVG = "{http://www.w3.org/2000/svg}"


def open_lesson(client, outbox, email: str, number: int = 1) -> None:
    """Follow the learner's own lesson link, which puts them in the client's session."""
    message = next(m for m in outbox if m.to == email and m.subject.startswith(f"Les {number}"))
    response = client.get(link_in(message.text, "/l/").replace(BASE_URL, ""))
    assert response.status_code == 302


@pytest.fixture
def learner(app, client, outbox):
    """Lotte, who has received lesson 1 and opened it in `client`."""
    now = datetime.now(UTC)
    subscriber = enrolled("lotte@example.org", now, first_name="Lotte")
    run_pass(now)
    open_lesson(client, outbox, "lotte@example.org")
    return subscriber


def check_in(client, data: dict, url: str = CHECKIN, page: str = LESSON):
    token = csrf_token(client.get(page).text)
    return client.post(url, data={"csrf_token": token} | data)


def progress_of(subscriber, slug: str = "01-les-1") -> Progress | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Progress)
        .join(Enrollment, Enrollment.id == Progress.enrollment_id)
        .join(Lesson, Lesson.id == Progress.lesson_id)
        .where(Enrollment.subscriber_id == subscriber.id, Lesson.slug == slug)
    )


def checked_in_rows() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(db.func.count(Progress.id)).where(Progress.checked_in_at.is_not(None))
    )


def checked(html: str, field: str) -> list[str]:
    """The values of the radio buttons of `field` that the page shows as chosen."""
    return re.findall(rf'name="{field}" value="(\d+)" checked', html)


# The lesson page


def test_page_shows_the_steps_and_keeps_the_timer_hidden_for_javascript(client, learner):
    page = client.get(LESSON).text
    assert "<li>Voeten op de grond.</li>" in page and "<li>Adem uit.</li>" in page
    timer = re.search(r'<div class="timer"[^>]*>', page).group(0)
    assert " hidden" in timer and 'data-seconds="300"' in timer  # 5 minutes
    assert '<script src="/static/exercise.js" defer></script>' in page
    assert 'role="status" aria-live="polite"' in page
    assert "Bewaar alles en rond af" in page
    assert page.count("Alleen voor jou zichtbaar") == 2  # the check-in and the note
    assert 'style="' not in page and "<style" not in page  # the CSP allows neither


def test_done_still_marks_the_exercise_done(client, learner):
    response = check_in(client, {}, url=f"{LESSON}/gedaan")
    assert response.status_code == 302
    assert progress_of(learner).exercise_done_at is not None
    assert "Je hebt deze oefening gedaan" in client.get(LESSON).text


# Saving a check-in


def test_check_in_before_is_saved_on_the_learners_own_row(client, learner):
    response = check_in(client, {"deel": "voor", "voor": "6"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{LESSON}?bewaard=voor#check-in-voor"
    progress = progress_of(learner)
    assert (progress.tension_before, progress.tension_after, progress.note) == (6, None, "")
    assert progress.checked_in_at is not None
    page = client.get(response.headers["Location"]).text
    assert checked(page, "voor") == ["6"] and checked(page, "na") == []
    assert "Bewaard: 6 van 10." in page and "Bewaard. Alleen jij ziet dit." in page


def test_check_in_after_with_a_note_keeps_the_score_from_before(client, learner):
    check_in(client, {"deel": "voor", "voor": "7"})
    response = check_in(client, {"deel": "na", "na": "3", "notitie": f"  {NOTE}\r\nRegel 2 "})
    assert response.headers["Location"].endswith("?bewaard=na#afronden")
    progress = progress_of(learner)
    assert (progress.tension_before, progress.tension_after) == (7, 3)
    assert progress.note == f"{NOTE}\nRegel 2"
    page = client.get(LESSON).text
    assert checked(page, "voor") == ["7"] and checked(page, "na") == ["3"]
    assert f">{NOTE}\nRegel 2</textarea>" in page


def test_resubmitting_updates_the_values_and_an_empty_note_clears_it(client, learner):
    check_in(client, {"deel": "na", "voor": "9", "na": "8", "notitie": NOTE})
    check_in(client, {"deel": "na", "voor": "0", "na": "10", "notitie": ""})
    progress = progress_of(learner)
    assert (progress.tension_before, progress.tension_after, progress.note) == (0, 10, "")
    assert db.session.scalar(select(db.func.count(Progress.id))) == 1


def test_an_unchosen_scale_changes_nothing(client, learner):
    check_in(client, {"deel": "voor", "voor": "4"})
    check_in(client, {"deel": "voor"})  # the learner pressed save without choosing
    assert progress_of(learner).tension_before == 4


@pytest.mark.parametrize("value", ["11", "-1", "5.5", "zes", "1e1", "٣", "3 4"])
def test_a_score_outside_0_to_10_is_refused_in_dutch_and_nothing_is_written(client, learner, value):
    check_in(client, {"deel": "na", "voor": "2", "na": "5"})
    before = progress_of(learner).checked_in_at
    response = check_in(client, {"deel": "na", "na": value, "notitie": NOTE})
    assert response.status_code == 400
    assert "Kies voor je spanning na de oefening een heel getal van 0 tot en met 10." in (
        response.text
    )
    assert 'role="alert"' in response.text
    progress = progress_of(learner)
    assert (progress.tension_before, progress.tension_after, progress.note) == (2, 5, "")
    assert progress.checked_in_at == before


def test_two_values_for_one_score_are_refused(client, learner):
    token = csrf_token(client.get(LESSON).text)
    response = client.post(CHECKIN, data={"csrf_token": token, "deel": "voor", "voor": ["3", "4"]})
    assert response.status_code == 400
    assert progress_of(learner).tension_before is None


def test_a_note_up_to_5000_characters_is_kept_and_a_longer_one_refused(client, learner):
    assert check_in(client, {"notitie": "ä" * 5000}).status_code == 302
    assert progress_of(learner).note == "ä" * 5000
    response = check_in(client, {"notitie": "b" * 5001})
    assert response.status_code == 400
    assert "Je notitie is 5001 tekens lang; er passen er 5000 in." in response.text
    assert progress_of(learner).note == "ä" * 5000


def test_check_in_without_a_csrf_token_is_refused(client, learner):
    response = client.post(CHECKIN, data={"deel": "voor", "voor": "5"})
    assert response.status_code == 400
    assert checked_in_rows() == 0


# Whose check-in it is


def test_without_a_session_the_check_in_is_forbidden(app, learner):
    stranger = app.test_client()
    token = csrf_token(stranger.get("/").text)
    response = stranger.post(CHECKIN, data={"csrf_token": token, "voor": "5"})
    assert response.status_code == 403
    assert checked_in_rows() == 0


def test_a_lesson_not_yet_received_cannot_be_checked_in(client, learner):
    response = check_in(client, {"voor": "5"}, url="/les/testcursus/02-les-2/check-in")
    assert response.status_code == 403
    assert progress_of(learner, "02-les-2") is None


@pytest.mark.clock
def test_another_learner_writes_only_their_own_row_and_never_sees_the_first(
    app, client, learner, outbox
):
    check_in(client, {"deel": "na", "voor": "8", "na": "2", "notitie": NOTE})
    other = app.test_client()
    now = datetime.now(UTC)
    bram = enrolled("bram@example.org", now)
    run_pass(now)
    open_lesson(other, outbox, "bram@example.org")
    page = other.get(LESSON).text
    assert NOTE not in page and checked(page, "voor") == [] and checked(page, "na") == []
    assert "Mijn check-ins" not in other.get("/cursus/testcursus").text

    check_in(other, {"deel": "voor", "voor": "1"})
    assert progress_of(bram).tension_before == 1
    mine = progress_of(learner)
    assert (mine.tension_before, mine.tension_after, mine.note) == (8, 2, NOTE)
    assert "Les 1: Les nummer 1</th>" in client.get("/cursus/testcursus").text


@pytest.mark.clock
def test_a_learner_of_another_course_is_forbidden_here(app, learner, course_files, outbox):
    from ecourse.content.catalog import import_path
    from tests.factories import CourseWriter, the_course

    other = CourseWriter(course_files.root.parent / "anders")
    other.course(title="Andere cursus")
    other.lesson("01-een", title="Een", day=0)
    import_path(course_files.root.parent, "Europe/Amsterdam", datetime.now(UTC))
    now = datetime.now(UTC)
    enrolled("ander@example.org", now, course=the_course("anders"))
    run_pass(now)
    elsewhere = app.test_client()
    open_lesson(elsewhere, outbox, "ander@example.org")
    response = check_in(elsewhere, {"voor": "5"}, page="/les/anders/01-een")
    assert response.status_code == 403
    assert checked_in_rows() == 0


@pytest.mark.clock
def test_my_checkins_refuses_any_enrollment_but_the_sessions_own(app, client, learner, outbox):
    from ecourse.web.learn.exercise import my_checkins

    check_in(client, {"voor": "4"})
    enrollment = learner.enrollments[0]
    with app.test_request_context("/cursus/testcursus"):
        assert my_checkins(enrollment) is None  # no learner in this session
        from flask import session

        session["learner"] = learner.public_id
        session["checked_at"] = datetime.now(UTC).timestamp()  # as after a fresh link
        assert [row.before for row in my_checkins(enrollment).rows] == [4]


# The service, with `now` passed in


def test_record_checkin_stamps_now_and_creates_the_row_when_needed(app, learner):
    enrollment = learner.enrollments[0]
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "01-les-1"))
    assert progress_of(learner) is None  # the link was followed, the page not yet shown
    now = datetime(2030, 1, 2, 8, 15, tzinfo=UTC)
    progress = service.record_checkin(enrollment, lesson, {"tension_after": 3}, now)
    assert progress.opened_at == now and progress.checked_in_at == now
    later = now + timedelta(hours=1)
    service.record_checkin(enrollment, lesson, {"note": "x"}, later)
    progress = progress_of(learner)
    assert (progress.tension_after, progress.note, progress.checked_in_at) == (3, "x", later)
    assert progress.opened_at == now


@pytest.mark.clock
def test_record_checkin_touches_nothing_but_the_check_in(app, learner):
    enrollment = learner.enrollments[0]
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "01-les-1"))
    with pytest.raises(ValueError, match="exercise_done_at"):
        service.record_checkin(enrollment, lesson, {"exercise_done_at": None}, datetime.now(UTC))


# The learner's chart on the overview


@pytest.fixture
def three_lessons(app, client, outbox):
    """A learner who has received all three lessons."""
    start = datetime.now(UTC) - timedelta(days=6)
    subscriber = enrolled("drie@example.org", start)
    run_until(start, datetime.now(UTC))
    open_lesson(client, outbox, "drie@example.org", 3)
    return subscriber


def test_overview_shows_own_check_ins_as_chart_and_table_in_course_order(client, three_lessons):
    assert "Mijn check-ins" not in client.get("/cursus/testcursus").text  # none yet
    check_in(client, {"voor": "5", "na": "2"}, "/les/testcursus/03-les-3/check-in")
    check_in(client, {"voor": "0"}, CHECKIN)
    # Lesson 2 has only a note: it is simply not in the chart.
    check_in(client, {"notitie": "alleen woorden"}, "/les/testcursus/02-les-2/check-in")
    page = client.get("/cursus/testcursus").text
    assert "Mijn check-ins" in page and "Alleen voor jou zichtbaar" in page
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*(.*?)</tr>', page, re.DOTALL)
    cells = [(name, re.sub(r"<[^>]+>", " ", rest).split()) for name, rest in rows]
    assert cells == [
        ("Les 1: Les nummer 1", ["0", "–", "niet", "ingevuld"]),
        ("Les 3: Les nummer 3", ["5", "2"]),
    ]
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", page, re.DOTALL).group(0))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Jouw spanning per les, vóór en na de oefening"
    assert "De getallen staan ook in de tabel" in svg.find(f"{SVG}desc").text
    labels = [
        "".join(t.itertext()) for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"
    ]
    assert [label for label in labels if label.startswith("Les")] == ["Les 1", "Les 3"]


# The chart itself


def bars(chart) -> list[tuple[str, float]]:
    root = ET.fromstring(str(chart))
    return [
        (r.get("class"), float(r.get("height")))
        for r in root.iter(f"{SVG}rect")
        if r.get("class") in ("chart-bar", "chart-bar-alt")
    ]


def test_before_after_chart_has_a_fixed_scale_of_0_to_10():
    alone = before_after_chart([("Les 1", 5, None)], title="t", description="d", legend=("a", "b"))
    assert bars(alone) == [("chart-bar", PLOT_HEIGHT / 2)]  # half, though it is the largest
    chart = before_after_chart(
        [("Les 1", 10, 0), ("Les 2", None, 7)], title="t", description="d", legend=("a", "b")
    )
    assert bars(chart) == [
        ("chart-bar", PLOT_HEIGHT),
        ("chart-bar-alt", 2.0),  # a 0 is a score: a thin stub with its number
        ("chart-bar-alt", PLOT_HEIGHT * 0.7),
    ]
    values = [
        "".join(t.itertext())
        for t in ET.fromstring(str(chart)).iter(f"{SVG}text")
        if t.get("class") == "chart-value"
    ]
    assert values == ["10", "0", "7"]


def test_before_after_chart_is_escaped_accessible_and_not_colour_only():
    chart = before_after_chart(
        [("<script>", 3, 4)], title="A & B", description="<d>", legend=("Vóór", "Na")
    )
    root = ET.fromstring(str(chart))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "A & B"
    assert "<script>" not in str(chart) and 'style="' not in str(chart)
    hatched = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "chart-bar-alt"]
    assert hatched[0].get("fill").startswith("url(#") and hatched[0].get("stroke")
    tips = [t.text for r in root.iter(f"{SVG}rect") for t in r.iter(f"{SVG}title")]
    assert tips == ["<script> – Vóór: 3", "<script> – Na: 4"]


# What admins see: counts, never values or notes


ADMIN_PAGES = [
    "/admin/",
    "/admin/cursussen/testcursus",
    "/admin/cursussen/testcursus/lessen/01-les-1",
    "/admin/deelnemers",
    "/admin/deelnemers/export.csv",
]


def admin_pages(admin_client, learner) -> dict[str, str]:
    """Every admin page that could touch a learner, with what changes per request masked."""
    pages = {}
    for url in [*ADMIN_PAGES, f"/admin/deelnemers/{learner.public_id}"]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", response.text)
        pages[url] = re.sub(r"chart-[0-9a-f]{12}", "chart-id", text)
    archive = admin_client.get("/admin/cursussen/testcursus/export")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as files:
        pages["export"] = "".join(files.read(name).decode() for name in files.namelist())
    return pages


def test_admins_see_how_many_check_ins_and_notes_but_never_what_is_in_them(
    admin_client, client, learner
):
    check_in(client, {"deel": "na", "voor": "2", "na": "9", "notitie": NOTE})
    first = admin_pages(admin_client, learner)
    row = first["/admin/cursussen/testcursus"].split("Les nummer 1</a>")[1].split("</tr>")[0]
    cells = [cell.split("<")[0] for cell in row.split('<td class="num">')[1:]]
    assert cells == ["1", "1", "0", "1", "1"]  # received, opened, done, check-ins, notes
    for url, text in first.items():
        assert NOTE not in text and "zeeleeuw" not in text, url

    # Other scores, the same counts: if any admin page showed a score, it would change.
    check_in(client, {"deel": "na", "voor": "6", "na": "1", "notitie": "ander"})
    assert admin_pages(admin_client, learner) == first
