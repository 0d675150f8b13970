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


@db_task()
def sla_refresh_open_task() -> int:
    """Recompute every open request's clocks after a rule or calendar edit (batched)."""
    from .services import sla_refresh_open

    return sla_refresh_open()


@db_periodic_task(crontab(minute="*"))
def sla_sweep_task() -> dict:
    """Every minute: flip breaches, send due warnings, act on due escalation levels.

    With several consumers (Redis) each may enqueue and run it at the same moment; the
    sweep is built for that (rows are claimed, see escalation.py)."""
    from .escalation import sla_sweep

    result = sla_sweep()
    if result.flipped or result.warned or result.escalated:
        logger.info("SLA sweep: %s", result.as_dict())
    return result.as_dict()
