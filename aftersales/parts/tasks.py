"""Huey tasks: load ids, call a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="9", minute="0"))
def parts_defective_remind_task() -> int:
    """Every morning: remind technicians of old parts not returned by their due date."""
    from .services import defective_return_remind

    return len(defective_return_remind())


@db_periodic_task(crontab(hour="8", minute="55"))
def parts_low_stock_sync_task() -> dict:
    """Every morning, before the day starts: the open low-stock alerts are made to match the low-stock
    list (they follow every move already; this catches data loaded around the services)."""
    from django.db import transaction

    from .services import low_stock_alerts_sync

    with transaction.atomic():
        return low_stock_alerts_sync()
