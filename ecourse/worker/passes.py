"""One pass of the engine: plan what is due, tidy the sign-ups, then send what is queued."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from ecourse.engine import health, planner, recorder, sender
from ecourse.learners import current, hygiene


@dataclass
class PassReport:
    now: datetime
    plan: planner.PlanReport
    send: recorder.SendReport
    signups: hygiene.HygieneReport = field(default_factory=hygiene.HygieneReport)

    def lines(self) -> list[str]:
        plan, send = self.plan, self.send
        lines = [
            f"pass at {self.now.isoformat(timespec='seconds')}",
            f"planned: {plan.queued} lesson(s) queued, {plan.completed} enrollment(s) completed"
            + (f", {plan.resumed} pause(s) ended" if plan.resumed else ""),
            f"sign-ups: {self.signups.reminded} reminder(s) queued, "
            f"{self.signups.forgotten} unconfirmed sign-up(s) forgotten",
            f"sent: {send.sent}, retrying: {send.retrying}, failed: {send.failed}, "
            f"cancelled: {send.cancelled}",
        ]
        if send.paused_until:
            lines.append(
                f"sending paused until {send.paused_until.isoformat(timespec='seconds')}: {send.pause_reason}"
            )
        lines += [f"  error: {error}" for error in send.errors[:20]]
        return lines


def run_pass(now: datetime, heartbeat: bool = True) -> PassReport:
    """One pass at `now`. A `heartbeat` pass is noted for /healthz and /metrics; a pretend
    one (`ecourse tick --now`) is not, or a pass "in 2030" would hide a stopped scheduler."""
    started = time.monotonic()  # the length from a clock that never jumps; the moment is `now`
    plan = planner.plan_due(now, current.settings())
    tidied = hygiene.tidy(now)  # before sending, so a reminder leaves in this same pass
    sent = sender.send_queued(now, current.engine())
    if heartbeat:
        health.record_pass(now, time.monotonic() - started)
    return PassReport(now=now, plan=plan, send=sent, signups=tidied)
