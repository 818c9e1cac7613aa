"""Leaving: the unsubscribe page from the link in every email, and RFC 8058's one-click POST."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ecourse import tokens
from ecourse.learn import bp, service
from ecourse.passes import utcnow
from ecourse.signup.forms import ConfirmForm
from ecourse.web import csrf


def _subscriber_from_unsubscribe_token(token: str):
    try:
        public_id = tokens.read("unsubscribe", token)
    except tokens.TokenError:
        return None
    return service.subscriber_by_public_id(public_id)


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    subscriber = _subscriber_from_unsubscribe_token(token)
    if subscriber is None:
        return render_template("learn/link_invalid.html"), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        service.unsubscribe(subscriber, utcnow())
        return render_template("learn/unsubscribed.html")
    done = subscriber.status == "unsubscribed"
    return render_template("learn/unsubscribe.html", form=form, done=done, token=token)


@bp.route("/afmelden/<token>/een-klik", methods=["GET", "POST"])
@csrf.exempt
def one_click(token: str):
    """RFC 8058: a POST from the mail client unsubscribes at once; a GET never does."""
    subscriber = _subscriber_from_unsubscribe_token(token)
    if subscriber is None:
        return "Deze afmeldlink is ongeldig.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    if request.method == "GET":
        return redirect(url_for("learn.unsubscribe", token=token))
    service.unsubscribe(subscriber, utcnow())
    return "Je bent afgemeld.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
