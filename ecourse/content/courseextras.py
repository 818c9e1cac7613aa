"""What a course folder holds besides its lessons: the academy and teacher behind it, where
replies go, its FAQ and worksheet pages, and its follow-up email.

`course.yml` names the academy (`academy.name`, `academy.url`; `sender_name` is the older
word for the name), the teacher (`teacher.name`, `.bio`, `.photo`), `reply_to`, and the
follow-up (`follow_up.days`, `follow_up.dates`). The pages come from `faq.md` and
`worksheet.md`, the follow-up email from `follow-up.md` (`lessons/README.md` shows each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

import frontmatter
import yaml

from ecourse.content import markup, placeholders, worksheet

PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")
FOLLOW_UP_KEYS = {"subject", "summary", "question"}
MAX_SUBJECT = 100
MAX_PAGE_BYTES = 200_000


@dataclass(frozen=True)
class CourseExtras:
    academy_url: str = ""
    reply_to: str = ""
    teacher_name: str = ""
    teacher_bio: str = ""
    teacher_photo: str = ""  # a file in the course folder (`ecourse.content.media` reads it)
    faq_md: str = ""
    worksheet_md: str = ""
    follow_up_md: str = ""  # the whole `follow-up.md`, front matter and all
    follow_up_days: int = 7
    next_dates: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Page:
    """`faq.md` or `worksheet.md` read: a title (front matter, may be empty) and Markdown."""

    title: str
    body_md: str


@dataclass(frozen=True)
class FollowUp:
    """`follow-up.md` read: what the email says and the one question it asks."""

    subject: str
    summary: str
    question: str
    body_md: str


def read(folder: Path, data: dict, problems) -> CourseExtras:
    """The extras of the course in `folder`, whose `course.yml` is `data`; each mistake goes
    to `problems` (its `add`), as the lessons' do."""
    academy = _mapping(data, "academy", problems)
    teacher = _mapping(data, "teacher", problems)
    follow_up = _mapping(data, "follow_up", problems)
    _only(academy, {"name", "url"}, "academy", problems)
    _only(teacher, {"name", "bio", "photo"}, "teacher", problems)
    _only(follow_up, {"days", "dates"}, "follow_up", problems)
    extras = CourseExtras(
        academy_url=_string(academy.get("url")),
        reply_to=_string(data.get("reply_to")),
        teacher_name=_string(teacher.get("name")),
        teacher_bio=_string(teacher.get("bio")),
        teacher_photo=_string(teacher.get("photo")),
        faq_md=_page(folder / "faq.md", problems),
        worksheet_md=_page(folder / "worksheet.md", problems),
        follow_up_md=_page(folder / "follow-up.md", problems),
        follow_up_days=_days(follow_up.get("days", 7), problems),
        next_dates=_dates(follow_up.get("dates"), problems),
    )
    _check(folder, extras, problems)
    return extras


def academy_name(data: dict) -> str:
    """`academy.name`, or the older `sender_name`."""
    academy = data.get("academy")
    name = academy.get("name") if isinstance(academy, dict) else None
    return _string(name) or _string(data.get("sender_name"))


def page(text: str) -> Page | None:
    """A page as stored, read (`markup.split_title`, as the page shows it); None when the
    course has none."""
    if not text.strip():
        return None
    title, body = markup.split_title(text)
    return Page(title=title, body_md=body.strip())


def follow_up(text: str) -> FollowUp | None:
    """`follow-up.md` as stored, read; None when the course has none (or it cannot be read,
    which an import would have refused)."""
    if not text.strip():
        return None
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError):
        return None
    meta = post.metadata
    return FollowUp(
        subject=_string(meta.get("subject")),
        summary=_string(meta.get("summary")),
        question=_string(meta.get("question")),
        body_md=post.content.strip(),
    )


def _check(folder: Path, extras: CourseExtras, problems) -> None:
    if extras.academy_url and not extras.academy_url.startswith(("https://", "http://")):
        problems.add("academy.url must start with https://")
    if extras.reply_to and not _looks_like_address(extras.reply_to):
        problems.add(f"reply_to must be one email address, got {extras.reply_to!r}")
    if extras.teacher_photo:
        _check_photo(folder, extras.teacher_photo, problems)
    for name, text in (("faq.md", extras.faq_md), ("worksheet.md", extras.worksheet_md)):
        if text:
            _check_page(name, text, problems)
    if extras.follow_up_md:
        _check_follow_up(extras.follow_up_md, problems)
    for problem in worksheet.problems(extras.worksheet_md):
        problems.add(problem)
    for text in (extras.faq_md, extras.worksheet_md, extras.follow_up_md):
        for problem in placeholders.problems(text):
            problems.add(problem)


def _check_photo(folder: Path, name: str, problems) -> None:
    path = folder / name
    if Path(name).name != name or path.suffix.lower() not in PHOTO_TYPES:
        problems.add(f"teacher.photo must be a .jpg, .png or .webp file in {folder}, not {name!r}")
    elif not path.is_file():
        problems.add(f"teacher.photo: {name} is not in {folder}")


def _check_page(name: str, text: str, problems) -> None:
    try:
        meta = frontmatter.loads(text).metadata
    except (yaml.YAMLError, ValueError) as error:
        problems.add(f"{name}: front matter cannot be read: {error}")
        return
    for key in sorted(set(map(str, meta)) - {"title"}):
        problems.add(f"{name}: unknown key {key!r} (known: title)")
    read_back = page(text)
    if read_back is not None and not read_back.body_md:
        problems.add(f"{name} is empty")


def _check_follow_up(text: str, problems) -> None:
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError) as error:
        problems.add(f"follow-up.md: front matter cannot be read: {error}")
        return
    for key in sorted(set(map(str, post.metadata)) - FOLLOW_UP_KEYS):
        problems.add(f"follow-up.md: unknown key {key!r} (known: question, subject, summary)")
    read_back = follow_up(text)
    if read_back is None or not read_back.subject:
        problems.add("follow-up.md: subject is missing")
    elif len(read_back.subject) > MAX_SUBJECT:
        problems.add(f"follow-up.md: the subject is over {MAX_SUBJECT} characters")
    if read_back is not None and not read_back.body_md:
        problems.add("follow-up.md: the email's text is empty")


def _page(path: Path, problems) -> str:
    """A Markdown file of the folder, or empty when there is none."""
    if not path.is_file():
        return ""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.add(f"{path.name} cannot be read as UTF-8 text: {error}")
        return ""
    if len(data) > MAX_PAGE_BYTES or "\x00" in text:
        problems.add(f"{path.name}: keep it plain text under {MAX_PAGE_BYTES // 1000} kB")
        return ""
    return text.strip() + "\n"


def _mapping(data: dict, key: str, problems) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        problems.add(f"{key} must be a mapping (indented keys under `{key}:`)")
        return {}
    return value


def _only(data: dict, known: set[str], where: str, problems) -> None:
    for key in sorted(set(map(str, data)) - known):
        problems.add(f"unknown key {where}.{key} (known: {', '.join(sorted(known))})")


def _string(value) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _days(value, problems) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
        problems.add(f"follow_up.days must be a whole number from 1 to 365, got {value!r}")
        return 7
    return value


def _dates(value, problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add("follow_up.dates must be a list of lines, one per date")
        return ()
    return tuple(item.strip() for item in value if item.strip())


def _looks_like_address(text: str) -> bool:
    name, address = parseaddr(text)
    local, _, domain = address.partition("@")
    return bool(local) and "." in domain and " " not in address and not name
