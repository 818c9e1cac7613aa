"""Admins in the web: roles enforced on every admin route, invitations, removal, the last
owner kept, and the audit page built from the journal."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from ecourse.core.db import db
from ecourse.core.models import Admin, Event
from ecourse.core.statuses import ActorKind, AdminRole
from ecourse.journey import journal
from ecourse.learners import accounts
from ecourse.web.admin import auth, roles
from tests.conftest import BASE_URL
from tests.factories import sign_up, the_course
from tests.web import ADMIN_EMAIL, admin_form, csrf_token, link_in, log_in

EDITOR_EMAIL, EDITOR_PASSWORD = "redactie@academie.test", "lessen-schrijven-7"
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _account(email: str, password: str, role: AdminRole) -> Admin:
    admin = accounts.create(email, password, NOW)
    admin.role = role
    db.session.commit()
    return admin


@pytest.fixture
def editor(app) -> Admin:
    return _account(EDITOR_EMAIL, EDITOR_PASSWORD, AdminRole.EDITOR)


@pytest.fixture
def editor_client(app, editor):
    client = app.test_client()
    assert log_in(client, EDITOR_EMAIL, EDITOR_PASSWORD).status_code == 302
    return client


def _route_values(app, spare: Admin) -> dict[str, str]:
    course = the_course()
    subscriber = sign_up("leerling@example.org", NOW)
    return {
        "slug": course.slug,
        "lesson_slug": course.lessons[0].slug,
        "public_id": subscriber.public_id,
        "admin_id": str(spare.id),
        "action": "pauzeren",
        "token": "x",
    }


def _admin_routes(app, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """Every admin route behind the login (endpoint, method, URL with real values); logging
    out last, as it ends the session the walk uses."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint in auth.PUBLIC_ENDPOINTS:
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m[1]], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return sorted(found, key=lambda route: route[0] == "admin.logout")


def _walk(client, routes) -> dict[tuple[str, str, str], int]:
    token = csrf_token(client.get("/admin/account").text)
    data = {"csrf_token": token, "confirm": "y"}
    return {
        route: client.open(route[2], method=route[1], data=data).status_code for route in routes
    }


def test_every_admin_route_as_each_role(app, admin, editor_client):
    spare = _account("reserve@academie.test", "reserve-wachtwoord", AdminRole.EDITOR)
    routes = _admin_routes(app, _route_values(app, spare))
    assert len(routes) >= 35
    for route, status in _walk(editor_client, routes).items():
        if route[0] in roles.EDITOR_ENDPOINTS:
            assert status not in {401, 403} and status < 500, route
        else:
            assert status == 403, route
    owner = app.test_client()
    log_in(owner)
    for route, status in _walk(owner, routes).items():
        assert status not in {401, 403} and status < 500, route
    assert db.session.get(Admin, spare.id) is None  # the owner's walk really acted


def test_the_editor_sees_only_what_the_role_may_open(editor_client):
    lessons = editor_client.get("/admin/cursussen", follow_redirects=True)
    assert lessons.status_code == 200 and "Les nummer 1" in lessons.text
    assert 'href="/admin/cursussen"' in lessons.text and 'href="/admin/account"' in lessons.text
    for owners_only in (
        "/admin/deelnemers",
        "/admin/beheerders",
        "/admin/logboek",
        'href="/admin/"',
    ):
        assert owners_only not in lessons.text
    refused = editor_client.get("/admin/deelnemers")
    assert refused.status_code == 403
    assert "alleen voor eigenaren" in refused.text and 'href="/admin/cursussen"' in refused.text


def test_an_editor_logs_in_to_the_lessons(app, editor):
    response = log_in(app.test_client(), EDITOR_EMAIL, EDITOR_PASSWORD)
    assert response.headers["Location"] == "/admin/cursussen"


def test_an_invitation_is_emailed_used_once_and_joins_as_editor(app, admin_client, outbox):
    sent = admin_form(
        admin_client,
        "/admin/beheerders",
        "/admin/beheerders/uitnodigen",
        {"email": " Nieuw@Academie.test ", "role": "editor"},
    )
    assert sent.status_code == 302
    (message,) = outbox
    assert message.to == "nieuw@academie.test"
    link = link_in(message.text, "/admin/welkom/").removeprefix(BASE_URL)
    team = admin_client.get("/admin/beheerders", follow_redirects=True).text
    assert "Uitnodiging verstuurd naar nieuw@academie.test" in team and "uitgenodigd" in team
    assert accounts.authenticate("nieuw@academie.test", "") is None

    newcomer = app.test_client()
    welcome = newcomer.get(link)
    assert welcome.status_code == 200 and "redacteur" in welcome.text
    data = {"csrf_token": csrf_token(welcome.text), "password": "een-goed-wachtwoord"}
    mismatch = newcomer.post(link, data=data | {"repeat": "iets anders"})
    assert mismatch.status_code == 200 and "niet gelijk" in mismatch.text
    joined = newcomer.post(link, data=data | {"repeat": "een-goed-wachtwoord"})
    assert joined.headers["Location"] == "/admin/cursussen"
    assert newcomer.get("/admin/cursussen", follow_redirects=True).status_code == 200
    assert newcomer.get("/admin/deelnemers").status_code == 403

    again = app.test_client().get(link)
    assert again.status_code == 410 and "werkt niet meer" in again.text
    assert 'href="/admin/inloggen"' in again.text
    log = admin_client.get("/admin/logboek").text
    assert "beheerder uitgenodigd" in log and "uitnodiging aangenomen" in log
    assert "nieuw@academie.test als redacteur" in log


def test_a_bad_or_known_address_keeps_what_was_typed(admin_client, admin, outbox):
    for typed, problem in (("geen-adres", "is geen e-mailadres"), (ADMIN_EMAIL, "al beheerder")):
        page = admin_form(
            admin_client,
            "/admin/beheerders",
            "/admin/beheerders/uitnodigen",
            {"email": typed, "role": "owner"},
        )
        assert page.status_code == 400
        assert problem in page.text and f'value="{typed}"' in page.text
    assert outbox == []


@pytest.mark.clock
def test_an_invitation_older_than_seven_days_is_closed(app, admin):
    invited = Admin(
        email="laat@academie.test",
        password_hash="",
        role=AdminRole.EDITOR,
        created_at=NOW,
        password_changed_at=NOW,
    )
    db.session.add(invited)
    db.session.commit()

    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 24 * 3600

    old = URLSafeTimedSerializer(app.secret_key, salt="ecourse.admin-invite", signer=EightDaysAgo)
    token = old.dumps([invited.id, invited.session_nonce])
    page = app.test_client().get(f"/admin/welkom/{token}")
    assert page.status_code == 410 and "ouder dan 7 dagen" in page.text


def test_an_invitation_sent_again_closes_the_first_link(app, admin_client, outbox):
    admin_form(
        admin_client,
        "/admin/beheerders",
        "/admin/beheerders/uitnodigen",
        {"email": "twee@academie.test", "role": "editor"},
    )
    invited = accounts.find("twee@academie.test")
    admin_form(admin_client, "/admin/beheerders", f"/admin/beheerders/{invited.id}/opnieuw", {})
    first, second = (link_in(message.text, "/admin/welkom/") for message in outbox)
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200


def test_the_last_owner_cannot_be_made_editor_or_removed(admin_client, admin):
    own = f"/admin/beheerders/{admin.id}"
    demoted = admin_form(admin_client, "/admin/beheerders", f"{own}/rol", {"role": "editor"})
    removed = admin_form(admin_client, "/admin/beheerders", f"{own}/verwijderen", {})
    for response in (demoted, removed):
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Admin, admin.id).role == AdminRole.OWNER
    page = admin_client.get("/admin/beheerders").text
    assert "is de enige eigenaar" in page


def test_a_role_change_and_a_removal_act_on_open_sessions_at_once(
    app, admin_client, editor_client, editor
):
    assert editor_client.get("/admin/deelnemers").status_code == 403
    url = f"/admin/beheerders/{editor.id}"
    admin_form(admin_client, "/admin/beheerders", f"{url}/rol", {"role": "owner"})
    assert editor_client.get("/admin/deelnemers").status_code == 200
    confirm = admin_client.get(f"{url}/verwijderen")
    assert confirm.status_code == 200 and "Ja, verwijderen" in confirm.text
    admin_form(admin_client, f"{url}/verwijderen", f"{url}/verwijderen", {})
    gone = editor_client.get("/admin/cursussen")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/admin/inloggen")
    assert log_in(app.test_client(), EDITOR_EMAIL, EDITOR_PASSWORD).status_code == 401


def _admin_event(email: str, action: str, at: datetime) -> None:
    journal.record_admin_action(email, action, f"{action} om {at:%H:%M}", at)


def test_the_audit_page_lists_admin_actions_and_filters_them(admin_client, admin):
    before = db.session.query(Event).count()
    _admin_event("a@academie.test", "admin_invite", NOW - timedelta(days=2))
    _admin_event("b@academie.test", "admin_role", NOW - timedelta(days=1))
    _admin_event("a@academie.test", "admin_remove", NOW)
    journal.record(
        sign_up("x@example.org", NOW), "pause", "door de deelnemer", journal.LEARNER, NOW
    )
    db.session.commit()
    assert db.session.query(Event).filter(Event.actor == ActorKind.ADMIN).count() >= 4
    assert db.session.query(Event).count() > before

    everything = admin_client.get("/admin/logboek").text
    for detail in ("admin_invite om", "admin_role om", "admin_remove om"):
        assert detail in everything
    assert "door de deelnemer" not in everything  # a learner's own change is not an admin's

    by_a = admin_client.get("/admin/logboek?wie=a@academie.test").text
    assert "admin_invite om" in by_a and "admin_remove om" in by_a and "admin_role om" not in by_a
    removals = admin_client.get("/admin/logboek?wat=admin_remove").text
    assert "admin_remove om" in removals and "admin_invite om" not in removals
    day = (NOW - timedelta(days=1)).date().isoformat()  # 10:00 in Amsterdam: the same day
    one_day = admin_client.get(f"/admin/logboek?van={day}&tot={day}").text
    assert "admin_role om" in one_day and "admin_invite om" not in one_day
    assert "admin_remove om" not in one_day
    odd = admin_client.get("/admin/logboek?van=gisteren&pagina=9999999999")
    assert odd.status_code == 200
