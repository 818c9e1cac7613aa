"""The admin's path in a real browser: log in, write a lesson while its previews follow,
see who it reaches, publish, and watch it arrive for a learner; then the dashboard."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Enrollment
from ecourse.worker.passes import run_pass
from tests.browserkit import ARTIFACTS, shoot
from tests.factories import enrolled, process_environment
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.clock]


def _next_due(now: datetime) -> datetime:
    """The learner's next due moment as the planner stored it when the lesson was saved."""
    db.session.expire_all()
    moment = db.session.scalars(select(Enrollment.next_due_at)).one()
    assert moment is not None and moment > now
    return moment


def test_admin_adds_a_lesson_sees_its_reach_and_it_arrives(
    server, browser, smtp_server, settings, admin
):
    now = datetime.now(UTC)
    enrolled("leerling@example.org", now - timedelta(hours=1), first_name="Bram")
    run_pass(now)  # lesson 1 is in: the learner's place is day 0
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nl-NL")

    page.goto(f"{server}/admin/")
    page.get_by_label("E-mailadres").fill(ADMIN_EMAIL)
    page.get_by_label("Wachtwoord").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    assert page.locator("h1").inner_text() == "Overzicht: Testcursus"

    page.get_by_role("link", name="Lessen").click()
    page.get_by_role("link", name="Nieuwe les").click()
    page.get_by_label("Titel", exact=True).fill("Adem in je buik")
    page.get_by_label("Dag (0 = direct na bevestigen)").fill("1")
    page.get_by_label("Samenvatting in één zin").fill("Je adem als anker, in een paar minuten.")
    page.get_by_label("Lestekst").fill("Hoi {{ voornaam }}, vandaag gaat het over je adem.")
    page.get_by_label("Titel van de oefening").fill("Drie rustige ademhalingen")
    page.get_by_label("Oefening (genummerde stappen)").fill("1. Zit rechtop.\n2. Adem uit.")
    page.get_by_label("Status").select_option("published")
    preview = page.frame_locator("iframe[name=page-preview]")
    assert preview.locator("h1").inner_text(timeout=10_000) == "Adem in je buik"
    assert "Hoi Anna, vandaag" in preview.locator("article").inner_text()
    email = page.frame_locator("iframe[name=email-preview]")
    assert "Les 2: Adem in je buik" in email.locator("dl").inner_text(timeout=10_000)
    html_part = email.frame_locator("iframe")
    assert "Hoi Anna, vandaag" in html_part.locator("body").inner_text(timeout=10_000)
    page.wait_for_timeout(1000)  # let the last typing's refresh land before the picture
    preview.locator("h1").wait_for()
    shoot(page, ARTIFACTS / "admin-editor.png", full_page=True)

    page.get_by_role("button", name="Controleren: wie krijgt deze les en wanneer?").click()
    assert page.locator("h1").inner_text() == 'Wie krijgt "Adem in je buik" en wanneer?'
    stats = page.locator(".stats").inner_text()
    assert "1\nkrijgen deze les op hun plek" in stats or "1 krijgen deze les" in stats
    page.get_by_text("De eerste 1 deelnemers").click()
    assert "leerling@example.org" in page.content()
    shoot(page, ARTIFACTS / "admin-reach.png", full_page=True)
    page.get_by_role("button", name="Opslaan").click()
    assert "Les opgeslagen" in page.locator(".flash").inner_text()
    expect(page.get_by_role("link", name="Adem in je buik")).to_be_visible()

    # The product's own answer says when lesson 2 falls due: day 1 at 07:30, or a morning
    # later when the minimum gap after lesson 1 (sent just now) pushes it on. `tick --now`
    # goes to that moment, whatever the hour this test runs at.
    moment = _next_due(now)
    assert moment.astimezone(ZoneInfo("Europe/Amsterdam")).time() == time(7, 30)
    env = process_environment(settings | smtp_server.settings)
    subprocess.run(
        [sys.executable, "-m", "ecourse", "tick", "--now", moment.isoformat()],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    arrived = [m.message for m in smtp_server.wait_for(1)]
    assert [m["Subject"] for m in arrived] == ["Les 2: Adem in je buik"]
    assert arrived[0]["To"] == "leerling@example.org"
    assert "Hoi Bram, vandaag" in arrived[0].get_body(("plain",)).get_content()

    page.get_by_role("link", name="Overzicht").click()
    assert page.locator("table.signups").count() == 1
    assert page.locator("table.funnel caption", has_text="Adem in je buik").count() == 1
    shoot(page, ARTIFACTS / "admin-dashboard.png", full_page=True)
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{server}/admin/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard scrolls sideways on a phone ({width}px)"
    shoot(phone, ARTIFACTS / "admin-dashboard-phone.png", full_page=True)
