"""The demo picture: courses per seed 002, closed sessions, a few due, one or two overdue, one
certification expiring soon (reminded) and one lapsed."""

import pytest

from aftersales.accounts.choices import Role
from aftersales.catalog.services import category_create
from aftersales.notifications.models import OutboxMessage
from aftersales.training import demo
from aftersales.training.choices import CertState, DueState
from aftersales.training.models import Course, Session
from aftersales.training.selectors import certification_rows, due_counts, due_rows


class Ctx:
    def __init__(self, users):
        self.data = {"users": users}
        self.lines = []

    def log(self, line):
        self.lines.append(line)


@pytest.mark.django_db
def test_demo_gives_a_healthy_picture(make_user):
    users = {
        name: make_user(role, username=name)
        for name, role in [
            ("qmanager", Role.QUALITY_MANAGER),
            ("quality", Role.QUALITY),
            ("manager", Role.MANAGER),
            ("agent", Role.AGENT),
            ("dispatcher", Role.DISPATCHER),
            ("tech", Role.TECHNICIAN),
            ("tech2", Role.TECHNICIAN),
            ("tech3", Role.TECHNICIAN),
            ("tech4", Role.TECHNICIAN),
        ]
    }
    category_create(actor=users["manager"], code="WATERHEATER", name="热水器")
    assert not demo.demo_present()
    demo.demo_load(Ctx(users))
    assert demo.demo_present()
    assert Course.objects.count() == 6
    assert {c.kind: c.recurrence_months for c in Course.objects.all()}["case_analysis"] == 3
    assert Session.objects.filter(status="closed").count() >= 10
    assert Session.objects.filter(status="planned").count() == 3
    counts = due_counts(due_rows(users["qmanager"]))
    assert counts[DueState.NEVER] == 0
    assert 1 <= counts[DueState.OVERDUE] <= 3
    assert counts[DueState.OK] > counts[DueState.OVERDUE] + counts[DueState.DUE]
    states = [r.state for r in certification_rows(users["qmanager"])]
    assert states.count(CertState.LAPSED) == 1 and states.count(CertState.EXPIRING) == 1
    assert OutboxMessage.objects.filter(key="training.cert_expiring").exists()
