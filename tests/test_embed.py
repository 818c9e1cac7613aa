"""The sign-up form embedded in the academy's own site, and its admin page."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from ecourse.core.db import db
from ecourse.core.models import Consent, Delivery, Subscriber
from ecourse.learners import accounts
from ecourse.learners.signups import consent_text
from ecourse.web import timetrap
from ecourse.web.snippet import snippet_for
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, the_course
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token, log_in

ACADEMY = "https://academie.nl"
FROM_ACADEMY = {"Origin": ACADEMY, "Referer": f"{ACADEMY}/cursus?email=x%40example.org#top"}


@pytest.fixture
def settings(settings):
    """The academy's two sites may embed; the time trap is on, at its default."""
    return settings | {
        "EMBED_ORIGINS": f"{ACADEMY}, https://www.academie.nl/",
        "SIGNUP_MIN_SECONDS": "3",
    }


class Fields(HTMLParser):
    """The first form's action and its fields, as a browser would send them untouched."""

    def __init__(self, text: str):
        super().__init__()
        self.action, self.values, self.checkboxes, self._forms = "", {}, {}, 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._forms += 1
            self.action = self.action or attrs.get("action", "")
        elif tag == "input" and self._forms == 1:
            if attrs.get("type") == "checkbox":
                self.checkboxes[attrs["name"]] = "checked" in attrs
            else:
                self.values[attrs["name"]] = attrs.get("value") or ""


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def snippet_post(client, headers=FROM_ACADEMY, **fields):
    """Send the pasted snippet as a visitor who filled it in, after 5 seconds by default."""
    snippet = Fields(snippet_for(the_course()))
    data = snippet.values | {"email": "anna@example.org", "first_name": "Anna", "consent": "y"}
    data |= {"elapsed_ms": "5000"}
    data = {name: value for name, value in (data | fields).items() if value is not None}
    return client.post(snippet.action.replace(BASE_URL, ""), data=data, headers=headers)


def is_check_email(response) -> bool:
    return response.status_code == 303 and response.headers["Location"] == "/aangemeld"


@pytest.mark.clock
def test_the_snippet_registers_a_sign_up_and_sends_to_check_your_email(app, client, outbox):
    response = snippet_post(client, timezone="Europe/Brussels")
    assert is_check_email(response)
    subscriber = db.session.scalar(select(Subscriber))
    assert (subscriber.email, subscriber.first_name, subscriber.status) == (
        "anna@example.org",
        "Anna",
        "pending",
    )
    assert subscriber.timezone == "Europe/Brussels"
    consent = db.session.scalar(select(Consent))
    assert consent.text == consent_text(the_course())
    assert consent.source_url == f"{ACADEMY}/cursus"  # no query: it can hold personal data
    run_pass(datetime.now(UTC))
    assert [message.subject for message in outbox] == ["Bevestig je aanmelding voor Testcursus"]


def test_the_snippet_works_from_every_allowed_site_and_by_referer_alone(app, client):
    assert is_check_email(snippet_post(client, {"Origin": "https://www.academie.nl"}))
    referer_only = {"Referer": f"{ACADEMY}/aanmelden"}
    assert is_check_email(snippet_post(client, referer_only, email="bert@example.org"))
    assert count(Subscriber) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://nep-academie.nl", "Referer": f"{ACADEMY}/"},
        {"Origin": "null"},
        {"Referer": "https://academie.nl.evil.example/"},
        {"Origin": "http://academie.nl"},  # not https: another origin
        {},
    ],
    ids=["other-site", "null", "lookalike", "http", "none"],
)
def test_other_sites_get_a_clear_page_and_nothing_happens(app, client, headers):
    response = snippet_post(client, headers)
    assert response.status_code == 403
    assert "niet bekend" in response.text
    assert 'href="/c/testcursus"' in response.text
    assert count(Subscriber) == 0


def test_without_allowed_sites_the_endpoint_says_it_is_off(make_app):
    client = make_app(EMBED_ORIGINS="").test_client()
    response = snippet_post(client)
    assert response.status_code == 403 and "staat hier (nog) uit" in response.text
    assert count(Subscriber) == 0


@pytest.mark.clock
def test_a_form_sent_too_fast_comes_back_on_our_own_form_with_everything_kept(app, client):
    for elapsed in ("2999", "0", "abc", "-5"):
        response = snippet_post(client, elapsed_ms=elapsed, timezone="Europe/Brussels")
        assert response.status_code == 200 and "Nog één stap" in response.text
        page = Fields(response.text)
        assert page.action == "/c/testcursus" and page.checkboxes == {"consent": True}
        assert (page.values["email"], page.values["first_name"]) == ("anna@example.org", "Anna")
        assert page.values["timezone"] == "Europe/Brussels"
    assert (count(Subscriber), count(Consent), count(Delivery)) == (0, 0, 0)


@pytest.mark.clock
def test_the_time_the_snippet_was_open_counts_so_one_click_more_signs_up(app, client, outbox):
    before = datetime.now(UTC).timestamp()
    response = snippet_post(client, elapsed_ms="2500")
    after = datetime.now(UTC).timestamp()
    page = Fields(response.text)
    shown = timetrap.shown_at(page.values["rendered"])
    assert shown is not None and before - 2.501 <= shown <= after - 2.499  # backdated 2.5 s
    time.sleep(1)  # a person's look at "Nog één stap" before the click
    done = client.post(page.action, data=page.values | {"consent": "y"})
    assert done.headers["Location"] == "/aangemeld"
    run_pass(datetime.now(UTC))
    assert [message.to for message in outbox] == ["anna@example.org"]


def test_the_honeypot_drops_it_quietly(app, client):
    assert is_check_email(snippet_post(client, website="https://spam.example"))
    assert count(Subscriber) == 0


def test_validation_errors_show_our_own_form_with_the_errors(app, client):
    response = snippet_post(client, email="geen-adres")
    assert response.status_code == 400
    assert "Dit e-mailadres klopt niet helemaal" in response.text
    assert 'value="geen-adres"' in response.text
    unticked = snippet_post(client, consent=None)
    assert unticked.status_code == 400 and "Vink aan dat je de lessen" in unticked.text
    assert count(Subscriber) == 0


@pytest.mark.clock
def test_without_javascript_the_visitor_finishes_on_our_own_form_in_one_click(app, client):
    response = snippet_post(client, elapsed_ms="")
    assert response.status_code == 200 and "Nog één stap" in response.text
    assert count(Subscriber) == 0
    page = Fields(response.text)
    assert page.action == "/c/testcursus"
    assert page.values["email"] == "anna@example.org" and page.values["first_name"] == "Anna"
    assert page.checkboxes == {"consent": True}  # they ticked these very words already
    data = page.values | {"consent": "y"}

    too_soon = client.post(page.action, data=data)  # our own time trap: just rendered
    assert too_soon.status_code == 200 and "Nog één stap" in too_soon.text
    assert count(Subscriber) == 0

    shown = timetrap.stamp(datetime.now(UTC) - timedelta(seconds=4))
    done = client.post(page.action, data=data | {"rendered": shown})
    assert done.headers["Location"] == "/aangemeld"
    assert db.session.scalar(select(Subscriber.email)) == "anna@example.org"


def test_a_snippet_pasted_before_the_consent_text_changed_asks_again(app, client):
    response = snippet_post(client, consent_version="0123456789abcdef")
    assert response.status_code == 200 and "Nog één stap" in response.text
    assert Fields(response.text).checkboxes == {"consent": False}
    assert consent_text(the_course()) in html.unescape(response.text)
    assert count(Subscriber) == 0


def test_an_unknown_course_is_not_found(app, client):
    response = client.post("/aanmelden/bestaat-niet", data={}, headers=FROM_ACADEMY)
    assert response.status_code == 404


@pytest.mark.clock
def test_signing_up_again_from_the_snippet_reveals_nothing(app, client):
    enrolled("anna@example.org", datetime.now(UTC))
    assert is_check_email(snippet_post(client))
    assert db.session.scalar(select(Subscriber.status)) == "active"


@pytest.mark.clock
def test_one_rate_limit_for_the_landing_page_the_snippet_and_the_api(app, client):
    codes = [snippet_post(client, email=f"r{n}@example.org").status_code for n in range(3)]
    api = {"email": "api@example.org", "consent": True, "elapsed_ms": 5000}
    codes.append(client.post("/api/v1/signups", json=api, headers=FROM_ACADEMY).status_code)
    page = client.get("/")
    assert re.search(r'name="rendered" type="hidden" value="([^"]+)"', page.text)
    landing = {"csrf_token": csrf_token(page.text), "email": "l@example.org", "consent": "y"}
    landing |= {"rendered": timetrap.stamp(datetime.now(UTC) - timedelta(seconds=4))}
    codes.append(client.post("/", data=landing).status_code)
    codes.append(snippet_post(client, email="te-veel@example.org").status_code)
    assert codes == [303, 303, 303, 202, 302, 429]


def test_the_snippet_has_every_field_and_posts_to_the_absolute_address(app):
    snippet = snippet_for(the_course())
    fields = Fields(snippet)
    assert fields.action == f"{BASE_URL}/aanmelden/testcursus"
    assert fields.checkboxes == {"consent": False}  # never ticked in advance
    assert set(fields.values) == {
        "email",
        "first_name",
        "website",
        "elapsed_ms",
        "timezone",
        "consent_version",
    }
    assert html.escape(consent_text(the_course()), quote=False) in snippet
    assert re.search(r'<input type="email"[^>]*required', snippet)
    assert "elapsed_ms.value = String(Date.now() - shown)" in snippet
    assert "<script src" not in snippet  # no script from anywhere


def test_the_snippet_escapes_the_course_title(app):
    course = the_course()
    course.title = 'Rust & <b onmouseover="x()">adem</b>'
    snippet = snippet_for(course)
    assert "<b " not in snippet and "&lt;b onmouseover=" in snippet


def test_the_admin_page_shows_each_snippet_as_text_to_copy(app, admin_client):
    page = admin_client.get("/admin/aanmeldformulier")
    assert page.status_code == 200
    assert 'aria-current="page">Aanmeldformulier</a>' in page.text
    code = re.search(r"<pre[^>]*><code>(.*?)</code></pre>", page.text, re.DOTALL)
    assert code, "no <pre><code> block"
    assert "<form" not in code.group(1)  # shown as text, not as a working form
    assert html.unescape(code.group(1)) == snippet_for(the_course())
    assert html.escape(consent_text(the_course()), quote=False) in page.text
    assert "<code>https://academie.nl</code>, <code>https://www.academie.nl</code>" in page.text
    assert f"{BASE_URL}/api/v1/signups" in page.text


@pytest.mark.clock
def test_the_admin_page_says_when_no_site_is_allowed(make_app):
    client = make_app(EMBED_ORIGINS="").test_client()
    accounts.create(ADMIN_EMAIL, ADMIN_PASSWORD, datetime.now(UTC))
    log_in(client)
    page = client.get("/admin/aanmeldformulier")
    assert "Nog geen website toegestaan" in page.text and "ECOURSE_EMBED_ORIGINS" in page.text


def test_the_snippet_downloads_as_a_file(app, admin_client):
    response = admin_client.get("/admin/aanmeldformulier/testcursus.html")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="aanmelden-testcursus.html"'
    )
    assert response.text == snippet_for(the_course()) + "\n"


def test_the_admin_page_needs_a_login(client):
    response = client.get("/admin/aanmeldformulier")
    assert response.status_code == 302 and "/admin/inloggen" in response.headers["Location"]


def test_a_time_of_thousands_of_digits_is_a_slow_visitor_not_an_error(app, client, outbox):
    answer = snippet_post(client, elapsed_ms="9" * 4301)
    assert is_check_email(answer)
    assert count(Consent) == 1  # a form open that long is a person's, not a bot's
