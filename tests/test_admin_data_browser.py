"""The admin's data pages in a real browser, on a phone and on a desktop: the subscriber list
with its progress and last-activity columns, the export for Dutch Excel, and the consent
ledger with its count, its download and its message for a date that does not exist."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment
from ecourse.web import learner as learn_service
from tests.accessibility import assert_accessible
from tests.browserkit import ARTIFACTS, shoot
from tests.factories import enrolled, run_until, sign_up
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.clock]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
ZONE = ZoneInfo("Europe/Amsterdam")


def _learners(now: datetime) -> int:
    """Lot, three days into the course with the first lesson opened, and Wim, who has not
    confirmed yet; returns how many lessons reached Lot, as the ledger of sends says."""
    start = now - timedelta(days=3)
    lot = enrolled("lot@example.org", start, first_name="Lot")
    run_until(start, now)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == lot.id))
    learn_service.record_opened(enrollment, enrollment.course.lessons[0], now)
    sign_up("wacht@example.org", now, first_name="Wim")
    return db.session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.enrollment_id == enrollment.id,
            Delivery.kind == "lesson",
            Delivery.status == "sent",
        )
    )


def _downloaded(page, click) -> bytes:
    with page.expect_download() as download:
        click()
    return Path(download.value.path()).read_bytes()


@pytest.mark.parametrize("device", VIEWPORTS)
def test_subscriber_columns_and_the_consent_export(server, browser, admin, device):
    now = datetime.now(UTC)
    received = _learners(now)
    assert received > 0
    context = browser.new_context(viewport=VIEWPORTS[device], locale="nl-NL", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/admin/inloggen")
    page.get_by_label("E-mailadres").fill(ADMIN_EMAIL)
    page.get_by_label("Wachtwoord").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Deelnemers").click()
    expect(page.get_by_role("columnheader", name="Lessen ontvangen")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Laatste activiteit")).to_be_visible()
    lot = page.get_by_role("row", name=re.compile("lot@example.org"))
    expect(lot).to_contain_text(f"{received} van 3 · 1 geopend")
    expect(lot).to_contain_text("les geopend")
    expect(page.get_by_role("row", name=re.compile("wacht@example.org"))).to_contain_text(
        "aangemeld"
    )
    assert_accessible(page, f"subscriber list ({device})")
    shoot(page, ARTIFACTS / f"admin-data-subscribers-{device}.png", full_page=True)

    export = page.get_by_role("button", name="Exporteren", exact=True)
    data = _downloaded(page, export.click)
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").startswith("E-mailadres;Voornaam;Status;")

    page.get_by_role("link", name="Toestemmingen exporteren").click()
    expect(page.locator("h1")).to_have_text("Toestemmingen exporteren")
    today = now.astimezone(ZONE).date()
    page.get_by_label("Vanaf").fill((today - timedelta(days=7)).isoformat())
    page.get_by_label("Tot en met").fill(today.isoformat())
    page.get_by_role("button", name="Aantal bijwerken").click()
    expect(page.locator("form p.meta")).to_contain_text("2 toestemming(en)")
    assert_accessible(page, f"consent ledger ({device})")
    shoot(page, ARTIFACTS / f"admin-data-consents-{device}.png", full_page=True)
    ledger = _downloaded(page, page.get_by_role("button", name="Downloaden (CSV)").click)
    text = ledger.decode("utf-8-sig")
    assert text.startswith("Gegeven (Nederlandse tijd);Gegeven (UTC);E-mailadres;")
    assert "lot@example.org" in text and "wacht@example.org" in text

    page.goto(f"{server}/admin/deelnemers/toestemmingen?van=31-02-2026&download=1")
    expect(page.get_by_role("alert")).to_contain_text("‘31-02-2026’ is geen datum")
    assert_accessible(page, f"consent ledger with an impossible date ({device})")
    shoot(page, ARTIFACTS / f"admin-data-consents-bad-date-{device}.png", full_page=True)
    context.close()
