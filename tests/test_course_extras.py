"""A course folder's academy, teacher, reply address, pages and follow-up: read from the
folder, checked like the lessons, stored on import, and written back by the export."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from ecourse.content import catalog, courseextras, lessonfiles
from ecourse.core.db import db
from tests.factories import CourseWriter, the_course

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FOLLOW_UP = """---
subject: "Hoe gaat het nu?"
summary: "Een week na de laatste les: één vraag."
question: "Hoe waardevol was de cursus voor je?"
---
Het is een week geleden. Hoe gaat het met je?
"""
EXTRAS = {
    "academy": {"name": "Bellein Academie", "url": "https://academie.example.nl"},
    "teacher": {"name": "Marjolein", "bio": "Ik schreef deze cursus."},
    "reply_to": "docent@academie.example.nl",
    "follow_up": {"days": 9, "dates": ["13 en 14 maart, Utrecht", "  ", "5 en 6 juni"]},
}


def complete(writer: CourseWriter, **overrides) -> CourseWriter:
    writer.course(**(EXTRAS | overrides))
    writer.lesson("01-les", title="Les", day=0)
    faq = "---\ntitle: Vragen\n---\n## Wat als ik niets voel?\n\nDat mag.\n"
    (writer.root / "faq.md").write_text(faq, "utf-8")
    (writer.root / "worksheet.md").write_text("## Waar zit het?\n\n[[lichaamskaart]]\n", "utf-8")
    (writer.root / "follow-up.md").write_text(FOLLOW_UP, "utf-8")
    return writer


def test_a_folder_names_its_academy_teacher_reply_address_pages_and_follow_up(tmp_path):
    folder = lessonfiles.read_folder(complete(CourseWriter(tmp_path / "cursus")).root)
    assert folder.problems == []
    course = folder.course
    assert course.sender_name == "Bellein Academie"  # academy.name goes before sender_name
    extras = course.extras
    assert (extras.academy_url, extras.reply_to) == (
        "https://academie.example.nl",
        "docent@academie.example.nl",
    )
    assert (extras.teacher_name, extras.teacher_bio) == ("Marjolein", "Ik schreef deze cursus.")
    assert extras.follow_up_days == 9
    assert extras.next_dates == ("13 en 14 maart, Utrecht", "5 en 6 juni")
    assert "[[lichaamskaart]]" in extras.worksheet_md
    faq = courseextras.page(extras.faq_md)
    assert faq.title == "Vragen" and faq.body_md.startswith("## Wat als ik niets voel?")
    assert courseextras.page(extras.worksheet_md).title == ""
    read = courseextras.follow_up(extras.follow_up_md)
    assert read.subject == "Hoe gaat het nu?"
    assert read.question == "Hoe waardevol was de cursus voor je?"
    assert read.body_md == "Het is een week geleden. Hoe gaat het met je?"
    assert [lesson.slug for lesson in folder.lessons] == ["01-les"]  # the pages are no lessons


def test_the_older_sender_name_still_names_the_academy(tmp_path):
    writer = CourseWriter(tmp_path / "cursus")
    writer.course(sender_name="Oude Naam")
    writer.lesson("01-les", title="Les", day=0)
    folder = lessonfiles.read_folder(writer.root)
    assert folder.problems == [] and folder.course.sender_name == "Oude Naam"
    assert folder.course.extras == courseextras.CourseExtras()  # nothing else is required


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"academy": {"name": "A", "url": "academie.nl"}}, "academy.url must start with https://"),
        ({"academy": "Bellein"}, "academy must be a mapping"),
        ({"teacher": {"name": "M", "age": 50}}, "unknown key teacher.age"),
        ({"reply_to": "Marjolein <m@academie.nl>"}, "reply_to must be one email address"),
        ({"reply_to": "geen adres"}, "reply_to must be one email address"),
        ({"follow_up": {"days": 0}}, "follow_up.days must be a whole number from 1 to 365"),
        ({"follow_up": {"days": "7"}}, "follow_up.days must be a whole number"),
        ({"follow_up": {"dates": "13 maart"}}, "follow_up.dates must be a list of lines"),
        ({"teacher": {"photo": "../foto.jpg"}}, "teacher.photo must be a .jpg, .png or .webp"),
        ({"teacher": {"photo": "foto.gif"}}, "teacher.photo must be a .jpg, .png or .webp"),
        ({"teacher": {"photo": "foto.jpg"}}, "teacher.photo: foto.jpg is not in"),
    ],
)
def test_a_mistake_in_the_extras_is_named(tmp_path, overrides, problem):
    folder = lessonfiles.read_folder(complete(CourseWriter(tmp_path / "c"), **overrides).root)
    assert any(problem in each for each in folder.problems), folder.problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("---\nsummary: x\n---\nTekst.\n", "follow-up.md: subject is missing"),
        ("---\nsubject: Hoi\nfrom: x\n---\nTekst.\n", "follow-up.md: unknown key 'from'"),
        ("---\nsubject: Hoi\n---\n\n", "follow-up.md: the email's text is empty"),
        ("---\nsubject: [\n---\nTekst.\n", "follow-up.md: front matter cannot be read"),
        ("---\nsubject: Hoi\n---\n{{ wachtwoord }}\n", "wachtwoord"),
    ],
)
def test_a_follow_up_that_would_not_work_is_refused(tmp_path, text, problem):
    writer = complete(CourseWriter(tmp_path / "c"))
    (writer.root / "follow-up.md").write_text(text, "utf-8")
    problems = lessonfiles.read_folder(writer.root).problems
    assert any(problem in each for each in problems), problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("---\ntitle: Vragen\nauthor: x\n---\n## Vraag\n", "faq.md: unknown key 'author'"),
        ("---\ntitle: [\n---\n## Vraag\n", "faq.md: front matter cannot be read"),
        ("---\ntitle: Vragen\n---\n\n", "faq.md is empty"),
    ],
)
def test_a_page_that_would_not_show_is_refused(tmp_path, text, problem):
    writer = complete(CourseWriter(tmp_path / "c"))
    (writer.root / "faq.md").write_text(text, "utf-8")
    problems = lessonfiles.read_folder(writer.root).problems
    assert any(problem in each for each in problems), problems


def test_a_page_that_is_not_text_is_refused(tmp_path):
    writer = complete(CourseWriter(tmp_path / "c"))
    (writer.root / "faq.md").write_bytes(b"\xff\xfe vragen")
    problems = lessonfiles.read_folder(writer.root).problems
    assert any("faq.md cannot be read as UTF-8 text" in each for each in problems), problems


def test_an_import_stores_the_extras_and_the_export_writes_them_back(
    app, admin_client, course_files, tmp_path
):
    complete(course_files)
    with app.app_context():
        catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
        course = the_course()
        assert course.teacher_name == "Marjolein" and course.follow_up_days == 9
        assert course.next_dates == "13 en 14 maart, Utrecht\n5 en 6 juni"
        assert course.reply_to == "docent@academie.example.nl"
        assert courseextras.follow_up(course.follow_up_md).subject == "Hoe gaat het nu?"
    exported = admin_client.get("/admin/cursussen/testcursus/export")
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        archive.extractall(tmp_path / "out")
    again = lessonfiles.read_folder(tmp_path / "out" / "testcursus")
    assert again.problems == []
    assert again.course.extras == lessonfiles.read_folder(course_files.root).course.extras
    assert again.course.sender_name == "Bellein Academie"


def test_removing_a_page_from_the_folder_removes_it_on_the_next_import(app, course_files):
    complete(course_files)
    with app.app_context():
        catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
        (course_files.root / "faq.md").unlink()
        catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
        db.session.expire_all()
        assert the_course().faq_md == "" and the_course().worksheet_md != ""
