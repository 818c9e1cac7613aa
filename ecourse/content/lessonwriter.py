"""Write a course back out in the `lessons/` file format, so content can live in git.

The inverse of `lessonfiles`: reading what this writes gives the same lessons (a test checks
the round trip).
"""

from __future__ import annotations

import io
import zipfile

import yaml

from ecourse.content import media
from ecourse.core.models import Course, Lesson

HEADINGS = {
    "nl": ("Oefening", "Reflectie"),
    "en": ("Exercise", "Reflection"),
}


def _yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def course_yml(course: Course) -> str:
    data = {
        "title": course.title,
        "description": course.description,
        "language": course.language,
        "send_time": course.send_time,
        "timezone": course.timezone,
        "skip_weekdays": [name for name in course.skip_weekdays.split(",") if name],
        "sender_name": course.sender_name,
    }
    if course.cta_url:
        data["call_to_action"] = {"url": course.cta_url, "text": course.cta_text}
    return _yaml(data | _extras_yml(course))


def _extras_yml(course: Course) -> dict:
    """The keys of `ecourse.content.courseextras`, those that are set."""
    academy = {"name": course.sender_name, "url": course.academy_url}
    photo = media.photo_facts(course.id) if course.id else None
    teacher = {
        "name": course.teacher_name,
        "bio": course.teacher_bio,
        "photo": photo.filename if photo else "",
    }
    follow_up = {"days": course.follow_up_days, "dates": course.next_dates.splitlines()}
    data = {
        "academy": {key: value for key, value in academy.items() if value},
        "teacher": {key: value for key, value in teacher.items() if value},
        "reply_to": course.reply_to,
        "follow_up": follow_up,
    }
    return {key: value for key, value in data.items() if value}


def lesson_md(lesson: Lesson, language: str) -> str:
    exercise_heading, reflection_heading = HEADINGS.get(language, HEADINGS["nl"])
    meta = {
        "title": lesson.title,
        "day": lesson.day,
        "summary": lesson.summary,
        "status": str(lesson.status),
        "exercise": {"title": lesson.exercise_title, "minutes": lesson.exercise_minutes},
    }
    parts = [f"---\n{_yaml(meta)}---\n", lesson.body_md.strip(), ""]
    parts += [f"## {exercise_heading}", "", lesson.exercise_md.strip(), ""]
    if lesson.reflection_md.strip():
        parts += [f"## {reflection_heading}", "", lesson.reflection_md.strip(), ""]
    return "\n".join(parts)


def course_files(course: Course) -> dict[str, str]:
    """File name (inside the course folder) → text."""
    files = {"course.yml": course_yml(course)}
    pages = {"faq.md": course.faq_md, "worksheet.md": course.worksheet_md}
    files |= {name: text for name, text in pages.items() if text}
    if course.follow_up_md:
        files["follow-up.md"] = course.follow_up_md
    for lesson in sorted(course.lessons, key=lambda each: each.order_key):
        files[f"{lesson.slug}.md"] = lesson_md(lesson, course.language)
    return files


def course_zip(course: Course) -> bytes:
    """The course folder as a zip: `<slug>/course.yml`, `<slug>/<lesson>.md`, and beside
    them the media (`<lesson>.mp3` and the teacher's photo), stored as they are: audio and
    images are compressed already."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in course_files(course).items():
            archive.writestr(f"{course.slug}/{name}", text)
        for name, data in media.files_of(course).items():
            archive.writestr(f"{course.slug}/{name}", data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
