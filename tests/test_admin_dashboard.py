"""The dashboard: sign-ups and confirmations, the funnel, sending health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, DeliveryAttempt
from ecourse.learners import accounts, current
from ecourse.web import learner as learn_service
from ecourse.web.admin import actions
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, run_until, sign_up
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token, log_in

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.clock
def test_dashboard_counts_sign_ups_confirmations_and_learners(admin_client):
    now = datetime.now(UTC)
    for name in ("a", "b", "c"):
        enrolled(f"{name}@example.org", now)
    sign_up("wacht@example.org", now)
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    assert "<strong>4</strong> aanmeldingen" in page.text
    assert "<strong>3</strong> bevestigd" in page.text
    assert "<strong>75%</strong> bevestigingsgraad" in page.text
    assert "<strong>3</strong> actieve deelnemers" in page.text


@pytest.mark.clock
def test_funnel_follows_learners_from_sign_up_to_exercise(admin_client, client, outbox):
    now = datetime.now(UTC)
    enrolled("a@example.org", now)
    enrolled("b@example.org", now)
    sign_up("c@example.org", now)
    run_pass(now)
    link = next(w for w in outbox[-1].text.split() if "/l/" in w)
    client.get(link.replace("http://ecourse.test", ""))
    token = csrf_token(client.get("/les/testcursus/01-les-1").text)
    client.post("/les/testcursus/01-les-1/gedaan", data={"csrf_token": token})
    page = admin_client.get("/admin/")
    rows = {
        cells[0]: cells[1]
        for row in page.text.split("<tr>")[1:]
        if (cells := [c.split("</td>")[0] for c in row.split("<td")[1:]])
        if len(cells) >= 2
    }
    expected = {
        ">Aangemeld": ' class="num">3',
        ">Bevestigd": ' class="num">2',
        ">Les 1 verstuurd": ' class="num">2',
        ">Les 1 geopend": ' class="num">1',
        ">Les 1 oefening gedaan": ' class="num">1',
        ">Les 2 verstuurd": ' class="num">0',
    }
    assert {key: rows[key] for key in expected} == expected
    svgs = [part.split("</svg>")[0] + "</svg>" for part in page.text.split("<svg")[1:]]
    assert len(svgs) == 2
    funnel = ElementTree.fromstring("<svg" + svgs[1])
    assert funnel.get("role") == "img"
    assert "Trechter van Testcursus" in funnel.find(f"{SVG}title").text
    texts = ["".join(node.itertext()) for node in funnel.iter(f"{SVG}text")]
    assert "1 · 33% · \u221250%" in texts[texts.index("Les 1 geopend") + 1]


@pytest.mark.clock
def test_sending_health_shows_queue_retries_and_escaped_errors(admin_client):
    now = datetime.now(UTC)
    enrolled("a@example.org", now)
    run_pass(now)
    enrolled("b@example.org", now)  # its lesson waits in the queue
    from ecourse.engine import planner

    planner.plan_due(now, current.settings())
    delivery = db.session.scalar(select(Delivery).where(Delivery.status == "queued"))
    delivery.attempts = 1
    db.session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            outcome="retry",
            detail="421 <b>too busy</b>",
        )
    )
    db.session.commit()
    page = admin_client.get("/admin/")
    assert "<strong>1</strong> wordt opnieuw geprobeerd" in page.text
    assert "421 &lt;b&gt;too busy&lt;/b&gt;" in page.text
    assert "later opnieuw" in page.text


@pytest.mark.clock
def test_dashboard_counts_completions_failures_and_bounces(make_app, smtp_server):
    app = make_app(**smtp_server.settings)  # a real SMTP server that refuses some addresses
    start = datetime.now(UTC) - timedelta(days=7)
    enrolled("klaar@example.org", start)
    run_until(start, start + timedelta(days=5))  # lessons on days 0, 2 and 4: all of them
    now = datetime.now(UTC)
    sign_up("reject@example.org", now)  # its confirmation is refused at DATA: failed
    sign_up("bounce@example.org", now)  # refused at RCPT with 550: failed, and bounced
    run_pass(now)
    for name in ("een", "twee"):
        enrolled(f"{name}@example.org", now)
    accounts.create(ADMIN_EMAIL, ADMIN_PASSWORD, now)
    client = app.test_client()
    assert log_in(client).status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "<strong>1</strong> cursus afgerond" in page.text
    assert "<strong>2</strong> actieve deelnemers" in page.text
    assert "<strong>2</strong> mislukt" in page.text  # a bounced message failed too
    assert "<strong>1</strong> adressen gebounced" in page.text
    assert "<strong>0</strong> wordt opnieuw geprobeerd" in page.text
    errors = page.text.split("Laatste fouten")[1]
    assert errors.count("opgegeven") == 2
    assert "554 5.6.0 Message content rejected" in errors
    assert "550 5.1.1 No such mailbox" in errors


@pytest.mark.clock
def test_completions_still_count_after_the_learner_leaves_or_is_erased(admin_client):
    start = datetime.now(UTC) - timedelta(days=7)
    leaves = enrolled("weg@example.org", start)
    erased = enrolled("gewist@example.org", start)
    enrolled("blijft@example.org", start)
    run_until(start, start + timedelta(days=5))
    assert "<strong>3</strong> cursus afgerond" in admin_client.get("/admin/").text
    now = datetime.now(UTC)
    learn_service.unsubscribe(leaves, now)
    actions.erase(erased, ADMIN_EMAIL, now)
    page = admin_client.get("/admin/")
    assert "<strong>3</strong> cursus afgerond" in page.text
    assert "<strong>0</strong> actieve deelnemers" in page.text
