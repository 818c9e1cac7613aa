"""The placeholder sandbox holds in both parts of an email and on the page: one test per
escape the security review found (statements switched on in the text part, nested loops,
`.ljust()` around the ban on `*`, a method printing a memory address, the internal marker
in lesson text)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from ecourse.content import placeholders
from ecourse.core.db import db
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, the_course
from tests.web import link_in

LOOP = "<%ecourse-no-blocks for a in voornaam ecourse-no-blocks%>[loop]<%ecourse-no-blocks endfor ecourse-no-blocks%>"


def both_parts(text: str, name: str = "Anna") -> tuple[str, str]:
    return str(placeholders.render_markdown(text, name)), placeholders.plain_text(text, name)


def test_statements_cannot_be_switched_on_in_either_part():
    for text in (f"`{LOOP}` {{{{ voornaam }}}}", f"{LOOP} {{{{ voornaam }}}}"):
        html, plain = both_parts(text)
        assert "[loop][loop]" not in html and "[loop][loop]" not in plain
        assert "Anna" in html and "Anna" in plain  # the placeholder itself still works


def test_nested_loops_cost_nothing():
    nested = "{{ voornaam }}" + "<%ecourse-no-blocks for a in voornaam ecourse-no-blocks%>" * 10
    nested += "x" + "<%ecourse-no-blocks endfor ecourse-no-blocks%>" * 10
    started = time.process_time()
    html, plain = both_parts(nested)
    assert time.process_time() - started < 1.0  # 4**10 iterations would take far longer
    assert len(plain) < 2000 and len(html) < 4000


@pytest.mark.parametrize(
    "expression",
    [
        "{{ voornaam.ljust(3000000) }}",
        "{{ voornaam.center(3000000) }}",
        "{{ voornaam.zfill(3000000) }}",
        "{{ voornaam.ljust(99999999999999999999) }}",
        '{{ "%3000000s" % voornaam }}',
        "{{ voornaam.split }}",
        "{{ voornaam.upper }}",
        "{{ [voornaam] }}",
        "{{ onbekend }}",
    ],
)
def test_no_expression_makes_a_huge_email_or_prints_an_object(expression):
    assert placeholders.problems(f"Hoi {expression}.")  # the editor refuses it
    html, plain = both_parts(f"Hoi {expression} daar.")
    assert "Hoi  daar." in plain and "0x" not in plain and "built-in" not in plain
    assert len(html) < 1000 and "0x" not in html


def test_allowed_methods_and_filters_still_work():
    html, plain = both_parts("{{ voornaam.upper() }} {{ voornaam|lower }} {{ voornaam.strip() }}")
    assert plain.strip() == "ANNA anna Anna" and "ANNA anna Anna" in html


def test_a_filled_in_text_is_bounded():
    many = "{{ voornaam }}" * 5000
    assert len(placeholders.plain_text(many, "a" * 100)) <= placeholders.MAX_OUTPUT_CHARS
    assert len(placeholders.fill_text(many, "a" * 100)) <= placeholders.MAX_OUTPUT_CHARS


def test_the_internal_marker_is_refused_and_harmless_in_stored_text():
    text = "ECOURSEPLACEHOLDER7X en {{ voornaam }}, ECOURSEPLACEHOLDER0X"
    assert any("ECOURSEPLACEHOLDER" in problem for problem in placeholders.problems(text))
    html, plain = both_parts(text)
    assert "ECOURSEPLACEHOLDER7X en Anna" in plain


@pytest.mark.clock
def test_every_learners_page_survives_the_marker_in_stored_lesson_text(app, client, outbox):
    lesson = the_course().lessons[0]
    lesson.body_md = "ECOURSEPLACEHOLDER7X naast {{ voornaam }}.\n\nVerder."
    db.session.commit()
    now = datetime.now(UTC)
    enrolled("merk@example.org", now, first_name="Mo")
    run_pass(now)
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    assert "naast Mo." in message.text
    client.get(link_in(message.text, "/l/").replace(BASE_URL, ""))
    page = client.get("/les/testcursus/01-les-1")
    assert page.status_code == 200 and "naast Mo." in page.text
