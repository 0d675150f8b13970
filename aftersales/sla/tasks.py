"""Huey tasks: load ids, call a service. Enqueued on commit by the callers."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

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
