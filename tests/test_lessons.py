"""Lesson files: validation that names the file, all-or-nothing import, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ecourse.content.catalog import ImportRefused, import_path
from ecourse.content.lessonfiles import read_folder
from ecourse.content.markup import render, split_sections
from ecourse.core.db import db
from ecourse.core.models import Lesson

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_a_valid_folder_reads_into_course_and_lessons(course_files):
    folder = read_folder(course_files.root)
    assert folder.problems == []
    assert folder.course.title == "Testcursus"
    assert [lesson.day for lesson in folder.lessons] == [0, 2, 4]
    lesson = folder.lessons[0]
    assert lesson.exercise_md.startswith("1. Voeten op de grond.")
    assert lesson.reflection_md == "- Wat merkte je?"
    assert "Oefening" not in lesson.body_md


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ({"day": "twee"}, "day must be a whole number"),
        ({"day": -1}, "day must be from 0"),
        ({"title": ""}, "title is missing"),
        ({"summary": "x" * 200}, "summary is 200 characters"),
        ({"status": "maybe"}, "status must be published or draft"),
        (
            {"exercise": {"title": "Adem", "minutes": "vijf"}},
            "exercise.minutes must be a whole number",
        ),
        ({"colour": "blue"}, "unknown key 'colour'"),
    ],
)
def test_broken_front_matter_is_reported_with_file_and_problem(course_files, front, problem):
    path = course_files.lesson("02-les-2", title="Les nummer 2", day=2, front=front)
    problems = read_folder(course_files.root).problems
    assert any(str(path) in p and problem in p for p in problems), problems


def test_lesson_without_exercise_is_refused(course_files):
    course_files.lesson("02-les-2", title="Les 2", day=2, body="Alleen tekst.\n")
    (problem,) = read_folder(course_files.root).problems
    assert "02-les-2.md" in problem and "no exercise" in problem


def test_unreadable_yaml_is_reported(course_files):
    path = course_files.root / "05-kapot.md"
    path.write_text("---\ntitle: [unclosed\n---\nTekst\n", encoding="utf-8")
    problems = read_folder(course_files.root).problems
    assert any("05-kapot.md" in p and "cannot be read" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"send_time": "half acht"}, "send time must look like 07:30"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"skip_weekdays": ["funday"]}, "unknown weekday"),
        (
            {"call_to_action": {"url": "javascript:alert(1)", "text": "x"}},
            "must start with https://",
        ),
    ],
)
def test_broken_course_file_is_reported(course_files, change, problem):
    course_files.course(**change)
    problems = read_folder(course_files.root).problems
    assert any("course.yml" in p and problem in p for p in problems), problems


def test_import_with_one_broken_file_changes_nothing(app, course_files):
    course_files.lesson("01-les-1", title="Nieuwe titel", day=0)
    course_files.lesson("09-kapot", title="Kapot", day="x")
    with pytest.raises(ImportRefused) as refused:
        import_path(course_files.root.parent, "Europe/Amsterdam", NOW)
    assert any("09-kapot.md" in p for p in refused.value.problems)
    titles = db.session.scalars(select(Lesson.title).order_by(Lesson.day)).all()
    assert titles == ["Les nummer 1", "Les nummer 2", "Les nummer 3"]


def test_import_is_idempotent_and_reports_what_it_did(app, course_files):
    again = import_path(course_files.root.parent, "Europe/Amsterdam", NOW)
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 3)
    course_files.lesson("02-les-2", title="Les twee, herschreven", day=2)
    (course_files.root / "03-les-3.md").unlink()
    report = import_path(course_files.root, "Europe/Amsterdam", NOW)
    assert report.updated == ["testcursus/02-les-2"]
    assert report.not_in_files == ["testcursus/03-les-3"]  # left alone, and said so
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 3


def test_import_of_a_missing_folder_is_refused_clearly(app, tmp_path):
    with pytest.raises(ImportRefused, match="no such folder"):
        import_path(tmp_path / "nergens", "Europe/Amsterdam", NOW)


def test_markdown_is_rendered_and_sanitised():
    html = render("**vet** <script>x()</script> <img src=x onerror=alert(1)> [a](javascript:y)")
    assert "<strong>vet</strong>" in html
    assert "<script>" not in html and "onerror" not in html and 'href="javascript' not in html


def test_sections_split_at_marker_headings_only():
    parts = split_sections(
        "Intro\n\n## Iets anders\n\nMeer\n\n## Oefening\n\n1. Stap\n\n## Reflectie\n\n- Vraag?"
    )
    assert parts.body == "Intro\n\n## Iets anders\n\nMeer"
    assert parts.exercise == "1. Stap"
    assert parts.reflection == "- Vraag?"
