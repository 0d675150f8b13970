"""Exactly once on PostgreSQL, for real: two sweepers racing in threads (each with its own
connection), and a sweeper process killed with SIGKILL part-way through, then swept again.

These tests commit (transactional_db): the migrations' rows (calendars, rules, the matrix,
the system user) are put back first, as an earlier committing test may have flushed them."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, connections

from aftersales.accounts.choices import Role
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.notifications.models import Notification
from aftersales.sla.escalation import sla_sweep
from aftersales.sla.models import SlaClock, SlaEscalation
from aftersales.sla.services import sla_refresh
from aftersales.tickets.models import ServiceRequestEvent
from aftersales.tickets.services import request_create

from .calendars import at, seed_migration_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]
H = dt.timedelta(hours=1)
FILED = at(2026, 3, 9, 9)
LATER = FILED + 3 * 24 * H  # every level of the default matrix is due for a 1-hour target
LEVELS = [1, 2, 3, 4]
# Per clock: level 1 tells the creator and the dispatcher, 2 the dispatcher, 3 the
# manager, 4 the admins (none here).
NOTIFICATIONS_PER_CLOCK = 2 + 1 + 1 + 0


@pytest.fixture
def staff(transactional_db, make_user):
    seed_migration_data()
    return make_user(Role.AGENT), make_user(Role.DISPATCHER), make_user(Role.MANAGER)


def urgent_requests(agent, n, first=0):
    made = []
    for i in range(first, first + n):
        request = request_create(
            actor=agent,
            customer=CustomerFactory(phone=f"1390000{i:04d}"),
            channel="phone",
            service_type="consultation",
            priority="urgent",
            description="噪音大",
            now=FILED,
        )
        sla_refresh(request.pk, now=FILED)
        made.append(request)
    assert SlaClock.objects.filter(state="running").count() == n
    return made


def assert_exactly_once(requests):
    ids = [r.pk for r in requests]
    per_clock = Counter(SlaEscalation.objects.filter(request_id__in=ids).values_list("clock_id", "level"))
    assert len(per_clock) == len(ids) * len(LEVELS), "a level is missing"
    assert set(per_clock.values()) == {1}, f"a level acted twice: {[k for k, v in per_clock.items() if v > 1]}"
    assert {level for _, level in per_clock} == set(LEVELS)
    notes = Counter(
        ServiceRequestEvent.objects.filter(request_id__in=ids, kind="note").values_list("request_id", flat=True)
    )
    assert notes == dict.fromkeys(ids, len(LEVELS))
    notified = Counter(
        Notification.objects.filter(link_type__model="servicerequest", link_id__in=[str(i) for i in ids]).values_list(
            "link_id", flat=True
        )
    )
    assert notified == dict.fromkeys([str(i) for i in ids], NOTIFICATIONS_PER_CLOCK)
    assert set(SlaClock.objects.filter(request_id__in=ids).values_list("state", "escalation_level", "escalate_at")) == {
        ("breached", 4, None)
    }


def test_two_sweepers_at_once_act_once_per_level(staff):
    agent, _dispatcher, _manager = staff
    requests = urgent_requests(agent, 40)
    start = threading.Barrier(2)
    results, errors = [], []

    def sweeper():
        try:
            start.wait(timeout=30)
            results.append(sla_sweep(now=LATER, batch=7))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    # Rows one sweeper skipped because the other held them are picked up by the next sweep.
    leftover = sla_sweep(now=LATER)
    total = sum(r.escalated for r in results) + leftover.escalated
    assert total == len(requests) * len(LEVELS)
    assert sum(r.flipped for r in results) + leftover.flipped == len(requests)
    assert_exactly_once(requests)


def test_the_minute_task_shares_a_backlog_with_a_helper_sweep(staff, settings, monkeypatch):
    """More than a batch due: the periodic task queues SLA_SWEEPERS - 1 helper sweeps for the
    consumer's other workers (run inline here: Huey is immediate under pytest), and every
    level still acts once. A batch or less: no helper."""
    from aftersales.sla import escalation, tasks

    settings.SLA_SWEEPERS = 2
    helpers = []
    queue = tasks.sla_sweep_helper_task
    monkeypatch.setattr(tasks, "sla_sweep_helper_task", lambda: helpers.append(queue()))
    few = urgent_requests(staff[0], 1)
    monkeypatch.setattr(escalation, "DEFAULT_BATCH", 2)  # a breach and its unsent warning: a batch
    tasks.sla_sweep_task.call_local()
    assert helpers == []
    assert_exactly_once(few)
    backlog = urgent_requests(staff[0], 3, first=3)  # 3 breaches and 3 warnings: more than a batch
    tasks.sla_sweep_task.call_local()
    assert len(helpers) == 1
    assert_exactly_once(backlog)


def test_sweeper_killed_mid_sweep_loses_nothing_and_repeats_nothing(staff):
    agent, _dispatcher, _manager = staff
    requests = urgent_requests(agent, 30)
    ids = [r.pk for r in requests]
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HUEY_IMMEDIATE": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    command = [sys.executable, "manage.py", "sla_sweep", "--now", LATER.isoformat(), "--batch", "4", "--slow-ms", "60"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    try:
        deadline = time.monotonic() + 120
        # Wait until some batches are committed, then kill it in the middle of another.
        while SlaEscalation.objects.filter(request_id__in=ids).count() < 12:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the sweep did not start"
            time.sleep(0.05)
        time.sleep(0.13)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    done = SlaEscalation.objects.filter(request_id__in=ids).count()
    assert 12 <= done < len(ids) * len(LEVELS), "killed too late to prove anything"
    # Whatever was committed is complete: each logged level has its note and notifications.
    logged = Counter(SlaEscalation.objects.filter(request_id__in=ids).values_list("request_id", flat=True))
    notes = Counter(
        ServiceRequestEvent.objects.filter(request_id__in=ids, kind="note").values_list("request_id", flat=True)
    )
    assert logged == notes
    # PostgreSQL rolled back the batch in flight; the next sweep does the rest, once.
    for _ in range(20):  # the dead backend may hold its row locks for a moment
        if not sla_sweep(now=LATER).busy:
            break
        time.sleep(0.2)
    assert_exactly_once(requests)
    assert sla_sweep(now=LATER).escalated == 0
