"""Huey tasks: load ids, call a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="9", minute="0"))
def parts_defective_remind_task() -> int:
    """Every morning: remind technicians of old parts not returned by their due date."""
    from .services import defective_return_remind

    return len(defective_return_remind())
