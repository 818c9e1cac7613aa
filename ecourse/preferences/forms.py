"""The forms on the preferences page (Flask-WTF: each with its CSRF token)."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp

from ecourse.pacing import MAX_EXTRA_DAYS

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
    rest = sorted(available_timezones() - set(COMMON_ZONES))
    return [SelectChoice(zone, zone.replace("_", " ")) for zone in (*COMMON_ZONES, *rest)]


class StepForm(FlaskForm):
    """Every change is two steps: "preview" shows the new dates, "save" keeps them."""

    step = HiddenField(default="preview")


class PauseForm(StepForm):
    days = RadioField(
        "Hoe lang wil je pauzeren?",
        choices=[
            SelectChoice("7", "Eén week"),
            SelectChoice("14", "Twee weken"),
            SelectChoice("0", "Tot ik zelf hervat"),
        ],
        default="7",
        validators=[DataRequired("Kies hoe lang je wilt pauzeren.")],
    )


class PaceForm(StepForm):
    extra_days = SelectField(
        "Extra dagen tussen twee lessen",
        choices=[SelectChoice("0", "Geen: het gewone tempo")]
        + [
            SelectChoice(str(n), f"{n} dag{'en' if n > 1 else ''} extra")
            for n in (1, 2, 3, 5, 7, 14)
        ],
        default="0",
    )

    def extra(self) -> int:
        value = int(self.extra_days.data or 0)
        return min(max(value, 0), MAX_EXTRA_DAYS)


class RhythmForm(StepForm):
    send_time = StringField(
        "Hoe laat wil je je lessen krijgen?",
        validators=[Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message="Kies een tijd als 07:30.")],
        render_kw={"type": "time", "step": "60"},
    )
    timezone = SelectField("In welke tijdzone?", choices=zone_choices)


class ChangeForm(StepForm):
    """A change without fields: resume, next lesson now, start over."""


class DeleteForm(FlaskForm):
    confirm = BooleanField(
        "Ja, wis al mijn gegevens. Ik krijg daarna geen lessen meer.",
        validators=[DataRequired("Vink aan dat je alles wilt laten wissen.")],
    )
