"""The dashboard: sign-ups and confirmations, the funnel, sending health."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, DeliveryAttempt
from ecourse.learners import accounts, current
from ecourse.web import learner as learn_service
from ecourse.web.admin import actions
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, run_until, sign_up, the_course
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token, log_in


class TableReader(HTMLParser):
    """Every table on a page: its caption, and per row each cell's pieces of text."""

    def __init__(self):
        super().__init__()
        self.tables, self.cell, self.caption = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = []
            self.tables[-1]["rows"][-1].append(self.cell)
        elif tag == "caption":
            self.caption = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.cell = None
        elif tag == "caption":
            self.tables[-1]["caption"] = " ".join(self.caption)
            self.caption = None

    def handle_data(self, data):
        text = " ".join(data.split())
        target = self.caption if self.caption is not None else self.cell
        if text and target is not None:
            target.append(text)


def tables_of(html: str) -> dict[str, dict]:
    reader = TableReader()
    reader.feed(html)
    return {table["caption"]: table for table in reader.tables}


def rows_of(table: dict) -> dict[str, tuple]:
    """Body rows as {step: (count, share, notes)}: the bar is the fourth cell, the words
    for the rest the fifth."""
    return {cells[0][0]: (cells[1][0], cells[2][0], tuple(cells[4])) for cells in table["rows"][1:]}


def body_rows(table: dict) -> list[list[str]]:
    return [[" ".join(cell) for cell in row] for row in table["rows"][1:]]


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
    tables = tables_of(page.text)
    assert rows_of(tables["Van aanmelding tot deelnemer"]) == {
        "Aangemeld": ("3", "100%", ()),
        "Bevestigd": ("2", "67%", ("1 niet bevestigd",)),
    }
    assert rows_of(tables["Les 1: Les nummer 1"]) == {
        "Ontvangen": ("2", "100%", ()),
        "Geopend": ("1", "50%", ("1 nog niet geopend",)),
        "Oefening gedaan": ("1", "50%", ()),
    }
    # Lesson 2 is not due yet for either learner: waiting, not a loss of 100%.
    assert rows_of(tables["Les 2: Les nummer 2"])["Ontvangen"] == (
        "0",
        "0%",
        ("2 nog niet aan de beurt",),
    )
    assert "niet ontvangen" not in page.text
    assert_no_misleading_numbers(page.text, tables)


def assert_no_misleading_numbers(html: str, tables: dict) -> None:
    """No negative or plus-signed figure anywhere, no share above 100%, no red, no hover-only
    numbers: every step's count is a cell of its own."""
    assert not re.search(r"[\u2212+-]\d+\s*%", html)
    shares = [
        int(cell[0][:-1])
        for table in tables.values()
        for row in table["rows"]
        for cell in row
        if cell and re.fullmatch(r"\d+%", cell[0])
    ]
    assert shares and max(shares) <= 100
    assert "<title>" not in html.split("</head>")[1]  # no tooltips holding the numbers
    for red, green, blue in re.findall(r'fill="#(..)(..)(..)"', html):
        r, g, b = (int(part, 16) for part in (red, green, blue))
        assert not (r > g + 60 and r > b + 60), "a bar is painted red"


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


SIGNUPS = "Aanmeldingen per dag, laatste 30 dagen"


def signup_table(html: str) -> dict:
    return next(t for c, t in tables_of(html).items() if c.startswith("Aanmeldingen per"))


@pytest.mark.clock
@pytest.mark.parametrize(
    ("query", "caption", "rows"),
    [
        ("", "Aanmeldingen per dag, laatste 30 dagen", 30),
        ("?periode=week", "Aanmeldingen per dag, laatste 7 dagen", 7),
        ("?periode=maand", "Aanmeldingen per dag, laatste 30 dagen", 30),
        ("?periode=kwartaal", "Aanmeldingen per week, laatste 13 weken", 13),
    ],
)
def test_the_time_range_sets_the_rows_of_the_sign_up_chart(admin_client, query, caption, rows):
    now = datetime.now(UTC)
    enrolled("a@example.org", now)
    sign_up("b@example.org", now)
    page = admin_client.get(f"/admin/{query}")
    assert page.status_code == 200
    table = signup_table(page.text)
    assert table["caption"].startswith(caption)
    body = body_rows(table)
    assert len(body) == rows
    assert sum(int(row[1]) for row in body) == 2  # wherever midnight falls, both are in
    assert sum(int(row[2]) for row in body) == 1
    assert re.search(r'<rect class="bar-(solid|light)"', page.text)
    assert "Die periode ken ik niet" not in page.text
    current = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', page.text)
    assert (caption.split("laatste ")[1]) in [label for _, label in current]


@pytest.mark.clock
@pytest.mark.parametrize(
    "value",
    ["", "jaar", "90", "<script>alert(1)</script>", "x" * 3000, "maand%0A", "%FF", "-1"],
)
def test_an_odd_time_range_falls_back_to_thirty_days(admin_client, value):
    page = admin_client.get(f"/admin/?periode={value}")
    assert page.status_code == 200
    assert "Die periode ken ik niet; je ziet de laatste 30 dagen." in page.text
    assert signup_table(page.text)["caption"].startswith(SIGNUPS)
    assert len(body_rows(signup_table(page.text))) == 30
    assert "<script>alert" not in page.text


@pytest.mark.clock
def test_a_repeated_time_range_takes_the_first(admin_client):
    page = admin_client.get("/admin/?periode=week&periode=jaar")
    assert len(body_rows(signup_table(page.text))) == 7


@pytest.mark.clock
def test_every_course_has_its_own_dashboard_one_click_away(two_courses, admin_client):
    now = datetime.now(UTC)
    enrolled("een@example.org", now)
    sign_up("twee@example.org", now, course=the_course("tweede"))
    first = admin_client.get("/admin/?periode=week")
    switcher = first.text.split('aria-label="Cursus kiezen"')[1].split("</nav>")[0]
    links = dict(
        (title, href.replace("&amp;", "&"))
        for href, title in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', switcher)
    )
    assert set(links) == {"Testcursus", "Tweede cursus"}
    assert 'aria-current="page">Testcursus<' in switcher
    for title, sign_ups, lessons in (("Testcursus", 1, 3), ("Tweede cursus", 1, 2)):
        page = admin_client.get(links[title])
        assert page.status_code == 200
        assert f"<h1>Overzicht: {title}</h1>" in page.text
        assert "periode=week" in links[title]  # the range stays as it was
        assert len(body_rows(signup_table(page.text))) == 7
        assert f"<strong>{sign_ups}</strong> aanmeldingen" in page.text
        captions = [c for c in tables_of(page.text) if c.startswith("Les ")]
        assert len(captions) == lessons
    second = admin_client.get(links["Tweede cursus"])
    assert rows_of(tables_of(second.text)["Van aanmelding tot deelnemer"])["Bevestigd"][0] == "0"


@pytest.mark.clock
def test_one_course_needs_no_switcher(admin_client):
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    assert "Cursus kiezen" not in page.text


@pytest.mark.clock
@pytest.mark.parametrize("slug", ["bestaat-niet", "x" * 500, "%FF%FE", "../"])
def test_an_unknown_course_is_a_clear_404(admin_client, slug):
    page = admin_client.get(f"/admin/?cursus={slug}")
    assert page.status_code == 404
    assert "Deze pagina bestaat niet (meer)." in page.text


@pytest.mark.clock
@pytest.mark.parametrize("query", ["periode=%00", "cursus=%00", "periode=week%00"])
def test_a_nul_byte_is_refused_like_everywhere_else(admin_client, query):
    assert admin_client.get(f"/admin/?{query}").status_code == 400
