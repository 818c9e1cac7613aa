"""Hostile input to every route and every form field: never a 5xx.

Every URL rule of the app is called, public and admin, by the kind of visitor it is for
(anonymous, a learner with a session, a logged-in admin), with its path arguments both real
(so the handler gets as far as the fields) and hostile, with every query parameter and every
form field the product reads set to the same hostile value, and with a valid CSRF token so
the fields are read at all. The values are a fixed list of known troublemakers (NUL, lone
surrogates, 20-digit numbers, 1 MB strings, control characters, look-alike digits, the
placeholder marker, template syntax) and hypothesis's own text. JSON endpoints get broken,
deeply nested and surrogate-laden bodies; the import pages get malformed CSV and zip files.
It runs on whichever database the suite runs on (SQLite and PostgreSQL in CI).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, the_course
from tests.web import csrf_token, link_in

HOSTILE = [
    "",
    " ",
    "\x00",
    "x\x00y",
    "\ud800",
    "a\udfffb",
    "99999999999999999999",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits
    "\r\nX-Injected: 1",
    "\t\x0b\x0c\x1b[31m",
    "{{ config }}",
    "{{ voornaam.ljust(99999999999999999999) }}",
    "ECOURSEPLACEHOLDER7X",
    "<script>alert(1)</script>",
    "'; DROP TABLE subscriber; --",
    "../../etc/passwd",
    "%00%ff%fe",
    "ü" * 500,
    "x" * 1_000_000,
]
# Query parameters and raw form fields the product reads (forms add their own fields below).
QUERY = ["q", "status", "pagina", "cursus", "next", "bewaard", "ref", "email", "naam", "taal"]
RAW_FIELDS = ["deel", "notitie", "voor", "na", "step", "elapsed_ms", "consent_version"]
# Left out: the ones that end the visitor's session, which the rest of the run needs.
SKIPPED = {"admin.logout", "preferences.delete_me", "static"}


def form_fields() -> list[str]:
    """Every field of every form in the product."""
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if form.__module__.startswith("ecourse."):
            names |= {name for name in dir(form) if _is_field(getattr(form, name, None))}
    return sorted(names | set(RAW_FIELDS))


def _is_field(value) -> bool:
    return type(value).__name__ == "UnboundField"


class Visitors:
    """An anonymous visitor, a learner with lesson 1, and an admin; each with its CSRF token."""

    def __init__(self, app, outbox):
        now = datetime.now(UTC)
        self.subscriber = enrolled("fuzz@example.org", now, first_name="Fuzz")
        run_pass(now)
        self.course = the_course()
        self.lesson = self.course.published_lessons[0]
        mail = next(m for m in outbox if m.subject.startswith("Les 1"))
        self.anonymous = app.test_client()
        self.learner = app.test_client()
        self.learner.get(link_in(mail.text, "/l/").replace(BASE_URL, ""))
        from tests.web import log_in

        self.admin = app.test_client()
        assert log_in(self.admin).status_code == 302
        self.tokens = {
            "anonymous": csrf_token(self.anonymous.get("/").text),
            "learner": csrf_token(self.learner.get("/voorkeuren/").text),
            "admin": csrf_token(self.admin.get("/admin/deelnemers").text),
        }

    def real_arguments(self) -> dict[str, str]:
        return {
            "slug": self.course.slug,
            "course_slug": self.course.slug,
            "lesson_slug": self.lesson.slug,
            "public_id": self.subscriber.public_id,
            "action": "pauzeren",
            "change": "pauzeren",
            "token": "WyJ4Il0.aaaa.bbbb",
        }

    def who(self, endpoint: str) -> list[str]:
        if endpoint.startswith("admin."):
            return ["admin"]
        return ["anonymous", "learner"]

    def client(self, who: str):
        return getattr(self, who)


def encoded(value: str) -> str:
    """As a client would put it on the wire: UTF-8, with a lone surrogate's bytes as they
    would come from a broken client."""
    return quote(value, safe="", errors="surrogatepass")


# A URL longer than this is refused by every real server before it reaches us; a longer value
# goes into the query cut to this length, and into the body whole.
URL_PART = 2000


def url_for_rule(rule, arguments: dict[str, str], value: str, hostile_path: bool) -> str:
    path = rule.rule
    for name in rule.arguments:
        chosen = value[:URL_PART] if hostile_path else arguments.get(name, value[:URL_PART])
        path = path.replace(f"<{name}>", encoded(chosen)).replace(f"<path:{name}>", encoded(chosen))
    query = urlencode(dict.fromkeys(QUERY, value[:URL_PART]), errors="surrogatepass")
    return f"{path}?{query}"


def call_everything(app, visitors: Visitors, value: str, fields: list[str]) -> list[str]:
    """Every rule, by every visitor it is for, with `value` everywhere; the 5xx answers."""
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        for who in visitors.who(rule.endpoint):
            client = visitors.client(who)
            for hostile_path in (False, True) if rule.arguments else (False,):
                url = url_for_rule(rule, visitors.real_arguments(), value, hostile_path)
                for method in sorted(rule.methods & {"GET", "POST"}):
                    body = None
                    if method == "POST":
                        body = form_body(fields, value, visitors.tokens[who])
                    response = client.open(
                        url,
                        method=method,
                        data=body,
                        content_type="application/x-www-form-urlencoded",
                    )
                    if response.status_code >= 500:
                        failures.append(f"{method} {url[:120]} as {who}: {response.status_code}")
    return failures


def form_body(fields: list[str], value: str, token: str) -> str:
    """Every field set to `value`; a value over a URL's length goes into the longest-lived
    text fields only (one MB in each of forty fields would be forty MB, refused whole)."""
    if len(value) > URL_PART:
        data = dict.fromkeys(fields, "x") | dict.fromkeys(("body_md", "notitie", "email"), value)
    else:
        data = dict.fromkeys(fields, value)
    return urlencode(data | {"csrf_token": token}, errors="surrogatepass")


@pytest.fixture
def visitors(app, outbox, admin):
    return Visitors(app, outbox)


def test_no_known_troublemaker_makes_any_route_fail(app, visitors):
    fields = form_fields()
    assert {"email", "notitie", "body_md", "password"} <= set(fields)  # the forms were found
    failures = []
    for value in HOSTILE:
        failures += call_everything(app, visitors, value, fields)
    assert not failures, "\n".join(failures[:40])


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=st.text(min_size=1, max_size=60))
def test_no_text_at_all_makes_any_route_fail(app, visitors, value):
    failures = call_everything(app, visitors, value, form_fields())
    assert not failures, "\n".join(failures[:40])


JSON_BODIES = [
    b"[" * 5000,
    b"{" * 5000,
    b'{"a":' * 3000,
    b"not json",
    b"\xff\xfe",
    b'{"email":"s@example.org","consent":true,"elapsed_ms":5000,"course":"\\ud800"}',
    b'{"email":"s@example.org","consent":true,"elapsed_ms":5000,"course":"x\\u0000"}',
    b'{"email":"\\ud800@example.org","consent":true,"elapsed_ms":5000}',
    b'{"email":"s@example.org","first_name":"\\u0000","consent":true,"elapsed_ms":5000}',
    b'{"email":"s@example.org","consent":true,"elapsed_ms":' + b"9" * 5000 + b"}",
    b'{"email":"s@example.org","consent":true,"elapsed_ms":1e999}',
    b'{"Email":"\\ud800","RecordType":"Bounce","Type":"HardBounce"}',
    b'{"Email":["a"],"RecordType":{"x":1}}',
    b"[]",
    b"null",
]


@pytest.mark.parametrize("body", JSON_BODIES, ids=range(len(JSON_BODIES)))
def test_broken_json_gets_a_json_answer_never_a_5xx(make_app, body):
    app = make_app(
        EMBED_ORIGINS="https://academie.test",
        WEBHOOK_SECRET="geheim",
        SIGNUP_RATE_LIMIT="1000 per minute",
    )
    client = app.test_client()
    api = client.post("/api/v1/signups", data=body, content_type="application/json")
    assert api.status_code < 500 and api.is_json, (api.status_code, api.text[:200])
    hook = client.post(
        "/webhooks/postmark",
        data=body,
        content_type="application/json",
        headers={"X-Webhook-Secret": "geheim"},
    )
    assert hook.status_code < 500 and hook.is_json, (hook.status_code, hook.text[:200])


def zip_of(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def broken_zips() -> dict[str, bytes]:
    course = b"title: Kapot\n"
    lesson = b"---\ntitle: Een\nday: 0\nsummary: Kort\nexercise:\n  title: Adem\n  minutes: 3\n---\nTekst\n\n## Oefening\n\nAdem.\n"
    good = zip_of({"kapot/course.yml": course, "kapot/01-een.md": lesson})
    bad_crc = bytearray(zip_of({"kapot/course.yml": course}, zipfile.ZIP_STORED))
    bad_crc[bad_crc.index(b"title")] ^= 1
    lying = bytearray(good)
    at = lying.index(b"PK\x01\x02") + 24  # the central directory's uncompressed size
    lying[at : at + 4] = (1).to_bytes(4, "little")
    encrypted = bytearray(good)
    for header in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (start := encrypted.find(header, start)) != -1:
            flag_at = start + (6 if header == b"PK\x03\x04" else 8)
            encrypted[flag_at] |= 1
            start += 4
    method = bytearray(good)
    for header, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := method.find(header, start)) != -1:
            method[start + offset : start + offset + 2] = (99).to_bytes(2, "little")
            start += 4
    return {
        "bad-crc": bytes(bad_crc),
        "lying-size": bytes(lying),
        "encrypted": bytes(encrypted),
        "unknown-method": bytes(method),
        "file-and-folder": zip_of(
            {"kapot/course.yml": course, "kapot/x.md": lesson, "kapot/x.md/y.md": lesson}
        ),
        "course-yml-not-utf8": zip_of({"kapot/course.yml": b"title: \xff\xfe\n"}),
        "nul-in-lesson": zip_of(
            {"kapot/course.yml": course, "kapot/01-een.md": lesson.replace(b"Tekst", b"Te\x00kst")}
        ),
        "long-folder": zip_of(
            {("k" * 90) + "/course.yml": course, ("k" * 90) + "/01-een.md": lesson}
        ),
        "quote-in-folder": zip_of({'evil"q;x=/course.yml': course, 'evil"q;x=/01-een.md': lesson}),
        "marker-in-lesson": zip_of(
            {
                "kapot/course.yml": course,
                "kapot/01-een.md": lesson.replace(b"Tekst", b"ECOURSEPLACEHOLDER7X {{ voornaam }}"),
            }
        ),
        "not-a-zip": b"PK\x03\x04 not really",
        "empty": b"",
    }


BROKEN_CSV = {
    "huge-field": b"email,voornaam\n" + b'"' + b"x" * 200_000 + b'",a\n',
    "huge-header": b"email" + b"x" * 200_000 + b"\n",
    "nul": b"email\x00,voornaam\ns@example.org,\x00\n",
    "not-utf8": b"email\n\xff\xfe@example.org\n",
    "only-quotes": b'"""""""\n"""',
    "empty": b"",
}


def test_malformed_zip_and_csv_files_get_a_clear_refusal(app, admin_client):
    course = the_course()
    page = admin_client.get(f"/admin/cursussen/{course.slug}/import")
    token = csrf_token(page.text)
    for name, data in broken_zips().items():
        answer = admin_client.post(
            f"/admin/cursussen/{course.slug}/import",
            data={"csrf_token": token, "archive": (io.BytesIO(data), f"{name}.zip")},
            content_type="multipart/form-data",
        )
        assert answer.status_code == 400, (name, answer.status_code)
        assert "/tmp" not in answer.text and "imports/" not in answer.text, name
    page = admin_client.get("/admin/deelnemers/import")
    token = csrf_token(page.text)
    for name, data in BROKEN_CSV.items():
        answer = admin_client.post(
            "/admin/deelnemers/import",
            data={
                "csrf_token": token,
                "file": (io.BytesIO(data), f"{name}.csv"),
                "course": str(course.id),
                "source": "workshop",
            },
            content_type="multipart/form-data",
        )
        assert answer.status_code < 500, (name, answer.status_code)
