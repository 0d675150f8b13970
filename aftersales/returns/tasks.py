"""Periodic work: refunds due soon or late are told to staff (once per state)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="5"))
def refund_reminder_task() -> int:
    from .services import refund_reminders_send

    return refund_reminders_send()
