"""What every page shares: CSRF protection, rate limits, security headers, error pages."""

from __future__ import annotations

from flask import Flask, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)

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
    csrf.init_app(app)
    limiter.init_app(app)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)


def _refuse_nul() -> None:
    """A NUL byte is never part of a real URL or form; PostgreSQL cannot even store it."""
    values = [request.path, *request.args.values()]
    if request.method == "POST" and request.mimetype != "application/json":
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400)


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
    return response


# Lazy: each is translated when a page shows it, in that page's language.
MESSAGES = {
    400: _l("Dit verzoek konden we niet verwerken."),
    404: _l("Deze pagina bestaat niet (meer)."),
    405: _l("Deze pagina werkt zo niet."),
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
    return render_template("error.html", code=code, message=message), code


def _csrf_error(error: CSRFError):
    return render_template("error.html", code=400, message=EXPIRED_FORM), 400
