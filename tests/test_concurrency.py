"""Several processes ticking at once never send anything twice, and lose nothing."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import func, select

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Delivery
from ecourse.worker.passes import run_pass
from tests.factories import confirm, process_environment, sign_up


@pytest.mark.clock
def test_three_processes_ticking_at_once_send_each_message_exactly_once(settings, smtp_server, app):
    now = utcnow()
    active = [sign_up(f"active{number}@example.org", now) for number in range(40)]
    run_pass(now)  # their confirmations go to the in-process memory backend
    for subscriber in active:
        confirm(subscriber, now)  # lesson 1 each, still to be planned
    for number in range(40):
        sign_up(f"pending{number}@example.org", now)  # a confirmation each, queued
    env = process_environment(settings | smtp_server.settings, BATCH_SIZE=3)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "ecourse", "tick"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes), "\n\n".join(outputs)
    received = smtp_server.wait_for(80)
    recipients = Counter(rcpt for item in received for rcpt in item.rcpt_tos)
    assert len(recipients) == 80 and set(recipients.values()) == {1}
    message_ids = [item.message["Message-ID"] for item in received]
    assert len(set(message_ids)) == 80
    db.session.expire_all()
    unsent = db.session.scalar(
        select(func.count()).where(Delivery.status != "sent", Delivery.kind == "lesson")
    )
    assert unsent == 0
    sent_per_process = [int(out.split("sent: ")[1].split(",")[0]) for out in outputs]
    assert sum(sent_per_process) == 80, outputs
