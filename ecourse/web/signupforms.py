"""The sign-up and confirmation forms (Flask-WTF: CSRF token included).

Labels and messages are lazy, so each speaks the language of the page or answer it is in.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

# The words a visitor reads when a field is not right; the JSON API answers with them too.
MESSAGES = {
    "email": _l("Vul je e-mailadres in."),
    "email_length": _l("Dit e-mailadres is te lang. Kijk het nog even na?"),
    "first_name": _l("Een voornaam van hoogstens 100 tekens, graag."),
    "consent": _l("Vink aan dat je de lessen wilt ontvangen."),
}


def email_field() -> EmailField:
    return EmailField(
        _l("Je e-mailadres"),
        validators=[
            DataRequired(MESSAGES["email"]),
            Length(max=320, message=MESSAGES["email_length"]),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


class SignupForm(FlaskForm):
    email = email_field()
    first_name = StringField(
        _l("Je voornaam (mag je leeg laten)"),
        validators=[Length(max=100, message=MESSAGES["first_name"])],
        render_kw={"autocomplete": "given-name"},
    )
    consent = BooleanField(validators=[DataRequired(MESSAGES["consent"])])
    # A field people never see; bots that fill in everything fill in this one too.
    website = StringField(
        _l("Laat dit veld leeg"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    timezone = HiddenField()
    # When the form was shown, signed (see `timetrap`): a form sent back faster is a bot's.
    rendered = HiddenField()


class EmbeddedSignupForm(SignupForm):
    """The snippet on the academy's own site, posted from there: it has no session with us,
    so no CSRF token; the origin check, honeypot, time trap and rate limit stand in."""

    class Meta:
        csrf = False

    # Milliseconds the form was open, set by the snippet's script; empty without JavaScript.
    elapsed_ms = HiddenField()
    # Which consent text the pasted snippet shows (`service.consent_version`).
    consent_version = HiddenField()


class ConfirmForm(FlaskForm):
    """One button: confirming takes a deliberate click, so a mail scanner's visit does not."""


class FreshLinkForm(FlaskForm):
    """ "Send me a fresh link": only an address; the answer is the same whoever it is."""

    email = EmailField(
        _l("Je e-mailadres"),
        validators=[
            DataRequired(MESSAGES["email"]),
            Length(max=320, message=MESSAGES["email_length"]),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
