"""Audio guides and the teacher's photo in a course folder: read and checked on import, kept
unless their file changed, written back by the export; and the lesson email's audio line."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ecourse.content import catalog, lessonfiles, media
from ecourse.core.db import db
from ecourse.core.extras import Media
from ecourse.engine import emails
from ecourse.learners import current
from tests.factories import the_course

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
MP3 = (Path(__file__).parent / "data" / "silence.mp3").read_bytes()
OGG = b"OggS\x00\x02" + bytes(200)
M4A = b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(catalog.ImportRefused) as refused:
        catalog.import_path(folder, "Europe/Amsterdam", NOW)
    return refused.value.problems


def audio_row(slug: str) -> Media | None:
    lesson = next(each for each in the_course().lessons if each.slug == slug)
    return db.session.scalar(select(Media).where(Media.lesson_id == lesson.id))


def test_an_audio_guide_beside_its_lesson_is_imported(app, course_files):
    (course_files.root / "01-les-1.mp3").write_bytes(MP3)
    (course_files.root / "02-les-2.ogg").write_bytes(OGG)
    (course_files.root / "03-les-3.m4a").write_bytes(M4A)
    report = catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
    assert sorted(report.media) == [
        "testcursus/01-les-1.mp3",
        "testcursus/02-les-2.ogg",
        "testcursus/03-les-3.m4a",
    ]
    row = audio_row("01-les-1")
    assert (row.kind, row.filename, row.content_type) == ("audio", "01-les-1.mp3", "audio/mpeg")
    assert row.data == MP3 and row.size == len(MP3) and len(row.sha256) == 64
    assert audio_row("02-les-2").content_type == "audio/ogg"
    assert audio_row("03-les-3").content_type == "audio/mp4"


def test_the_shipped_course_has_no_audio_and_still_imports(app):
    shipped = Path(__file__).parents[1] / "lessons" / "lichaam-en-hechting"
    folder = lessonfiles.read_folder(shipped)
    assert folder.problems == [] and folder.media == []


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("01-les-1.mp3", b"<html>not audio</html>", "01-les-1.mp3 is not a real .mp3, .ogg or"),
        ("01-les-1.ogg", MP3, "01-les-1.ogg is not a real"),
        ("01-les-1.m4a", OGG, "01-les-1.m4a is not a real"),
        ("01-les-1.mp3", b"", "01-les-1.mp3 is empty"),
        ("99-geen-les.mp3", MP3, "99-geen-les.mp3: there is no lesson 99-geen-les.md"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(app, course_files, name, data, problem):
    (course_files.root / name).write_bytes(data)
    problems = problems_of(course_files.root)
    assert len(problems) == 1 and problem in problems[0], problems
    assert audio_row("01-les-1") is None  # nothing of the folder was imported


def test_an_audio_guide_over_the_limit_is_refused(app, course_files):
    (course_files.root / "01-les-1.mp3").write_bytes(MP3 + bytes(1024 * 1024))
    with pytest.raises(catalog.ImportRefused) as refused:
        catalog.import_path(course_files.root, "Europe/Amsterdam", NOW, max_audio_mb=1)
    assert refused.value.problems == [f"{course_files.root}: 01-les-1.mp3 is over 1 MB"]
    catalog.import_path(course_files.root, "Europe/Amsterdam", NOW, max_audio_mb=2)
    assert audio_row("01-les-1").size == len(MP3) + 1024 * 1024


def test_two_audio_guides_for_one_lesson_are_refused(app, course_files):
    (course_files.root / "01-les-1.mp3").write_bytes(MP3)
    (course_files.root / "01-les-1.ogg").write_bytes(OGG)
    (problem,) = problems_of(course_files.root)
    assert "01-les-1.mp3 and 01-les-1.ogg: one audio guide per lesson" in problem


def test_a_teacher_photo_is_checked_and_imported(app, course_files):
    course_files.course(teacher={"name": "Marjolein", "photo": "marjolein.png"})
    (course_files.root / "marjolein.png").write_bytes(b"GIF89a" + bytes(50))
    assert (
        "marjolein.png is not a real .jpg, .png or .webp file" in problems_of(course_files.root)[0]
    )
    (course_files.root / "marjolein.png").write_bytes(PNG + bytes(2 * 1024 * 1024))
    assert "marjolein.png is over 2 MB" in problems_of(course_files.root)[0]
    (course_files.root / "marjolein.png").write_bytes(PNG)
    catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
    photo = media.photo_facts(the_course().id)
    assert (photo.filename, photo.content_type, photo.size) == ("marjolein.png", "image/png", 108)


def test_an_unchanged_file_leaves_its_row_alone_and_a_changed_one_replaces_it(app, course_files):
    path = course_files.root / "01-les-1.mp3"
    path.write_bytes(MP3)
    catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
    first = audio_row("01-les-1")
    row_id, uploaded_at = first.id, first.uploaded_at
    again = catalog.import_path(course_files.root, "Europe/Amsterdam", LATER)
    assert again.media == []
    db.session.expire_all()
    assert audio_row("01-les-1").uploaded_at == uploaded_at
    path.write_bytes(MP3[:-104])  # one frame shorter
    changed = catalog.import_path(course_files.root, "Europe/Amsterdam", LATER)
    assert changed.media == ["testcursus/01-les-1.mp3"]
    db.session.expire_all()
    row = audio_row("01-les-1")
    assert row.id == row_id and row.data == MP3[:-104] and row.uploaded_at == LATER


def test_a_web_upload_survives_imports_until_its_file_changes(app, course_files):
    lesson = next(each for each in the_course().lessons if each.slug == "02-les-2")
    media.upload_audio(lesson, ".ogg", "audio/ogg", OGG, NOW)  # no file in the folder
    db.session.commit()
    catalog.import_path(course_files.root, "Europe/Amsterdam", LATER)
    assert audio_row("02-les-2").data == OGG  # a file absent from the folder deletes nothing
    (course_files.root / "02-les-2.mp3").write_bytes(MP3)
    catalog.import_path(course_files.root, "Europe/Amsterdam", LATER)  # a new file: it wins
    media.upload_audio(lesson, ".ogg", "audio/ogg", OGG, LATER)  # the web again, after it
    db.session.commit()
    report = catalog.import_path(course_files.root, "Europe/Amsterdam", LATER)
    assert report.media == [] and audio_row("02-les-2").data == OGG  # the same file: kept


def test_an_audio_guide_removed_in_the_web_stays_removed_while_its_file_is_unchanged(
    app, course_files
):
    (course_files.root / "01-les-1.mp3").write_bytes(MP3)
    catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
    lesson = next(each for each in the_course().lessons if each.slug == "01-les-1")
    assert media.remove_audio(lesson) is True
    db.session.commit()
    catalog.import_path(course_files.root, "Europe/Amsterdam", LATER)  # `ecourse init`
    assert media.audio_facts(lesson.id) is None
    (course_files.root / "01-les-1.mp3").write_bytes(MP3[:-104])
    catalog.import_path(course_files.root, "Europe/Amsterdam", LATER)
    assert media.audio_facts(lesson.id).size == len(MP3) - 104


def test_the_export_writes_the_media_beside_the_lessons_and_imports_back(
    app, admin_client, course_files, tmp_path
):
    course_files.course(teacher={"name": "Marjolein", "photo": "marjolein.png"})
    (course_files.root / "marjolein.png").write_bytes(PNG)
    (course_files.root / "01-les-1.mp3").write_bytes(MP3)
    catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
    exported = admin_client.get("/admin/cursussen/testcursus/export")
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert archive.read("testcursus/01-les-1.mp3") == MP3
        assert archive.read("testcursus/marjolein.png") == PNG
        assert archive.getinfo("testcursus/01-les-1.mp3").compress_type == zipfile.ZIP_STORED
        archive.extractall(tmp_path / "out")
    again = lessonfiles.read_folder(tmp_path / "out" / "testcursus")
    assert again.problems == []
    assert again.course.extras.teacher_photo == "marjolein.png"
    assert {(each.filename, each.data) for each in again.media} == {
        ("marjolein.png", PNG),
        ("01-les-1.mp3", MP3),
    }
    report = catalog.import_path(tmp_path / "out" / "testcursus", "Europe/Amsterdam", LATER)
    assert report.media == [] and report.updated == []  # the round trip changes nothing


def lesson_email(lesson_slug: str):
    course = the_course()
    lesson = next(each for each in course.lessons if each.slug == lesson_slug)
    renderer = emails.Renderer(current.settings())
    links = {"lesson_url": "https://x.test/l", "unsubscribe_url": "https://x.test/u"}
    values = {"first_name": "Anna", "preferences_url": "https://x.test/p"} | links
    return renderer, renderer.fill("lesson", course, lesson, values)


LINE = "Bij deze oefening hoort een audio-opname: luister ernaar op je lespagina."


def test_the_lesson_email_says_so_only_when_the_exercise_has_audio(app, course_files):
    (course_files.root / "02-les-2.mp3").write_bytes(MP3)
    catalog.import_path(course_files.root, "Europe/Amsterdam", NOW)
    renderer, with_audio = lesson_email("02-les-2")
    assert LINE in with_audio.text and LINE in with_audio.html
    course = the_course()
    without_audio = renderer.fill(
        "lesson",
        course,
        next(each for each in course.lessons if each.slug == "01-les-1"),
        {
            "first_name": "Anna",
            "lesson_url": "https://x.test/l",
            "unsubscribe_url": "https://x.test/u",
            "preferences_url": "https://x.test/p",
        },
    )
    assert LINE not in without_audio.text and LINE not in without_audio.html
    assert "audio" not in without_audio.text.lower()


def test_the_renderer_asks_about_audio_once_per_lesson_and_keeps_it_apart(app):
    asked = []

    def audio_of(lesson_id):
        asked.append(lesson_id)
        return lesson_id == first.id

    course = the_course()
    first, second = sorted(course.lessons, key=lambda each: each.order_key)[:2]
    renderer = emails.Renderer(current.settings(), audio_of=audio_of)
    values = {
        "first_name": "",
        "lesson_url": "https://x.test/l",
        "unsubscribe_url": "https://x.test/u",
        "preferences_url": "https://x.test/p",
    }
    texts = [renderer.fill("lesson", course, each, values).text for each in (first, second)]
    renderer.fill("lesson", course, first, values)
    assert LINE in texts[0] and LINE not in texts[1]
    assert asked == [first.id, second.id]
