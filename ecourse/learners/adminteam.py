"""The admin team, run from the web by an owner: invitations, roles, removal.

An invitation is an admin row without a password and a signed link naming the row and its
nonce; setting the password draws a new nonce, so the link works once. There is always at
least one owner who has joined: the last one cannot be removed or made an editor, so nobody
can lock the academy out of its own admin area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from ecourse.core import tokens
from ecourse.core.db import db, take_write_lock
from ecourse.core.models import Admin, AdminSession, new_public_id
from ecourse.core.statuses import AdminRole
from ecourse.journey import journal
from ecourse.learners import accounts, signups
from ecourse.learners.accounts import AccountError

INVITE_DAYS = 7
ROLE_NAMES = {AdminRole.OWNER: "eigenaar", AdminRole.EDITOR: "redacteur"}


@dataclass(frozen=True)
class Invitation:
    admin: Admin
    token: str


def team() -> list[Admin]:
    """Every admin, owners first, then by address."""
    order = (Admin.role != AdminRole.OWNER, Admin.email)
    return list(db.session.scalars(select(Admin).order_by(*order)))


def invite(email: str, role: AdminRole, by: Admin, now: datetime) -> Invitation:
    """A new admin row, waiting for its password (the caller sends the link, then commits)."""
    known = accounts.find(email)
    if known is not None:
        raise AccountError(f"{known.email} is al beheerder (of al uitgenodigd).")
    try:  # the same rule as a learner's address: one that mail can really reach
        address = signups.normalise_address(email)
    except signups.InvalidAddress:
        raise AccountError(f"‘{email.strip()[:320]}’ is geen bruikbaar e-mailadres.") from None
    admin = Admin(
        email=address,
        password_hash="",
        role=role,
        invited_by=by.email,
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(admin)
    db.session.flush()
    journal.record_admin_action(by.email, "admin_invite", f"{address} als {ROLE_NAMES[role]}", now)
    return Invitation(admin, invitation_token(admin))


def invite_again(admin: Admin, by: Admin, now: datetime) -> Invitation:
    """A new link for someone who has not joined yet; the earlier link stops working."""
    if not admin.invited:
        raise AccountError(f"{admin.email} heeft de uitnodiging al aangenomen.")
    admin.session_nonce = new_public_id()
    journal.record_admin_action(by.email, "admin_reinvite", admin.email, now)
    return Invitation(admin, invitation_token(admin))


def invitation_token(admin: Admin) -> str:
    return tokens.make("admin-invite", [admin.id, admin.session_nonce])


def invited_by_token(token: str) -> Admin:
    """The admin an invitation link names, if it is still open; else `TokenError`."""
    payload = tokens.read("admin-invite", token, INVITE_DAYS * 24 * 3600)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise tokens.TokenError()
    admin = db.session.get(Admin, payload[0])
    if admin is None or not admin.invited or admin.session_nonce != payload[1]:
        raise tokens.TokenError()
    return admin


def accept(admin: Admin, password: str, now: datetime) -> None:
    """The invited admin sets a password and joins (the caller commits)."""
    accounts.check_password_strength(password)
    accounts.change_password(admin, password, now)
    journal.record_admin_action(admin.email, "admin_join", ROLE_NAMES[admin.role], now)


def change_role(admin: Admin, role: AdminRole, by: Admin, now: datetime) -> None:
    """Make an admin owner or editor; their open sessions keep working with the new role."""
    if admin.role == role:
        return
    if admin.role == AdminRole.OWNER:
        _keep_an_owner(admin)
    admin.role = role
    journal.record_admin_action(by.email, "admin_role", f"{admin.email}: {ROLE_NAMES[role]}", now)


def remove(admin: Admin, by: Admin, now: datetime) -> None:
    """Remove an admin and end their sessions at once (the caller commits)."""
    if admin.role == AdminRole.OWNER:
        _keep_an_owner(admin)
    db.session.execute(delete(AdminSession).where(AdminSession.admin_id == admin.id))
    journal.record_admin_action(by.email, "admin_remove", admin.email, now)
    db.session.delete(admin)


def is_last_owner(admin: Admin) -> bool:
    """Whether removing this admin, or making them an editor, would leave no joined owner."""
    if admin.role != AdminRole.OWNER or admin.invited:
        return False
    owners = select(Admin.id).where(Admin.role == AdminRole.OWNER, Admin.password_hash != "")
    return list(db.session.scalars(owners)) == [admin.id]


def _keep_an_owner(leaving: Admin) -> None:
    """Refuse to lose the last joined owner, also when two owners act on each other at once:
    the write lock (SQLite) or the locked owner rows (PostgreSQL) make the second wait and
    then count again."""
    take_write_lock()
    owners = select(Admin.id).where(Admin.role == AdminRole.OWNER, Admin.password_hash != "")
    others = [
        found for found in db.session.scalars(owners.with_for_update()) if found != leaving.id
    ]
    if not others:
        raise AccountError(
            f"{leaving.email} is de enige eigenaar: maak eerst iemand anders eigenaar."
        )
