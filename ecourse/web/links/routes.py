"""Asking for a fresh link, and opening it.

Anyone may ask for a link for an address; the answer is the same whether or not the address
is a learner's, so the form tells nobody who takes the course. Requests are limited per
client here and per address in `ecourse.learners.access`, and logged by public id only.
A fresh link opens with a click on its page (a POST): a mail scanner that fetches every
link in an email must not use it up.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ecourse.core.clock import utcnow
from ecourse.learners import access, current, signups
from ecourse.web import learner as learners
from ecourse.web import sessions
from ecourse.web.security import limiter
from ecourse.web.signupforms import ConfirmForm, FreshLinkForm
from ecourse.worker.wakeup import wake

bp = Blueprint("access", __name__)


@bp.app_template_global()
def fresh_link_form() -> FreshLinkForm:
    """The "send me a fresh link" form, for every page that needs a link."""
    return FreshLinkForm(formdata=None)


@bp.route("/link", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes;20 per day", methods=["POST"])
def ask():
    form = FreshLinkForm()
    if not (form.validate_on_submit() and _well_formed(form)):
        status = 400 if form.errors else 200
        return render_template("links/ask.html", fresh_form=form), status
    learner = access.learner_at(form.email.data)
    if learner is not None and access.send_link(learner, utcnow(), current.settings()):
        wake()
    return redirect(url_for("access.asked"))


def _well_formed(form: FreshLinkForm) -> bool:
    """A typo is worth saying at once: it tells nobody who takes the course."""
    try:
        signups.normalise_address(form.email.data)
    except signups.InvalidAddress as error:
        form.email.errors = [str(error)]
        return False
    return True


@bp.get("/link/verstuurd")
def asked():
    return render_template("links/asked.html")


@bp.post("/link/mij")
@limiter.limit("5 per 15 minutes")
def ask_mine():
    """From a page that needs a fresh link: one for the learner in this session."""
    subscriber = learners.current_learner()
    if subscriber is None or not ConfirmForm().validate_on_submit():
        return redirect(url_for("access.ask"))
    if access.send_link(subscriber, utcnow(), current.settings()):
        wake()
        flash(_("We hebben je een link gestuurd. Hij werkt een uur en één keer."), "done")
    else:
        flash(
            _("Je kreeg al een paar links dit uur. Kijk in je mailbox, ook bij de spam."), "error"
        )
    return redirect(url_for("preferences.page"))  # the message shows at the top


@bp.errorhandler(429)
def too_often(error):
    """Asked too often from this browser: say so where the asking happens."""
    return render_template("links/ask.html", too_often=True), 429


@bp.route("/toegang/<token>", methods=["GET", "POST"], endpoint="open")
def open_fresh_link(token: str):
    """The fresh link: a page with one button; the click uses it up and opens everything."""
    headers = {"Referrer-Policy": "no-referrer"}
    try:
        access.check(token)
    except access.LinkRefused as refused:
        return _refused(refused.reason, headers)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("links/open.html", form=form), 200, headers
    try:
        subscriber = access.use(token, utcnow())
    except access.LinkRefused as refused:
        return _refused(refused.reason, headers)
    sessions.leave()  # whoever was in this browser before, it is this learner now
    sessions.enter(subscriber, utcnow(), checked=True)
    return redirect(url_for("preferences.page") + "#gegevens")


def _refused(reason: str, headers: dict):
    """A fresh link that cannot be used; a browser it already opened is shown the way on."""
    opened = sessions.is_checked(utcnow())
    return render_template("links/refused.html", reason=reason, opened=opened), 400, headers
