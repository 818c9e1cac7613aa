"""The admin's forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ecourse.content import placeholders
from ecourse.content.lessonfiles import MAX_SUMMARY
from ecourse.learners.accounts import MIN_PASSWORD_LENGTH

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,118}$")
LATE_RULES = [
    SelectChoice("skip", "Overslaan: wie al verder is, krijgt deze les niet (standaard)"),
    SelectChoice(
        "send", "Alsnog sturen: wie al verder is, krijgt hem op het eerstvolgende verzendmoment"
    ),
]


def new_password_pair(label: str, missing: str) -> tuple[PasswordField, PasswordField]:
    """A new password and its repeat, as a form class's `password, repeat = ...`: long enough,
    and typed the same twice (a new admin's first password, and a changed one)."""
    password = PasswordField(
        f"{label} (minstens {MIN_PASSWORD_LENGTH} tekens)",
        validators=[
            DataRequired(missing),
            Length(min=MIN_PASSWORD_LENGTH, message="Dit wachtwoord is te kort."),
        ],
    )
    repeat = PasswordField(
        "Herhaal het wachtwoord",
        validators=[EqualTo("password", "De twee wachtwoorden zijn niet gelijk.")],
    )
    return password, repeat


def _placeholders_work(_form, field) -> None:
    for problem in placeholders.problems(field.data or ""):
        raise ValidationError(problem)


def _no_placeholders(_form, field) -> None:
    if "{{" in (field.data or ""):
        raise ValidationError(
            "Hier kan geen {{ voornaam }}: deze tekst is voor iedereen hetzelfde."
        )


class LessonForm(FlaskForm):
    title = StringField(
        "Titel",
        validators=[DataRequired("Geef de les een titel."), Length(max=200), _no_placeholders],
    )
    slug = StringField(
        "Bestandsnaam (alleen bij een nieuwe les; laat leeg voor een naam uit de titel)",
        validators=[Optional(), Length(max=120)],
    )
    day = IntegerField(
        "Dag (0 = direct na bevestigen)",
        validators=[
            InputRequired("Vul een dag in (0 tot en met 365)."),
            NumberRange(0, 365, "Een dag van 0 tot en met 365."),
        ],
    )
    summary = StringField(
        f"Samenvatting in één zin (voorbeeldtekst in de inbox, hoogstens {MAX_SUMMARY} tekens)",
        validators=[
            DataRequired("Schrijf een samenvatting."),
            Length(max=MAX_SUMMARY),
            # Filled in per learner, as in the lesson text (`emails.preview_text`).
            _placeholders_work,
        ],
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice("draft", "Concept"), SelectChoice("published", "Gepubliceerd")],
        default="draft",
    )
    body_md = TextAreaField(
        "Lestekst (Markdown; {{ voornaam }} wordt de voornaam van de deelnemer)",
        validators=[DataRequired("Schrijf de lestekst."), _placeholders_work],
    )
    exercise_title = StringField(
        "Titel van de oefening",
        validators=[DataRequired("Geef de oefening een titel."), Length(max=200)],
    )
    exercise_minutes = IntegerField(
        "Minuten voor de oefening",
        default=5,
        validators=[Optional(), NumberRange(1, 60, "Tussen 1 en 60 minuten.")],
    )
    exercise_md = TextAreaField(
        "Oefening (genummerde stappen)",
        validators=[DataRequired("Beschrijf de oefening."), _placeholders_work],
    )
    reflection_md = TextAreaField("Reflectievragen", validators=[_placeholders_work])
    late_rule = RadioField(
        "Voor deelnemers die al voorbij de plek van deze les zijn",
        choices=LATE_RULES,
        default="skip",
    )

    def validate_slug(self, field) -> None:
        if field.data and not SLUG.match(field.data):
            raise ValidationError("Alleen kleine letters, cijfers en streepjes, zoals 08-rust.")


class MoveForm(FlaskForm):
    direction = HiddenField()
    late_rule = RadioField(choices=LATE_RULES, default="skip")
    confirmed = HiddenField()


class ImportForm(FlaskForm):
    archive = FileField(
        "Een .zip met de cursusmap (course.yml en de lesbestanden)",
        validators=[FileRequired("Kies een .zip-bestand.")],
    )


class ImportApplyForm(FlaskForm):
    """The second step of an import: the checked upload, and the rule for learners past
    the place of a lesson the import adds, publishes or moves."""

    upload = HiddenField()
    late_rule = RadioField(
        "Voor deelnemers die al voorbij de plek van een nieuwe of verplaatste les zijn",
        choices=LATE_RULES,
        default="skip",
    )


class ConfirmActionForm(FlaskForm):
    """A deliberate second click for actions on a subscriber."""

    confirm = BooleanField("Ik weet het zeker")


class SubscriberImportForm(FlaskForm):
    file = FileField("CSV-bestand", validators=[FileRequired("Kies een CSV-bestand.")])
    course = SelectField("Cursus", coerce=int)
    source = StringField(
        "Waar en hoe gaven deze mensen toestemming?",
        description="Bijvoorbeeld: 'intekenlijst kennismakingsworkshop Utrecht, 12 oktober'. "
        "Dit komt bij ieder van hen in het toestemmingsrecord.",
        validators=[DataRequired("Vul de bron van de toestemming in."), Length(max=300)],
    )
    send_confirmations = BooleanField(
        "Stuur wie nog geen toestemming gaf een bevestigingsmail (dubbele opt-in)"
    )
    skip_bad_rows = BooleanField("Foute regels overslaan en de rest wel importeren")
    update_names = BooleanField(
        "Bij adressen die al bekend zijn: alleen de voornaam bijwerken (als het bestand er "
        "een geeft)"
    )


class AudioForm(FlaskForm):
    """An exercise's audio guide: its type and size are checked by
    `ecourse.content.mediafiles.fault` (by name and first bytes), in the view."""

    audio = FileField(
        "Audiobestand (.mp3, .ogg of .m4a)",
        validators=[FileRequired("Kies een audiobestand (.mp3, .ogg of .m4a).")],
    )


class AudioRemoveForm(FlaskForm):
    """Taking an audio guide away: a POST with its CSRF token."""
