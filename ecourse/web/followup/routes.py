"""The answer page of the follow-up email: its one question, a score from 1 to 5 and, if the
learner likes, a sentence.

The signed link (purpose "follow-up") names the enrollment; it opens this page and nothing
else: no learner session is started, so a forwarded email lets its reader answer, never
see the learner's lessons. A score link in the email (`?score=4`) only pre-selects it;
saving always takes the form's POST (with its CSRF token), so a mail scanner that follows
the links saves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ecourse.content import courseextras
from ecourse.core import tokens
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Course, Enrollment
from ecourse.learners import answers
from ecourse.web import learner as service
from ecourse.web import locale as i18n
from ecourse.web.security import limiter
from ecourse.web.signupforms import ConfirmForm

bp = Blueprint("followup", __name__)

LINK_MAX_AGE_DAYS = 90  # long enough for a learner who reads their mail late


@dataclass(frozen=True)
class Asked:
    """Whose answer a link asks for, and the question."""

    enrollment: Enrollment
    course: Course
    question: str


def _from_token(token: str) -> Asked | tuple[str, int]:
    """The enrollment the link names, or why not (for the link page, with its status)."""
    try:
        payload = tokens.read("follow-up", token, LINK_MAX_AGE_DAYS * 86400)
    except tokens.TokenError as error:
        return ("expired" if error.expired else "invalid", 410 if error.expired else 400)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], int)):
        return ("invalid", 400)
    subscriber = service.learner(payload[0])
    enrollment = subscriber and db.session.scalar(
        select(Enrollment).where(
            Enrollment.subscriber_id == subscriber.id, Enrollment.course_id == payload[1]
        )
    )
    follow_up = enrollment and courseextras.follow_up(enrollment.course.follow_up_md)
    if not follow_up:
        return ("invalid", 404)
    i18n.speak_for(enrollment.course, subscriber)  # the link names them; no session does
    return Asked(enrollment, enrollment.course, follow_up.question)


def _refused(why: str, status: int):
    return render_template("followup/link_invalid.html", expired=why == "expired"), status


@bp.route("/vraag/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])
def answer(token: str):
    asked = _from_token(token)
    if not isinstance(asked, Asked):
        return _refused(*asked)
    form = ConfirmForm()
    earlier = answers.answer_of(asked.enrollment)
    if not form.validate_on_submit():
        chosen = answers.parse_score(request.args.get("score"))
        shown = {
            "score": chosen or (earlier.score if earlier else None),
            "comment": earlier.comment if earlier else "",
        }
        return _page(asked, form, token, shown, [])
    score = answers.parse_score(request.form.get("score"))
    comment = answers.clean_comment(request.form.get("comment"))
    errors = _problems(request.form.get("score"), score, comment)
    if errors:
        return _page(asked, form, token, {"score": score, "comment": comment}, errors), 400
    answers.save(asked.enrollment, score, comment, utcnow())
    return redirect(url_for("followup.thanks", token=token), 303)


def _problems(sent: str | None, score: int | None, comment: str) -> list[str]:
    problems = []
    if not (sent or "").strip():
        problems.append(_("Kies een cijfer van 1 tot 5."))
    elif score is None:
        problems.append(_("Dat cijfer kennen we niet. Kies 1, 2, 3, 4 of 5."))
    if len(comment) > answers.MAX_COMMENT:
        message = _("Je zin is %(count)d tekens; er passen er hoogstens %(limit)d.")
        problems.append(message % {"count": len(comment), "limit": answers.MAX_COMMENT})
    return problems


def _page(asked: Asked, form, token: str, shown: dict, errors: list[str]):
    return render_template(
        "followup/answer.html",
        course=asked.course,
        question=asked.question,
        form=form,
        token=token,
        shown=shown,
        errors=errors,
        scores=answers.SCORES,
        limit=answers.MAX_COMMENT,
    )


@bp.route("/vraag/<token>/dank")
def thanks(token: str):
    asked = _from_token(token)
    if not isinstance(asked, Asked):
        return _refused(*asked)
    earlier = answers.answer_of(asked.enrollment)
    return render_template("followup/thanks.html", course=asked.course, answer=earlier, token=token)
