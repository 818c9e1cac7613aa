"""Admins in the web: roles enforced on every admin route, invitations, removal, the last
owner kept, and the audit page built from the journal."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from html import escape

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
        url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: values[m[1]], rule.rule)
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
        {"email": " Nieuw@Example.org ", "role": "editor"},
    )
    assert sent.status_code == 302
    (message,) = outbox
    assert message.to == "nieuw@example.org"
    link = link_in(message.text, "/admin/welkom/").removeprefix(BASE_URL)
    team = admin_client.get("/admin/beheerders", follow_redirects=True).text
    assert "Uitnodiging verstuurd naar nieuw@example.org" in team and "uitgenodigd" in team
    assert accounts.authenticate("nieuw@example.org", "") is None

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
    assert "nieuw@example.org als redacteur" in log


def test_a_bad_or_known_address_keeps_what_was_typed(admin_client, admin, outbox):
    for typed, problem in (
        ("geen-adres", "is geen bruikbaar e-mailadres"),
        ("a<b>@x.nl", "is geen bruikbaar e-mailadres"),
        ("twee@@x.nl", "is geen bruikbaar e-mailadres"),
        ("spatie in@x.nl", "is geen bruikbaar e-mailadres"),
        (ADMIN_EMAIL.upper(), "al beheerder"),
    ):
        page = admin_form(
            admin_client,
            "/admin/beheerders",
            "/admin/beheerders/uitnodigen",
            {"email": typed, "role": "owner"},
        )
        assert page.status_code == 400
        assert problem in page.text and f'value="{escape(typed)}"' in page.text
    assert outbox == []


@pytest.mark.clock
def test_an_invitation_older_than_seven_days_is_closed(app, admin):
    invited = Admin(
        email="laat@example.org",
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


def _invite_twice(admin_client, email: str):
    """Invite `email`, then invite them again; the answer to the second invitation."""
    admin_form(
        admin_client,
        "/admin/beheerders",
        "/admin/beheerders/uitnodigen",
        {"email": email, "role": "editor"},
    )
    invited = accounts.find(email)
    return admin_form(
        admin_client, "/admin/beheerders", f"/admin/beheerders/{invited.id}/opnieuw", {}
    )


def test_an_invitation_sent_again_closes_the_first_link(app, admin_client, outbox):
    _invite_twice(admin_client, "twee@example.org")
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


@pytest.mark.clock
def test_an_editor_sees_the_reach_of_a_change_but_no_learner(app, admin_client, editor_client):
    from tests.test_admin_lessons import post_lesson, three_learners

    three_learners(datetime.now(UTC))
    for client, shows in ((admin_client, True), (editor_client, False)):
        check = post_lesson(client, step="check")
        assert check.status_code == 200 and "<strong>2</strong> zijn al voorbij" in check.text
        page = client.get("/admin/cursussen/testcursus")
        url = "/admin/cursussen/testcursus/lessen/03-les-3/verplaats"
        move = client.post(url, data={"csrf_token": csrf_token(page.text), "direction": "up"})
        assert move.status_code == 200 and "Lessen van plaats wisselen" in move.text
        addresses = ("een@example.org", "twee@example.org", "klaar@example.org")
        for response in (check, move):
            assert any(address in response.text for address in addresses) is shows
        if not shows:
            assert "Namen en adressen ziet alleen een eigenaar." in check.text


def test_an_export_is_on_the_audit_page_without_the_address_searched_for(admin_client):
    learner = sign_up("jan.jansen@example.org", NOW)
    export = admin_client.get(
        "/admin/deelnemers/export.csv?q=jan.jansen@example.org&status=pending"
    )
    assert export.status_code == 200 and "jan.jansen@example.org" in export.text
    from ecourse.learners import privacy

    privacy.erase(learner, "erased on request", NOW)
    db.session.commit()
    log = admin_client.get("/admin/logboek?wat=people_export").text
    assert "deelnemers geëxporteerd" in log and "met zoekterm, status: wacht op bevestiging" in log
    assert "jan.jansen" not in log
    assert not db.session.query(Event).filter(Event.detail.contains("jan.jansen")).count()


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app, admin):
    """The first change holds its lock while the second one tries: the second must wait,
    then count again and refuse, instead of both going through and leaving no owner."""
    import threading

    from ecourse.learners import adminteam

    other = _account("tweede@academie.test", "tweede-eigenaar-1", AdminRole.OWNER)
    adminteam.change_role(other, AdminRole.EDITOR, admin, NOW)  # not committed yet
    outcome = {}

    def the_other_owner_at_the_same_moment():
        with app.app_context():
            them, me = db.session.get(Admin, other.id), db.session.get(Admin, admin.id)
            try:
                adminteam.change_role(me, AdminRole.EDITOR, them, NOW)
                db.session.commit()
                outcome["second"] = "went through"
            except accounts.AccountError:
                db.session.rollback()
                outcome["second"] = "refused"
            finally:
                db.session.remove()

    second = threading.Thread(target=the_other_owner_at_the_same_moment)
    second.start()
    second.join(1.0)
    assert second.is_alive()  # waiting for the first change's lock
    db.session.commit()
    second.join(30)
    assert outcome == {"second": "refused"}
    db.session.expire_all()
    assert db.session.get(Admin, admin.id).role == AdminRole.OWNER


def test_an_invited_owner_does_not_keep_the_last_joined_owner_in_place(admin_client, admin):
    from ecourse.learners import adminteam

    adminteam.invite("komt-nog@example.org", AdminRole.OWNER, admin, NOW)
    db.session.commit()
    own = f"/admin/beheerders/{admin.id}"
    admin_form(admin_client, "/admin/beheerders", f"{own}/rol", {"role": "editor"})
    db.session.expire_all()
    assert db.session.get(Admin, admin.id).role == AdminRole.OWNER


def test_an_owner_may_leave_when_another_owner_has_joined(app, admin_client, admin):
    _account("tweede@academie.test", "tweede-eigenaar-1", AdminRole.OWNER)
    own = f"/admin/beheerders/{admin.id}"
    left = admin_form(admin_client, f"{own}/verwijderen", f"{own}/verwijderen", {})
    assert left.headers["Location"] == "/admin/inloggen"
    assert db.session.get(Admin, admin.id) is None
    assert admin_client.get("/admin/").status_code == 302


@pytest.mark.parametrize("url", ["/admin/beheerders/99999999999999999999999/verwijderen"])
def test_an_admin_id_too_big_for_the_database_is_not_found(admin_client, url):
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query", ["van=0001-01-01", "tot=9999-12-31", "van=9999-12-31&tot=0001-01-01", "van=2026-02-30"]
)
def test_the_audit_page_ignores_dates_it_cannot_use(admin_client, query):
    page = admin_client.get(f"/admin/logboek?{query}")
    assert page.status_code == 200 and "ingelogd" in page.text  # the unfiltered list


def test_an_editor_sent_to_an_owners_page_logs_in_to_the_lessons(app, editor):
    client = app.test_client()
    page = client.get("/admin/inloggen?next=/admin/deelnemers")
    data = {"csrf_token": csrf_token(page.text), "email": EDITOR_EMAIL, "password": EDITOR_PASSWORD}
    landed = client.post("/admin/inloggen?next=/admin/deelnemers", data=data)
    assert landed.headers["Location"] == "/admin/cursussen"
    kept = app.test_client()
    page = kept.get("/admin/inloggen?next=/admin/account")
    data["csrf_token"] = csrf_token(page.text)
    assert kept.post("/admin/inloggen?next=/admin/account", data=data).headers["Location"] == (
        "/admin/account"
    )


def test_only_refused_logins_count_toward_the_limit(app, admin):
    client = app.test_client()
    for _ in range(12):
        assert log_in(client).status_code == 302
    statuses = [log_in(client, password="fout-wachtwoord").status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]


def test_refusals_logins_and_logouts_are_on_the_audit_page(app, admin_client, admin):
    log_in(app.test_client(), password="fout-wachtwoord")
    log_in(app.test_client(), email="niemand@example.org", password="fout-wachtwoord")
    other = app.test_client()
    log_in(other)
    admin_form(other, "/admin/account", "/admin/uitloggen", {})
    log = admin_client.get(f"/admin/logboek?wie={ADMIN_EMAIL}").text
    for words in ("inloggen geweigerd", "wachtwoord klopt niet", "uitgelogd", "ingelogd"):
        assert words in log
    everything = admin_client.get("/admin/logboek").text
    assert "niemand@example.org" not in everything  # what anyone typed is not kept


def test_the_audit_page_past_its_end_shows_the_last_page(admin_client, admin):
    for minute in range(60):
        _admin_event("a@academie.test", "admin_role", NOW + timedelta(minutes=minute))
    db.session.commit()
    page = admin_client.get("/admin/logboek?pagina=999").text
    assert "Pagina 2 van 2" in page and "admin_role om" in page
    swapped = admin_client.get("/admin/logboek?van=2026-11-05&tot=2026-11-01").text
    assert "draai de twee datums om" in swapped


def test_the_only_owner_is_told_before_pressing_remove(admin_client, admin):
    page = admin_client.get(f"/admin/beheerders/{admin.id}/verwijderen").text
    assert "Je bent de enige eigenaar" in page and "Ja, verwijderen" not in page


def test_inviting_again_says_the_first_link_stopped(admin_client, admin, outbox):
    done = _invite_twice(admin_client, "twee@example.org")
    page = admin_client.get(done.headers["Location"]).text
    assert "De vorige link werkt niet meer." in page
    assert outbox[-1].sender.endswith("<cursus@academie.test>")
    assert "ecourse.test" in outbox[-1].subject  # which site the invitation is for
