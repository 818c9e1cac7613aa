"""A course not yet ready for real learners is named, never refused (issue 14, points 3 and
4): an invitation link that is empty or a placeholder, and lessons that ask for an answer
with nowhere for the answer to go. `ecourse init` and `ecourse lessons import` warn on
stderr; the admin's dashboard shows a notice; each goes once the course is fixed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ecourse.cli.main import main
from ecourse.content.readiness import is_placeholder_url
from tests.test_cli import env  # noqa: F401  (a fixture: the settings as ECOURSE_* variables)

REAL = "https://www.bellein-academie.nl/kennismaken"
PLACEHOLDER_WARNING = "warning: course testcursus: the invitation link (call_to_action.url"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "kennismaken",
        "https://example.org/kennismaken",
        "http://www.example.com/x",
        "https://EXAMPLE.NET",
        "http://localhost:8000/intro",
        "https://academie.test/weekend",
        "https://academie.invalid/",
        "https://academie.example/",
        "http://127.0.0.1/",
        "https://[::1]/",
        "https://example.org./",
    ],
)
def test_a_placeholder_invitation_is_named_so(url):
    assert is_placeholder_url(url)


@pytest.mark.parametrize(
    "url",
    [REAL, "https://academie.nl/", "https://example.organic.nl/", "https://mytest.nl/"],
)
def test_a_real_site_is_not_a_placeholder(url):
    assert not is_placeholder_url(url)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_warns_about_a_placeholder_invitation_and_still_succeeds(env, course_files):  # noqa: F811
    result = run("init")
    assert result.exit_code == 0, result.output
    assert PLACEHOLDER_WARNING in result.stderr
    assert "(https://academie.test/weekend)" in result.stderr
    assert "warning" not in result.stdout
    course_files.course(call_to_action={"url": REAL, "text": "Kom kennismaken"})
    imported = run("lessons", "import")
    assert imported.exit_code == 0 and "updated: course testcursus" in imported.stdout
    assert imported.stderr == ""


def test_lessons_import_warns_while_the_invitation_is_empty(env, course_files):  # noqa: F811
    course_files.course(call_to_action=None)
    result = run("lessons", "import")
    assert result.exit_code == 0, result.output
    assert f"{PLACEHOLDER_WARNING} in course.yml) is a placeholder (empty)" in result.stderr


def test_lessons_that_ask_for_an_answer_want_a_reply_address(env, course_files, monkeypatch):  # noqa: F811
    course_files.course(call_to_action={"url": REAL, "text": "Kom kennismaken"})
    course_files.lesson(
        "04-vraag",
        title="Een vraag",
        day=6,
        body="Stuur me je antwoord: wat merkte je?\n\n## Oefening\n\n1. Adem uit.\n",
    )
    monkeypatch.setenv("ECOURSE_REPLY_TO", "")
    warned = run("init")
    assert warned.exit_code == 0, warned.output
    assert "course testcursus: its lessons ask for an answer, but replies have no address" in (
        warned.stderr
    )
    course_files.course(
        call_to_action={"url": REAL, "text": "Kom kennismaken"}, reply_to="docent@academie.nl"
    )
    assert run("lessons", "import").stderr == ""


@pytest.mark.clock
def test_the_dashboard_shows_a_notice_until_the_invitation_is_real(admin_client, course_files):
    page = admin_client.get("/admin/").text
    assert "De uitnodiging aan het eind van de cursus wijst nog nergens heen." in page
    assert "<code>https://academie.test/weekend</code> is een voorbeeldadres" in page
    course_files.course(call_to_action={"url": REAL, "text": "Kom kennismaken"})
    from datetime import UTC, datetime

    from ecourse.content.catalog import import_path

    import_path(course_files.root, "Europe/Amsterdam", datetime.now(UTC))
    page = admin_client.get("/admin/").text
    assert "wijst nog nergens heen" not in page and "antwoorden hebben geen adres" not in page
