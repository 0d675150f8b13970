"""Huey tasks: load ids, call a service. Enqueued on commit by ``receivers``."""

from __future__ import annotations

import datetime as dt
import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)

# Set while a drain is queued: a burst of changes queues one.
PENDING_FLAG = "kpis.refresh-pending"
REFRESH_DELAY_SECONDS = 2


def kpi_refresh_soon() -> None:
    """Queue a drain of the pending refreshes unless one is queued already."""
    from huey.contrib.djhuey import HUEY

    if HUEY.put_if_empty(PENDING_FLAG, "1"):
        if HUEY.immediate:
            kpi_refresh_pending_task()
        else:
            kpi_refresh_pending_task.schedule(delay=REFRESH_DELAY_SECONDS)


@db_task(retries=3, retry_delay=5)
def kpi_refresh_pending_task() -> int:
    from huey.contrib.djhuey import HUEY

    from .services import kpi_refresh_pending

    HUEY.delete(PENDING_FLAG)
    limit = 10_000
    done = total = kpi_refresh_pending(limit=limit)
    while done >= limit:  # a backlog: go on (what came in meanwhile queued its own drain)
        done = kpi_refresh_pending(limit=limit)
        total += done
    return total


@db_periodic_task(crontab(minute="*/5"))
def kpi_refresh_pending_periodic() -> int:
    """Marks left behind by a worker that stopped: drained every five minutes too."""
    from .services import kpi_refresh_pending

    return kpi_refresh_pending()


@db_periodic_task(crontab(hour="3", minute="17"))
def kpi_rebuild_recent() -> None:
    """Every night: yesterday and today recomputed from the raw rows (a safety net for any
    change that reached the database without a signal)."""
    from django.utils import timezone

    from .services import kpi_rebuild

    today = timezone.localdate()
    kpi_rebuild(start=today - dt.timedelta(days=1), end=today)


@db_periodic_task(crontab(minute="7-59/10"))
def kpi_months_settle_task() -> int:
    """Every ten minutes: the monthly sums of the ended months whose days changed, summed again."""
    from .services import kpi_months_settle

    return kpi_months_settle()
