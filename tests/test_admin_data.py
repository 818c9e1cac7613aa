"""Admin data that works in a Dutch office: the CSV export in two formats, an import that
skips known addresses, progress and last activity in the list, and the consent ledger."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from ecourse.content.catalog import import_path
from ecourse.content.courses import course_by_slug
from ecourse.core import dates
from ecourse.core.db import db
from ecourse.core.models import Consent, Delivery, Enrollment, Event, Subscriber
from ecourse.web import learner as learn_service
from tests.factories import confirm, enrolled, run_until, sign_up, the_course
from tests.test_admin_people import act, import_csv
from tests.test_two_courses import two_courses  # noqa: F401  (a fixture: the course `tweede`)
from tests.web import ADMIN_EMAIL

ZONE = ZoneInfo("Europe/Amsterdam")
# Fixed moments on both sides of a local midnight: 23:30 UTC on 28 March is 00:30 the next
# day in winter time (UTC+1); 22:15 UTC on 1 July is 00:15 the next day in summer (UTC+2).
WINTER = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 22, 15, tzinfo=UTC)


def exported(client, style: str, **filters) -> tuple[bytes, list[dict]]:
    response = client.get("/admin/deelnemers/export.csv", query_string={"formaat": style} | filters)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    delimiter = ";" if response.data.startswith(codecs.BOM_UTF8) else ","
    rows = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=delimiter)
    return response.data, list(rows)


def stored(email: str) -> Subscriber:
    db.session.expire_all()
    return db.session.scalar(select(Subscriber).where(Subscriber.email == email))


def test_excel_export_has_a_bom_semicolons_dutch_words_and_local_times(admin_client):
    enrolled("anna@example.org", WINTER, first_name="Anna")
    sign_up("wacht@example.org", SUMMER, first_name="Wim")
    raw, rows = exported(admin_client, "excel")
    assert raw.startswith(codecs.BOM_UTF8)
    header = raw.decode("utf-8-sig").split("\r\n")[0]
    assert header == "E-mailadres;Voornaam;Status;Cursusstatus;Aangemeld;Bevestigd"
    by_address = {row["E-mailadres"]: row for row in rows}
    anna, wim = by_address["anna@example.org"], by_address["wacht@example.org"]
    assert (anna["Status"], anna["Cursusstatus"]) == ("actief", "actief")
    assert (wim["Status"], wim["Cursusstatus"]) == ("nog niet bevestigd", "nog niet bevestigd")
    signed_up = stored("anna@example.org").created_at
    assert anna["Aangemeld"] == signed_up.astimezone(ZONE).strftime("%d-%m-%Y %H:%M")
    assert anna["Aangemeld"] == "29-03-2026 00:30"  # the local day after the UTC one
    assert wim["Aangemeld"] == "02-07-2026 00:15" and wim["Bevestigd"] == ""


def test_standard_export_has_commas_codes_and_utc(admin_client):
    enrolled("anna@example.org", WINTER, first_name="Anna")
    raw, rows = exported(admin_client, "standaard")
    assert not raw.startswith(codecs.BOM_UTF8)
    assert raw.split(b"\r\n")[0] == b"email,first_name,status,course_state,signed_up,confirmed"
    (anna,) = rows
    assert (anna["status"], anna["course_state"]) == ("active", "active")
    assert anna["signed_up"] == stored("anna@example.org").created_at.isoformat()
    assert anna["signed_up"] == "2026-03-28T23:30:00+00:00"


def test_export_without_a_known_format_is_for_dutch_excel_and_recorded(admin_client):
    enrolled("anna@example.org", WINTER)
    raw, rows = exported(admin_client, "iets-anders", q="anna")
    assert raw.startswith(codecs.BOM_UTF8) and rows[0]["Status"] == "actief"
    detail = db.session.scalar(select(Event.detail).where(Event.action == "people_export"))
    assert detail.endswith("formaat ‘Excel (Nederlands)’")
    assert "deelnemers geëxporteerd" in admin_client.get("/admin/logboek").text


def test_the_dutch_excel_export_can_be_imported_again(admin_client):
    enrolled("anna@example.org", WINTER, first_name="Anna")
    raw, _rows = exported(admin_client, "excel")
    text = raw.decode("utf-8-sig").replace("anna@example.org", "nieuw@example.org")
    assert import_csv(admin_client, text).status_code == 302
    assert stored("nieuw@example.org").first_name == "Anna"


def snapshot() -> dict[str, tuple]:
    """Per person: what an import must never change about someone it already knows."""
    db.session.expire_all()
    return {
        person.email: (
            person.status,
            person.first_name,
            [(each.id, each.text_hash, each.confirmed_at) for each in person.consents],
            sorted((each.course_id, each.status) for each in person.enrollments),
        )
        for person in db.session.scalars(select(Subscriber))
    }


@pytest.mark.usefixtures("two_courses")
def test_import_skips_known_addresses_and_imports_the_rest(admin_client):
    enrolled("al@example.org", WINTER, first_name="Al")
    sign_up("wacht@example.org", WINTER)
    learn_service.unsubscribe(enrolled("weg@example.org", WINTER), WINTER)
    before = snapshot()
    text = (
        "email,first_name,consent\n"
        "AL@example.org,Ander,ja\n"
        "wacht@example.org,Wim,ja\n"
        "weg@example.org,Weg,ja\n"
        "nieuw@example.org,Nieuw,ja\n"
    )
    second = str(course_by_slug("tweede").id)
    response = import_csv(admin_client, text, course=second)
    assert response.status_code == 302
    page = admin_client.get("/admin/deelnemers").text
    assert "Geïmporteerd: 1 actief" in page and "Al aanwezig: 3, overgeslagen." in page
    after = snapshot()
    assert {email: after[email] for email in before} == before  # not even the second course
    assert after["nieuw@example.org"][0] == "active"
    detail = db.session.scalar(select(Event.detail).where(Event.action == "people_import"))
    assert detail.startswith("tweede: 1 actief, 0 wachtend, 3 al aanwezig")


def test_a_file_of_only_known_addresses_is_a_quiet_success(admin_client):
    enrolled("al@example.org", WINTER, first_name="Al")
    before = snapshot()
    assert import_csv(admin_client, "email\nal@example.org\n").status_code == 302
    assert "Al aanwezig: 1, overgeslagen." in admin_client.get("/admin/deelnemers").text
    assert snapshot() == before


def test_import_can_update_only_first_names_of_people_still_in_touch(admin_client):
    enrolled("al@example.org", WINTER, first_name="Al")
    enrolled("blijft@example.org", WINTER, first_name="Blijft")
    learn_service.unsubscribe(enrolled("weg@example.org", WINTER, first_name="Weg"), WINTER)
    text = (
        "email,first_name,consent\n"
        "al@example.org,Alexander,nee\n"  # "nee" must not take anything back either
        "blijft@example.org,,ja\n"
        "weg@example.org,Nieuw,ja\n"
    )
    import_csv(admin_client, text)
    assert stored("al@example.org").first_name == "Al"  # not asked: left alone
    before = snapshot()
    assert import_csv(admin_client, text, update_names="y").status_code == 302
    page = admin_client.get("/admin/deelnemers").text
    assert "Al aanwezig: 3, overgeslagen (van 1 de voornaam bijgewerkt)." in page
    after = snapshot()
    assert after["al@example.org"][1] == "Alexander"
    assert after["al@example.org"][0] == "active"
    assert after["al@example.org"][2:] == before["al@example.org"][2:]
    assert after["blijft@example.org"] == before["blijft@example.org"]  # no empty name
    assert after["weg@example.org"] == before["weg@example.org"]  # gone: not renamed
    timeline = admin_client.get(f"/admin/deelnemers/{stored('al@example.org').public_id}")
    assert f"voornaam bijgewerkt door {ADMIN_EMAIL}: uit een CSV-import" in timeline.text


@pytest.mark.usefixtures("two_courses")
def test_after_an_error_the_choices_stay_and_the_file_is_asked_for_again(admin_client):
    second = course_by_slug("tweede").id
    response = import_csv(
        admin_client,
        "email\nniet-een-adres\n",
        course=str(second),
        source="Workshop Utrecht",
        send_confirmations="y",
        update_names="y",
    )
    assert response.status_code == 400 and "Regel 2: ongeldig e-mailadres" in response.text
    assert f'<option selected value="{second}">Tweede cursus</option>' in response.text
    assert 'value="Workshop Utrecht"' in response.text
    checked = set(re.findall(r'<input checked id="(\w+)"', response.text))
    assert checked == {"send_confirmations", "update_names"}
    assert "Kies het bestand opnieuw" in response.text
    assert 'aria-describedby="kies-opnieuw"' in response.text
    assert "Kies het bestand opnieuw" not in admin_client.get("/admin/deelnemers/import").text


def list_cells(client, email: str) -> tuple[str, str]:
    """The progress and last-activity cells of one person's row, as text."""
    page = client.get("/admin/deelnemers")
    assert page.status_code == 200
    row = page.text.split(f">{email}</a>")[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    progress, latest = cells[2], cells[3]
    return " ".join(progress.split()), " ".join(latest.split())


def test_list_shows_real_progress_and_the_latest_activity(admin_client):
    learner = enrolled("lot@example.org", WINTER, first_name="Lot")
    run_until(WINTER, WINTER + timedelta(days=2, hours=12))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == learner.id))
    received = db.session.scalars(
        select(Delivery.lesson_id).where(
            Delivery.enrollment_id == enrollment.id,
            Delivery.kind == "lesson",
            Delivery.status == "sent",
        )
    ).all()
    assert 0 < len(received) < 3  # the product's own answer: part of the course arrived
    first = enrollment.course.lessons[0]
    opened_at = WINTER + timedelta(days=1)
    learn_service.record_opened(enrollment, first, opened_at)
    learn_service.record_exercise_done(enrollment, first, opened_at + timedelta(minutes=5))
    progress, latest = list_cells(admin_client, "lot@example.org")
    assert progress == f"{len(received)} van 3 · 1 geopend"
    done_at = opened_at + timedelta(minutes=5)
    when = dates.format_local(done_at, "Europe/Amsterdam", with_time=True, with_year=True)
    assert latest == f"oefening gedaan {when}"
    checked_in = WINTER + timedelta(days=3)
    learn_service.record_checkin(enrollment, first, {"tension_before": 6}, checked_in)
    when = dates.format_local(checked_in, "Europe/Amsterdam", with_time=True, with_year=True)
    assert list_cells(admin_client, "lot@example.org")[1] == f"ingecheckt {when}"

    sign_up("wacht@example.org", SUMMER)
    when = dates.format_local(SUMMER, "Europe/Amsterdam", with_time=True, with_year=True)
    assert list_cells(admin_client, "wacht@example.org") == (
        "0 van 3 · 0 geopend",
        f"aangemeld {when}",
    )


def statements_for(client, url: str) -> int:
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_list_costs_the_same_queries_for_two_people_or_twenty(admin_client):
    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            person = enrolled(f"p{number:02d}@example.org", WINTER + timedelta(minutes=number))
            enrollment = person.enrollments[0]
            lesson = enrollment.course.lessons[0]
            learn_service.record_exercise_done(enrollment, lesson, WINTER + timedelta(days=1))

    add(2, 0)
    few = statements_for(admin_client, "/admin/deelnemers")
    add(18, 2)
    many = statements_for(admin_client, "/admin/deelnemers")
    assert admin_client.get("/admin/deelnemers").text.count(" · 1 geopend</span>") == 20
    assert many == few


# --- the consent ledger ---------------------------------------------------------------


def ledger(client, **asked):
    return client.get("/admin/deelnemers/toestemmingen", query_string=asked)


def ledger_rows(client, style: str = "standaard", **asked) -> tuple[bytes, list[dict]]:
    response = ledger(client, formaat=style, download="1", **asked)
    assert response.status_code == 200 and response.mimetype == "text/csv", response.text
    assert "attachment" in response.headers["Content-Disposition"]
    delimiter = ";" if style == "excel" else ","
    text = response.data.decode("utf-8-sig")
    return response.data, list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def consent_of(email: str) -> Consent:
    return db.session.scalar(select(Consent).join(Subscriber).where(Subscriber.email == email))


@pytest.mark.usefixtures("two_courses")
def test_consent_export_holds_every_consent_of_the_course_in_the_local_period(
    admin_client, course_files, settings
):
    inside = sign_up("binnen@example.org", WINTER)  # 29 March, 00:30 local
    confirm(inside, WINTER + timedelta(hours=1))
    consent = consent_of("binnen@example.org")
    consent.ip_address, consent.source_url = "192.0.2.7", '=HYPERLINK("https://x.test")'
    db.session.commit()
    sign_up("andere-cursus@example.org", WINTER, course=course_by_slug("tweede"))
    sign_up("te-vroeg@example.org", WINTER - timedelta(hours=1))  # 28 March, 23:30 local
    sign_up("te-laat@example.org", SUMMER)  # 2 July, 00:15 local
    # A fourth lesson changes the consent text ("vier lessen"): a second version from now on.
    course_files.lesson("04-les-4", title="Les nummer 4", day=6)
    import_path(Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", WINTER)
    sign_up("laatste-dag@example.org", SUMMER - timedelta(hours=1))  # 1 July, 23:15 local

    _raw, rows = ledger_rows(admin_client, cursus="testcursus", van="2026-03-29", tot="2026-07-01")
    assert [row["email"] for row in rows] == ["binnen@example.org", "laatste-dag@example.org"]
    first, last = rows
    consent = consent_of("binnen@example.org")
    assert first["given_utc"] == consent.created_at.isoformat() == "2026-03-28T23:30:00+00:00"
    assert first["given_local"] == consent.created_at.astimezone(ZONE).isoformat()
    assert first["given_local"] == "2026-03-29T00:30:00+01:00"
    assert first["confirmed_utc"] == consent.confirmed_at.isoformat()
    assert first["confirmed_local"] == "2026-03-29T01:30:00+01:00"
    assert first["ip_address"] == "192.0.2.7"
    assert first["source"] == '\'=HYPERLINK("https://x.test")'  # not a formula
    assert first["text"] == consent.text and "drie lessen" in consent.text
    assert first["text_sha256"] == hashlib.sha256(consent.text.encode()).hexdigest()
    assert (first["text_version"], last["text_version"]) == ("v1", "v2")
    assert "vier lessen" in last["text"] and last["confirmed_utc"] == ""
    assert (first["status_now"], last["status_now"]) == ("active", "pending")


@pytest.mark.usefixtures("two_courses")
def test_consent_export_for_dutch_excel_and_its_record(admin_client):
    sign_up("binnen@example.org", WINTER, course=course_by_slug("tweede"))
    raw, rows = ledger_rows(
        admin_client, style="excel", cursus="tweede", van="29-3-2026", tot="29-3-2026"
    )
    assert raw.startswith(codecs.BOM_UTF8)
    (row,) = rows
    assert row["E-mailadres"] == "binnen@example.org"
    assert row["Gegeven (Nederlandse tijd)"] == "29-03-2026 00:30:00"
    assert row["Gegeven (UTC)"] == "2026-03-28T23:30:00+00:00"
    assert row["Status nu"] == "nog niet bevestigd" and row["Versie van de tekst"] == "v1"
    (detail,) = db.session.scalars(select(Event.detail).where(Event.action == "consent_export"))
    assert detail == "tweede: 29-03-2026 t/m 29-03-2026, 1 toestemming(en), Excel (Nederlands)"
    audit = admin_client.get("/admin/logboek").text
    assert "toestemmingen geëxporteerd" in audit


def test_an_erased_persons_consent_stays_without_address_or_ip(admin_client):
    learner = enrolled("weg@example.org", WINTER)
    consent = consent_of("weg@example.org")
    consent.ip_address = "192.0.2.7"
    db.session.commit()
    assert act(admin_client, learner, "wissen").status_code == 302
    _raw, rows = ledger_rows(admin_client, van="2026-03-29", tot="2026-03-29")
    (row,) = rows
    assert (row["email"], row["ip_address"], row["status_now"]) == ("(gewist)", "", "erased")
    assert row["text_sha256"] and row["given_utc"] == "2026-03-28T23:30:00+00:00"


@pytest.mark.parametrize(
    ("van", "tot", "message"),
    [
        ("31-02-2026", "2026-03-29", "De begindatum ‘31-02-2026’ is geen datum"),
        ("2026-03-01", "gisteren", "De einddatum ‘gisteren’ is geen datum"),
        ("2026-03-01", "9999-12-31", "De einddatum ‘9999-12-31’ is geen datum"),
        ("1999-12-31", "2026-03-29", "tussen 2000 en 2100"),
        ("2026-04-30", "2026-03-01", "we hebben ze omgedraaid"),
    ],
)
def test_odd_dates_fall_back_with_a_message_and_nothing_is_downloaded(
    admin_client, van, tot, message
):
    response = ledger(admin_client, van=van, tot=tot, download="1")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert message in response.text
    assert re.search(r'id="van" name="van" value="\d{4}-\d{2}-\d{2}"', response.text)
    assert db.session.scalar(select(Event.id).where(Event.action == "consent_export")) is None


@pytest.mark.usefixtures("two_courses")
def test_the_ledger_page_counts_what_the_download_will_hold(admin_client):
    sign_up("een@example.org", WINTER)
    sign_up("twee@example.org", WINTER + timedelta(minutes=1))
    sign_up("ander@example.org", WINTER, course=course_by_slug("tweede"))
    page = ledger(admin_client, cursus="testcursus", van="2026-03-29", tot="2026-03-29")
    assert page.status_code == 200
    assert "Testcursus, 29-03-2026 tot en met 29-03-2026: 2 toestemming(en)." in page.text
    assert re.search(r'<option value="testcursus" selected>', page.text)
    unknown = ledger(admin_client, cursus="bestaat-niet")
    assert unknown.status_code == 200 and the_course().title in unknown.text
