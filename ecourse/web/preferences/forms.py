"""The forms on the preferences page (Flask-WTF: each with its CSRF token).

Labels, choices and messages are lazy, so each form speaks the language of the page it is on.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp

from ecourse.core import zones
from ecourse.learners.pacing import MAX_EXTRA_DAYS
from ecourse.web.locale import LANGUAGES

# The zones most learners of a Dutch academy live in come first; every zone is allowed.
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


def zone_choices() -> list[SelectChoice]:
    rest = sorted(zones.KNOWN - set(COMMON_ZONES))
    return [SelectChoice(zone, zone.replace("_", " ")) for zone in (*COMMON_ZONES, *rest)]


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
    timezone = SelectField(_l("In welke tijdzone?"), choices=zone_choices)


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
