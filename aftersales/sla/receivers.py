"""Signal receivers, connected in SlaConfig.ready()."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

# Request changes that can move a deadline: a new request, a status change, and an
# edit (priority, service type, address → region class, unit → product category).
REFRESH_ON = frozenset({"created", "transition", "update"})


def on_request_written(*, request_id: int, kind: str, action: str = "") -> None:
    """In the change's own transaction (``tickets.slots.REQUEST_WRITTEN``): mark the
    request for a clock refresh, so the mark commits (or rolls back) with the change."""
    if kind in REFRESH_ON:
        from .services import sla_refresh_mark

        sla_refresh_mark([request_id])


def on_request_changed(sender, request_id: int, kind: str, action: str = "", **kwargs) -> None:
    """After every committed change that can move a deadline (the request is marked
    already, see ``on_request_written``): queue a drain for the background worker unless
    one is queued already (inline in tests, where Huey runs in immediate mode), so a
    burst of changes is refreshed in batches."""
    if kind not in REFRESH_ON:
        return
    from .tasks import sla_refresh_soon

    sla_refresh_soon()


def _calendar_changed(sender, instance, **kwargs) -> None:
    from .models import Calendar, CalendarDay, CalendarDayPeriod
    from .services import calendar_touch

    if sender is Calendar:
        calendar_id = instance.pk
    elif sender is CalendarDayPeriod:
        calendar_id = CalendarDay.objects.filter(pk=instance.day_id).values_list("calendar_id", flat=True).first()
    else:
        calendar_id = instance.calendar_id
    if calendar_id is not None:
        calendar_touch(calendar_id)


def connect_calendar_revision() -> None:
    """Any edit of a calendar, its hours or its days bumps the calendar's revision."""
    from .models import Calendar, CalendarDay, CalendarDayPeriod, WorkingPeriod

    for model in (Calendar, WorkingPeriod, CalendarDay, CalendarDayPeriod):
        uid = f"sla.calendar_revision.{model.__name__}"
        post_save.connect(_calendar_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_calendar_changed, sender=model, dispatch_uid=f"{uid}.delete")
