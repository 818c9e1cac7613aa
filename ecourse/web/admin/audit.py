"""The audit page (owners only): every admin action from the journal, newest first, with
who, when and what, filtered by admin, by kind of action and by period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template, request
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Event, Subscriber
from ecourse.core.statuses import ActorKind
from ecourse.web.admin.people import page_number
from ecourse.web.admin.routes import bp
from ecourse.web.admin.wording import in_dutch

PER_PAGE = 50
FIRST_YEAR, LAST_YEAR = 2000, 9000  # far enough either way, and safe to shift by a day
ZONE = ZoneInfo("Europe/Amsterdam")  # the academy's own clock, as on the other admin pages


@bp.get("/logboek")
def audit():
    chosen = _filters()
    number = page_number(request.args.get("pagina", ""))
    page = db.paginate(_query(chosen), page=number, per_page=PER_PAGE, error_out=False)
    if page.pages and number > page.pages:  # past the end: the last page, not an empty one
        page = db.paginate(_query(chosen), page=page.pages, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/audit.html",
        page=page,
        about=_subscribers(event.subscriber_id for event in page.items),
        chosen=chosen,
        admins=_distinct(Event.admin_email),
        actions=sorted(_distinct(Event.action), key=in_dutch),
        reversed_period=bool(chosen["van"] and chosen["tot"] and chosen["van"] > chosen["tot"]),
        section="audit",
    )


def _filters() -> dict[str, str]:
    """The filters as typed, kept for the form; odd dates are dropped, not an error."""
    values = {name: request.args.get(name, "").strip()[:320] for name in ("wie", "wat")}
    for name in ("van", "tot"):
        values[name] = _day(request.args.get(name, "")) or ""
    return values


def _day(text: str) -> str | None:
    """A day the journal could hold; anything else (a typo, year 1 or 9999) is no filter."""
    try:
        day = date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None
    return day.isoformat() if day and FIRST_YEAR <= day.year <= LAST_YEAR else None


def _query(chosen: dict[str, str]):
    query = (
        select(Event)
        .where(Event.actor == ActorKind.ADMIN)
        .order_by(Event.at.desc(), Event.id.desc())
    )
    if chosen["wie"]:
        query = query.where(Event.admin_email == chosen["wie"])
    if chosen["wat"]:
        query = query.where(Event.action == chosen["wat"])
    if chosen["van"]:
        query = query.where(Event.at >= _start_of(chosen["van"]))
    if chosen["tot"]:
        query = query.where(Event.at < _start_of(chosen["tot"]) + timedelta(days=1))
    return query


def _subscribers(ids) -> dict[int, Subscriber]:
    """The learners a page of actions was about, in one query."""
    wanted = {found for found in ids if found is not None}
    if not wanted:
        return {}
    query = select(Subscriber).where(Subscriber.id.in_(wanted))
    return {subscriber.id: subscriber for subscriber in db.session.scalars(query)}


def _start_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0), ZONE)


def _distinct(column) -> list[str]:
    query = select(column).where(Event.actor == ActorKind.ADMIN).distinct().order_by(column)
    return [value for value in db.session.scalars(query) if value]
