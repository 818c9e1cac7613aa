"""The optional second factor for admins: turned on with an app's code, asked at login, a
code used once, recovery codes used once, turned off only with the password."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from ecourse.core.db import db
from ecourse.core.models import Admin
from ecourse.learners import twofactor
from tests.web import ADMIN_PASSWORD, admin_form, csrf_token, log_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 3, 29, 0, 59, 50, tzinfo=UTC)  # Amsterdam's clocks go forward at 01:00


def test_a_code_fits_its_own_step_and_one_either_side():
    totp = pyotp.TOTP(SECRET)
    step = totp.timecode(NOW)
    for offset in (-1, 0, 1):
        code = totp.generate_otp(step + offset)
        assert twofactor.code_fits(SECRET, code, NOW, None) == step + offset
    for far in (-3, 3):
        assert twofactor.code_fits(SECRET, totp.generate_otp(step + far), NOW, None) is None


def test_a_code_works_once_and_never_before_the_last_one_used():
    totp = pyotp.TOTP(SECRET)
    step = totp.timecode(NOW)
    code = totp.generate_otp(step)
    assert twofactor.code_fits(SECRET, code, NOW, step) is None
    assert twofactor.code_fits(SECRET, totp.generate_otp(step - 1), NOW, step - 1) is None
    later = NOW + timedelta(seconds=30)
    assert twofactor.code_fits(SECRET, totp.generate_otp(step + 1), later, step) == step + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_fit_nothing(typed):
    assert twofactor.code_fits(SECRET, typed, NOW, None) is None


def test_recovery_codes_each_work_once(app, admin):
    codes = twofactor.new_recovery_codes(admin)
    admin.totp_secret = SECRET
    assert len(set(codes)) == twofactor.RECOVERY_CODES
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    assert twofactor.check(admin, codes[3].upper().replace("-", " "), NOW)  # as typed
    assert not twofactor.check(admin, codes[3], NOW)
    assert twofactor.recovery_codes_left(admin) == twofactor.RECOVERY_CODES - 1
    assert codes[0] not in admin.recovery_hashes  # stored hashed


def _secret_on(page: str) -> str:
    match = re.search(r'typ deze sleutel in je app: <code data-key="([A-Z2-7]+)">', page)
    assert match, page
    return match.group(1)


def _session_of(client) -> str:
    """The session as the browser holds it (signed, not encrypted: anyone can read it)."""
    cookie = client.get_cookie("ecourse")
    serializer = client.application.session_interface.get_signing_serializer(client.application)
    return str(serializer.loads(cookie.value))


def _now_code(secret: str) -> str:
    """The code an app shows now: the test's own clock, as the admin's phone would."""
    return pyotp.TOTP(secret).now()


@pytest.mark.clock
def test_turned_on_it_asks_for_a_code_after_the_password(app, admin, admin_client):
    setup = admin_client.get("/admin/account/tweestaps")
    assert setup.status_code == 200 and "<svg" in setup.text
    secret = _secret_on(setup.text)
    assert secret not in _session_of(admin_client)  # only on the page, never in the cookie
    other_session = app.test_client()
    log_in(other_session)
    setup_url = "/admin/account/tweestaps"
    wrong = admin_form(
        admin_client, setup_url, setup_url, {"code": "000000", "current": ADMIN_PASSWORD}
    )
    assert wrong.status_code == 400 and "Deze code klopt niet" in wrong.text
    assert _secret_on(wrong.text) == secret  # the same secret until it is kept
    no_password = admin_form(
        admin_client, setup_url, setup_url, {"code": _now_code(secret), "current": "fout"}
    )
    assert no_password.status_code == 400 and "Dit is niet je wachtwoord." in no_password.text
    shown = admin_form(
        admin_client, setup_url, setup_url, {"code": _now_code(secret), "current": ADMIN_PASSWORD}
    )
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", shown.text)
    assert len(codes) == twofactor.RECOVERY_CODES
    db.session.expire_all()
    assert db.session.get(Admin, admin.id).totp_secret == secret
    assert admin_client.get("/admin/account").status_code == 200  # this session goes on
    assert other_session.get("/admin/account").status_code == 302  # others end

    client = app.test_client()
    first = log_in(client)
    assert first.headers["Location"].startswith("/admin/inloggen/code")
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing
    step = client.get("/admin/inloggen/code")
    refused = client.post(
        "/admin/inloggen/code", data={"csrf_token": csrf_token(step.text), "code": "123456"}
    )
    assert refused.status_code == 401 and "klopt niet" in refused.text
    used = client.post(
        "/admin/inloggen/code", data={"csrf_token": csrf_token(refused.text), "code": codes[0]}
    )
    assert used.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert "met een herstelcode" in client.get(f"/admin/logboek?wie={admin.email}").text

    again = app.test_client()
    log_in(again)
    page = again.get("/admin/inloggen/code")
    replay = again.post(
        "/admin/inloggen/code", data={"csrf_token": csrf_token(page.text), "code": codes[0]}
    )
    assert replay.status_code == 401  # a recovery code works once


@pytest.mark.clock
def test_a_code_seen_once_does_not_log_in_a_second_time(app, admin):
    admin.totp_secret = SECRET
    db.session.commit()
    client = app.test_client()
    log_in(client)
    page = client.get("/admin/inloggen/code")
    code = _now_code(SECRET)
    assert (
        client.post(
            "/admin/inloggen/code", data={"csrf_token": csrf_token(page.text), "code": code}
        ).status_code
        == 302
    )
    other = app.test_client()
    log_in(other)
    page = other.get("/admin/inloggen/code")
    replay = other.post(
        "/admin/inloggen/code", data={"csrf_token": csrf_token(page.text), "code": code}
    )
    assert replay.status_code == 401


def test_the_code_step_without_a_password_first_leads_back_to_login(client):
    response = client.get("/admin/inloggen/code", follow_redirects=True)
    assert response.status_code == 200 and "Log opnieuw in" in response.text


def test_turning_it_off_or_new_codes_needs_the_password(app, admin, admin_client):
    admin.totp_secret = SECRET
    twofactor.new_recovery_codes(admin)
    db.session.commit()
    for url in ("/admin/account/tweestaps/uit", "/admin/account/herstelcodes"):
        wrong = admin_form(admin_client, "/admin/account", url, {"current": "niet-mijn-wachtwoord"})
        assert wrong.headers["Location"] == "/admin/account"
        db.session.expire_all()
        assert db.session.get(Admin, admin.id).totp_secret == SECRET
    fresh = admin_form(
        admin_client, "/admin/account", "/admin/account/herstelcodes", {"current": ADMIN_PASSWORD}
    )
    assert len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>", fresh.text)) == 10
    off = admin_form(
        admin_client, "/admin/account", "/admin/account/tweestaps/uit", {"current": ADMIN_PASSWORD}
    )
    assert off.status_code == 302
    db.session.expire_all()
    assert db.session.get(Admin, admin.id).totp_secret is None
    log = admin_client.get("/admin/logboek").text
    assert "nieuwe herstelcodes gemaakt" in log and "inloggen in twee stappen uitgezet" in log


def test_a_new_password_needs_the_current_one_and_logs_out(app, admin, admin_client):
    data = {"password": "een-nieuw-wachtwoord", "repeat": "een-nieuw-wachtwoord"}
    wrong = admin_form(
        admin_client, "/admin/account", "/admin/account/wachtwoord", data | {"current": "fout"}
    )
    assert wrong.status_code == 400 and "niet je huidige wachtwoord" in wrong.text
    done = admin_form(
        admin_client,
        "/admin/account",
        "/admin/account/wachtwoord",
        data | {"current": ADMIN_PASSWORD},
    )
    assert done.headers["Location"] == "/admin/inloggen"
    assert admin_client.get("/admin/").status_code == 302
    assert log_in(app.test_client(), password="een-nieuw-wachtwoord").status_code == 302


def test_the_server_turns_off_a_lost_second_factor_and_ends_sessions(
    app, admin, settings, monkeypatch
):
    from click.testing import CliRunner

    from ecourse.cli.main import main

    admin.totp_secret = SECRET
    twofactor.new_recovery_codes(admin)
    db.session.commit()
    nonce = admin.session_nonce
    for name, value in settings.items():
        monkeypatch.setenv(f"ECOURSE_{name}", str(value))
    done = CliRunner().invoke(main, ["admin", "two-factor-off", admin.email])
    assert done.exit_code == 0, done.output
    assert (
        done.output
        == f"second factor turned off for {admin.email}; they log in with their password now\n"
    )
    db.session.expire_all()
    changed = db.session.get(Admin, admin.id)
    assert changed.totp_secret is None and changed.recovery_hashes == ""
    assert changed.session_nonce != nonce
    assert log_in(app.test_client()).headers["Location"] == "/admin/"  # the password alone
    again = CliRunner().invoke(main, ["admin", "two-factor-off", admin.email])
    assert again.output.endswith("had no second factor; nothing changed\n")
    unknown = CliRunner().invoke(main, ["admin", "two-factor-off", "niemand@academie.test"])
    assert unknown.exit_code == 1 and "There is no admin niemand@academie.test" in unknown.output


def test_one_code_sent_by_two_logins_at_once_lets_only_one_in(app, admin):
    """The second login read the admin before the first one used the code: its conditional
    write finds the code used and refuses, though its own copy still looks fresh."""
    from sqlalchemy.orm.attributes import set_committed_value

    admin.totp_secret = SECRET
    codes = twofactor.new_recovery_codes(admin)
    db.session.commit()
    read_before = {"totp_last_step": admin.totp_last_step, "recovery_hashes": admin.recovery_hashes}
    code = pyotp.TOTP(SECRET).generate_otp(pyotp.TOTP(SECRET).timecode(NOW))
    assert twofactor.check(admin, code, NOW) and twofactor.check(admin, codes[0], NOW)
    db.session.commit()
    with app.app_context():  # the second login: its own session, its copy as read before
        stale = db.session.get(Admin, admin.id)
        for name, value in read_before.items():
            set_committed_value(stale, name, value)
        assert twofactor.code_fits(SECRET, code, NOW, stale.totp_last_step) is not None
        assert not twofactor.check(stale, code, NOW)
        for name, value in read_before.items():
            set_committed_value(stale, name, value)
        assert not twofactor.check(stale, codes[0], NOW)
        db.session.rollback()
