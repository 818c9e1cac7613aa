"""Admin access: accounts from the command line, login, and every admin URL guarded."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from werkzeug.security import check_password_hash, generate_password_hash

from ecourse.cli.main import main
from ecourse.core.models import Admin
from ecourse.learners import accounts
from ecourse.web.admin import auth
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token, log_in

LEARNER_PUBLIC_ID = "leerling-zonder-beheerrechten"


def _admin_urls(app) -> list[tuple[str, str]]:
    """Every admin URL with placeholder values, and the method it answers to."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in auth.PUBLIC_ENDPOINTS:
            continue
        url = re.sub(
            r"<(?:[^:>]+:)?(\w+)>",
            lambda m: {"action": "pauzeren", "admin_id": "1"}.get(m[1], "x"),
            rule.rule,
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def _assert_all_refused(app, client) -> None:
    # A valid CSRF token for this session, so POSTs reach the login check itself.
    token = csrf_token(client.get("/admin/inloggen").text)
    urls = _admin_urls(app)
    assert len(urls) >= 20
    for method, url in urls:
        response = client.open(url, method=method, data={"csrf_token": token, "confirm": "y"})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/admin/inloggen"), (method, url)


def test_every_admin_url_refuses_an_anonymous_visitor(app, client):
    _assert_all_refused(app, client)


def test_every_admin_url_refuses_a_learner_session(app, client):
    with client.session_transaction() as session:
        session["learner"] = LEARNER_PUBLIC_ID
    _assert_all_refused(app, client)


def test_login_with_the_right_password_opens_the_dashboard(app, admin):
    client = app.test_client()
    response = log_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/admin/")
    assert page.status_code == 200 and "Overzicht: Testcursus" in page.text


def test_wrong_password_and_unknown_address_get_the_same_answer(app, admin):
    client = app.test_client()
    wrong = log_in(client, password="niet-het-wachtwoord")
    unknown = log_in(client, email="onbekend@academie.test")
    assert wrong.status_code == unknown.status_code == 401
    assert "horen niet bij elkaar" in wrong.text and "horen niet bij elkaar" in unknown.text
    assert client.get("/admin/").status_code == 302


def test_an_unknown_address_is_checked_as_dearly_as_a_password(app, admin):
    """The stand-in hash that an unknown address is checked against uses the method, and
    so the cost, of the hashes werkzeug makes for real passwords; it matches no password."""
    method = accounts.DUMMY_HASH.split("$", 1)[0]
    assert method == generate_password_hash("anything at all").split("$", 1)[0]
    assert not check_password_hash(accounts.DUMMY_HASH, "not a real password!")
    assert accounts.authenticate("nobody@example.org", ADMIN_PASSWORD) is None


def test_login_is_rate_limited(app, admin):
    client = app.test_client()
    codes = [log_in(client, password=f"fout-{n}-wachtwoord").status_code for n in range(12)]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]
    assert log_in(client).status_code == 429  # even the right password waits


@pytest.mark.clock
def test_session_cookie_is_secure_when_the_base_url_is_https(make_app, settings):
    app = make_app(BASE_URL="https://cursus.academie.test")
    accounts.create(ADMIN_EMAIL, ADMIN_PASSWORD, datetime.now(UTC))
    client = app.test_client()
    page = client.get("/admin/inloggen", base_url="https://cursus.academie.test")
    response = client.post(
        "/admin/inloggen",
        base_url="https://cursus.academie.test",
        headers={"Referer": "https://cursus.academie.test/admin/inloggen"},
        data={
            "csrf_token": csrf_token(page.text),
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_form_without_csrf_token_is_refused(app, admin):
    client = app.test_client()
    response = client.post(
        "/admin/inloggen", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_admin_form_without_csrf_token_is_refused(admin_client):
    response = admin_client.post("/admin/deelnemers/x/pauzeren", data={"confirm": "y"})
    assert response.status_code == 400
    response = admin_client.post("/admin/uitloggen")
    assert response.status_code == 400
    assert admin_client.get("/admin/").status_code == 200  # still logged in


def test_next_only_leads_inside_the_admin(app, admin):
    client = app.test_client()
    for target, expected in [
        ("/admin/deelnemers", "/admin/deelnemers"),
        ("https://elders.example/admin/", "/admin/"),
        ("//elders.example/admin/", "/admin/"),
        ("/les/x/y", "/admin/"),
    ]:
        page = client.get("/admin/inloggen")
        response = client.post(
            f"/admin/inloggen?next={target}",
            data={
                "csrf_token": csrf_token(page.text),
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
            },
        )
        assert response.headers["Location"] == expected, target
        token = csrf_token(client.get("/admin/deelnemers").text)
        assert client.post("/admin/uitloggen", data={"csrf_token": token}).status_code == 302


@pytest.mark.clock
def test_a_new_password_ends_sessions_issued_before_it(app, admin_client):
    assert admin_client.get("/admin/").status_code == 200
    accounts.set_password(ADMIN_EMAIL, "een-heel-nieuw-wachtwoord", datetime.now(UTC))
    assert admin_client.get("/admin/").status_code == 302
    fresh = app.test_client()
    assert log_in(fresh, password="een-heel-nieuw-wachtwoord").status_code == 302
    assert fresh.get("/admin/").status_code == 200


def test_logout_ends_the_session(admin_client):
    page = admin_client.get("/admin/deelnemers")
    response = admin_client.post("/admin/uitloggen", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert admin_client.get("/admin/").status_code == 302


def test_cli_creates_an_admin_and_changes_the_password(app, settings, monkeypatch):
    for name, value in settings.items():
        monkeypatch.setenv(f"ECOURSE_{name}", value)
    runner = CliRunner()
    created = runner.invoke(
        main, ["admin", "create", "Nieuw@Academie.test"], input="lang-genoeg-1\nlang-genoeg-1\n"
    )
    assert created.exit_code == 0, created.output
    assert "admin nieuw@academie.test created" in created.output
    again = runner.invoke(
        main, ["admin", "create", "nieuw@academie.test"], input="lang-genoeg-1\nlang-genoeg-1\n"
    )
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(
        main, ["admin", "set-password", "nieuw@academie.test"], input="kort\nkort\n"
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    changed = runner.invoke(
        main,
        ["admin", "set-password", "nieuw@academie.test"],
        input="ander-wachtwoord\nander-wachtwoord\n",
    )
    assert changed.exit_code == 0, changed.output
    assert accounts.authenticate("nieuw@academie.test", "ander-wachtwoord") is not None
    assert accounts.authenticate("nieuw@academie.test", "lang-genoeg-1") is None


def test_passwords_are_stored_hashed(app, admin):
    stored = app.extensions["sqlalchemy"].session.get(Admin, admin.id)
    assert ADMIN_PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize("width", [375, 1280])
def test_admin_pages_declare_a_viewport_for_phones(admin_client, width):
    page = admin_client.get("/admin/deelnemers")
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page.text
    assert 'lang="nl"' in page.text
