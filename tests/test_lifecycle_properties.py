"""The learner's journey under random use: never an invalid state, never a send after a
stop, never a lesson twice.

Hypothesis plays people who sign up for two courses (more than once), use old and new
confirmation links, pause, resume, ask for the next lesson now (it waits in the queue for
the next pass), stop, start over, unsubscribe, bounce and are erased,
while passes run at a clock that moves forward by random steps. After every step the
rows must make sense together; every email a pass sent must have been allowed just before
that pass; and within a round no lesson reaches a learner twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from ecourse.content.courses import course_by_slug
from ecourse.core.db import db
from ecourse.core.models import (
    Consent,
    Delivery,
    DeliveryAttempt,
    Enrollment,
    Event,
    Progress,
    Subscriber,
)
from ecourse.core.statuses import EnrollmentStatus as E
from ecourse.core.statuses import SubscriberStatus as S
from ecourse.engine.planner import plan_due
from ecourse.journey import journal, lifecycle
from ecourse.learners import current, hygiene, pacing, privacy
from ecourse.learners import signups as service
from ecourse.web import learner as learners
from ecourse.worker.passes import run_pass
from tests.factories import CourseWriter

ENROLLMENT = st.integers(min_value=0, max_value=10)
PEOPLE = [f"p{number}@example.org" for number in range(2)]
COURSES = ["testcursus", "tweede"]
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
UNDER_WAY = {E.ACTIVE, E.PAUSED, E.COMPLETED}
# What each status of a person allows its courses to be.
COURSES_OF = {
    S.PENDING: {E.PENDING, E.STOPPED, E.BOUNCED},
    S.ACTIVE: set(E),
    S.UNSUBSCRIBED: {E.PENDING, E.STOPPED, E.BOUNCED},
    S.BOUNCED: {E.PENDING, E.STOPPED, E.BOUNCED},
    S.ERASED: {E.ERASED},
}


@pytest.fixture
def two_courses(course_files):
    writer = CourseWriter(course_files.root.parent / "tweede")
    writer.course(title="Tweede cursus")
    writer.lesson("01-begin", title="Begin", day=0)
    writer.lesson("02-verder", title="Verder", day=1)
    return writer


class Journeys(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        for table in (DeliveryAttempt, Delivery, Progress, Event, Consent, Enrollment, Subscriber):
            db.session.execute(delete(table))
        db.session.commit()
        self.now = START
        self.links: list[str] = []  # every sign-up's public id, as its link names it

    # What people do

    @initialize(
        courses=st.lists(st.sampled_from(COURSES), min_size=len(PEOPLE), max_size=len(PEOPLE))
    )
    def some_learners_on_their_way(self, courses):
        """Everyone starts with one confirmed course, so the walk begins among learners."""
        for person, course in zip(PEOPLE, courses, strict=True):
            self.sign_up(person, course, "")
        run_pass(self.now)
        for sign_up in db.session.scalars(select(Consent)):
            service.confirm(sign_up, self.now)

    @rule(person=st.sampled_from(PEOPLE), course=st.sampled_from(COURSES), name=st.text(max_size=5))
    def sign_up(self, person, course, name):
        service.register(course_by_slug(course), person, name, "", service.Origin(), self.now)
        self.links = list(db.session.scalars(select(Consent.public_id).order_by(Consent.id)))

    @rule(which=st.integers(min_value=0, max_value=20))
    def click_a_confirmation_link(self, which):
        """Any link, old or new. One already used, or made before its course last ended (an
        unsubscribe, a stop or a bounce came after it), changes nothing."""
        if not self.links:
            return
        public_id = self.links[which % len(self.links)]
        sign_up = db.session.scalar(select(Consent).where(Consent.public_id == public_id))
        enrollment = sign_up.enrollment
        before = (enrollment.status, enrollment.round, sign_up.subscriber.status)
        ended = enrollment.status in lifecycle.ENDED
        stale = sign_up.confirmed_at is not None or (
            ended and sign_up.created_at <= enrollment.stopped_at
        )
        service.confirm(sign_up, self.now)
        db.session.refresh(enrollment)
        if stale:
            after = (enrollment.status, enrollment.round, sign_up.subscriber.status)
            assert after == before, "an old confirmation link changed the course"

    @rule(which=ENROLLMENT, days=st.sampled_from([None, 7]))
    def pause(self, which, days):
        self._pace(which, lambda e: pacing.pause(e, days, journal.LEARNER, self.now))

    @rule(which=ENROLLMENT)
    def resume(self, which):
        self._pace(which, lambda e: pacing.resume(e, journal.LEARNER, self.now))

    @rule(which=ENROLLMENT)
    def next_lesson_now(self, which):
        self._pace(which, lambda e: pacing.send_next_now(e, journal.LEARNER, self.now))

    @rule(which=ENROLLMENT)
    def start_over(self, which):
        self._pace(which, lambda e: pacing.restart(e, journal.LEARNER, self.now))

    @rule(which=ENROLLMENT)
    def stop_the_course(self, which):
        enrollment = self._enrollment(which)
        if enrollment is not None:
            learners.stop_course(enrollment.subscriber, enrollment.course, self.now)

    @rule(person=st.sampled_from(PEOPLE))
    def unsubscribe(self, person):
        subscriber = self._person(person)
        if subscriber is not None:
            learners.unsubscribe(subscriber, self.now)

    @rule(person=st.sampled_from(PEOPLE))
    def bounce(self, person):
        subscriber = self._person(person)
        if subscriber is not None:
            lifecycle.bounce(subscriber, "550 5.1.1 no such user", self.now)
            db.session.commit()

    @rule(person=st.sampled_from(PEOPLE))
    def erase(self, person):
        subscriber = self._person(person)
        if subscriber is not None:
            privacy.erase(subscriber, "erased on request", self.now)
            db.session.commit()

    @rule(hours=st.integers(min_value=0, max_value=60))
    def a_pass_later(self, hours):
        self.now += timedelta(hours=hours, minutes=1)
        courses, sign_ups = self._allowed_before_the_pass()
        run_pass(self.now)
        sent = db.session.scalars(
            select(Delivery).where(Delivery.sent_at == self.now, Delivery.status == "sent")
        ).all()
        for delivery in sent:
            if delivery.kind == "lesson":
                assert delivery.enrollment_id in courses, f"{delivery.key}: course not under way"
            else:
                assert delivery.consent_id in sign_ups, f"{delivery.key}: sign-up not open"

    @rule(hours=st.integers(min_value=0, max_value=60))
    def a_pass_that_only_plans(self, hours):
        """A pass whose sending is paused (too many errors): lessons wait in the queue."""
        self.now += timedelta(hours=hours, minutes=1)
        plan_due(self.now, current.settings())
        hygiene.tidy(self.now)

    # What must always hold

    @invariant()
    def the_rows_agree(self):
        db.session.expire_all()
        for subscriber in db.session.scalars(select(Subscriber)):
            for enrollment in subscriber.enrollments:
                assert enrollment.status in COURSES_OF[subscriber.status], (
                    subscriber.status,
                    enrollment.status,
                )
                if enrollment.status in lifecycle.ENDED or enrollment.status == E.PENDING:
                    assert enrollment.next_due_at is None
                if enrollment.status == E.PAUSED:
                    assert enrollment.next_due_at == enrollment.paused_until

    @invariant()
    def no_lesson_twice_in_a_round(self):
        sent = db.session.execute(
            select(Delivery.enrollment_id, Delivery.lesson_id, Delivery.round).where(
                Delivery.kind == "lesson", Delivery.status == "sent"
            )
        ).all()
        twice = [key for key, count in Counter(sent).items() if count > 1]
        assert twice == []

    # Helpers

    def _person(self, address: str) -> Subscriber | None:
        return db.session.scalar(select(Subscriber).where(Subscriber.email == address))

    def _enrollment(self, which: int) -> Enrollment | None:
        """One of the enrollments there are, whichever number hypothesis drew."""
        enrollments = db.session.scalars(select(Enrollment).order_by(Enrollment.id)).all()
        return enrollments[which % len(enrollments)] if enrollments else None

    def _pace(self, which, change):
        enrollment = self._enrollment(which)
        if enrollment is None:
            return
        try:
            change(enrollment)
            db.session.commit()
        except pacing.NotPossible:
            db.session.rollback()

    def _allowed_before_the_pass(self) -> tuple[set[int], set[int]]:
        """Judged from the rows just before a pass: the enrollments whose lessons may go
        (under way, of an active person; a pause counts once its end has come) and the
        sign-ups whose confirmation or reminder may go (open)."""
        courses = {
            enrollment.id
            for enrollment in db.session.scalars(select(Enrollment))
            if enrollment.subscriber.status == S.ACTIVE
            and (
                enrollment.status in (E.ACTIVE, E.COMPLETED)
                or (
                    enrollment.status == E.PAUSED
                    and enrollment.paused_until is not None
                    and enrollment.paused_until <= self.now
                )
            )
        }
        sign_ups = {
            consent.id
            for consent in db.session.scalars(select(Consent))
            if lifecycle.is_open(consent) and consent.enrollment.status not in UNDER_WAY
        }
        return courses, sign_ups


def test_random_journeys_never_break_the_rules(two_courses, app):
    run_state_machine_as_test(
        Journeys,
        settings=settings(
            max_examples=80,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
