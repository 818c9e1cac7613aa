"""POST /api/v1/signups: sign-up by JSON, for the academy's own pages and scripts.

The answer never tells whether an address is known: every sign-up that is accepted or
quietly dropped (the honeypot) gets the same 202. Invalid input gets 400 with a
visitor-ready message, in the course's language, and the field it is about. A sign-up sent
faster than the time trap allows gets 409 with a message asking for one more click: the
calling page shows it and sends again, never losing the person (why: `timetrap`). Browsers
may call it from the sites in `EMBED_ORIGINS` (CORS); a request naming another origin gets
403. See docs/embedding.md for examples.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ecourse.content.courses import course_by_slug, default_course
from ecourse.core.clock import utcnow
from ecourse.learners import signups as service
from ecourse.web import locale as i18n
from ecourse.web import origins, timetrap
from ecourse.web import security as web
from ecourse.web.embed.routes import api
from ecourse.web.security import csrf
from ecourse.web.signing_up import answered, sign_up_origin, signup_limit
from ecourse.web.signupforms import MESSAGES
from ecourse.worker.wakeup import wake

TEXT_FIELDS = ("email", "first_name", "course", "timezone", "website")
CORS_MAX_AGE = 600  # seconds a browser may reuse a preflight's answer


class ApiError(Exception):
    """An answer other than 202: the status, a message for people, and the field."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


@api.errorhandler(ApiError)
def _api_error(error: ApiError):
    return jsonify(error=str(error.message), field=error.field), error.status


@api.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """Rate limits (429), too large (413) and the like, in JSON like every other answer."""
    code = error.code or 500
    message = web.MESSAGES.get(code, web.SERVER_ERROR)
    return jsonify(error=str(message), field=None), code  # str: the message may be lazy


@api.before_request
def _only_from_allowed_sites():
    if not origins.allowed():
        raise ApiError(403, _("Aanmelden via de API staat uit: er is geen website toegestaan."))
    if "Origin" in request.headers and not origins.is_allowed(origins.request_origin()):
        raise ApiError(403, _("Deze website mag hier geen aanmeldingen sturen."))


@api.after_request
def _cors(response):
    """Let the browser hand our answer to pages of the allowed sites, and only to them."""
    response.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if origins.is_allowed(origins.origin_of(origin)):
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS":  # the preflight before a JSON POST
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response


@api.post("/signups")
@csrf.exempt
@signup_limit
def create_signup():
    payload = _payload()
    if payload.get("website"):  # the honeypot
        answered()
        return _accepted()
    course = _course(payload.get("course"))
    i18n.speak_for(course)  # from here on, answers and the consent speak the course's language
    address = _address(payload)
    _check_other_fields(payload)
    if not timetrap.elapsed_passed(payload["elapsed_ms"]):
        raise ApiError(409, _("Bijna klaar: kijk of alles klopt en klik nog één keer op de knop."))
    service.register(
        course,
        address,
        payload.get("first_name", ""),
        payload.get("timezone", ""),
        sign_up_origin(origins.source_page()),
        utcnow(),
    )
    answered()
    wake()
    return _accepted()


def _accepted():
    return jsonify(status="check_your_email"), 202


def _payload() -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(415, _("Stuur de aanmelding als JSON (Content-Type: application/json)."))
    payload = web.json_body()
    if not isinstance(payload, dict):
        raise ApiError(400, _("Dit is geen geldig JSON-object."))
    for name in TEXT_FIELDS:
        value = payload.get(name, "")
        if not isinstance(value, str) or not web.storable(value):
            raise ApiError(400, _("%(field)s hoort tekst te zijn.", field=name), name)
    return payload


def _course(slug: str | None):
    course = course_by_slug(slug) if slug else default_course()
    if course is None:
        raise ApiError(400, _("Deze cursus bestaat niet."), "course")
    return course


def _address(payload: dict[str, Any]) -> str:
    email = payload.get("email", "").strip()
    if not email:
        raise ApiError(400, MESSAGES["email"], "email")
    try:
        return service.normalise_address(email)
    except service.InvalidAddress as error:
        raise ApiError(400, str(error), "email") from None


def _check_other_fields(payload: dict[str, Any]) -> None:
    if len(payload.get("first_name", "")) > 100:
        raise ApiError(400, MESSAGES["first_name"], "first_name")
    if payload.get("consent") is not True:
        raise ApiError(400, MESSAGES["consent"], "consent")
    elapsed = payload.get("elapsed_ms")
    if type(elapsed) is not int or elapsed < 0:  # bool is an int too, and not a duration
        raise ApiError(
            400,
            _(
                "%(field)s hoort het aantal milliseconden te zijn dat het formulier open stond.",
                field="elapsed_ms",
            ),
            "elapsed_ms",
        )
