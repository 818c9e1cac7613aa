"""The sign-up and confirmation forms (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Length


class SignupForm(FlaskForm):
    email = EmailField(
        "Je e-mailadres",
        validators=[DataRequired("Vul je e-mailadres in."), Length(max=320)],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    first_name = StringField(
        "Je voornaam (mag je leeg laten)",
        validators=[Length(max=100, message="Een voornaam van hoogstens 100 tekens, graag.")],
        render_kw={"autocomplete": "given-name"},
    )
    consent = BooleanField(validators=[DataRequired("Vink aan dat je de lessen wilt ontvangen.")])
    # A field people never see; bots that fill in everything fill in this one too.
    website = StringField("Laat dit veld leeg", render_kw={"autocomplete": "off", "tabindex": "-1"})
    timezone = HiddenField()
    # When the form was shown, signed (see `timetrap`): a form sent back faster is a bot's.
    rendered = HiddenField()


class ConfirmForm(FlaskForm):
    """One button: confirming takes a deliberate click, so a mail scanner's visit does not."""
