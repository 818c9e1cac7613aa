"""What every page shares: CSRF protection, rate limits, security headers, error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def refused(response: Response) -> bool:
    """For `deduct_when`: only a refused password, code or secret (401) counts toward a
    limit, so a person or a provider that gets it right is never held back."""
    return response.status_code == 401


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def init_app(app: Flask) -> None:
    if app.config["ECOURSE"]["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.before_request(_upload_limit)  # before CSRF protection reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)


def allows_upload(most_bytes, too_big=None):
    """Let this view take a request of up to `most_bytes` (a file upload; or a function
    that says how many, for a limit that is a setting); every other request stays under
    MAX_CONTENT_LENGTH (1 MB). A bigger one gets a 413, refused before its body is read,
    with `too_big()` as its message when given (say what the limit is)."""

    def mark(view):
        view.max_upload_bytes = most_bytes
        view.too_big_message = too_big
        return view

    return mark


def _upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    most = getattr(view, "max_upload_bytes", None)
    most = most() if callable(most) else most
    if most:
        request.max_content_length = most


def _refuse_nul() -> None:
    """A NUL byte or a lone surrogate is never part of a real URL or form; PostgreSQL
    cannot even store a NUL, and no database driver can encode a lone surrogate."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method == "POST" and request.mimetype != "application/json":
        values += [*request.form.keys(), *request.form.values()]
    if not all(storable(value) for value in values):
        abort(400)


def storable(text: str) -> bool:
    """Whether every database can keep this text: no NUL, valid UTF-8 all through."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, such as "\ud800" from JSON
        return False
    return True


def json_body() -> Any:
    """The request's JSON, or None when it is not JSON we can read: broken, or nested so
    deep (thousands of `[`) that parsing it would exhaust the stack."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # same-origin: no URL ever leaves for another site, while Flask-WTF's HTTPS referrer
    # check still sees our own pages.
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        # Pages carry a learner's notes, an admin's lists, a session's CSRF token: no
        # browser or proxy cache may keep them. Only the static files are cacheable.
        headers.setdefault("Cache-Control", "no-store")
    return response


# Lazy: each is translated when a page shows it, in that page's language.
MESSAGES = {
    400: _l("Dit verzoek konden we niet verwerken."),
    403: _l("Deze pagina kun je (nog) niet openen."),
    404: _l("Deze pagina bestaat niet (meer)."),
    405: _l("Deze pagina werkt zo niet."),
    410: _l("Deze pagina is er niet meer."),
    413: _l("Dat is te veel in één keer."),
    429: _l(
        "Even rustig aan: je hebt dit net te vaak geprobeerd. "
        "Probeer het over een paar minuten opnieuw."
    ),
}
SERVER_ERROR = _l("Er ging iets mis aan onze kant. Probeer het later nog eens.")
EXPIRED_FORM = _l(
    "Dit formulier was verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens."
)


def _http_error(error: HTTPException):
    code = error.code or 500
    message = MESSAGES.get(code, SERVER_ERROR)
    view = current_app.view_functions.get(request.endpoint or "")
    if code == 413 and getattr(view, "too_big_message", None):
        message = view.too_big_message()
    return render_template("error.html", code=code, message=message), code


def _csrf_error(error: CSRFError):
    return render_template("error.html", code=400, message=EXPIRED_FORM), 400
