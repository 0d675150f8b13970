"""Huey tasks: load ids, call a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=1, retry_delay=30)
def report_generate_task(report_id: int):
    from .services import report_generate

    report_generate(report_id)


@db_periodic_task(crontab(hour="8", minute="30"))
def plan_reminder_task() -> int:
    """Every morning: the owners of overdue improvement plans are reminded (once, then weekly)."""
    from .services import plan_reminders_send

    return plan_reminders_send()


@db_periodic_task(crontab(minute="*/10"))
def reports_stalled_task() -> int:
    """Reports whose worker stopped mid-report (or whose task was lost) are marked failed, with
    "Try again" on their page."""
    from .services import reports_stalled_fail

    return reports_stalled_fail()
