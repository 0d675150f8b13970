"""Once per level on PostgreSQL, for real: two sweepers racing in threads (each with its own
connection and row locks), and a sweeper racing a handler's changes.

These tests commit (transactional_db): the migrations' rows (calendars, complaint categories, the
chain, the system user) are put back first, as an earlier committing test may have flushed them."""

import datetime as dt
import importlib
import threading
from collections import Counter

import pytest
from django.apps import apps
from django.db import connections

from aftersales.accounts.choices import Role
from aftersales.complaints.escalation import complaint_sweep
from aftersales.complaints.models import Complaint, ComplaintEscalation, ComplaintEvent
from aftersales.complaints.services import complaint_update
from aftersales.complaints.tests.factories import make_complaint
from aftersales.notifications.models import Notification
from aftersales.sla.tests.calendars import at, seed_migration_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
H = dt.timedelta(hours=1)
FILED = at(2026, 3, 2, 9)
LATER = FILED + 1000 * H  # every level of the default chain is due
LEVELS = [1, 2, 3]


@pytest.fixture
def staff(transactional_db, make_user):
    seed_migration_data()
    for module in (
        "aftersales.sla.migrations.0008_complaint_categories",
        "aftersales.complaints.migrations.0002_chain",
    ):
        importlib.import_module(module).forwards(apps, None)
    return {
        "agent": make_user(Role.AGENT),
        "handler": make_user(Role.QUALITY),
        "qm": make_user(Role.QUALITY_MANAGER),
        "manager": make_user(Role.MANAGER),
    }


def overdue(agent, n):
    return [make_complaint(agent, now=FILED, description=f"投诉{i}") for i in range(n)]


def assert_exactly_once(complaints):
    ids = [c.pk for c in complaints]
    per = Counter(ComplaintEscalation.objects.filter(complaint_id__in=ids).values_list("complaint_id", "level"))
    assert set(per.values()) == {1}, "a level was reached twice"
    assert set(per) == {(i, level) for i in ids for level in LEVELS}, "a level is missing"
    lines = Counter(
        ComplaintEvent.objects.filter(complaint_id__in=ids, kind="escalation").values_list("complaint_id", flat=True)
    )
    assert lines == dict.fromkeys(ids, len(LEVELS))
    # One quality manager and one after-sales manager: one message each per complaint.
    told = Counter(
        Notification.objects.filter(key="complaints.escalation", link_id__in=[str(i) for i in ids]).values_list(
            "link_id", flat=True
        )
    )
    assert told == dict.fromkeys([str(i) for i in ids], 2)
    assert set(Complaint.objects.filter(pk__in=ids).values_list("escalation_level", "escalate_at")) == {(3, None)}


def race(*jobs):
    start = threading.Barrier(len(jobs))
    results, errors = [], []

    def run(job):
        try:
            start.wait(timeout=30)
            results.append(job())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    return results


def test_two_sweepers_at_once_reach_each_level_once(staff):
    complaints = overdue(staff["agent"], 40)
    results = race(lambda: complaint_sweep(now=LATER, batch=7), lambda: complaint_sweep(now=LATER, batch=7))
    # Rows one sweeper skipped because the other held them are picked up by the next sweep.
    leftover = complaint_sweep(now=LATER)
    assert sum(r.escalated for r in results) + leftover.escalated == len(complaints) * len(LEVELS)
    assert_exactly_once(complaints)
    assert complaint_sweep(now=LATER).escalated == 0


def test_sweepers_at_different_moments_still_climb_once_per_level(staff):
    complaints = overdue(staff["agent"], 20)
    due = FILED + 24 * H
    race(
        lambda: complaint_sweep(now=due, batch=3),
        lambda: complaint_sweep(now=due + 24 * H, batch=5),
        lambda: complaint_sweep(now=LATER, batch=4),
    )
    complaint_sweep(now=LATER)
    assert_exactly_once(complaints)


def test_a_sweeper_racing_a_handler_raising_the_severity(staff):
    complaints = overdue(staff["agent"], 20)
    handler = staff["handler"]

    def raise_all():
        for c in complaints:
            complaint_update(actor=handler, complaint=Complaint.objects.get(pk=c.pk), severity="urgent", now=LATER)
        return len(complaints)

    race(lambda: complaint_sweep(now=LATER, batch=2), raise_all)
    complaint_sweep(now=LATER)
    ids = [c.pk for c in complaints]
    per = Counter(ComplaintEscalation.objects.filter(complaint_id__in=ids).values_list("complaint_id", "level"))
    assert set(per.values()) == {1}
    assert set(per) == {(i, level) for i in ids for level in LEVELS}
