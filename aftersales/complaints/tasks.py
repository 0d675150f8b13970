"""Huey tasks: load ids, call a service."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def complaint_sweep_task() -> dict:
    """Every minute: escalate complaints whose reply deadline was missed, level by level, once
    per level (built for several consumers running it at once, see escalation.py)."""
    from .escalation import complaint_sweep

    result = complaint_sweep()
    if result.escalated:
        logger.info("Complaint sweep: %s", result.as_dict())
    return result.as_dict()
