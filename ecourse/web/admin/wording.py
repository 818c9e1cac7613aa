"""The admin area speaks Dutch: stored codes and reasons in the words an admin reads.

Statuses, actions and skip reasons are stored as short English codes, because the command
line, the logs and the tests read them too. The admin pages show them through `in_dutch`;
anything it does not know (a relay's reply, say) is shown as it is.
"""

from __future__ import annotations

import re

WORDS = {
    # subscriber and enrollment statuses
    "pending": "nog niet bevestigd",
    "active": "actief",
    "paused": "gepauzeerd",
    "completed": "afgerond",
    "stopped": "gestopt",
    "unsubscribed": "afgemeld",
    "bounced": "onbestelbaar",
    "erased": "gewist",
    # delivery states (ledger and timeline)
    "queued": "in de wachtrij",
    "sending": "wordt verstuurd",
    "sent": "verstuurd",
    "failed": "mislukt",
    "cancelled": "geannuleerd",
    "skipped": "overgeslagen",
    "scheduled": "gepland",
    "not scheduled": "niet gepland",
    "retry": "opnieuw proberen",
    # lesson changes and admin actions
    "created": "toegevoegd",
    "edited": "bewerkt",
    "published": "gepubliceerd",
    "unpublished": "teruggezet naar concept",
    "moved": "verplaatst",
    "pause": "gepauzeerd",
    "resume": "hervat",
    "resend": "opnieuw gestuurd",
    "move": "verplaatst",
    "unsubscribe": "afgemeld",
    "erase": "gewist",
    "import": "geïmporteerd",
    "rename": "voornaam bijgewerkt",
    "pace": "tempo aangepast",
    "send_now": "volgende les nu gevraagd",
    "rhythm": "tijdstip of tijdzone aangepast",
    "stop_course": "cursus gestopt",
    "delete_me": "gegevens gewist op eigen verzoek",
    "reclaimed": "overgenomen na een vastgelopen verzending",
    "admin": "beheer",
    # the admin area itself (the audit page)
    "admin_login": "ingelogd",
    "admin_logout": "uitgelogd",
    "admin_login_failed": "inloggen geweigerd",
    "admin_code_failed": "code geweigerd",
    "admin_create": "beheerder aangemaakt op de server",
    "admin_invite": "beheerder uitgenodigd",
    "admin_reinvite": "uitnodiging opnieuw gestuurd",
    "admin_join": "uitnodiging aangenomen",
    "admin_role": "rol veranderd",
    "admin_remove": "beheerder verwijderd",
    "admin_password": "eigen wachtwoord veranderd",
    "admin_totp_on": "inloggen in twee stappen aangezet",
    "admin_totp_off": "inloggen in twee stappen uitgezet",
    "admin_recovery_codes": "nieuwe herstelcodes gemaakt",
    "lesson_change": "les opgeslagen",
    "lesson_import": "lessen geïmporteerd",
    "lesson_audio": "audio bij een oefening",
    "people_export": "deelnemers geëxporteerd",
    "people_import": "deelnemers geïmporteerd",
    "consent_export": "toestemmingen geëxporteerd",
    "learner": "deelnemer",
    "system": "systeem",
    # kinds of email
    "confirm": "bevestigingsmail",
    "reminder": "herinnering om te bevestigen",
    "goodbye": "afscheid na wissen",
    "access": "verse link op verzoek",
    "access_link": "verse link gevraagd",
    "lesson": "les",
    # reasons the engine and the drip rules give
    "draft: not published": "concept: niet gepubliceerd",
    "added after this subscriber had passed its place in the course": (
        "toegevoegd toen deze deelnemer al voorbij die plek in de cursus was"
    ),
    "the course was stopped": "de cursus is gestopt",
    "already confirmed": "al bevestigd",
    "not confirmed": "niet bevestigd",
    "enrollment stopped": "cursus gestopt",
    "enrollment paused": "cursus gepauzeerd",
    "lesson unpublished": "les niet (meer) gepubliceerd",
    "unsubscribed by the subscriber": "afgemeld door de deelnemer",
    "unsubscribed by an admin": "afgemeld door beheer",
    "erased on request": "gewist op verzoek",
    "erased at the learner's own request": "gewist op eigen verzoek van de deelnemer",
    "course stopped by the learner": "cursus gestopt door de deelnemer",
    "paused by an admin": "gepauzeerd door beheer",
    "paused by the learner": "gepauzeerd door de deelnemer",
    "sent again after signing up again": "opnieuw verstuurd na een nieuwe aanmelding",
}

# Reasons with a variable part: (pattern, Dutch with the same groups).
PATTERNS = (
    (re.compile(r"moved to (?:lesson )?(\S+) by an admin"), r"verplaatst naar les \1 door beheer"),
    (
        re.compile(r"moved to (?:lesson )?(\S+) by the learner"),
        r"verplaatst naar les \1 door de deelnemer",
    ),
    (re.compile(r"not sent: (.*)", re.DOTALL), r"niet verstuurd: \1"),
    (re.compile(r"not confirmed within (\d+) days"), r"niet bevestigd binnen \1 dagen"),
    (re.compile(r"paused by the system"), r"gepauzeerd door het systeem"),
    (
        re.compile(r"moved to (?:lesson )?(\S+) by the system"),
        r"verplaatst naar les \1 door het systeem",
    ),
)


def in_dutch(value: object) -> str:
    """The Dutch words for a stored code or reason; unknown text unchanged."""
    text = "" if value is None else str(value)
    if text.endswith(" meanwhile"):  # withheld at the handoff: "unsubscribed meanwhile"
        return f"{in_dutch(text.removesuffix(' meanwhile'))} (intussen)"
    if text in WORDS:
        return WORDS[text]
    for pattern, dutch in PATTERNS:
        if pattern.fullmatch(text):
            return in_dutch_inner(pattern.sub(dutch, text))
    return text


def in_dutch_inner(text: str) -> str:
    """Translate the known reason inside a composed one ("niet verstuurd: unsubscribed")."""
    head, separator, tail = text.partition(": ")
    return f"{head}{separator}{WORDS.get(tail, tail)}" if separator else text
