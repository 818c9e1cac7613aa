"""Content checks for the shipped course: every lesson file is complete and fits its form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape

from ecourse.content.lessonfiles import read_folder
from ecourse.content.markup import opening, plain_text, reading_minutes, render, word_count
from ecourse.core.resources import bundled

COURSE = bundled("lessons") / "lichaam-en-hechting"
FOLDER = read_folder(COURSE)
LESSONS = FOLDER.lessons
# The crisis lines come from the page and email templates; a lesson may name its own help
# (Veilig Thuis in lessons 1 and 6, the GP in lesson 2), never the crisis note's numbers.
CARE_NOTE_WORDS = ("113", "112", "1813", "huisartsenpost", "Zelfmoordpreventie")


def test_the_course_folder_validates():
    assert FOLDER.problems == []
    assert FOLDER.course.language == "nl"
    assert FOLDER.course.cta_url.startswith("https://") and FOLDER.course.cta_text


def test_seven_lessons_over_about_two_weeks_in_increasing_days():
    days = [lesson.day for lesson in LESSONS]
    assert len(LESSONS) == 7
    assert days[0] == 0 and days == sorted(set(days))
    assert 10 <= days[-1] <= 16


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_each_lesson_is_complete(lesson):
    words = (
        word_count(lesson.body_md)
        + word_count(lesson.exercise_md)
        + word_count(lesson.reflection_md)
    )
    assert 400 <= words <= 800, f"{lesson.slug}: {words} words"
    assert len(lesson.summary) < 110, f"{lesson.slug}: summary of {len(lesson.summary)} characters"
    assert 3 <= lesson.exercise_minutes <= 10
    steps = re.findall(r"^\d+\. ", lesson.exercise_md, flags=re.MULTILINE)
    assert 3 <= len(steps) <= 10, f"{lesson.slug}: {len(steps)} numbered steps"
    questions = re.findall(r"^- .+\?$", lesson.reflection_md, flags=re.MULTILINE)
    assert 2 <= len(questions) <= 3, f"{lesson.slug}: {len(questions)} reflection questions"
    assert lesson.status == "published"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_care_note_comes_from_the_page_template_not_the_files(lesson):
    text = " ".join((lesson.body_md, lesson.exercise_md, lesson.reflection_md))
    assert not any(word in text for word in CARE_NOTE_WORDS)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_no_broken_internal_links(lesson):
    slugs = {each.slug for each in LESSONS}
    html = render(lesson.body_md + "\n\n" + lesson.exercise_md + "\n\n" + lesson.reflection_md)
    for href in re.findall(r'href="([^"]+)"', html):
        if href.startswith(("https://", "mailto:", "tel:")):
            continue
        target = href.rstrip("/").rsplit("/", 1)[-1]
        assert target in slugs, f"{lesson.slug}: link to {href} does not reach a lesson"


def test_only_the_last_lesson_invites_to_the_weekend():
    mentions = [
        lesson.slug for lesson in LESSONS if "introductieweekend" in plain_text(lesson.body_md)
    ]
    assert mentions == [LESSONS[-1].slug]


def test_reading_time_is_computed_from_the_words():
    assert reading_minutes("woord " * 200) == 1
    assert reading_minutes("woord " * 700) == 4  # 3.5 rounds to 4
    assert reading_minutes("") == 1


def reading_time_text(lesson) -> str:
    """The reading time a lesson page must show: the lesson text and its exercise, at 200 words
    a minute, as `ecourse.learn.routes.render_lesson` computes it."""
    minutes = reading_minutes(lesson.body_md, lesson.exercise_md)
    return f"Leestijd ongeveer {minutes} {'minuut' if minutes == 1 else 'minuten'}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_each_lesson_has_a_plausible_reading_time(lesson):
    words = word_count(lesson.body_md) + word_count(lesson.exercise_md)
    minutes = reading_minutes(lesson.body_md, lesson.exercise_md)
    assert minutes == max(1, round(words / 200))
    assert 2 <= minutes <= 4, f"{lesson.slug}: {minutes} minutes for {words} words"


@pytest.fixture
def real_course_settings(settings):
    return settings | {"LESSONS_DIR": str(bundled("lessons"))}


def test_new_subscriber_receives_all_seven_lessons_and_pages_show_everything(real_course_settings):
    from ecourse import create_app
    from ecourse.content.catalog import import_path
    from ecourse.content.courses import course_by_slug
    from ecourse.core.db import db
    from tests.conftest import BASE_URL
    from tests.factories import enrolled, run_until
    from tests.web import link_in

    app = create_app(real_course_settings)
    with app.app_context():
        start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
        import_path(bundled("lessons"), "Europe/Amsterdam", start)
        course = course_by_slug("lichaam-en-hechting")
        enrolled("cursist@example.org", start, first_name="Noor", course=course)
        run_until(start, start + timedelta(days=14))
        outbox = app.extensions["ecourse.messenger"].sent
        lessons = [m for m in outbox if m.subject.startswith("Les ")]
        assert [m.subject.split(":")[0] for m in lessons] == [f"Les {n}" for n in range(1, 8)]
        local_day = lambda moment: moment.astimezone(ZoneInfo("Europe/Amsterdam")).date()  # noqa: E731
        sent_days = [(local_day(m.date) - local_day(start)).days for m in lessons]
        assert sent_days == [lesson.day for lesson in LESSONS]
        client = app.test_client()
        pages = []
        for message, lesson in zip(lessons, LESSONS, strict=True):
            link = link_in(message.text, "/l/").replace(BASE_URL, "")
            page = client.get(link, follow_redirects=True)
            assert page.status_code == 200
            shown = re.findall(r"Leestijd ongeveer \d+ minu(?:ut|ten)", page.text)
            assert shown == [reading_time_text(lesson)], f"{lesson.slug}: {shown}"
            assert f"Oefening: {lesson.exercise_title}" in page.text.replace("&#39;", "'")
            assert f"Ongeveer {lesson.exercise_minutes} minuten" in page.text
            assert "<ol>" in page.text and "Om over na te denken" in page.text
            assert "0800-0113" in page.text
            pages.append(page.text)
        assert course.cta_url == FOLDER.course.cta_url and course.cta_text
        button = f'<a class="button" href="{escape(course.cta_url)}">{escape(course.cta_text)}</a>'
        *earlier, last = pages
        assert button in last, "the last lesson's page carries the call-to-action button"
        for slug, text in zip([each.slug for each in LESSONS[:-1]], earlier, strict=True):
            # The footer links to the academy's site, which may be the invitation's address.
            assert button not in text, f"{slug}: call to action too early"
            assert course.cta_text not in text, f"{slug}: call to action too early"
        assert course.cta_url in lessons[-1].text
        # The invitation comes as a PS, after the teacher has signed the lesson.
        signed, after = lessons[-1].text.split(course.teacher_name, 1)
        assert course.cta_url not in signed and f"PS: {course.cta_text}" in after
        assert not any(course.cta_url in message.text for message in lessons[:-1])
        db.session.remove()
        db.engine.dispose()


def test_preview_command_renders_every_lesson_email(real_course_settings, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ecourse.cli.main import main

    for name, value in real_course_settings.items():
        monkeypatch.setenv(f"ECOURSE_{name}", str(value))
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    result = runner.invoke(main, ["lessons", "preview", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    texts = sorted((tmp_path / "out").glob("*.txt"))
    htmls = sorted((tmp_path / "out").glob("*.html"))
    assert len(texts) == len(htmls) == 7
    for text_file, html_file, lesson in zip(texts, htmls, LESSONS, strict=True):
        text, html = text_file.read_text(), html_file.read_text()
        assert f"Subject: Les {LESSONS.index(lesson) + 1}: {lesson.title}" in text
        assert "Hoi Sanne" in text and "<" not in text.split("\n\n", 1)[1].replace("<http", "")
        assert (
            len(plain_text(lesson.body_md).split()) > 0 and "Lees de les en doe de oefening" in html
        )
        assert 'style="' in html


def test_lesson_files_are_in_the_project_folder():
    assert Path(COURSE).is_dir() and (COURSE / "course.yml").is_file()


# The second edition's checks: safety inside the exercises, subjects that fit an inbox, the
# course's own words, and the pages and email beside the lessons.

LESSONS_ROOT = bundled("lessons")
STOP_CLAUSE = re.compile(r"Wordt het te veel\?", re.IGNORECASE)
SMALL_MOMENT = re.compile(r"hooguit een 4", re.IGNORECASE)
# Exercises that call up a memory or a feeling: they must say how to stop, inside the exercise.
ACTIVATING = (1, 3, 4, 6, 7)
EXTRA_FILES = ("faq.md", "worksheet.md", "follow-up.md")


def lesson_number(number: int):
    return LESSONS[number - 1]


def load_fingerprint_script():
    """`scripts/article-fingerprint` as a module: the test and the script share one notion
    of a word and a six-word run."""
    import importlib.machinery
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "scripts" / "article-fingerprint"
    loader = importlib.machinery.SourceFileLoader("article_fingerprint", str(path))
    spec = importlib.util.spec_from_loader("article_fingerprint", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


FINGERPRINT = load_fingerprint_script()
ARTICLE_SHINGLES = Path(__file__).resolve().parent / "data" / "article-shingles.txt"


def article_hashes(path: Path = ARTICLE_SHINGLES) -> set[str]:
    return set(path.read_text(encoding="ascii").split())


def runs_in_common(text: str, hashes: set[str]) -> int:
    return len(FINGERPRINT.shingles(text) & hashes)


def course_texts() -> dict[str, str]:
    """Every text of the course a reader sees: the lessons, the course file and the extras."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(COURSE.glob("*.md"))}
    texts["course.yml"] = (COURSE / "course.yml").read_text(encoding="utf-8")
    return texts


def test_no_placeholder_addresses_anywhere_in_the_lessons_folder():
    for path in LESSONS_ROOT.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".yml", ".yaml", ".txt"}:
            text = path.read_text(encoding="utf-8").lower()
            assert "example.org" not in text and "example.com" not in text, path


@pytest.mark.parametrize("number", ACTIVATING)
def test_every_activating_exercise_says_how_to_stop(number):
    exercise = lesson_number(number).exercise_md
    assert STOP_CLAUSE.search(exercise), f"lesson {number}: no 'Wordt het te veel?' in the exercise"
    assert SMALL_MOMENT.search(exercise), f"lesson {number}: no 'hooguit een 4' in the exercise"
    assert "voeten" in exercise and "adem" in exercise


def test_the_noodrem_is_given_in_the_first_lesson_and_the_anchors_in_the_fifth():
    assert "noodrem" in lesson_number(1).body_md.lower()
    assert "noodrem" in lesson_number(5).body_md.lower()


@pytest.mark.parametrize("number", (1, 6))
def test_unsafe_relationships_are_named_with_veilig_thuis(number):
    lesson = lesson_number(number)
    text = plain_text(lesson.body_md)
    assert "Veilig Thuis" in text and "0800-2000" in text
    assert "België" in text and "1712" in text  # the Belgian line for violence and abuse
    assert "bedreigd" in text  # the line is about an unsafe relationship, not any tension


def test_the_first_lesson_speaks_to_people_in_treatment_and_invites_replies():
    text = plain_text(lesson_number(1).body_md)
    assert "Ben je in behandeling? Overleg dan even met je behandelaar" in text
    for number in (1, 7):
        # In the opening, so the lesson's email carries it too (`markup.opening`).
        teaser = plain_text(opening(lesson_number(number).body_md))
        assert "ntwoord gerust op de mail van deze les" in teaser and "crisis" in teaser


def test_lasting_physical_complaints_go_to_the_gp():
    assert "huisarts" in plain_text(lesson_number(2).body_md)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_each_subject_fits_an_inbox_and_its_preview_adds_to_it(lesson):
    subject = f"Les {LESSONS.index(lesson) + 1}: {lesson.title}"
    assert len(subject) < 60, f"{subject!r} is {len(subject)} characters"
    assert subject.count(":") == 1, f"{subject!r}: one colon at most"
    assert not repeats(lesson.summary, lesson.title), (
        f"{lesson.slug}: the summary repeats the title"
    )


def repeats(preview: str, subject: str) -> bool:
    """Whether a preview line says what its subject already says: the whole subject, or any
    three of its words in a row."""
    words_of = FINGERPRINT.words
    if " ".join(words_of(subject)) in " ".join(words_of(preview)):
        return True
    return bool(FINGERPRINT.shingles(preview, 3) & FINGERPRINT.shingles(subject, 3))


def test_repeats_sees_a_preview_that_only_echoes_its_subject():
    assert repeats("Waarom je onrustig wordt als iemand dichtbij komt.", "Waarom je onrustig wordt")
    assert not repeats("Zo werkt de cursus, en je eerste oefening.", "Welkom!")


def test_the_pace_is_every_few_days_everywhere():
    for name, text in course_texts().items():
        assert "om de dag" not in text and "twee weken" not in text, name


@pytest.mark.parametrize("name", sorted(course_texts()))
def test_no_run_of_six_words_from_the_academy_article(name):
    text = course_texts()[name]
    hashes = article_hashes()
    assert len(hashes) > 100, "tests/data/article-shingles.txt: run scripts/article-fingerprint"
    assert runs_in_common(text, hashes) == 0, f"{name}: six words in a row from the article"


def test_the_six_word_check_catches_a_copied_sentence(tmp_path):
    article = tmp_path / "artikel.txt"
    article.write_text("Een heel ander artikel. Ze fietste elke ochtend langs de rivier naar huis.")
    out = tmp_path / "shingles.txt"
    assert FINGERPRINT.main([str(article), "--out", str(out)]) == 0
    hashes = article_hashes(out)
    lines = out.read_text().splitlines()
    assert lines == sorted(lines) and all(len(line) == 64 for line in lines)
    # Copied with other capitals, punctuation and accents: still the same six words.
    copied = lesson_number(3).body_md + "\n\nZE FIETSTE, élke ochtend langs de rivier!"
    assert runs_in_common(copied, hashes) == 2  # seven words: two runs of six
    assert runs_in_common(lesson_number(3).body_md, hashes) == 0
    assert runs_in_common("Ze fietste elke avond langs de rivier", hashes) == 0


def test_a_sentence_of_the_real_article_would_be_caught():
    """Against the shipped fingerprints, when the article is on this machine to take from."""
    article = FINGERPRINT.DEFAULT_ARTICLE
    if not article.is_file():
        pytest.skip(f"{article} is not on this machine")
    sentence = " ".join(FINGERPRINT.words(article.read_text(encoding="utf-8"))[200:210])
    assert runs_in_common(lesson_number(4).body_md + "\n" + sentence, article_hashes()) >= 1


def front_matter_and_text(name: str):
    import frontmatter

    post = frontmatter.load(str(COURSE / name))
    return post.metadata, post.content


def test_the_faq_answers_six_to_nine_questions_briefly():
    meta, text = front_matter_and_text("faq.md")
    assert meta["title"] == "Veelgestelde vragen"
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)[1:]
    questions, answers = parts[0::2], parts[1::2]
    assert 6 <= len(questions) <= 9
    for question, answer in zip(questions, answers, strict=True):
        assert question.endswith("?"), question
        sentences = [each for each in re.split(r"(?<=[.?!])\s+", answer.strip()) if each]
        assert 2 <= len(sentences) <= 5, f"{question}: {len(sentences)} sentences"
    assert "noodrem" in text and "Tempo, pauze en je gegevens" in text and "één klik" in text


def test_the_worksheet_has_its_sections_and_markers():
    meta, text = front_matter_and_text("worksheet.md")
    assert meta["title"] == "Werkblad bij Lichaam en hechting"
    markers = re.findall(r"^\[\[[^\]]+\]\]$", text, flags=re.MULTILINE)
    assert "[[lichaamskaart]]" in markers
    assert markers.count("[[zakkaart]]") == 1 and markers.count("[[/zakkaart]]") == 1
    assert all(
        re.fullmatch(r"\[\[schrijfregels:[1-9]\]\]", each)
        for each in markers
        if "schrijfregels" in each
    )
    inline = re.findall(r"\[\[", text)
    assert len(inline) == len(markers), "every marker stands alone on its own line"
    for section in ("Waar zit je spanning?", "Als kind leerde ik dat", "De drie lagen"):
        assert re.search(rf"^## .*{re.escape(section)}", text, flags=re.MULTILINE), section


def test_the_pocket_card_names_the_anchors_as_lesson_five_does():
    _, text = front_matter_and_text("worksheet.md")
    card = text.split("[[zakkaart]]", 1)[1].split("[[/zakkaart]]", 1)[0]
    anchors = re.findall(r"^### \d\. (.+)$", lesson_number(5).body_md, flags=re.MULTILINE)
    assert len(anchors) == 4
    for anchor in anchors:
        assert anchor in card, anchor
    assert "Noodrem" in card


def test_the_follow_up_email_fits_its_form():
    meta, text = front_matter_and_text("follow-up.md")
    assert len(meta["subject"]) < 60 and len(meta["summary"]) < 110
    assert not repeats(meta["summary"], meta["subject"])
    assert meta["question"].endswith("?")
    assert 100 <= word_count(text) <= 200, word_count(text)
    assert "les 5" in text and "werkblad" in text
    assert not any(word in text for word in CARE_NOTE_WORDS)


def test_the_helplines_in_the_lessons_are_a_tap_to_call():
    for slug in ("01-welkom", "06-drie-lagen"):
        lesson = next(each for each in LESSONS if each.slug == slug)
        html = str(render(lesson.body_md))
        assert 'href="tel:08002000" rel="noopener noreferrer">0800-2000</a>' in html, slug
        assert 'href="tel:1712" rel="noopener noreferrer">1712</a>' in html, slug
