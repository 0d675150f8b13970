"""Escalation (R-CMP-2, seed 001 §6.4): a rejection, a major or urgent complaint, or a missed reply
deadline escalates level by level (complaint handler → quality manager → after-sales manager →
director by default, configurable), once per level; each level's people are told."""

import datetime as dt

import pytest
from django.db import IntegrityError

from aftersales.accounts.choices import Role
from aftersales.complaints.escalation import complaint_sweep
from aftersales.complaints.models import ComplaintEscalation, EscalationLevel
from aftersales.complaints.services import (
    complaint_assign,
    complaint_propose,
    complaint_respond,
    complaint_respond_by_link,
    complaint_update,
)
from aftersales.complaints.tests.factories import make_complaint
from aftersales.notifications.models import Notification
from aftersales.sla.tests.calendars import at

pytestmark = pytest.mark.django_db
S = dt.timedelta(seconds=1)
H = dt.timedelta(hours=1)
FILED = at(2026, 3, 2, 9)  # a Monday; "attitude": due 24 h later (round the clock by default)


def levels(c):
    return list(ComplaintEscalation.objects.filter(complaint=c).order_by("level").values_list("level", "reason"))


@pytest.fixture
def people(make_user, handler, qm, aftersales_manager, admin_user):
    return {"handler": handler, "qm": qm, "manager": aftersales_manager, "director": admin_user}


def test_the_default_chain():
    rows = list(EscalationLevel.objects.order_by("level").values_list("level", "name", "notify_role", "severity"))
    assert rows == [
        (0, "Complaint handler", "quality", ""),
        (1, "Quality manager", "quality_manager", "major"),
        (2, "After-sales manager", "manager", "urgent"),
        (3, "Director", "admin", ""),
    ]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("normal", []), ("major", [(1, "severity")]), ("urgent", [(1, "severity"), (2, "severity")])],
)
def test_severity_escalates_at_intake_level_by_level(agent, people, severity, expected):
    c = make_complaint(agent, severity=severity, now=FILED)
    assert c.escalation_level == (expected[-1][0] if expected else 0)
    assert levels(c) == expected


def test_raising_the_severity_later_escalates(agent, people):
    c = make_complaint(agent, now=FILED)
    c = complaint_update(actor=people["handler"], complaint=c, severity="major", now=FILED + H)
    assert levels(c) == [(1, "severity")]
    # Lowering it again never goes down, and never repeats a level.
    c = complaint_update(actor=people["handler"], complaint=c, severity="normal", now=FILED + 2 * H)
    c = complaint_update(actor=people["handler"], complaint=c, severity="major", now=FILED + 3 * H)
    assert levels(c) == [(1, "severity")] and c.escalation_level == 1


def test_each_rejection_goes_one_level_up_and_the_top_is_the_end(agent, people):
    c = make_complaint(agent, now=FILED)
    c = complaint_assign(actor=people["handler"], complaint=c, investigator=people["handler"], now=FILED)
    for n in range(1, 5):
        c = complaint_propose(actor=people["handler"], complaint=c, solution=f"方案{n}", now=FILED + n * H)
        c = complaint_respond(actor=people["handler"], complaint=c, accepted=False, note="不满意", now=FILED + n * H)
        assert c.status == "investigating" and c.rejections == n
        assert c.escalation_level == min(n, 3)
    assert levels(c) == [(1, "rejected"), (2, "rejected"), (3, "rejected")]


def test_a_rejection_through_the_link_escalates_too(agent, people):
    c = make_complaint(agent, now=FILED)
    c = complaint_assign(actor=people["handler"], complaint=c, investigator=people["handler"], now=FILED)
    c = complaint_propose(actor=people["handler"], complaint=c, solution="赔偿50元", now=FILED + H)
    c = complaint_respond_by_link(token=c.token, accepted=False, note="太少了", now=FILED + 2 * H)
    assert levels(c) == [(1, "rejected")]
    assert c.events.filter(by_complainant=True, action="reject").count() == 1


def test_a_missed_deadline_climbs_with_the_delays_on_both_sides_of_each(agent, people):
    c = make_complaint(agent, now=FILED)
    due = FILED + 24 * H
    assert c.due_at == due and c.escalate_at == due
    steps = [
        (due - S, 0),
        (due, 1),  # quality manager at once
        (due + 24 * H - S, 1),
        (due + 24 * H, 2),  # after-sales manager a day later
        (due + 72 * H - S, 2),
        (due + 72 * H, 3),  # director after three days
        (due + 500 * H, 3),
    ]
    for moment, level in steps:
        complaint_sweep(now=moment)
        c.refresh_from_db()
        assert c.escalation_level == level, moment
    assert levels(c) == [(1, "overdue"), (2, "overdue"), (3, "overdue")]
    assert c.escalate_at is None  # nothing left to do


def test_a_late_sweep_walks_every_level_once(agent, people):
    c = make_complaint(agent, now=FILED)
    result = complaint_sweep(now=FILED + 1000 * H)
    assert result.escalated == 3
    assert complaint_sweep(now=FILED + 1001 * H).escalated == 0
    c.refresh_from_db()
    assert levels(c) == [(1, "overdue"), (2, "overdue"), (3, "overdue")]
    assert c.events.filter(kind="escalation").count() == 3


def test_each_level_tells_its_people(agent, people):
    c = make_complaint(agent, now=FILED)
    c = complaint_assign(actor=people["handler"], complaint=c, investigator=people["handler"], now=FILED)
    complaint_sweep(now=FILED + 1000 * H)

    def told(user):
        return Notification.objects.filter(recipient=user, key="complaints.escalation").count()

    # The investigator hears of every level; each manager of his own.
    assert told(people["handler"]) == 3
    assert (told(people["qm"]), told(people["manager"]), told(people["director"])) == (1, 1, 1)
    x = ComplaintEscalation.objects.get(complaint=c, level=1)
    assert x.notified == 2


def test_the_chain_is_configurable(agent, people, make_user):
    EscalationLevel.objects.filter(level=2).update(is_active=False)
    named = make_user(Role.MANAGER)
    EscalationLevel.objects.get(level=3).notify_users.add(named)
    c = make_complaint(agent, severity="urgent", now=FILED)
    # Level 2 (urgent's) is off: the urgent complaint reaches level 1 only at intake.
    assert levels(c) == [(1, "severity")]
    complaint_sweep(now=FILED + 1000 * H)
    assert levels(c) == [(1, "severity"), (3, "overdue")]
    assert Notification.objects.filter(recipient=named, key="complaints.escalation").count() == 1


def test_once_per_level_is_a_database_rule(agent, people):
    c = make_complaint(agent, severity="major", now=FILED)
    with pytest.raises(IntegrityError):
        ComplaintEscalation.objects.create(complaint=c, level=1, reason="overdue")


def test_an_answered_complaint_is_no_longer_swept(agent, people):
    c = make_complaint(agent, now=FILED)
    c = complaint_assign(actor=people["handler"], complaint=c, investigator=people["handler"], now=FILED)
    complaint_sweep(now=FILED + 24 * H)
    c = complaint_propose(actor=people["handler"], complaint=c, solution="道歉", now=FILED + 30 * H)
    assert c.escalate_at is None
    complaint_sweep(now=FILED + 1000 * H)
    c.refresh_from_db()
    assert levels(c) == [(1, "overdue")]


def test_the_periodic_task_runs_the_sweep(agent, people):
    from aftersales.complaints.tasks import complaint_sweep_task

    make_complaint(agent, now=at(2020, 1, 6, 9))  # long overdue
    result = complaint_sweep_task.call_local()
    assert result["escalated"] == 3


def test_each_level_names_its_own_reason(agent, people):
    c = make_complaint(agent, now=FILED)
    due = FILED + 24 * H
    # Overdue by an hour and not swept yet: raising the severity reaches level 1 for the severity...
    c = complaint_update(actor=people["handler"], complaint=c, severity="major", now=due + H)
    assert levels(c) == [(1, "severity")]
    # ... the sweep adds nothing until the next delay, then names the deadline.
    assert complaint_sweep(now=due + H).escalated == 0
    complaint_sweep(now=due + 24 * H)
    assert levels(c) == [(1, "severity"), (2, "overdue")]
    # A category change is not an escalation.
    c.refresh_from_db()
    c = complaint_update(actor=people["handler"], complaint=c, category="quality", now=due + 25 * H)
    assert levels(c) == [(1, "severity"), (2, "overdue")]
