"""Huey tasks: load ids, call a service. Enqueued on commit by the outbox writers."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)


@db_task()
def outbox_deliver_task(ids: list[int]) -> dict:
    """Right after the writer's commit: deliver these rows (if still due)."""
    from .services import outbox_deliver

    return outbox_deliver(ids=ids).as_dict()


@db_periodic_task(crontab(minute="*"))
def outbox_sweep_task() -> dict:
    """Every minute: everything due (retries whose backoff ran out, rows whose enqueue
    was lost, rows a killed worker left ``sending`` past their lease)."""
    from .services import outbox_deliver

    result = outbox_deliver(limit=5000)
    if result.sent or result.failed or result.dead:
        logger.info("Outbox sweep: %s", result.as_dict())
    return result.as_dict()
