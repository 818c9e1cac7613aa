"""A course's own pages beside its lessons (issue 14): the care note with its numbers on
every lesson page and on `/hulp`, the FAQ with a deep link per question, the worksheet with
its drawings, the teacher on the landing page and the overview, and the links to them all
only where the course has the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ecourse.content import care, faq, worksheet
from tests.conftest import BASE_URL
from tests.factories import enrolled, run_until
from tests.web import link_in

pytestmark = pytest.mark.clock  # the lesson pages read the clock for what is scheduled

START = datetime(2097, 12, 1, 9, 0, tzinfo=UTC)  # far ahead: lessons on days 0, 2 and 4
LESSONS = ("/les/testcursus/01-les-1", "/les/testcursus/02-les-2", "/les/testcursus/03-les-3")
FAQ = """# Veelgestelde vragen

## Wat als ik moet huilen bij een oefening?

Dat mag. Stop als het te veel wordt.

## Hoe lang duurt één les?

Een kwartier, met de oefening.

## Wat als ik moet huilen bij een oefening?

Dezelfde vraag nog eens, een eigen anker.
"""
WORKSHEET = """# Mijn lijf in kaart

Vul dit in na les 2.

## Waar voel je spanning?

Kleur aan waar je iets merkt.

[[lichaamskaart]]

## Wat merkte je?

[[schrijfregels:4]]

## Voor in je portemonnee

[[zakkaart]]
**Drie keer uitademen.** Voeten op de grond.
[[/zakkaart]]
"""
TEL_LINKS = ('href="tel:113"', 'href="tel:08000113"', 'href="tel:112"', 'href="tel:1813"')


@pytest.fixture
def course_files(course_files):
    """The test course with a teacher, an FAQ and a worksheet."""
    course_files.course(teacher={"name": "Mirjam de Vries", "bio": "Lichaamsgericht therapeut."})
    (course_files.root / "faq.md").write_text(FAQ, encoding="utf-8")
    (course_files.root / "worksheet.md").write_text(WORKSHEET, encoding="utf-8")
    return course_files


@pytest.fixture
def learner(app, client, outbox):
    """A learner who received all three lessons, in this client's session."""
    subscriber = enrolled("lies@example.org", START, first_name="Lies")
    run_until(START, START + timedelta(days=4, hours=1))
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    assert client.get(link_in(message.text, "/l/").replace(BASE_URL, "")).status_code == 302
    return subscriber


def test_every_lesson_page_has_the_care_numbers_as_tap_to_call_links(client, learner):
    for url in LESSONS:
        page = client.get(url).text
        for link in TEL_LINKS:
            assert link in page, (url, link)
        assert 'href="https://www.113.nl"' in page and 'href="/hulp"' in page


def test_the_help_page_has_every_number_and_needs_no_link(client):
    page = client.get("/hulp")
    assert page.status_code == 200
    for link in TEL_LINKS:
        assert link in page.text
    assert "huisartsenpost" in page.text and "Zelfmoordlijn" in page.text
    # Veilig Thuis for those the lessons tell that distance can be healthy, a tap away too.
    assert '<a href="tel:08002000">0800-2000</a>' in page.text
    assert '<a href="tel:1712">1712</a>' in page.text
    assert page.text.count('href="tel:08000113"') == 2  # "Nu iemand spreken" and the list
    assert "<h1>Hulp, dag en nacht</h1>" in page.text
    assert 'class="care-local"' not in page.text  # "your local emergency number": English only


def test_the_care_numbers_are_dialled_without_dashes():
    assert care.NUMBERS.crisis_free.shown == "0800-0113"
    assert care.NUMBERS.crisis_free.tel == "tel:08000113"


def test_every_page_links_to_help_from_its_footer(client):
    footer = client.get("/").text.split('<footer class="site">')[1]
    assert 'href="/hulp"' in footer


def test_the_faq_gives_each_question_an_anchor_and_lists_them(client):
    page = client.get("/cursus/testcursus/vragen")
    assert page.status_code == 200
    assert "<h1>Veelgestelde vragen</h1>" in page.text
    assert '<h2 id="wat-als-ik-moet-huilen-bij-een-oefening">' in page.text
    assert '<h2 id="wat-als-ik-moet-huilen-bij-een-oefening-2">' in page.text
    assert '<a href="#hoe-lang-duurt-een-les">Hoe lang duurt één les?</a>' in page.text


def test_the_faq_escapes_what_its_markdown_should_not_hold():
    page = faq.page('## <script>alert(1)</script> Wel & wee\n\n<img src=x onerror="alert(1)">\n')
    assert "<script" not in page.html and "onerror" not in page.html
    assert page.questions[0].anchor == "wel-wee"


def test_every_lesson_page_links_the_faq_and_only_the_last_the_worksheet(client, learner):
    pages = [client.get(url).text for url in LESSONS]
    assert all('href="/cursus/testcursus/vragen"' in page for page in pages)
    with_sheet = ['href="/cursus/testcursus/werkblad"' in page for page in pages]
    assert with_sheet == [False, False, True]


def test_the_overview_links_both_pages_and_shows_the_teacher(client, learner):
    page = client.get("/cursus/testcursus").text
    assert 'href="/cursus/testcursus/vragen"' in page
    assert 'href="/cursus/testcursus/werkblad"' in page
    assert "Mirjam de Vries" in page and "Lichaamsgericht therapeut." in page


def test_the_landing_page_shows_the_teacher_without_a_photo_while_none_is_served(client):
    page = client.get("/").text
    assert '<p class="teacher-name">Mirjam de Vries</p>' in page
    assert "teacher-photo" not in page


def test_the_worksheet_draws_its_markers(client):
    page = client.get("/cursus/testcursus/werkblad")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Mijn lijf in kaart</h1>" in text
    assert text.count('<figure class="body-map">') == 1
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="lichaam-1-titel', text)
    assert '<title id="lichaam-1-titel">' in text and "<desc id=" in text
    assert text.count('<span class="write-line"></span>') == 4
    card = text.split('<div class="pocket-card">')[1].split("</div>")[0]
    assert "<strong>Drie keer uitademen.</strong>" in card
    assert "[[" not in text
    assert text.count('<section class="sheet-part">') == 4  # the intro and three sections
    assert 'id="print-sheet" hidden' in text and "worksheet.css" in text


def test_a_worksheet_line_count_is_kept_between_1_and_12():
    (section,) = worksheet.sheet("## Schrijf\n\n[[schrijfregels:40]]\n").sections
    assert [block.count for block in section if block.kind == "lines"] == [12]


def test_the_import_names_a_worksheet_marker_it_does_not_know():
    found = worksheet.problems("[[lichaamskaart]]\n[[zakkart]]\n[[schrijfregels:0]]\n[[zakkaart]]")
    assert found[0].startswith("worksheet.md line 2: unknown marker [[zakkart]]")
    assert "line 3: write [[schrijfregels:N]] with N from 1 to 12" in found[1]
    assert found[2] == "worksheet.md: a [[zakkaart]] is not closed with [[/zakkaart]]"


def test_a_marker_in_a_code_block_is_text():
    (section,) = worksheet.sheet("```\n[[lichaamskaart]]\n```\n").sections
    assert [block.kind for block in section] == ["html"]
    assert "[[lichaamskaart]]" in section[0].html


def test_a_course_without_the_files_has_no_pages_and_no_links(two_courses, client, outbox):
    assert client.get("/cursus/tweede/vragen").status_code == 404
    assert client.get("/cursus/tweede/werkblad").status_code == 404
    assert client.get("/cursus/bestaat-niet/vragen").status_code == 404
    from tests.factories import the_course

    enrolled("tweede@example.org", START, course=the_course("tweede"))
    run_until(START, START + timedelta(days=3, hours=1))
    message = next(m for m in outbox if "Begin van de tweede" in m.subject)
    client.get(link_in(message.text, "/l/").replace(BASE_URL, ""))
    for url in ("/les/tweede/01-begin", "/les/tweede/02-verder", "/cursus/tweede"):
        page = client.get(url).text
        assert "/vragen" not in page and "/werkblad" not in page, url
        assert "Je docent" not in page


def test_an_import_with_an_unknown_worksheet_marker_is_refused(app, course_files):
    from ecourse.content.catalog import ImportRefused, import_path

    (course_files.root / "worksheet.md").write_text("## Een\n\n[[zakkart]]\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_path(course_files.root, "Europe/Amsterdam", START)
    assert any("unknown marker [[zakkart]]" in problem for problem in refused.value.problems)
