"""The academy never disappears: its name at the top of every learner's page and as the From
name of every email, its site and privacy statement in every footer (`ecourse.content.brand`,
`ecourse.web.brand`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from html import escape

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery
from ecourse.core.settings import SettingsError, load
from ecourse.core.statuses import DeliveryKind, DeliveryStatus
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, run_until, sign_up, the_course
from tests.test_follow_up import FOLLOW_UP
from tests.web import csrf_token, link_in, sign_up_form

ACADEMY_SITE = "https://academie.test/"
# (sender_name in course.yml, ACADEMY_NAME, MAIL_FROM) and the name a learner must see.
SOURCES = {
    "course's sender_name": (
        ("Rust & Hechting", "Huis", "Cursus <c@academie.test>"),
        "Rust & Hechting",
    ),
    "academy setting": (("", "Huis van Hechting", "Cursus <c@academie.test>"), "Huis van Hechting"),
    "MAIL_FROM's name": (("", "", "Cursus <c@academie.test>"), "Cursus"),
    "course title": (("", "", "c@academie.test"), "Testcursus"),
}


@pytest.fixture
def branded(make_app, course_files):
    """An app whose course and settings name the academy in one of the `SOURCES` ways."""

    def make(source: str, **settings):
        (sender, academy, mail_from), _ = SOURCES[source]
        course_files.course(sender_name=sender, follow_up={"days": 7})
        (course_files.root / "follow-up.md").write_text(FOLLOW_UP, encoding="utf-8")
        values = {"ACADEMY_NAME": academy, "MAIL_FROM": mail_from, "ACADEMY_URL": ACADEMY_SITE}
        return make_app(**(values | settings))

    return make


def message_with(outbox, subject_start: str, path: str) -> str:
    message = next(m for m in reversed(outbox) if m.subject.startswith(subject_start))
    return link_in(message.text, path).replace(BASE_URL, "")


def walk(client, outbox) -> dict[str, str]:
    """Every learner-facing page, from the landing page to erasure, as a learner meets them."""
    pages: dict[str, str] = {}

    def keep(name: str, response, status: int = 200) -> str:
        assert response.status_code == status, f"{name}: {response.status_code}"
        pages[name] = response.text
        return response.text

    keep("landing", client.get("/"))
    sent = sign_up_form(client, "anna@example.org", first_name="Anna")
    keep("check your email", client.get(sent.location))
    run_pass(datetime.now(UTC))
    confirm = message_with(outbox, "Bevestig", "/bevestig/")
    page = keep("confirm", client.get(confirm))
    keep("welcome", client.post(confirm, data={"csrf_token": csrf_token(page)}))
    run_pass(datetime.now(UTC))
    entered = client.get(message_with(outbox, "Les 1", "/l/"))
    keep("lesson", client.get(entered.location))
    keep("locked lesson", client.get("/les/testcursus/03-les-3"), status=403)
    keep("overview", client.get("/cursus/testcursus"))
    preferences = keep("preferences", client.get("/voorkeuren/"))
    client.post("/link/mij", data={"csrf_token": csrf_token(preferences)})
    run_pass(datetime.now(UTC))
    fresh = message_with(outbox, "Je link", "/toegang/")
    page = keep("fresh link", client.get(fresh))
    client.post(fresh, data={"csrf_token": csrf_token(page)})
    keep("fresh link used", client.get(fresh), status=400)
    keep("ask for a link", client.get("/link"))
    unsubscribe = message_with(outbox, "Les 1", "/afmelden/")
    page = keep("unsubscribe", client.get(unsubscribe))
    stop = {"csrf_token": csrf_token(page), "choice": "course"}
    keep("stopped", client.post(unsubscribe, data=stop))
    page = client.get("/voorkeuren/").text
    keep(
        "erased",
        client.post("/voorkeuren/wissen", data={"csrf_token": csrf_token(page), "confirm": "y"}),
    )
    run_pass(datetime.now(UTC))  # the goodbye
    keep("page not found", client.get("/bestaat-niet"), status=404)
    keep("garbled lesson link", client.get("/l/kapot"), status=400)
    keep("garbled confirmation", client.get("/bevestig/kapot"), status=400)
    for number in range(6):
        asked = client.get("/link")
        data = {"csrf_token": csrf_token(asked.text), "email": f"iemand{number}@example.org"}
        answer = client.post("/link", data=data, follow_redirects=True)
    keep("too many tries", answer, status=429)
    follow_up = next(m for m in outbox if "/vraag/" in m.text)
    page = keep("follow-up question", client.get(link_in(follow_up.text, "/vraag/")))
    answer = {"csrf_token": csrf_token(page), "score": "4"}
    thanks = client.post(link_in(follow_up.text, "/vraag/"), data=answer, follow_redirects=True)
    keep("follow-up thanks", thanks)
    return pages


def assert_names_the_academy(html: str, where: str, name: str, site: str) -> None:
    assert f'<p class="brand">{escape(name, quote=False)}</p>' in html, where
    assert f"{escape(name, quote=False)}</title>" in html, where
    assert "E-cursus" not in html, where
    footer = html.split('<footer class="site">')[1]
    assert f'href="{site}"' in footer and 'href="/privacy"' in footer, where


@pytest.mark.clock
@pytest.mark.parametrize("source", SOURCES)
def test_every_page_and_every_email_names_the_academy(source, branded):
    app = branded(source)
    outbox, expected = app.extensions["ecourse.messenger"].sent, SOURCES[source][1]
    now = datetime.now(UTC)
    sign_up("wacht@example.org", now - timedelta(hours=25))
    run_pass(now - timedelta(hours=25))  # its confirmation; the reminder comes a day later
    enrolled("klaar@example.org", now - timedelta(days=40))
    run_until(now - timedelta(days=40), now - timedelta(hours=25))  # lessons and follow-up
    pages = walk(app.test_client(), outbox)
    for where, html in pages.items():
        assert_names_the_academy(html, where, expected, ACADEMY_SITE)
    kinds = db.session.scalars(
        select(Delivery.kind).where(Delivery.status == DeliveryStatus.SENT).distinct()
    )
    assert set(kinds) == set(DeliveryKind)
    assert {parseaddr(message.sender)[0] for message in outbox} == {expected}
    signature = f"Hartelijke groet,\n{expected}\n"
    assert all(signature in message.text for message in outbox), outbox[0].text


@pytest.mark.clock
def test_the_check_email_page_names_the_sender_the_email_comes_from(branded):
    app = branded("academy setting")
    client, outbox = app.test_client(), app.extensions["ecourse.messenger"].sent
    page = client.get(sign_up_form(client, "noor@example.org").location).text
    run_pass(datetime.now(UTC))
    name, address = parseaddr(outbox[0].sender)
    assert (name, address) == ("Huis van Hechting", "c@academie.test")
    assert name in page and address in page


@pytest.mark.clock
def test_a_page_about_a_second_course_or_for_its_learner_names_that_academy(make_app, two_courses):
    two_courses.course(title="Tweede cursus", sender_name="Tweede Academie")
    app = make_app()
    client, outbox = app.test_client(), app.extensions["ecourse.messenger"].sent
    assert_names_the_academy(client.get("/").text, "first", "Academie Test", "/c/testcursus")
    second = client.get("/c/tweede").text
    assert_names_the_academy(second, "second", "Tweede Academie", "/c/tweede")
    now = datetime.now(UTC)
    enrolled("tweede@example.org", now, course=the_course("tweede"))
    run_pass(now)
    assert parseaddr(outbox[-1].sender)[0] == "Tweede Academie"
    client.get(message_with(outbox, "Les 1", "/l/"))  # the learner's session
    lost = client.get("/bestaat-niet")
    assert lost.status_code == 404
    assert_names_the_academy(lost.text, "404 for its learner", "Tweede Academie", "/c/tweede")


def test_the_footer_links_to_the_academy_s_own_privacy_statement(make_app):
    client = make_app(PRIVACY_URL="https://academie.test/privacy").test_client()
    footer = client.get("/").text.split('<footer class="site">')[1]
    assert 'href="https://academie.test/privacy"' in footer and 'href="/privacy"' not in footer
    moved = client.get("/privacy")
    assert moved.status_code == 302 and moved.location == "https://academie.test/privacy"


@pytest.mark.parametrize("name", ["ACADEMY_URL", "PRIVACY_URL"])
@pytest.mark.parametrize("value", ["academie.nl", "https://", "ftp://academie.nl"])
def test_a_web_address_setting_refuses_what_could_not_be_a_link(name, value):
    with pytest.raises(SettingsError, match=f"ECOURSE_{name}: expected an address like"):
        load({f"ECOURSE_{name}": value})
    assert load({f"ECOURSE_{name}": "https://academie.nl/over"})[name] == "https://academie.nl/over"
    assert load({})[name] == ""


def test_the_privacy_page_says_what_is_kept_and_reads_its_periods_from_the_settings(make_app):
    values = {
        "FORGET_UNCONFIRMED_DAYS": "12",
        "CONFIRM_MAX_AGE_DAYS": "3",
        "LINK_MAX_AGE_DAYS": "45",
    }
    page = make_app(**values).test_client().get("/privacy")
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    text = page.text
    assert "<h1>Privacy: wat we van je bewaren</h1>" in text
    assert "Deze cursus is van Academie Test." in text
    assert "dan wissen we na 12 dagen alles wat je invulde" in text
    assert "Een bevestigingslink werkt 3 dagen, en één keer." in text
    assert "Een link uit een lesmail werkt 45 dagen." in text
    assert "werkt 60 minuten, en één keer" in text  # the fresh link (engine.emails)
    assert "Hij blijft 180 dagen." in text  # the session cookie (core.config)
    assert "ten hoogste 60 minuten" in text  # the address after signing up (signing_up)
    assert "30 minuten lang" in text  # the session a fresh link opens (sessions)


def test_the_privacy_page_speaks_english_to_an_english_learner(make_app, course_files):
    course_files.course(language="any")
    client = make_app(LINK_MAX_AGE_DAYS="1").test_client()
    page = client.get("/privacy", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "Privacy: what we keep about you" in page.text
    assert "A link from a lesson email works for 1 day." in page.text
    assert "wat we van je bewaren" not in page.text


def test_a_courses_own_site_goes_before_the_setting_on_pages_and_in_the_follow_up(
    make_app, course_files
):
    course_files.course(
        academy={"name": "Eigen Academie", "url": "https://eigen.example.nl/"},
        follow_up={"days": 7},
    )
    app = make_app(ACADEMY_URL=ACADEMY_SITE)
    footer = app.test_client().get("/").text.split('<footer class="site">')[1]
    assert 'href="https://eigen.example.nl/"' in footer and ACADEMY_SITE not in footer
    from ecourse.engine import followups

    with app.app_context():
        (course_files.root / "follow-up.md").write_text(FOLLOW_UP, encoding="utf-8")
        course = the_course()
        course.follow_up_md = FOLLOW_UP
        context = followups.email_context(course, "", str, ACADEMY_SITE)
        assert context["site_url"] == "https://eigen.example.nl/"
        course.academy_url = ""
        assert followups.email_context(course, "", str, ACADEMY_SITE)["site_url"] == ACADEMY_SITE
