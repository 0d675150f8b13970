"""Once per expiry on PostgreSQL, for real: two sweepers racing in threads (each with its own connection
and row locks) tell each person and manager once."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connections

from aftersales.accounts.choices import Role
from aftersales.notifications.models import OutboxMessage
from aftersales.training.choices import CourseKind
from aftersales.training.models import Certification
from aftersales.training.services import certification_sweep

from .factories import make_course, passed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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


def test_two_sweepers_at_once_remind_once(make_user):
    qm = make_user(Role.QUALITY_MANAGER)
    make_user(Role.MANAGER)
    course = make_course(qm, kind=CourseKind.SKILLS, certifies_service_type="installation", validity_months=12)
    techs = [make_user(Role.TECHNICIAN) for _ in range(12)]
    for t in techs:
        passed(qm, course, t, dt.date.today() - dt.timedelta(days=3))
    on = Certification.objects.first().expires_on - dt.timedelta(days=5)
    results = race(lambda: certification_sweep(on=on), lambda: certification_sweep(on=on))
    assert sum(r["reminded"] for r in results) == len(techs)
    per = Counter(
        OutboxMessage.objects.filter(key="training.cert_expiring", channel="in_app").values_list(
            "recipient_id", flat=True
        )
    )
    assert all(per[t.pk] == 1 for t in techs)
    assert certification_sweep(on=on)["reminded"] == 0
