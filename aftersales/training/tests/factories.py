"""Training objects built through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.training.choices import CourseKind, Presence
from aftersales.training.services import attendance_record, course_create, session_plan, session_transition


def make_course(actor, **kwargs):
    data = {"title": "服务理念集体学习", "kind": CourseKind.PHILOSOPHY, "audience": ["technician"]}
    data.update(kwargs)
    return course_create(actor=actor, **data)


def at(day: dt.date, hour: int = 14) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def planned(actor, course, *, day=None, **kwargs):
    day = day or timezone.localdate() + dt.timedelta(days=7)
    kwargs.setdefault("place", "培训室")
    return session_plan(actor=actor, course=course, starts_at=at(day), **kwargs)


def closed_session(actor, course, day: dt.date, results: dict, *, close=True):
    """A session on ``day`` (in the past), held, with ``results`` {person: (presence, score)} and closed."""
    session = planned(actor, course, day=day)
    session_transition(actor=actor, session=session, action="hold", now=at(day) + dt.timedelta(hours=2))
    attendance_record(
        actor=actor, session=session, rows=[(p, presence, score) for p, (presence, score) in results.items()]
    )
    if close:
        session_transition(actor=actor, session=session, action="close")
    return session


def passed(actor, course, person, day: dt.date, score=90):
    return closed_session(actor, course, day, {person: (Presence.PRESENT, score)})
