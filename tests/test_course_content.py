"""Content checks for the shipped course: every lesson file is complete and fits its form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape

from ecourse.content.lessonfiles import read_folder
from ecourse.content.markup import plain_text, reading_minutes, render, word_count
from ecourse.core.resources import bundled

COURSE = bundled("lessons") / "lichaam-en-hechting"
FOLDER = read_folder(COURSE)
LESSONS = FOLDER.lessons
# The crisis lines come from the page and email templates; a lesson may name its own help
# (Veilig Thuis in lessons 1 and 6, the GP in lesson 2), never the crisis note's numbers.
CARE_NOTE_WORDS = ("113", "112", "1813", "huisartsenpost", "Zelfmoordpreventie")


def test_the_course_folder_validates():
    assert FOLDER.problems == []
    assert FOLDER.course.language == "nl"
    assert FOLDER.course.cta_url.startswith("https://") and FOLDER.course.cta_text


def test_seven_lessons_over_about_two_weeks_in_increasing_days():
    days = [lesson.day for lesson in LESSONS]
    assert len(LESSONS) == 7
    assert days[0] == 0 and days == sorted(set(days))
    assert 10 <= days[-1] <= 16


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_each_lesson_is_complete(lesson):
    words = (
        word_count(lesson.body_md)
        + word_count(lesson.exercise_md)
        + word_count(lesson.reflection_md)
    )
    assert 400 <= words <= 800, f"{lesson.slug}: {words} words"
    assert len(lesson.summary) < 110, f"{lesson.slug}: summary of {len(lesson.summary)} characters"
    assert 3 <= lesson.exercise_minutes <= 10
    steps = re.findall(r"^\d+\. ", lesson.exercise_md, flags=re.MULTILINE)
    assert 3 <= len(steps) <= 10, f"{lesson.slug}: {len(steps)} numbered steps"
    questions = re.findall(r"^- .+\?$", lesson.reflection_md, flags=re.MULTILINE)
    assert 2 <= len(questions) <= 3, f"{lesson.slug}: {len(questions)} reflection questions"
    assert lesson.status == "published"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_care_note_comes_from_the_page_template_not_the_files(lesson):
    text = " ".join((lesson.body_md, lesson.exercise_md, lesson.reflection_md))
    assert not any(word in text for word in CARE_NOTE_WORDS)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_no_broken_internal_links(lesson):
    slugs = {each.slug for each in LESSONS}
    html = render(lesson.body_md + "\n\n" + lesson.exercise_md + "\n\n" + lesson.reflection_md)
    for href in re.findall(r'href="([^"]+)"', html):
        if href.startswith(("https://", "mailto:")):
            continue
        target = href.rstrip("/").rsplit("/", 1)[-1]
        assert target in slugs, f"{lesson.slug}: link to {href} does not reach a lesson"


def test_only_the_last_lesson_invites_to_the_weekend():
    mentions = [
        lesson.slug for lesson in LESSONS if "introductieweekend" in plain_text(lesson.body_md)
    ]
    assert mentions == [LESSONS[-1].slug]


def test_reading_time_is_computed_from_the_words():
    assert reading_minutes("woord " * 200) == 1
    assert reading_minutes("woord " * 700) == 4  # 3.5 rounds to 4
    assert reading_minutes("") == 1


def reading_time_text(lesson) -> str:
    """The reading time a lesson page must show: the lesson text and its exercise, at 200 words
    a minute, as `ecourse.learn.routes.render_lesson` computes it."""
    minutes = reading_minutes(lesson.body_md, lesson.exercise_md)
    return f"Leestijd ongeveer {minutes} {'minuut' if minutes == 1 else 'minuten'}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_each_lesson_has_a_plausible_reading_time(lesson):
    words = word_count(lesson.body_md) + word_count(lesson.exercise_md)
    minutes = reading_minutes(lesson.body_md, lesson.exercise_md)
    assert minutes == max(1, round(words / 200))
    assert 2 <= minutes <= 4, f"{lesson.slug}: {minutes} minutes for {words} words"


@pytest.fixture
def real_course_settings(settings):
    return settings | {"LESSONS_DIR": str(bundled("lessons"))}


def test_new_subscriber_receives_all_seven_lessons_and_pages_show_everything(real_course_settings):
    from ecourse import create_app
    from ecourse.content.catalog import import_path
    from ecourse.content.courses import course_by_slug
    from ecourse.core.db import db
    from tests.conftest import BASE_URL
    from tests.factories import enrolled, run_until
    from tests.web import link_in

    app = create_app(real_course_settings)
    with app.app_context():
        start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
        import_path(bundled("lessons"), "Europe/Amsterdam", start)
        course = course_by_slug("lichaam-en-hechting")
        enrolled("cursist@example.org", start, first_name="Noor", course=course)
        run_until(start, start + timedelta(days=14))
        outbox = app.extensions["ecourse.messenger"].sent
        lessons = [m for m in outbox if m.subject.startswith("Les ")]
        assert [m.subject.split(":")[0] for m in lessons] == [f"Les {n}" for n in range(1, 8)]
        local_day = lambda moment: moment.astimezone(ZoneInfo("Europe/Amsterdam")).date()  # noqa: E731
        sent_days = [(local_day(m.date) - local_day(start)).days for m in lessons]
        assert sent_days == [lesson.day for lesson in LESSONS]
        client = app.test_client()
        pages = []
        for message, lesson in zip(lessons, LESSONS, strict=True):
            link = link_in(message.text, "/l/").replace(BASE_URL, "")
            page = client.get(link, follow_redirects=True)
            assert page.status_code == 200
            shown = re.findall(r"Leestijd ongeveer \d+ minu(?:ut|ten)", page.text)
            assert shown == [reading_time_text(lesson)], f"{lesson.slug}: {shown}"
            assert f"Oefening: {lesson.exercise_title}" in page.text.replace("&#39;", "'")
            assert f"Ongeveer {lesson.exercise_minutes} minuten" in page.text
            assert "<ol>" in page.text and "Om over na te denken" in page.text
            assert "0800-0113" in page.text
            pages.append(page.text)
        assert course.cta_url == FOLDER.course.cta_url and course.cta_text
        button = f'<a class="button" href="{escape(course.cta_url)}">{escape(course.cta_text)}</a>'
        *earlier, last = pages
        assert button in last, "the last lesson's page carries the call-to-action button"
        for slug, text in zip([each.slug for each in LESSONS[:-1]], earlier, strict=True):
            assert str(escape(course.cta_url)) not in text, f"{slug}: call to action too early"
            assert course.cta_text not in text, f"{slug}: call to action too early"
        assert course.cta_url in lessons[-1].text
        assert not any(course.cta_url in message.text for message in lessons[:-1])
        db.session.remove()
        db.engine.dispose()


def test_preview_command_renders_every_lesson_email(real_course_settings, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ecourse.cli.main import main

    for name, value in real_course_settings.items():
        monkeypatch.setenv(f"ECOURSE_{name}", str(value))
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    result = runner.invoke(main, ["lessons", "preview", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    texts = sorted((tmp_path / "out").glob("*.txt"))
    htmls = sorted((tmp_path / "out").glob("*.html"))
    assert len(texts) == len(htmls) == 7
    for text_file, html_file, lesson in zip(texts, htmls, LESSONS, strict=True):
        text, html = text_file.read_text(), html_file.read_text()
        assert f"Subject: Les {LESSONS.index(lesson) + 1}: {lesson.title}" in text
        assert "Hoi Sanne" in text and "<" not in text.split("\n\n", 1)[1].replace("<http", "")
        assert (
            len(plain_text(lesson.body_md).split()) > 0 and "Lees de les en doe de oefening" in html
        )
        assert 'style="' in html


def test_lesson_files_are_in_the_project_folder():
    assert Path(COURSE).is_dir() and (COURSE / "course.yml").is_file()
