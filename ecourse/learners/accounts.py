"""Admin accounts: created and re-keyed from the command line, checked at login, and each
login a session the server can end."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ecourse.core.db import db
from ecourse.core.models import Admin, AdminSession, new_public_id

MIN_PASSWORD_LENGTH = 10


# Checked against when the address is unknown, so a wrong address costs as long as a wrong
# password and response times do not reveal which admins exist. A fixed hash (of a password
# nobody has) made with werkzeug's default method: making one costs a tenth of a second,
# which every process paid at import (a tick too), or the first unknown address would pay at
# sign-in, and so stand out. `tests/test_admin_access.py` checks it still uses the method
# werkzeug makes new hashes with.
DUMMY_HASH = (
    "scrypt:32768:8:1$8DLKQ6qKCPTZvMJ2$a1c1ad14e5e27d6aec5f9868d5de80f268dbdb29aaecb42a48f56"
    "293f72c9200814ba2afa28bed8a199c19f1b563c8e5bd87ae736ae2ee37d2a2f06b0d8e120c"
)


class AccountError(ValueError):
    """A request about an account that cannot be met, in words for the person asking."""


def normalise(email: str) -> str:
    return email.strip().lower()


def find(email: str) -> Admin | None:
    return db.session.scalar(select(Admin).where(func.lower(Admin.email) == normalise(email)))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def create(email: str, password: str, now: datetime) -> Admin:
    address = normalise(email)
    if "@" not in address:
        raise AccountError(f"{email!r} is not an email address.")
    if find(address) is not None:
        raise AccountError(f"An admin {address} exists already; use `ecourse admin set-password`.")
    check_password_strength(password)
    admin = Admin(
        email=address,
        password_hash=generate_password_hash(password),
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(admin)
    db.session.commit()
    return admin


def set_password(email: str, password: str, now: datetime) -> Admin:
    """Change the password and end every session issued before the change."""
    admin = find(email)
    if admin is None:
        raise AccountError(f"There is no admin {normalise(email)}.")
    check_password_strength(password)
    change_password(admin, password, now)
    db.session.commit()
    return admin


def change_password(admin: Admin, password: str, now: datetime) -> None:
    """A new password, and a new nonce that ends every earlier session and makes an
    invitation link used (the caller has checked the strength, and commits)."""
    admin.password_hash = generate_password_hash(password)
    admin.password_changed_at = now
    admin.session_nonce = new_public_id()


def password_matches(admin: Admin, password: str) -> bool:
    return not admin.invited and check_password_hash(admin.password_hash, password)


def authenticate(email: str, password: str) -> Admin | None:
    admin = find(email)
    if admin is None or admin.invited:  # an invited admin has no password to match yet
        check_password_hash(DUMMY_HASH, password)
        return None
    return admin if check_password_hash(admin.password_hash, password) else None


def open_session(admin: Admin, now: datetime) -> str:
    """A new login: its key goes into the session cookie (the caller commits)."""
    key = secrets.token_urlsafe(32)
    db.session.add(AdminSession(id=key, admin_id=admin.id, started_at=now))
    return key


def session_open(key: object, admin_id: int) -> bool:
    """Whether the login `key` names is this admin's and has not been ended."""
    if not isinstance(key, str) or not key:
        return False
    found = db.session.get(AdminSession, key)
    return found is not None and found.admin_id == admin_id and found.ended_at is None


def close_session(key: object, now: datetime) -> None:
    """End a login on the server (the caller commits); a copied cookie opens nothing after."""
    if isinstance(key, str) and key:
        found = db.session.get(AdminSession, key)
        if found is not None and found.ended_at is None:
            found.ended_at = now
