"""The emails ecourse sends: their context, the one send policy, and the built `Message`.

Context is split in two: what is the same for every recipient of an email (the lesson, the
course) and the few personal values (first name, signed links). A `Renderer` renders each
email once per pass and fills in only the personal values per recipient.
"""

from __future__ import annotations

from datetime import datetime

from ecourse.content import care, greetings, markup, media, placeholders
from ecourse.core import languages as i18n
from ecourse.core import links
from ecourse.core.models import Consent, Course, Delivery, Enrollment, Lesson, Subscriber
from ecourse.core.statuses import SIGNUP_KINDS, DeliveryKind
from ecourse.engine import envelope, followups, policy
from ecourse.engine.settings import EngineSettings
from ecourse.journey import lifecycle
from ecourse.mail import compose
from ecourse.mail.message import Message

PERSONAL_FIELDS = {
    DeliveryKind.CONFIRM: ("first_name", "confirm_url", "imported_from"),
    DeliveryKind.REMINDER: ("first_name", "confirm_url", "imported_from"),
    DeliveryKind.LESSON: ("first_name", "lesson_url", "unsubscribe_url", "preferences_url"),
    DeliveryKind.GOODBYE: (),
    DeliveryKind.ACCESS: ("first_name", "access_url"),
    DeliveryKind.FOLLOW_UP: ("first_name", "answer_url", "unsubscribe_url", "preferences_url"),
}
# The emails of a course under way: they carry the one-click unsubscribe headers.
COURSE_MAIL = (DeliveryKind.LESSON, DeliveryKind.FOLLOW_UP)
# How long a fresh link works (`ecourse.learners.access` holds it to this, once).
ACCESS_LINK_MINUTES = 60


def skip_reason(delivery: Delivery, enrollment: Enrollment | None) -> str | None:
    """Why this delivery must not be sent now, or None when it may (`ecourse.policy`)."""
    return policy.skip_reason(facts_of(delivery, enrollment))


def facts_of(delivery: Delivery, enrollment: Enrollment | None) -> policy.Facts:
    return policy.Facts(
        kind=delivery.kind,
        subscriber=delivery.subscriber.status,
        enrollment=enrollment.status if enrollment is not None else None,
        lesson=delivery.lesson.status if delivery.lesson is not None else None,
        sign_up_confirmed=delivery.consent is not None
        and delivery.consent.confirmed_at is not None,
        sign_up_before_end=_made_before_end(delivery, enrollment),
        has_recipient=bool(delivery.recipient),
        has_follow_up=delivery.course is not None and bool(delivery.course.follow_up_md.strip()),
    )


def shared_context(
    kind: str,
    course: Course,
    lesson: Lesson | None,
    settings: EngineSettings,
    first_name: str = "",
    language: str = "nl",
    has_audio: bool = False,
) -> dict:
    """Everything in an email that is the same for all its recipients in one language (or,
    when the lesson text has placeholders, for all of them with this `first_name`).
    `has_audio`: the lesson's exercise has an audio guide, which a lesson email mentions."""
    _ = i18n.translations(language).gettext
    context = {
        "course": course,
        "sender_name": envelope.sender_name(course, settings),
        # Every email may carry the care line (`_care.txt`): the numbers and the help page.
        "care": care.NUMBERS,
        "care_url": links.external_url("pages.help"),
    }
    if kind in SIGNUP_KINDS:
        return context | {
            "valid_days": settings.confirm_max_age_days,
            "forget_days": settings.forget_unconfirmed_days,
            "preview": _sign_up_preview(kind, _),
        }
    if kind == DeliveryKind.GOODBYE:
        preview = _("Dit is de laatste e-mail van ons. Je hoeft niets meer te doen.")
        return context | {"preview": preview}
    if kind == DeliveryKind.ACCESS:
        preview = _("Je link werkt een uur en één keer.")
        return context | {"valid_minutes": ACCESS_LINK_MINUTES, "preview": preview}
    if kind == DeliveryKind.FOLLOW_UP:
        return context | followups.email_context(course, first_name, _, settings.academy_url)
    opening = markup.opening(lesson.body_md)
    number, total = _place(course, lesson)
    return context | {
        "lesson": lesson,
        "number": number,
        "total": total,
        "opening_html": placeholders.render_markdown(opening, first_name),
        "opening_text": placeholders.plain_text(opening, first_name),
        "is_last": number == total,
        "greet": greetings.email_greets(lesson.body_md),
        "preview": preview_text(lesson, first_name),
        "has_audio": has_audio,
    }


def _sign_up_preview(kind: str, _) -> str:
    """The preview line of a confirmation or its reminder: what the subject does not say
    already (the subject names the course and asks to confirm)."""
    if kind == DeliveryKind.REMINDER:
        return _("Misschien is de eerste e-mail ondergesneeuwd. Dit is de enige herinnering.")
    return _("Eén klik en de cursus begint. Doe je niets, dan krijg je hooguit één herinnering.")


def preview_text(lesson: Lesson, first_name: str) -> str:
    """The inbox's preview line of a lesson email: its summary, placeholders filled in as in
    the lesson text (a lesson file may use them there), never a raw `{{`."""
    return placeholders.one_line(lesson.summary, first_name)


def _place(course: Course, lesson) -> tuple[int, int]:
    """The lesson's number and the course's length, counting the lesson as published (so an
    admin's preview of a draft shows the number it will have)."""
    others = [each for each in course.published_lessons if each.id != lesson.id or not lesson.id]
    ordered = sorted([*others, lesson], key=lambda each: (each.day, each.slug))
    return ordered.index(lesson) + 1, len(ordered)


def personal_values(
    kind: str,
    subscriber: Subscriber,
    course: Course,
    lesson: Lesson | None,
    sign_up: Consent | None = None,
    unsubscribe_token: str = "",
    access_nonce: str = "",
) -> dict[str, str]:
    """The values that differ per recipient: the name and the signed links. A confirmation
    links to its own sign-up, and greets a person we know by the name they confirmed; a
    fresh link names its own email (`access_nonce`), so it works once."""
    if kind == DeliveryKind.GOODBYE:
        return {}
    if kind == DeliveryKind.ACCESS:
        url = links.access_url(subscriber, access_nonce)
        return {"first_name": subscriber.first_name, "access_url": url}
    if kind == DeliveryKind.FOLLOW_UP:
        return {
            "first_name": subscriber.first_name,
            "answer_url": links.follow_up_url(subscriber, course),
            "unsubscribe_url": links.unsubscribe_page_url(subscriber, course, unsubscribe_token),
            "preferences_url": links.preferences_url(subscriber),
        }
    if kind in SIGNUP_KINDS:
        name = subscriber.first_name or (sign_up.first_name if sign_up else "")
        source = sign_up.imported_from if sign_up else ""
        return {
            "first_name": name,
            "confirm_url": links.confirm_url(sign_up),
            "imported_from": source,
        }
    return {
        "first_name": subscriber.first_name,
        "lesson_url": links.lesson_url(subscriber, lesson),
        "unsubscribe_url": links.unsubscribe_page_url(subscriber, course, unsubscribe_token),
        "preferences_url": links.preferences_url(subscriber),
    }


def language_of(course: Course, subscriber: Subscriber, sign_up: Consent | None) -> str:
    """The email's language: the course's, the learner's, or the one they signed up in."""
    chosen = subscriber.language or (sign_up.language if sign_up else None)
    return i18n.language_for(course, subscriber, chosen)


def _made_before_end(delivery: Delivery, enrollment: Enrollment | None) -> bool:
    if delivery.consent is None or enrollment is None:
        return False
    return not lifecycle.made_after_end(delivery.consent.created_at, enrollment)


class Renderer:
    """Renders each distinct email once (template, Markdown, CSS inlining), then per
    recipient only fills in the personal values. Make one per pass, so edits show up."""

    def __init__(self, settings: EngineSettings, audio_of=None) -> None:
        """`audio_of(lesson_id)`: whether that lesson's exercise has an audio guide
        (default: its row in `ecourse.content.media`); asked once per lesson and pass."""
        self.settings = settings
        self._templates: dict[tuple, compose.PersonalTemplate] = {}
        self._personal: dict[int | None, bool] = {}
        self._audio_of = audio_of or (lambda lesson_id: media.audio_facts(lesson_id) is not None)
        self._audio: dict[int | None, bool] = {}

    def render(
        self,
        kind: str,
        subscriber: Subscriber,
        course: Course,
        lesson: Lesson | None,
        sign_up: Consent | None = None,
        unsubscribe_token: str = "",
        access_nonce: str = "",
    ):
        values = personal_values(
            kind, subscriber, course, lesson, sign_up, unsubscribe_token, access_nonce
        )
        return self.fill(kind, course, lesson, values, language_of(course, subscriber, sign_up))

    def fill(
        self,
        kind: str,
        course: Course,
        lesson: Lesson | None,
        values: dict[str, str],
        language: str = "nl",
    ):
        """The email with these personal values (signed links carry a timestamp, so a
        caller comparing two renders passes the same values to both)."""
        # Which values there are changes the text ("Hoi Anna," or "Hoi,"; an imported
        # person is told where their address came from); a lesson whose opening or summary
        # has placeholders is rendered once per distinct first name.
        name = values.get("first_name", "")
        personal = self._has_placeholders(lesson) or _follow_up_personal(kind, course)
        lesson_id = lesson.id if lesson else None
        present = tuple(field for field in PERSONAL_FIELDS[kind] if values[field])
        # Whether the exercise has audio changes the text too, and is part of the key, so a
        # draft (no id yet) or a lesson whose audio changed never shares another's text.
        audio = self._has_audio(lesson) if kind == DeliveryKind.LESSON else False
        key = (kind, course.id, lesson_id, name if personal else None, present, language, audio)
        template = self._templates.get(key)
        if template is None:
            empty = dict.fromkeys(values, "")
            context = shared_context(kind, course, lesson, self.settings, name, language, audio)
            template = compose.render_personal(
                self.settings.templates,
                kind,
                context | empty,
                present,
                language,
            )
            self._templates[key] = template
        return template.fill(values)

    def _has_audio(self, lesson: Lesson | None) -> bool:
        lesson_id = getattr(lesson, "id", None)
        if lesson_id not in self._audio:
            self._audio[lesson_id] = lesson_id is not None and self._audio_of(lesson_id)
        return self._audio[lesson_id]

    def _has_placeholders(self, lesson: Lesson | None) -> bool:
        if lesson is None:
            return False
        if lesson.id not in self._personal:
            opening = markup.opening(lesson.body_md)
            used = placeholders.used_in(opening) or placeholders.used_in(lesson.summary)
            self._personal[lesson.id] = used
        return self._personal[lesson.id]


def _follow_up_personal(kind: str, course: Course) -> bool:
    """Whether a follow-up's text or summary names its reader (then rendered per name)."""
    if kind != DeliveryKind.FOLLOW_UP:
        return False
    return placeholders.used_in(course.follow_up_md)


def build(
    kind: str,
    subscriber: Subscriber,
    course: Course,
    lesson: Lesson | None,
    message_id: str,
    now: datetime,
    renderer: Renderer,
    to: str = "",
    sign_up: Consent | None = None,
) -> Message:
    """One email for one subscriber (a confirmation or reminder of the sign-up `sign_up`, a
    lesson, a goodbye), to their address or, for a goodbye after erasure, to `to`."""
    lesson_email = kind in COURSE_MAIL
    unsubscribe = links.unsubscribe_token(subscriber, course) if lesson_email else ""
    nonce = envelope.link_nonce(message_id) if kind == DeliveryKind.ACCESS else ""
    rendered = renderer.render(kind, subscriber, course, lesson, sign_up, unsubscribe, nonce)
    settings = renderer.settings
    headers = (
        envelope.unsubscribe_headers(subscriber, course, unsubscribe, settings)
        if lesson_email
        else ()
    )
    return envelope.message(
        rendered, to or subscriber.email, course, message_id, now, settings, headers
    )


def build_sample(
    reader: Subscriber,
    course: Course,
    lesson: Lesson,
    links: dict[str, str],
    message_id: str,
    now: datetime,
    renderer: Renderer,
) -> Message:
    """A lesson email for an admin's test, to `reader` (the admin's address, a sample name).

    `links` (`lesson_url`, `preferences_url`, `unsubscribe_url`) stand in for a learner's
    signed links, which would open nothing for an admin: the web gives previews of the pages
    they open. Everything else is the lesson email as it goes out. List-Unsubscribe names the
    unsubscribe preview, with no one-click POST (a preview changes nothing)."""
    values = {"first_name": reader.first_name} | links
    language = language_of(course, reader, None)
    rendered = renderer.fill(DeliveryKind.LESSON, course, lesson, values, language)
    headers = (("List-Unsubscribe", f"<{links['unsubscribe_url']}>"),)
    return envelope.message(
        rendered, reader.email, course, message_id, now, renderer.settings, headers
    )
