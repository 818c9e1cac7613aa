"""The forms on the preferences page (Flask-WTF: each with its CSRF token).

Labels, choices and messages are lazy, so each form speaks the language of the page it is on.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp, ValidationError

from ecourse.core import zones
from ecourse.learners.pacing import MAX_EXTRA_DAYS
from ecourse.web.locale import LANGUAGES

# The zones most learners of a Dutch academy live in come first; then every place by region.
COMMON_ZONES = (
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Atlantic/Canary",
    "America/Curacao",
    "America/Paramaribo",
    "America/New_York",
    "Asia/Jakarta",
    "Australia/Sydney",
)
REGIONS = {
    "Europe": _l("Europa"),
    "America": _l("Amerika"),
    "Africa": _l("Afrika"),
    "Asia": _l("Azië"),
    "Australia": _l("Australië"),
    "Pacific": _l("Grote Oceaan"),
    "Atlantic": _l("Atlantische Oceaan"),
    "Indian": _l("Indische Oceaan"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Noordpoolgebied"),
}


def _choice(zone: str) -> SelectChoice:
    return SelectChoice(zone, zone.split("/", 1)[-1].replace("_", " ").replace("/", " – "))


def zone_choices(keep: str | None = None) -> dict[str, list[SelectChoice]]:
    """The zones to choose from, grouped (`<optgroup>`): the common ones first, then each
    region in turn. `keep` is a zone the learner already has that is not in the list (an
    old alias from their browser), so it stays chosen until they pick another."""
    groups: dict[str, list[SelectChoice]] = {}
    if keep and keep not in zones.PLACES and keep in zones.KNOWN:
        groups[str(_l("Je huidige tijdzone"))] = [SelectChoice(keep, keep)]
    groups[str(_l("Veelgekozen"))] = [_choice(zone) for zone in COMMON_ZONES]
    rest = sorted(zones.PLACES - set(COMMON_ZONES))
    for code, name in REGIONS.items():
        members = [_choice(zone) for zone in rest if zones.region(zone) == code]
        if members:
            groups[str(name)] = members
    return groups


class StepForm(FlaskForm):
    """Every change is two steps: "preview" shows the new dates, "save" keeps them."""

    step = HiddenField(default="preview")


class PauseForm(StepForm):
    days = RadioField(
        _l("Hoe lang wil je pauzeren?"),
        choices=[
            SelectChoice("7", _l("Eén week")),
            SelectChoice("14", _l("Twee weken")),
            SelectChoice("0", _l("Tot ik zelf hervat")),
        ],
        default="7",
        validators=[DataRequired(_l("Kies hoe lang je wilt pauzeren."))],
    )


class PaceForm(StepForm):
    extra_days = SelectField(
        _l("Extra dagen tussen twee lessen"),
        choices=[SelectChoice("0", _l("Geen: het gewone tempo"))]
        + [
            SelectChoice(str(n), lazy_ngettext("%(num)s dag extra", "%(num)s dagen extra", n))
            for n in (1, 2, 3, 5, 7, 14)
        ],
        default="0",
    )

    def extra(self) -> int:
        value = int(self.extra_days.data or 0)
        return min(max(value, 0), MAX_EXTRA_DAYS)


class RhythmForm(StepForm):
    send_time = StringField(
        _l("Hoe laat wil je je lessen krijgen?"),
        validators=[Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Kies een tijd als 07:30."))],
        render_kw={"type": "time", "step": "60"},
    )
    timezone = SelectField(_l("In welke tijdzone?"), validate_choice=False)

    def __init__(self, *args, keep: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.keep = keep
        self.timezone.choices = zone_choices(keep)

    def validate_timezone(self, field) -> None:
        """A zone from the list (or the learner's own), with a message in their language
        rather than WTForms' English "Not a valid choice"."""
        if field.data not in zones.PLACES and (not self.keep or field.data != self.keep):
            raise ValidationError(_l("Kies een tijdzone uit de lijst."))


class ChangeForm(StepForm):
    """A change without fields: resume, next lesson now, start over."""


class DeleteForm(FlaskForm):
    confirm = BooleanField(
        _l("Ja, wis al mijn gegevens. Ik krijg daarna geen lessen meer."),
        validators=[DataRequired(_l("Vink aan dat je alles wilt laten wissen."))],
    )


# Each language named in itself: someone who cannot read the page still finds their own.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class LanguageForm(FlaskForm):
    """For a course open to every language: which one the learner's pages and emails speak."""

    language = RadioField(
        _l("In welke taal wil je je pagina's en e-mails lezen?"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        validators=[DataRequired(_l("Kies een taal."))],
    )
