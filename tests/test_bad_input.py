"""Bad input gets a clear answer, never a 500: one test per case the security review found
(the fuzz test in `test_fuzz.py` sends the rest of the world's oddities)."""

from __future__ import annotations

import io

from tests.factories import the_course
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token


def test_a_newline_in_next_after_login_goes_to_the_dashboard(app, admin):
    client = app.test_client()
    page = client.get("/admin/inloggen")
    answer = client.post(
        "/admin/inloggen?next=/admin/%0d%0aX-Injected:%201",
        data={
            "csrf_token": csrf_token(page.text),
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
        },
    )
    assert answer.status_code == 302 and answer.location == "/admin/"
    assert "X-Injected" not in answer.headers


def test_a_page_number_of_twenty_digits_shows_the_first_page(admin_client):
    for number in ("99999999999999999999", "-5", "²", "abc", "0"):
        answer = admin_client.get(f"/admin/deelnemers?pagina={number}")
        assert answer.status_code == 200, number


def import_csv(admin_client, data: bytes):
    token = csrf_token(admin_client.get("/admin/deelnemers/import").text)
    return admin_client.post(
        "/admin/deelnemers/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(data), "lijst.csv"),
            "course": str(the_course().id),
            "source": "workshop",
        },
        content_type="multipart/form-data",
    )


def test_a_csv_with_a_field_over_csvs_limit_is_refused_in_words(admin_client):
    answer = import_csv(admin_client, b"email,voornaam\n" + b'"' + b"x" * 200_000 + b'",a\n')
    assert answer.status_code < 500
    assert "geen CSV die we kunnen lezen" in answer.text


def test_a_csv_between_one_and_five_megabytes_is_read_and_a_bigger_one_refused(admin_client):
    def send(size: int):
        rows = b"email\n" + b"".join(f"p{n}@example.org\n".encode() for n in range(size // 20))
        return import_csv(admin_client, rows)

    read = send(2 * 1024 * 1024)  # over the site's 1 MB, under the import's 5 MB
    assert read.status_code != 413 and "Meer dan" in read.text  # read: too many rows
    refused = send(7 * 1024 * 1024)
    assert refused.status_code == 413


def test_wrong_webhook_secrets_are_limited_per_client(make_app):
    app = make_app(WEBHOOK_SECRET="een-lang-geheim")
    client = app.test_client()
    event = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "x@example.org"}
    wrong = [
        client.post("/webhooks/postmark", json=event, headers={"X-Webhook-Secret": f"gok{n}"})
        for n in range(11)
    ]
    assert [answer.status_code for answer in wrong] == [401] * 10 + [429]
    other = app.test_client()
    right = other.post(
        "/webhooks/postmark",
        json=event,
        headers={"X-Webhook-Secret": "een-lang-geheim"},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert right.status_code == 200


def test_a_zip_folder_name_that_is_no_address_is_refused(admin_client):
    from tests.test_fuzz import broken_zips

    course = the_course()
    token = csrf_token(admin_client.get(f"/admin/cursussen/{course.slug}/import").text)
    for name in ("quote-in-folder", "long-folder"):
        answer = admin_client.post(
            f"/admin/cursussen/{course.slug}/import",
            data={"csrf_token": token, "archive": (io.BytesIO(broken_zips()[name]), "x.zip")},
            content_type="multipart/form-data",
        )
        assert answer.status_code == 400 and "cannot be a course" in answer.text, name


def test_an_export_file_name_is_safe_even_for_an_old_odd_slug(admin_client):
    from ecourse.core.db import db

    course = the_course()
    course.slug = 'oud"q;x='
    db.session.commit()
    answer = admin_client.get("/admin/cursussen/oud%22q%3Bx%3D/export")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="oud-q-x-.zip"'


def test_a_signed_link_whose_contents_are_not_json_is_refused_in_words(app):
    """Only a holder of the secret can sign, but a link signed by an older version or by
    hand must still get the link page, not a 500."""
    from ecourse.core import tokens

    with app.app_context():
        signer = tokens._serializer("lesson").make_signer()
        garbled = signer.sign(b"!not-base64-json!").decode()
    answer = app.test_client().get(f"/l/{garbled}")
    assert answer.status_code == 400
    assert "link" in answer.text.lower() and "Traceback" not in answer.text
