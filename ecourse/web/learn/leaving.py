"""Leaving: the unsubscribe page from the link in every email, and RFC 8058's one-click POST.

Two clear choices: stop this course (the lessons end; the address stays for other mail
from the academy), or stop all mail from the academy. The one-click header stops this
course, which is what the person was reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from ecourse.core import tokens
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Course, Subscriber
from ecourse.core.statuses import SubscriberStatus
from ecourse.web import learner as service
from ecourse.web import locale as i18n
from ecourse.web.learn.routes import bp
from ecourse.web.security import csrf
from ecourse.web.signupforms import ConfirmForm


@dataclass(frozen=True)
class Leaving:
    subscriber: Subscriber
    course: Course | None  # None: a link from before courses were named in it


def _from_token(token: str) -> Leaving | None:
    try:
        payload = tokens.read("unsubscribe", token)
    except tokens.TokenError:
        return None
    public_id, course_id = payload if isinstance(payload, list) else (payload, None)
    subscriber = service.subscriber_by_public_id(public_id)
    if subscriber is None:
        return None
    course = db.session.get(Course, course_id) if course_id else None
    i18n.speak_for(course, subscriber)  # the link names them; the session may not
    return Leaving(subscriber, course)


def _stop_course(leaving: Leaving) -> None:
    service.stop_course(leaving.subscriber, leaving.course, utcnow())


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    leaving = _from_token(token)
    if leaving is None:
        return render_template("learn/link_invalid.html"), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        everything = request.form.get("choice") == "all"
        if everything:
            service.unsubscribe(leaving.subscriber, utcnow())
        else:
            _stop_course(leaving)
        return render_template("learn/unsubscribed.html", everything=everything, leaving=leaving)
    return render_template(
        "learn/unsubscribe.html",
        form=form,
        leaving=leaving,
        course_stopped=service.course_stopped(leaving.subscriber, leaving.course),
        all_stopped=leaving.subscriber.status
        in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.ERASED),
        token=token,
    )


@bp.route("/afmelden/<token>/een-klik", methods=["GET", "POST"])
@csrf.exempt
def one_click(token: str):
    """RFC 8058: a POST from the mail client stops this course at once; a GET never does."""
    leaving = _from_token(token)
    if leaving is None:
        return _plain(_("Deze afmeldlink is ongeldig."), 400)
    if request.method == "GET":
        return redirect(url_for("learn.unsubscribe", token=token))
    _stop_course(leaving)
    return _plain(_("Je bent afgemeld."), 200)


def _plain(text: str, status: int):
    """An answer for a mail client rather than a person: one line of plain text."""
    return f"{text}\n", status, {"Content-Type": "text/plain; charset=utf-8"}
