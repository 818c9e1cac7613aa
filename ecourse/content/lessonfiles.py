"""Read a course folder (`course.yml` plus one Markdown file per lesson) and validate it.

Nothing here touches the database: the result is plain values plus a list of problems, each
naming its file, so an import can refuse the whole folder before changing anything.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import frontmatter
import yaml

from ecourse.content import courseextras, description, mediafiles, placeholders
from ecourse.content.markup import split_sections
from ecourse.content.values import parse_send_time, parse_weekdays
from ecourse.core.languages import ANY, LANGUAGES
from ecourse.core.statuses import LessonStatus

MAX_SUMMARY = 150
# A course's folder and a lesson's file name become its address in URLs and file names.
COURSE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
LESSON_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,118}")
SLUG_RULE = "use lower-case letters, digits and dashes (at most 80 for a course)"


@dataclass(frozen=True)
class CourseFile:
    slug: str
    title: str
    description: str
    language: str
    send_time: str
    timezone: str
    skip_weekdays: tuple[str, ...]
    sender_name: str
    cta_url: str
    cta_text: str
    extras: courseextras.CourseExtras = courseextras.CourseExtras()


@dataclass(frozen=True)
class LessonFile:
    slug: str
    title: str
    day: int
    summary: str
    status: str
    exercise_title: str
    exercise_minutes: int
    body_md: str
    exercise_md: str
    reflection_md: str

    @property
    def content_hash(self) -> str:
        encoded = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()


@dataclass
class CourseFolder:
    path: Path
    course: CourseFile | None = None
    lessons: list[LessonFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    media: list[mediafiles.MediaFile] = field(default_factory=list)  # audio guides, the photo


class Problems(list):
    """Problems found in one file, each prefixed with the file's name."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def add(self, message: str) -> None:
        self.append(f"{self.path}: {message}")


# The Markdown files in a course folder that are not lessons: the folder's own notes, and
# the course's pages and follow-up email (`lessons/README.md` describes them).
NOT_LESSONS = frozenset({"readme.md", "faq.md", "worksheet.md", "follow-up.md"})


def read_folder(
    path: Path,
    default_timezone: str = "Europe/Amsterdam",
    max_audio_mb: int = mediafiles.DEFAULT_MAX_AUDIO_MB,
) -> CourseFolder:
    """Read and validate one course folder, its media files too."""
    folder = CourseFolder(path=path)
    folder.course = _read_course(path, default_timezone, folder.problems)
    for lesson_path in sorted(path.glob("*.md")):
        if lesson_path.name.lower() in NOT_LESSONS:
            continue
        lesson = _read_lesson(lesson_path, folder.problems)
        if lesson is not None:
            folder.lessons.append(lesson)
    if not folder.lessons and not folder.problems:
        folder.problems.append(f"{path}: no lesson files (*.md) found")
    if folder.course is not None:
        problems = Problems(path)
        slugs = {each.stem for each in path.glob("*.md") if each.name.lower() not in NOT_LESSONS}
        photo = folder.course.extras.teacher_photo
        folder.media = mediafiles.read(path, slugs, photo, max_audio_mb, problems)
        folder.problems.extend(problems)
    return folder


def course_folders(path: Path) -> list[Path]:
    """A course folder itself, or every course folder inside a lessons folder."""
    if (path / "course.yml").is_file():
        return [path]
    return sorted(child for child in path.iterdir() if (child / "course.yml").is_file())


def _read_course(path: Path, default_timezone: str, problems_out: list[str]) -> CourseFile | None:
    problems = Problems(path / "course.yml")
    try:
        data = yaml.safe_load((path / "course.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, ValueError) as error:  # ValueError: not UTF-8
        problems.add(f"cannot be read: {error}")
        problems_out.extend(problems)
        return None
    if not isinstance(data, dict):
        problems.add("must be a mapping of keys to values")
        problems_out.extend(problems)
        return None
    if not COURSE_SLUG.fullmatch(path.name):
        problems.add(f"the folder name {path.name!r} cannot be a course's address: {SLUG_RULE}")
    course = _course_from(path.name, data, default_timezone, problems)
    course = replace(course, extras=courseextras.read(path, data, problems))
    problems_out.extend(problems)
    return None if problems else course


def _course_from(slug: str, data: dict, default_tz: str, problems: Problems) -> CourseFile:
    _unknown_keys(
        data,
        {
            "title",
            "description",
            "language",
            "send_time",
            "timezone",
            "skip_weekdays",
            "sender_name",
            "call_to_action",
            "academy",
            "teacher",
            "reply_to",
            "follow_up",
        },
        problems,
    )
    cta = data.get("call_to_action") or {}
    if not isinstance(cta, dict):
        problems.add("call_to_action must have `url` and `text`")
        cta = {}
    course = CourseFile(
        slug=slug,
        title=_text(data, "title", problems, required=True),
        description=_text(data, "description", problems),
        language=_text(data, "language", problems) or "nl",
        send_time=_text(data, "send_time", problems) or "07:30",
        timezone=_text(data, "timezone", problems) or default_tz,
        skip_weekdays=_name_list(data.get("skip_weekdays")),
        sender_name=courseextras.academy_name(data),
        cta_url=str(cta.get("url") or ""),
        cta_text=str(cta.get("text") or ""),
    )
    _check_course_values(course, problems)
    return course


def _check_course_values(course: CourseFile, problems: Problems) -> None:
    for problem in description.problems(course.description):
        problems.add(problem)
    if course.language not in (*LANGUAGES, ANY):
        names = ", ".join((*LANGUAGES, ANY))
        problems.add(f"language must be one of {names}, not {course.language!r}")
    try:
        parse_send_time(course.send_time)
    except ValueError as error:
        problems.add(str(error))
    try:
        if len(parse_weekdays(course.skip_weekdays)) >= 7:
            problems.add("skip_weekdays leaves no day to send on")
    except (ValueError, TypeError) as error:
        problems.add(str(error))
    try:
        ZoneInfo(course.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(f"unknown time zone {course.timezone!r}; use a name like Europe/Amsterdam")
    if course.cta_url and not course.cta_url.startswith(("https://", "http://")):
        problems.add("call_to_action.url must start with https://")


def _read_lesson(path: Path, problems_out: list[str]) -> LessonFile | None:
    problems = Problems(path)
    try:
        post = frontmatter.load(str(path))
    except (OSError, yaml.YAMLError, ValueError) as error:
        problems.add(f"front matter cannot be read: {error}")
        problems_out.extend(problems)
        return None
    if not LESSON_SLUG.fullmatch(path.stem):
        problems.add(f"the file name {path.stem!r} cannot be a lesson's address: {SLUG_RULE}")
    lesson = _lesson_from(path.stem, post.metadata, post.content, problems)
    problems_out.extend(problems)
    return None if problems else lesson


def _lesson_from(slug: str, meta: dict, content: str, problems: Problems) -> LessonFile:
    _unknown_keys(meta, {"title", "day", "summary", "status", "exercise"}, problems)
    exercise = meta.get("exercise") or {}
    if not isinstance(exercise, dict):
        problems.add("exercise must have `title` and `minutes`")
        exercise = {}
    sections = split_sections(content)
    lesson = LessonFile(
        slug=slug,
        title=_text(meta, "title", problems, required=True),
        day=_whole_number(meta.get("day"), "day", problems, low=0, high=3650),
        summary=_text(meta, "summary", problems, required=True),
        status=_text(meta, "status", problems) or LessonStatus.PUBLISHED,
        exercise_title=_text(exercise, "title", problems, required=True, label="exercise.title"),
        exercise_minutes=_whole_number(
            exercise.get("minutes"), "exercise.minutes", problems, 1, 120
        ),
        body_md=sections.body,
        exercise_md=sections.exercise,
        reflection_md=sections.reflection,
    )
    if lesson.status not in set(LessonStatus):
        problems.add(f"status must be published or draft, got {lesson.status!r}")
    if len(lesson.summary) > MAX_SUMMARY:
        problems.add(f"summary is {len(lesson.summary)} characters; keep it under {MAX_SUMMARY}")
    if not lesson.body_md:
        problems.add("the lesson text is empty")
    if not lesson.exercise_md:
        problems.add("no exercise: add a `## Oefening` heading with the exercise's steps")
    _check_text(lesson, content, problems)
    return lesson


def _check_text(lesson: LessonFile, content: str, problems: Problems) -> None:
    """What no database can store (a NUL), and placeholders that would not work."""
    texts = (lesson.title, lesson.summary, lesson.exercise_title, content)
    if any("\x00" in text for text in texts):
        problems.add("contains a NUL character; save the file as plain UTF-8 text")
    for text in texts:
        for problem in placeholders.problems(text):
            problems.add(problem)


def _name_list(value) -> tuple[str, ...]:
    """Weekday names as a YAML list or as one comma-separated string."""
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(item).strip() for item in (value or ()) if str(item).strip())


def _unknown_keys(data: dict, known: set[str], problems: Problems) -> None:
    for key in sorted(set(map(str, data)) - known):
        problems.add(f"unknown key {key!r} (known: {', '.join(sorted(known))})")


def _text(data: dict, key: str, problems: Problems, required: bool = False, label: str = "") -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(f"{label or key} is missing")
        return ""
    if not isinstance(value, str | int | float):
        problems.add(f"{label or key} must be text")
        return ""
    return str(value).strip()


def _whole_number(value, label: str, problems: Problems, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(f"{label} must be a whole number from {low} to {high}, got {value!r}")
        return low
    if not low <= value <= high:
        problems.add(f"{label} must be from {low} to {high}, got {value}")
    return value
