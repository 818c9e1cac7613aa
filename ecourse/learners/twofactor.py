"""The optional second factor for admins: a TOTP code from an app, or a recovery code.

Every rule takes `now`. A code works once: the time step it was made for is kept, and a code
from that step or an earlier one is refused, so a code seen over a shoulder cannot be
replayed. Recovery codes are stored hashed and each works once.

pyotp and segno are imported where they are used: the app is built by every process, the
worker and `ecourse tick` too, and only an admin's sign-in pages need them.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, or_, update
from werkzeug.security import check_password_hash, generate_password_hash

from ecourse.core.db import db
from ecourse.core.models import Admin, new_public_id

RECOVERY_CODES = 10
# Codes from the step before and after count too: a phone's clock a little off still works.
DRIFT_STEPS = 1
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def setup_secret(admin: Admin, key: bytes) -> str:
    """The secret offered while setting up: derived on the server from this admin's login
    nonce, so it is the same on every reload, never sits in the (readable) session cookie,
    and is worth nothing once the nonce changes (turning the factor on rotates it)."""
    digest = hmac.new(key, f"totp-setup:{admin.id}:{admin.session_nonce}".encode(), "sha256")
    return base64.b32encode(digest.digest()[:20]).decode()


def setup_uri(secret: str, email: str, issuer: str) -> str:
    """What an authenticator app reads from the QR code."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code as an inline SVG, drawn on the server: no image from elsewhere."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=5, title="QR-code voor je app")


def code_fits(secret: str, code: str, now: datetime, after_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is right for `now` and newer than
    `after_step`; None otherwise."""
    import pyotp

    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        fresh = after_step is None or step > after_step
        if fresh and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def turn_on(admin: Admin, secret: str, code: str, now: datetime) -> list[str] | None:
    """Keep the secret once the admin shows their app makes right codes; returns the new
    recovery codes to show them once, or None when the code is wrong (the caller commits)."""
    step = code_fits(secret, code, now, None)
    if step is None:
        return None
    admin.totp_secret, admin.totp_last_step = secret, step
    admin.session_nonce = new_public_id()  # sessions from before the change end
    return new_recovery_codes(admin)


def turn_off(admin: Admin) -> None:
    admin.totp_secret, admin.totp_last_step, admin.recovery_hashes = None, None, ""
    admin.session_nonce = new_public_id()


def check(admin: Admin, code: str, now: datetime) -> str | None:
    """At login: a fresh TOTP code ("app"), or an unused recovery code ("recovery", used up
    by this check); None when neither.

    Each use is one conditional UPDATE: of two logins sending the same code at the same
    moment, only the one whose UPDATE finds the old value wins (the caller commits)."""
    if admin.totp_secret is None:
        return None
    step = code_fits(admin.totp_secret, code, now, admin.totp_last_step)
    if step is not None:
        newer = or_(Admin.totp_last_step.is_(None), Admin.totp_last_step < step)
        return "app" if _claimed(admin, newer, totp_last_step=step) else None
    return "recovery" if _use_recovery_code(admin, code) else None


def _claimed(admin: Admin, still: ColumnElement[bool], **values) -> bool:
    statement = update(Admin).where(Admin.id == admin.id, still).values(**values)
    claimed = db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.refresh(admin)
    return claimed.rowcount == 1


def new_recovery_codes(admin: Admin) -> list[str]:
    """Fresh recovery codes; earlier ones stop working."""
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    admin.recovery_hashes = "\n".join(generate_password_hash(code) for code in codes)
    return codes


def recovery_codes_left(admin: Admin) -> int:
    return len(admin.recovery_hashes.split()) if admin.recovery_hashes else 0


def _recovery_code() -> str:
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


def _use_recovery_code(admin: Admin, code: str) -> bool:
    typed = "".join(code.lower().split()).replace("-", "")
    if len(typed) != 10:
        return False
    before = admin.recovery_hashes
    hashes = before.split()
    for stored in hashes:
        if check_password_hash(stored, f"{typed[:5]}-{typed[5:]}"):
            left = "\n".join(other for other in hashes if other != stored)
            return _claimed(admin, Admin.recovery_hashes == before, recovery_hashes=left)
    return False
