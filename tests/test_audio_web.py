"""An exercise's audio guide in the web: uploaded, replaced and removed in the editor, served
to its learner (ranges, ETag, caching) and refused to anyone else; the teacher's photo."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ecourse.content import catalog, lessonwriter, media
from ecourse.core.db import db
from ecourse.core.models import Event
from ecourse.learners import accounts
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, the_course
from tests.test_learn import lesson_link
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token, log_in

MP3 = (Path(__file__).parent / "data" / "silence.mp3").read_bytes()
OGG = b"OggS\x00\x02" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)
EDIT = "/admin/cursussen/testcursus/lessen/01-les-1"
UPLOAD = EDIT + "/audio"
REMOVE = EDIT + "/audio/verwijderen"
AUDIO = "/les/testcursus/01-les-1/audio"
EDITOR_EMAIL, EDITOR_PASSWORD = "redactie@academie.test", "lessen-schrijven-7"


def lesson(slug: str = "01-les-1"):
    return next(each for each in the_course().lessons if each.slug == slug)


def upload(client, name: str, data: bytes, token: str | None = None):
    token = token if token is not None else csrf_token(client.get(EDIT).text)
    form = {"csrf_token": token, "audio": (io.BytesIO(data), name)}
    return client.post(UPLOAD, data=form, content_type="multipart/form-data")


@pytest.fixture(params=["owner", "editor"])
def any_admin(request, app, admin):
    """A client logged in as an owner, then as an editor: both may work on audio."""
    email, password = ADMIN_EMAIL, ADMIN_PASSWORD
    if request.param == "editor":
        editor = accounts.create(EDITOR_EMAIL, EDITOR_PASSWORD, datetime.now(UTC))
        editor.role = "editor"
        db.session.commit()
        email, password = EDITOR_EMAIL, EDITOR_PASSWORD
    client = app.test_client()
    assert log_in(client, email, password).status_code == 302
    return client, email


def test_an_admin_uploads_listens_replaces_and_removes_an_audio_guide(any_admin):
    client, email = any_admin
    page = client.get(EDIT)
    assert "Deze oefening heeft geen audio" in page.text and "<audio" not in page.text
    response = upload(client, "opname.mp3", MP3)
    assert response.status_code == 302 and response.headers["Location"] == EDIT
    page = client.get(EDIT)
    assert "Audio bij de oefening toegevoegd: 01-les-1.mp3." in page.text
    assert f'src="{AUDIO}"' in page.text and "Audio vervangen" in page.text
    listened = client.get(AUDIO)  # the editor's player: an admin may listen
    assert listened.status_code == 200 and listened.data == MP3
    assert upload(client, "nieuw.OGG", OGG).status_code == 302
    assert media.audio_facts(lesson().id).filename == "01-les-1.ogg"
    assert client.get(AUDIO).data == OGG
    page = client.get(EDIT)
    removed = client.post(REMOVE, data={"csrf_token": csrf_token(page.text)})
    assert removed.status_code == 302
    assert "De audio bij de oefening is verwijderd" in client.get(EDIT).text
    assert media.audio_facts(lesson().id) is None
    assert client.get(AUDIO).status_code == 404
    events = db.session.scalars(select(Event).where(Event.action == "lesson_audio")).all()
    assert [(each.admin_email, each.detail) for each in events] == [
        (email, "testcursus/01-les-1: audio toegevoegd (01-les-1.mp3, 8 kB)"),
        (email, "testcursus/01-les-1: audio vervangen (01-les-1.ogg, 1 kB)"),
        (email, "testcursus/01-les-1: audio verwijderd"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("opname.wav", MP3, "opname.wav is geen .mp3-, .ogg- of .m4a-bestand"),
        ("opname.mp3", b"<html><script>x</script></html>", "opname.mp3 heet een audiobestand"),
        ("opname.ogg", MP3, "de inhoud past niet bij de naam"),
        ("opname.mp3", b"", "opname.mp3 is leeg"),
    ],
)
def test_a_file_that_is_no_audio_guide_is_refused_with_a_message(admin_client, name, data, message):
    response = upload(admin_client, name, data)
    assert response.status_code == 400
    assert message in response.text and 'role="alert"' in response.text
    assert "<script>x" not in response.text
    assert media.audio_facts(lesson().id) is None


def test_an_upload_without_a_file_or_a_csrf_token_changes_nothing(admin_client):
    page = admin_client.get(EDIT)
    empty = admin_client.post(UPLOAD, data={"csrf_token": csrf_token(page.text)})
    assert empty.status_code == 400 and "Kies een audiobestand" in empty.text
    forged = upload(admin_client, "opname.mp3", MP3, token="")
    assert forged.status_code == 400
    removal = admin_client.post(REMOVE, data={})
    assert removal.status_code == 400
    assert media.audio_facts(lesson().id) is None


@pytest.mark.clock
def test_the_size_limit_is_a_setting_and_a_bigger_request_is_refused_unread(make_app):
    app = make_app(MAX_AUDIO_MB="1")
    accounts.create(ADMIN_EMAIL, ADMIN_PASSWORD, datetime.now(UTC))
    client = app.test_client()
    assert log_in(client).status_code == 302
    just_over = upload(client, "opname.mp3", MP3 + bytes(1024 * 1024))
    assert just_over.status_code == 400
    assert "opname.mp3 is groter dan 1 MB" in just_over.text
    far_over = upload(client, "opname.mp3", MP3 + bytes(3 * 1024 * 1024))
    assert far_over.status_code == 413
    assert "Dit audiobestand is groter dan 1 MB en is niet opgeslagen" in far_over.text
    assert "Hoogstens 1 MB" in client.get(EDIT).text
    assert media.audio_facts(lesson().id) is None


def test_a_stranger_cannot_upload_or_remove(client, app):
    token = csrf_token(client.get("/").text)  # a valid token of a session without a login
    response = upload(client, "opname.mp3", MP3, token=token)
    assert response.status_code == 302 and "/admin/inloggen" in response.headers["Location"]
    removal = client.post(REMOVE, data={"csrf_token": token})
    assert removal.status_code == 302 and "/admin/inloggen" in removal.headers["Location"]
    assert media.audio_facts(lesson().id) is None


@pytest.fixture
def learner_client(app, outbox, client, course_files):
    """A learner who has received lesson 1 (not yet 2), in this client's session; lessons 1
    and 2 have an audio guide."""
    (course_files.root / "01-les-1.mp3").write_bytes(MP3)
    (course_files.root / "02-les-2.mp3").write_bytes(MP3)
    catalog.import_path(course_files.root, "Europe/Amsterdam", datetime.now(UTC))
    now = datetime.now(UTC)
    enrolled("leer@example.org", now, first_name="Lotte")
    run_pass(now)
    assert client.get(lesson_link(outbox)).status_code == 302
    return client


@pytest.mark.clock
def test_the_learner_gets_the_whole_file_a_range_and_a_not_modified(learner_client):
    whole = learner_client.get(AUDIO)
    assert whole.status_code == 200 and whole.data == MP3
    assert whole.headers["Content-Type"] == "audio/mpeg"
    assert whole.headers["Cache-Control"] == "private, max-age=86400"
    assert whole.headers["Accept-Ranges"] == "bytes"
    etag = whole.headers["ETag"]
    assert etag.strip('"') == media.audio_facts(lesson().id).sha256
    part = learner_client.get(AUDIO, headers={"Range": "bytes=100-299"})
    assert part.status_code == 206 and part.data == MP3[100:300]
    assert part.headers["Content-Range"] == f"bytes 100-299/{len(MP3)}"
    tail = learner_client.get(AUDIO, headers={"Range": "bytes=-8"})
    assert tail.status_code == 206 and tail.data == MP3[-8:]
    same = learner_client.get(AUDIO, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    saved = learner_client.get(AUDIO + "?download=1")
    assert saved.headers["Content-Disposition"] == "attachment; filename=01-les-1.mp3"


@pytest.mark.clock
def test_the_lesson_page_shows_the_player_only_with_audio(learner_client, app):
    page = learner_client.get("/les/testcursus/01-les-1").text
    assert '<audio controls preload="none"' in page
    assert f'src="{AUDIO}"' in page
    assert 'aria-describedby="stappen-tekst"' in page and 'id="stappen-tekst"' in page
    assert "Luister naar de oefening (5 min)" in page
    assert f'href="{AUDIO}?download=1"' in page
    assert media.remove_audio(lesson()) is True
    db.session.commit()
    page = learner_client.get("/les/testcursus/01-les-1").text
    assert "<audio" not in page and "Luister naar" not in page and "/audio" not in page


@pytest.mark.clock
def test_a_lesson_not_yet_received_or_a_stranger_gets_the_lesson_pages_refusal(learner_client, app):
    early = learner_client.get("/les/testcursus/02-les-2/audio")
    page = learner_client.get("/les/testcursus/02-les-2")
    assert early.status_code == page.status_code == 403
    assert early.text == page.text and "<audio" not in early.text
    stranger = app.test_client()
    refused = stranger.get(AUDIO)
    assert refused.status_code == 403 and "Open de link uit je e-mail" in refused.text
    assert MP3[:64] not in refused.data
    assert stranger.get("/les/testcursus/bestaat-niet/audio").status_code == 404


@pytest.mark.clock
def test_the_teacher_photo_is_public_and_cacheable(app, client, course_files):
    assert client.get("/cursus/testcursus/docent").status_code == 404
    from ecourse.web.learn.media import teacher_photo_url

    with app.test_request_context():
        assert teacher_photo_url(the_course()) is None
    course_files.course(teacher={"name": "Marjolein", "photo": "marjolein.png"})
    (course_files.root / "marjolein.png").write_bytes(PNG)
    catalog.import_path(course_files.root, "Europe/Amsterdam", datetime.now(UTC))
    with app.test_request_context():
        url = teacher_photo_url(the_course())
    assert url.startswith("/cursus/testcursus/docent?v=")
    photo = client.get(url)
    assert photo.status_code == 200 and photo.data == PNG
    assert photo.headers["Content-Type"] == "image/png"
    assert photo.headers["Cache-Control"] == "public, max-age=86400"


def test_the_admins_zip_import_brings_the_audio_guides_and_journals_them(admin_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in lessonwriter.course_files(the_course()).items():
            archive.writestr(f"testcursus/{name}", text)
        archive.writestr("testcursus/02-les-2.mp3", MP3)
    url = "/admin/cursussen/testcursus/import"
    token = csrf_token(admin_client.get(url).text)
    form = {"csrf_token": token, "archive": (io.BytesIO(buffer.getvalue()), "cursus.zip")}
    checked = admin_client.post(url, data=form, content_type="multipart/form-data")
    assert checked.status_code == 200, checked.text
    assert "audio of foto, nieuw of vervangen: testcursus/02-les-2.mp3" in checked.text
    assert media.audio_facts(lesson("02-les-2").id) is None  # nothing applied yet
    upload_name = re.search(r'name="upload" type="hidden" value="([^"]+)"', checked.text)[1]
    data = {"csrf_token": csrf_token(checked.text), "upload": upload_name, "late_rule": "skip"}
    done = admin_client.post(url, data=data | {"step": "apply"})
    assert done.status_code == 200 and "Import klaar" in done.text
    assert media.data_of(media.audio_facts(lesson("02-les-2").id)) == MP3
    event = db.session.scalar(select(Event).where(Event.action == "lesson_import"))
    assert event.detail == "testcursus/02-les-2.mp3 nieuw of vervangen"
