"""`/healthz` and `/metrics`: on the web app, on a worker's `--metrics-port`, and in `serve`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from ecourse import create_app
from ecourse.core.clock import utcnow
from ecourse.engine import health
from ecourse.worker import ops
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, process_environment, sign_up
from tests.smtpserver import free_port

TOKEN = "een-lang-token-voor-prometheus"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
MOMENT = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # any instant: the rule takes `now`
MAX_AGE = timedelta(minutes=5)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a Prometheus text body, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# The rule: a pure function of `now`, the last pass and the allowed age.


def test_a_pass_exactly_as_old_as_allowed_is_recent_and_a_second_more_is_not():
    assert health.pass_problem(MOMENT, MOMENT - MAX_AGE, MAX_AGE) is None
    late = health.pass_problem(MOMENT, MOMENT - MAX_AGE - timedelta(seconds=1), MAX_AGE)
    assert late == "the last scheduler pass finished 301 s ago"


def test_no_pass_at_all_is_a_problem():
    assert health.pass_problem(MOMENT, None, MAX_AGE) == "no scheduler pass has finished yet"


def test_a_pass_far_in_the_future_means_the_clocks_disagree():
    assert health.pass_problem(MOMENT, MOMENT + MAX_AGE, MAX_AGE) is None
    ahead = health.pass_problem(MOMENT, MOMENT + MAX_AGE + timedelta(seconds=1), MAX_AGE)
    assert ahead == "the last scheduler pass is 301 s in the future: do the clocks agree?"


def test_the_allowed_age_is_three_ticks_and_ten_minutes_unless_set():
    derived = {"HEALTH_MAX_PASS_AGE_SECONDS": 0, "TICK_SECONDS": 60}
    assert ops.max_pass_age(derived) == timedelta(seconds=780)
    chosen = derived | {"HEALTH_MAX_PASS_AGE_SECONDS": 120}
    assert ops.max_pass_age(chosen) == timedelta(seconds=120)


# /healthz on the web app.


@pytest.mark.clock
def test_healthz_is_ok_after_a_recent_pass_and_names_no_one(make_app):
    app = make_app(EXPECT_SCHEDULER="true")
    sign_up("gezond@example.org", utcnow(), first_name="Gezina")
    run_pass(utcnow())
    finished = health.last_pass().finished_at
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.text
    body = response.json
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["scheduler"]["expected"] is True
    assert body["scheduler"]["last_pass"] == finished.isoformat(timespec="seconds")
    assert 0 <= body["scheduler"]["age_seconds"] <= 60
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert "gezond" not in response.text and "Gezina" not in response.text


@pytest.mark.clock
def test_healthz_fails_with_the_reason_when_the_last_pass_is_too_old(make_app):
    app = make_app(EXPECT_SCHEDULER="true", HEALTH_MAX_PASS_AGE_SECONDS="300")
    # A pass that started 400 s ago and took 2 s: it finished 398 s before this moment.
    health.record_pass(utcnow() - timedelta(seconds=400), 2.0)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["reason"].startswith("the last scheduler pass finished 39")
    assert response.headers["Cache-Control"] == "no-store"
    health.record_pass(utcnow() - timedelta(seconds=100), 2.0)  # the worker is back
    assert app.test_client().get("/healthz").status_code == 200


def test_healthz_needs_passes_only_where_a_scheduler_should_run(make_app):
    # `gunicorn "ecourse:create_app()"`: no scheduler here, and none expected by default.
    plain = make_app().test_client().get("/healthz")
    assert plain.status_code == 200
    assert plain.json["scheduler"] == {"expected": False, "last_pass": None, "age_seconds": None}
    told = make_app(EXPECT_SCHEDULER="true").test_client().get("/healthz")
    assert told.status_code == 503
    assert told.json["reason"] == "no scheduler pass has finished yet"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/no/such/folder/ecourse.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:{port}/test",  # nothing listens there
    ],
)
def test_healthz_is_503_when_the_database_does_not_answer(settings, tmp_path, url):
    where = url.format(tmp=tmp_path, port=free_port())
    app = create_app(settings | {"DATABASE_URL": where})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "the database does not answer"}
    assert "Set-Cookie" not in response.headers


# /metrics on the web app.


def test_metrics_are_off_without_a_token_setting(client):
    response = client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404
    assert "ECOURSE_METRICS_TOKEN" in response.json["error"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer verkeerd", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"],
)
def test_metrics_refuse_a_wrong_or_missing_token(make_app, authorization):
    app = make_app(METRICS_TOKEN=TOKEN)
    headers = {"Authorization": authorization} if authorization else {}
    response = app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "ecourse_" not in response.text


@pytest.mark.clock
def test_metrics_count_real_sign_ups_confirmations_sends_and_bounces(make_app, smtp_server):
    app = make_app(METRICS_TOKEN=TOKEN, **smtp_server.settings)
    now = utcnow()
    enrolled("een@example.org", now)  # confirmation sent, then confirmed
    enrolled("twee@example.org", now)  # the same; this pass also sends een's lesson 1
    sign_up("open@example.org", now)  # its confirmation goes, it is never confirmed
    sign_up("reject@example.org", now)  # its confirmation is refused at DATA: failed
    sign_up("bounce@example.org", now)  # refused at RCPT with 550: failed, and bounced
    run_pass(now)  # twee's lesson 1 and the last three confirmations
    sign_up("later@example.org", now)  # its confirmation waits in the queue
    response = app.test_client().get("/metrics", headers=BEARER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Cache-Control"] == "no-store"
    found = samples(response.text)
    assert found[("ecourse_deliveries", (("status", "sent"),))] == 5
    assert found[("ecourse_deliveries", (("status", "failed"),))] == 2
    assert found[("ecourse_deliveries", (("status", "queued"),))] == 1
    assert found[("ecourse_deliveries", (("status", "skipped"),))] == 0  # every status shown
    in_flight = (("kind", "confirm"), ("status", "queued"))
    assert found[("ecourse_deliveries_in_flight", in_flight)] == 1
    assert ("ecourse_deliveries_in_flight", (("kind", "confirm"), ("status", "sent"))) not in found
    assert found[("ecourse_emails_sent_total", ())] == 5
    assert found[("ecourse_emails_failed_total", ())] == 2
    assert found[("ecourse_addresses_bounced_total", ())] == 1
    assert found[("ecourse_signups_total", ())] == 6
    assert found[("ecourse_confirmations_total", ())] == 2
    last = health.last_pass()
    assert found[("ecourse_last_pass_timestamp_seconds", ())] == last.finished_at.timestamp()
    assert found[("ecourse_last_pass_duration_seconds", ())] == pytest.approx(last.seconds)
    assert last.seconds > 0
    assert found[("ecourse_sending_paused", ())] == 0
    assert "example.org" not in response.text


@pytest.mark.clock
def test_the_pause_gauge_follows_a_pause_and_its_end(make_app):
    app = make_app(METRICS_TOKEN=TOKEN)
    until = health.pause(utcnow(), timedelta(minutes=15), "relay down")
    found = samples(app.test_client().get("/metrics", headers=BEARER).text)
    assert found[("ecourse_sending_paused", ())] == 1
    assert found[("ecourse_sending_paused_until_timestamp_seconds", ())] == until.timestamp()
    health.resume()
    found = samples(app.test_client().get("/metrics", headers=BEARER).text)
    assert found[("ecourse_sending_paused", ())] == 0
    assert found[("ecourse_sending_paused_until_timestamp_seconds", ())] == 0


# Real processes: a worker's own port, and `ecourse serve`.


class Process:
    """An `ecourse` command in its own process, its output in files (never a blocked pipe)."""

    def __init__(self, args: list[str], env: dict, folder: Path):
        self.out, self.err = folder / "stdout.txt", folder / "stderr.txt"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ecourse", *args], env=env, stdout=out, stderr=err
            )

    def output(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def get_until(self, url: str, ready, headers: dict | None = None) -> requests.Response:
        """GET `url` until `ready(response)`, for at most 30 s."""
        deadline, response = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the process exited:\n{self.output()}")
            try:
                response = requests.get(url, headers=headers, timeout=10)
                if ready(response):
                    return response
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{url} never ready; last {response}:\n{self.output()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.mark.clock
def test_a_worker_serves_metrics_on_its_port_with_the_token_only(settings, app, tmp_path):
    port = free_port()
    env = process_environment(settings, METRICS_TOKEN=TOKEN)
    worker = Process(["worker", "--metrics-port", str(port)], env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        # Its first pass runs at start; its moment then shows in the metrics.
        scraped = worker.get_until(
            f"{base}/metrics",
            lambda r: r.ok and samples(r.text)[("ecourse_last_pass_timestamp_seconds", ())] > 0,
            BEARER,
        )
        refused = requests.get(f"{base}/metrics", timeout=10)
        wrong = requests.get(f"{base}/metrics", headers={"Authorization": "Bearer x"}, timeout=10)
        healthy = requests.get(f"{base}/healthz", timeout=10)
        elsewhere = requests.get(f"{base}/", timeout=10)
    finally:
        worker.stop()
    recorded = health.last_pass()
    assert samples(scraped.text)[("ecourse_last_pass_timestamp_seconds", ())] == (
        recorded.finished_at.timestamp()
    )
    assert refused.status_code == 401 and wrong.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "ecourse_" not in refused.text
    assert healthy.status_code == 200 and healthy.json()["scheduler"]["expected"] is True
    assert elsewhere.status_code == 404
    assert f"metrics: http://127.0.0.1:{port}/metrics" in worker.output()
    assert "Traceback" not in worker.output()


@pytest.mark.clock
def test_a_worker_whose_metrics_port_is_taken_says_so_in_one_line(settings, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "ecourse", "worker", "--metrics-port", str(port)],
            env=process_environment(settings),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot serve metrics on 127.0.0.1:{port} (Address already in use): another "
        "program may use that port; stop it, or choose another with --metrics-port"
    ]
    assert "worker: a pass every" not in result.stdout  # it stopped before it began


@pytest.mark.clock
def test_serve_answers_healthz_once_its_first_pass_ran(settings, app, tmp_path):
    port = free_port()
    serve = Process(["serve", "--port", str(port)], process_environment(settings), tmp_path)
    try:
        response = serve.get_until(
            f"http://127.0.0.1:{port}/healthz", lambda r: r.status_code == 200
        )
    finally:
        serve.stop()
    scheduler = response.json()["scheduler"]
    assert scheduler["expected"] is True  # serve runs the scheduler, so it must see passes
    assert scheduler["last_pass"] == health.last_pass().finished_at.isoformat(timespec="seconds")
    assert "Set-Cookie" not in response.headers


def test_wrong_metrics_tokens_are_limited_but_the_scraper_is_not(make_app):
    client = make_app(METRICS_TOKEN=TOKEN).test_client()
    for _ in range(30):
        assert client.get("/metrics", headers=BEARER).status_code == 200
    wrong = {"Authorization": "Bearer raden"}
    statuses = [client.get("/metrics", headers=wrong).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    # Counted per client: the guesser is held, the scraper at its own address is not.
    assert client.get("/metrics", headers=BEARER).status_code == 429
    scraper = {"REMOTE_ADDR": "10.0.0.9"}
    assert client.get("/metrics", headers=BEARER, environ_base=scraper).status_code == 200
    assert {client.get("/healthz").status_code for _ in range(50)} == {200}  # never limited
