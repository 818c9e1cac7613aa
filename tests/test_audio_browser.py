"""An exercise's audio guide in a real browser: the player by the steps loads the real file
(a duration from its metadata), on a phone and a desktop, accessible (axe), without
sideways scrolling; and the page's player is plain HTML, so it works without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecourse.content import catalog
from ecourse.worker.passes import run_pass
from tests.browserkit import look
from tests.conftest import BASE_URL
from tests.factories import enrolled
from tests.web import link_in

pytestmark = [pytest.mark.browser, pytest.mark.clock]

MP3 = Path(__file__).parent / "data" / "silence.mp3"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
DURATION = """async (player) => {
  if (player.readyState < 1) {
    await new Promise((loaded, failed) => {
      player.addEventListener('loadedmetadata', loaded, {once: true});
      player.addEventListener('error', () => failed(new Error('audio error ' +
        (player.error && player.error.code))), {once: true});
      player.load();
    });
  }
  return player.duration;
}"""


@pytest.fixture
def lesson_link(app, outbox, course_files) -> str:
    """Lesson 1, which has an audio guide, from Tess's email (the path only)."""
    (course_files.root / "01-les-1.mp3").write_bytes(MP3.read_bytes())
    now = datetime.now(UTC)
    catalog.import_path(course_files.root, "Europe/Amsterdam", now)
    enrolled("tess@example.org", now, first_name="Tess")
    run_pass(now)
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    assert "audio-opname" in message.text
    return link_in(message.text, "/l/").replace(BASE_URL, "")


@pytest.mark.parametrize("size", SIZES)
def test_the_player_loads_the_real_file_on_a_phone_and_a_desktop(
    lesson_link, server, browser, size
):
    context = browser.new_context(
        viewport=SIZES[size], locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: _failed(response, errors))
    page.goto(server + lesson_link)
    player = page.locator("audio[data-audio-guide]")
    assert player.get_attribute("preload") == "none"
    label = page.locator("#luisteren")
    assert label.is_visible() and label.inner_text() == "Luister naar de oefening (5 min)"
    assert player.get_attribute("aria-describedby") == "stappen-tekst"
    assert "Voeten op de grond." in page.locator("#stappen-tekst").inner_text()
    duration = player.evaluate(DURATION)
    assert 1.5 < duration < 3, duration  # two seconds of silence
    download = page.get_by_role("link", name="Download de audio")
    assert download.get_attribute("href").endswith("/audio?download=1")
    look(page, f"the lesson page with audio ({size})", f"audio-lesson-{size}")
    assert errors == []


def test_without_javascript_the_player_is_still_there(lesson_link, server, browser):
    context = browser.new_context(viewport=SIZES["phone"], java_script_enabled=False)
    page = context.new_page()
    page.goto(server + lesson_link)
    player = page.locator("audio[data-audio-guide]")
    assert player.count() == 1 and player.get_attribute("controls") is not None


def _failed(response, errors: list) -> None:
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):
        errors.append(f"{response.status} {response.url}")
