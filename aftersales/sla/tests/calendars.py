"""In-memory calendars for the pure tests (no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

from aftersales.sla.businesstime import CalendarSnapshot
from aftersales.sla.china import HOLIDAY, statutory_days

SH = ZoneInfo("Asia/Shanghai")
SHIFTS = [(dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(18))]


def standard(years=(2025, 2026, 2027), tz="Asia/Shanghai") -> CalendarSnapshot:
    """Mon–Fri 09:00–12:00 and 13:30–18:00 with China's statutory days of ``years``."""
    overrides = {d.date: ([] if d.kind == HOLIDAY else SHIFTS) for d in statutory_days(years)}
    return CalendarSnapshot.from_times(tz=tz, weekly={wd: SHIFTS for wd in range(5)}, overrides=overrides)


def at(y, m, d, hh=0, mm=0, ss=0, tz=SH) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=tz)


def seed_migration_data() -> None:
    """Put back what the data migrations seed (SLA calendars, rules, matrix, complaint categories,
    the complaints' escalation chain, the default return policy, the system user).

    For tests that commit (transactional_db): the database is flushed after each such
    test, and ``serialized_rollback`` collides with the content types that the flush
    recreates. The migrations' data functions are idempotent; run them on the live apps."""
    import importlib

    from django.apps import apps

    for module in (
        "aftersales.sla.migrations.0002_defaults",
        "aftersales.sla.migrations.0004_escalation_defaults",
        "aftersales.sla.migrations.0008_complaint_categories",
        "aftersales.complaints.migrations.0002_chain",
        "aftersales.returns.migrations.0002_default_policy",
    ):
        importlib.import_module(module).forwards(apps, None)
