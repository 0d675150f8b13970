"""Periodic work: survey links past their expiry close (their follow-ups too)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/10"))
def survey_expire_task() -> int:
    from .services import survey_expire_due

    return survey_expire_due()
