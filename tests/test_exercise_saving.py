"""The exercise form's one save, through Flask's test client: every field in one post, the
main button marks the exercise done, an empty or repeated save stores nothing and says so,
a refused post keeps what was typed, and the JSON answer for exercise.js shows nothing of a
check-in this session may not see."""

from __future__ import annotations

import pytest

from tests import test_exercise
from tests.test_exercise import CHECKIN, LESSON, NOTE, check_in, checked, open_lesson, progress_of
from tests.web import csrf_token

pytestmark = pytest.mark.clock  # the server stamps each save with the wall clock
learner = test_exercise.learner  # the fixture: Lotte, who opened lesson 1 in `client`

JSON = {"Accept": "application/json"}
SAVED = "Bewaard. Alleen jij ziet dit."
NOTHING = "Er was nog niets om te bewaren."
NOTHING_NEW = "Er was niets nieuws om te bewaren"
DONE = "Je hebt deze oefening gedaan."


def post_json(client, data: dict, url: str = CHECKIN):
    token = csrf_token(client.get(LESSON).text)
    return client.post(url, data={"csrf_token": token} | data, headers=JSON)


def values(progress) -> tuple:
    return progress.tension_before, progress.tension_after, progress.note


# Without JavaScript: a post, a redirect, a message on the page


def test_the_main_button_saves_before_after_and_note_and_marks_the_exercise_done(client, learner):
    response = check_in(client, {"deel": "klaar", "voor": "7", "na": "3", "notitie": NOTE})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{LESSON}?bewaard=na#afronden"
    progress = progress_of(learner)
    assert values(progress) == (7, 3, NOTE)
    assert progress.exercise_done_at is not None and progress.checked_in_at is not None
    page = client.get(response.headers["Location"]).text
    assert checked(page, "voor") == ["7"] and checked(page, "na") == ["3"]
    assert f">{NOTE}</textarea>" in page and SAVED in page and DONE in page
    # Done: the main button now only saves, and says so.
    assert "Bewaar alles en rond af" not in page and "Bewaar mijn check-in en notitie" in page


def test_the_save_before_the_steps_keeps_a_typed_note_too_and_does_not_finish(client, learner):
    response = check_in(client, {"deel": "voor", "voor": "5", "notitie": NOTE})
    assert response.headers["Location"] == f"{LESSON}?bewaard=voor#check-in-voor"
    progress = progress_of(learner)
    assert values(progress) == (5, None, NOTE)
    assert progress.exercise_done_at is None
    assert "Bewaar alles en rond af" in client.get(LESSON).text


def test_an_empty_save_stores_nothing_and_says_so(client, learner):
    response = check_in(client, {"deel": "voor", "notitie": "  "})
    assert response.headers["Location"] == f"{LESSON}?niets=voor#check-in-voor"
    progress = progress_of(learner)
    assert progress.checked_in_at is None and values(progress) == (None, None, "")
    page = client.get(response.headers["Location"]).text
    assert NOTHING in page and "Bewaard." not in page


def test_saving_the_same_again_writes_nothing_and_says_it_was_already_saved(client, learner):
    check_in(client, {"deel": "voor", "voor": "4", "notitie": NOTE})
    first = progress_of(learner).checked_in_at
    response = check_in(client, {"deel": "voor", "voor": "4", "notitie": NOTE})
    assert response.headers["Location"] == f"{LESSON}?niets=voor#check-in-voor"
    assert progress_of(learner).checked_in_at == first
    page = client.get(response.headers["Location"]).text
    assert NOTHING_NEW in page and "Bewaard." not in page


def test_finishing_with_nothing_typed_marks_done_and_writes_no_check_in(client, learner):
    response = check_in(client, {"deel": "klaar", "notitie": ""})
    assert response.headers["Location"] == f"{LESSON}#afronden"
    progress = progress_of(learner)
    assert progress.exercise_done_at is not None and progress.checked_in_at is None
    page = client.get(LESSON).text
    assert DONE in page and "Bewaard." not in page


def test_the_older_done_address_saves_what_comes_with_it(client, learner):
    check_in(client, {"notitie": NOTE, "na": "2"}, url=f"{LESSON}/gedaan")
    progress = progress_of(learner)
    assert values(progress) == (None, 2, NOTE) and progress.exercise_done_at is not None


def test_a_refused_save_shows_the_page_again_with_everything_typed(client, learner):
    response = check_in(client, {"deel": "klaar", "voor": "6", "na": "11", "notitie": NOTE})
    assert response.status_code == 400
    assert "Kies voor je spanning na de oefening een heel getal" in response.text
    assert f">{NOTE}</textarea>" in response.text and checked(response.text, "voor") == ["6"]
    progress = progress_of(learner)
    assert progress.checked_in_at is None and progress.exercise_done_at is None


def test_a_note_too_long_comes_back_whole_so_it_can_be_shortened(client, learner):
    response = check_in(client, {"deel": "klaar", "notitie": "b" * 5001})
    assert response.status_code == 400 and f">{'b' * 5001}</textarea>" in response.text
    assert progress_of(learner).exercise_done_at is None


@pytest.mark.parametrize("query", ["?bewaard=elders", "?niets=", "?bewaard=voor&niets=voor"])
def test_an_odd_message_in_the_address_is_ignored_or_harmless(client, learner, query):
    response = client.get(LESSON + query)
    assert response.status_code == 200
    assert ("Bewaard." in response.text) == ("bewaard=voor" in query)


# With JavaScript: the same post answered as JSON, the page stays


def test_json_save_writes_everything_and_answers_what_to_show(client, learner):
    response = post_json(client, {"deel": "klaar", "voor": "8", "na": "2", "notitie": NOTE})
    assert response.status_code == 200
    assert response.json == {
        "outcome": "saved",
        "message": SAVED,
        "done": True,
        "fields": {"voor": 8, "na": 2, "notitie": NOTE},
    }
    progress = progress_of(learner)
    assert values(progress) == (8, 2, NOTE) and progress.exercise_done_at is not None


def test_json_empty_save_stores_nothing_and_says_so(client, learner):
    response = post_json(client, {"deel": "voor", "notitie": ""})
    assert response.status_code == 200
    assert response.json["outcome"] == "nothing" and response.json["done"] is False
    assert response.json["message"].startswith(NOTHING)
    assert progress_of(learner).checked_in_at is None


def test_json_finishing_with_nothing_typed_is_done_with_nothing_saved(client, learner):
    response = post_json(client, {"deel": "klaar", "notitie": ""})
    assert response.json["outcome"] == "done" and response.json["done"] is True
    assert response.json["message"] == ""
    assert progress_of(learner).checked_in_at is None


def test_json_refusal_says_why_and_writes_nothing(client, learner):
    response = post_json(client, {"deel": "klaar", "na": "zes", "notitie": NOTE})
    assert response.status_code == 400 and response.json["outcome"] == "refused"
    assert response.json["message"].startswith("Dit hebben we niet bewaard:")
    assert "na de oefening een heel getal van 0 tot en met 10" in response.json["message"]
    progress = progress_of(learner)
    assert progress.checked_in_at is None and progress.exercise_done_at is None


def test_json_without_a_csrf_token_is_refused_and_writes_nothing(client, learner):
    client.get(LESSON)
    response = client.post(CHECKIN, data={"deel": "klaar", "notitie": NOTE}, headers=JSON)
    assert response.status_code == 400
    assert progress_of(learner).checked_in_at is None


# A forwarded link: the friend's answer carries nothing of the learner's own check-in


@pytest.mark.parametrize("answer", ["json", "redirect"])
def test_a_friends_save_adds_without_showing_the_learners_check_in(
    app, client, learner, outbox, answer
):
    check_in(client, {"deel": "klaar", "voor": "7", "na": "3", "notitie": NOTE})
    friend = app.test_client()
    open_lesson(friend, outbox, "lotte@example.org")  # the forwarded email
    data = {"deel": "klaar", "na": "9", "notitie": "Van de vriendin."}
    if answer == "json":
        response = post_json(friend, data)
        assert response.json["fields"] == {"voor": None, "na": None, "notitie": ""}
        assert response.json["message"].startswith("Bewaard, bij wat er al stond.")
        body = response.text
    else:
        response = check_in(friend, data)
        body = friend.get(response.headers["Location"]).text
        assert "Bewaard, bij wat er al stond." in body
    assert NOTE not in body and checked(body, "voor") == [] and checked(body, "na") == []
    progress = progress_of(learner)
    assert values(progress) == (7, 3, f"{NOTE}\n\nVan de vriendin.")  # her score stays


def test_a_friends_empty_save_touches_nothing(app, client, learner, outbox):
    check_in(client, {"deel": "voor", "voor": "7", "notitie": NOTE})
    before = progress_of(learner).checked_in_at
    friend = app.test_client()
    open_lesson(friend, outbox, "lotte@example.org")
    response = post_json(friend, {"deel": "voor", "notitie": ""})
    assert response.json["outcome"] == "nothing"
    assert response.json["message"].startswith(NOTHING)  # the friend's page shows nothing
    assert NOTE not in response.text
    assert progress_of(learner).checked_in_at == before
    assert NOTE in client.get(LESSON).text  # still the learner's own to see
