"""Huey tasks: load ids, call a service. Enqueued on commit by the callers."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def dispatch_auto_task(request_id: int, redispatch: bool = False) -> None:
    from .services import dispatch_auto

    dispatch_auto(request_id=request_id, redispatch=redispatch)


@db_periodic_task(crontab(minute="*"))
def offers_expire_task() -> int:
    """Every minute: offers not answered in time go to the next candidate."""
    from .services import offers_expire_due

    return offers_expire_due()


@db_task()
def route_insert_urgent_task(request_id: int) -> None:
    from .routes import route_insert_urgent

    route_insert_urgent(request_id=request_id)


@db_task()
def route_replan_all_task(day_iso: str, actor_id: int | None = None) -> int:
    import datetime as dt

    from .routes import route_replan_all

    return route_replan_all(day=dt.date.fromisoformat(day_iso), actor_id=actor_id)
