"""Huey tasks: load ids, call a service. Enqueued on commit by the callers."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .businesstime import NoWorkingTime

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=5)
def sla_refresh_task(request_id: int) -> None:
    from .services import sla_refresh

    try:
        sla_refresh(request_id)
    except NoWorkingTime:
        # A calendar without working hours cannot place a deadline; report the
        # misconfiguration instead of retrying forever.
        logger.warning("SLA clocks of request %s not computed: a calendar has no working time.", request_id)


# Set while a drain of the pending refreshes is queued: a burst of changes queues one.
PENDING_FLAG = "sla.refresh-pending"
REFRESH_DELAY_SECONDS = 1


def sla_refresh_soon() -> None:
    """Queue a drain of the pending refreshes unless one is queued already."""
    from huey.contrib.djhuey import HUEY

    if HUEY.put_if_empty(PENDING_FLAG, "1"):
        if HUEY.immediate:
            sla_refresh_pending_task()
        else:
            # A moment's wait gathers a burst of changes into one batch.
            sla_refresh_pending_task.schedule(delay=REFRESH_DELAY_SECONDS)


@db_task(retries=3, retry_delay=5)
def sla_refresh_pending_task() -> int:
    """Recompute the clocks of every request marked since the last drain, in batches
    (``services.sla_refresh_pending``): a burst of N creates costs a few batch refreshes,
    not N single ones."""
    from huey.contrib.djhuey import HUEY

    from .services import REFRESH_CHUNK, sla_refresh_pending

    # Cleared before reading: a request marked from now on queues the next drain.
    HUEY.delete(PENDING_FLAG)
    limit = REFRESH_CHUNK * 5
    done = total = sla_refresh_pending(limit=limit)
    while done >= limit:  # a backlog: go on (what came in meanwhile queued its own drain)
        done = sla_refresh_pending(limit=limit)
        total += done
    return total


@db_task()
def sla_refresh_open_task() -> int:
    """Recompute every open request's clocks after a rule or calendar edit (batched)."""
    from .services import sla_refresh_open

    return sla_refresh_open()


def sla_sweep_helpers() -> int:
    """How many more sweepers a backlog gets: the Huey consumer's other workers
    (``settings.SLA_SWEEPERS`` sweepers in all), on a database that can skip locked rows
    (PostgreSQL; SQLite takes one writer at a time)."""
    from django.conf import settings
    from django.db import connection

    if not connection.features.has_select_for_update_skip_locked:
        return 0
    return max(settings.SLA_SWEEPERS - 1, 0)


@db_task()
def sla_sweep_helper_task() -> dict:
    """A second sweeper on a backlog, queued by ``sla_sweep_task``: another worker sweeps the
    same rows at the same time (SKIP LOCKED spreads them, the claims keep each action single;
    see escalation.py)."""
    from .escalation import sla_sweep

    return sla_sweep().as_dict()


@db_periodic_task(crontab(minute="*"))
def sla_sweep_task() -> dict:
    """Every minute: flip breaches, send due warnings, act on due escalation levels.

    On a backlog (more than a batch due: a worker was down, a calendar edit moved many
    deadlines into the past) it queues ``sla_sweep_helpers()`` more sweeps first, which the
    consumer's other workers run beside this one. With several consumers (Redis) each may
    enqueue and run it at the same moment; the sweep is built for that (rows are claimed,
    see escalation.py)."""
    from huey.contrib.djhuey import HUEY

    from .escalation import DEFAULT_BATCH, sla_due_count, sla_sweep
    from .services import sla_refresh_pending

    # A drain lost with a worker that died leaves its flag set: the sweep catches up.
    HUEY.delete(PENDING_FLAG)
    sla_refresh_pending(limit=10_000_000)
    helpers = sla_sweep_helpers()
    # (Immediate mode runs a helper inline first: it sweeps the lot, this sweep finds the rest.)
    if helpers and sla_due_count(DEFAULT_BATCH + 1) > DEFAULT_BATCH:
        for _ in range(helpers):
            sla_sweep_helper_task()
    result = sla_sweep()
    if result.flipped or result.warned or result.escalated:
        logger.info("SLA sweep: %s", result.as_dict())
    return result.as_dict()
