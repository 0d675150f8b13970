"""Periodic work: certification reminders (30 days before expiry) and lapse notices."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="17"))
def certification_sweep_task() -> dict:
    """Every hour (once per expiry and person, so running it often is harmless)."""
    from .services import certification_sweep

    return certification_sweep()
