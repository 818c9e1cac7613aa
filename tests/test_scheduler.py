"""The embedded scheduler: one job that never overlaps itself, and only where it is started."""

from __future__ import annotations

import threading

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery
from ecourse.worker import wakeup
from ecourse.worker.scheduler import JOB_ID, Scheduler, pass_job
from tests.web import sign_up_form


def _pass_job_of(scheduler: Scheduler):
    # Not started: APScheduler keeps the job pending, with every option already applied.
    return scheduler._scheduler.get_job(JOB_ID)


def test_the_pass_job_never_runs_twice_at_once_and_catches_up_once(app):
    job = _pass_job_of(Scheduler(app))
    assert job.max_instances == 1  # a long pass is never joined by a second one
    assert job.coalesce is True  # missed runs after a stall become one run, not a burst


def test_the_pass_job_is_a_module_level_function(app):
    # APScheduler can store a job by its "module:name" reference only for such a function;
    # a lambda, closure or bound method would tie the job to one object in one process.
    job = _pass_job_of(Scheduler(app))
    assert job.func is pass_job
    assert job.func_ref == "ecourse.worker.scheduler:pass_job"


def test_a_plain_app_never_ticks_so_a_sign_up_waits_queued(app, client, outbox):
    """`gunicorn "ecourse:create_app()"`: the web process queues, a worker sends."""
    assert wakeup.WAKE not in app.extensions
    response = sign_up_form(client, "gunicorn@example.org")
    assert response.status_code == 302
    assert db.session.scalar(select(Delivery.status).where(Delivery.kind == "confirm")) == "queued"
    assert outbox == []
    assert not [thread for thread in threading.enumerate() if thread.name == "APScheduler"]
