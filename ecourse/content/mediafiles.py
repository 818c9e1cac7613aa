"""Media files of a course folder, read and checked: an exercise's audio guide beside its
lesson (`<lesson-slug>.mp3`, `.ogg` or `.m4a`) and the teacher's photo (`teacher.photo`).

Nothing here touches the database. A file's type is checked twice, by its name and by its
first bytes, so a renamed text file or a video never reaches a learner's player; the same
check serves the admin's upload (`fault`), which words its refusals in Dutch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ecourse.core.statuses import MediaKind

AUDIO_TYPES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4"}
PHOTO_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
DEFAULT_MAX_AUDIO_MB = 40
MAX_PHOTO_BYTES = 2 * 1024 * 1024
HEAD_BYTES = 16  # enough of a file's start to know its type

# Why a file is refused, by `fault`: each caller words it for its reader.
WRONG_NAME, WRONG_CONTENT, TOO_BIG, EMPTY = "name", "content", "size", "empty"


@dataclass(frozen=True)
class MediaFile:
    """One checked media file: an audio guide (for `lesson_slug`) or the teacher's photo."""

    kind: MediaKind
    lesson_slug: str | None
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def content_type(kind: MediaKind, filename: str) -> str | None:
    """The MIME type a file of this kind and name is served with; None when the name is not
    one of the kind's types."""
    types = AUDIO_TYPES if kind == MediaKind.AUDIO else PHOTO_TYPES
    return types.get(Path(filename).suffix.lower())


def max_bytes(kind: MediaKind, max_audio_mb: int) -> int:
    return max_audio_mb * 1024 * 1024 if kind == MediaKind.AUDIO else MAX_PHOTO_BYTES


def fault(kind: MediaKind, filename: str, head: bytes, size: int, most: int) -> str | None:
    """Why this file cannot be a media file of `kind` (`WRONG_NAME`, `WRONG_CONTENT`,
    `TOO_BIG`, `EMPTY`), or None when it can. `head` is the file's first bytes."""
    suffix = Path(filename).suffix.lower()
    if content_type(kind, filename) is None:
        return WRONG_NAME
    if size == 0:
        return EMPTY
    if size > most:
        return TOO_BIG
    if not _looks_like(suffix, head):
        return WRONG_CONTENT
    return None


def _looks_like(suffix: str, head: bytes) -> bool:
    """Whether the first bytes are those of a file of this type."""
    if suffix == ".mp3":  # an ID3 tag, or straight away an MPEG audio frame's sync bits
        frame = len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        return head.startswith(b"ID3") or (frame and head[1] & 0x06 != 0)
    if suffix == ".ogg":
        return head.startswith(b"OggS")
    if suffix == ".m4a":  # an ISO media file opens with its `ftyp` box
        return head[4:8] == b"ftyp"
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix == ".webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return False


FAULT_WORDS = {
    WRONG_NAME: "must be a {types} file",
    WRONG_CONTENT: "is not a real {types} file (its first bytes say otherwise)",
    TOO_BIG: "is over {most_mb} MB",
    EMPTY: "is empty",
}


def read(folder: Path, lesson_slugs: set[str], photo: str, max_audio_mb: int, problems) -> list:
    """The audio guides beside the lessons and the teacher's photo named `photo`, checked;
    each mistake goes to `problems` (its `add`, naming the file), as the lessons' do."""
    found = [_read_photo(folder / photo, max_audio_mb, problems)] if photo else []
    by_lesson: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in AUDIO_TYPES:
            by_lesson.setdefault(path.stem, []).append(path)
    for slug, paths in by_lesson.items():
        if slug not in lesson_slugs:
            names = ", ".join(path.name for path in paths)
            problems.add(f"{names}: there is no lesson {slug}.md for this audio guide")
        elif len(paths) > 1:
            names = " and ".join(path.name for path in paths)
            problems.add(f"{names}: one audio guide per lesson; keep one of these files")
        else:
            found.append(_read_audio(paths[0], slug, max_audio_mb, problems))
    return [each for each in found if each is not None]


def _read_audio(path: Path, slug: str, max_audio_mb: int, problems) -> MediaFile | None:
    data = _checked(MediaKind.AUDIO, path, max_audio_mb, problems)
    if data is None:
        return None
    kind = MediaKind.AUDIO
    return MediaFile(kind, slug, path.name, content_type(kind, path.name), data)


def _read_photo(path: Path, max_audio_mb: int, problems) -> MediaFile | None:
    if not path.is_file():  # `courseextras` has said so already
        return None
    data = _checked(MediaKind.PHOTO, path, max_audio_mb, problems)
    if data is None:
        return None
    kind = MediaKind.PHOTO
    return MediaFile(kind, None, path.name, content_type(kind, path.name), data)


def _checked(kind: MediaKind, path: Path, max_audio_mb: int, problems) -> bytes | None:
    """The file's bytes when it passes `fault`; a too-big file is refused unread."""
    most = max_bytes(kind, max_audio_mb)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
            why = fault(kind, path.name, head, size, most)
            data = head + handle.read() if why is None else b""
    except OSError as error:
        problems.add(f"{path.name} cannot be read: {error}")
        return None
    if why is not None:
        problems.add(f"{path.name} {describe(kind, why, most)}")
        return None
    return data


def describe(kind: MediaKind, why: str, most: int) -> str:
    """A fault in the English of the import's other problems."""
    types = ".mp3, .ogg or .m4a" if kind == MediaKind.AUDIO else ".jpg, .png or .webp"
    return FAULT_WORDS[why].format(types=types, most_mb=most // (1024 * 1024))
