"""Races on PostgreSQL (real row locks): two agents record the same call at once, and a customer
sends his link twice at once — each is written once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from aftersales.accounts.choices import Role
from aftersales.core.errors import DomainError
from aftersales.feedback.models import FollowUpAttempt, Remedy, Survey
from aftersales.feedback.services import followup_record, survey_answer_link

from .factories import GOOD, LOW, completed_request


def _race(n, fn):
    start = threading.Barrier(n)

    def run(i):
        try:
            start.wait()
            return fn(i)
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_reaching_the_same_customer_record_one_call(manager, technician, agent, make_user):
    from aftersales.sla.tests.calendars import seed_migration_data

    seed_migration_data()
    other = make_user(Role.AGENT)
    _request, followup = completed_request({Role.MANAGER: manager}, technician=technician)
    results = _race(
        2, lambda i: followup_record(actor=(agent, other)[i], followup=followup, outcome="reached", answers=GOOD)
    )
    assert sorted(str(r) if isinstance(r, str) else "ok" for r in results) == ["illegal_transition", "ok"]
    assert FollowUpAttempt.objects.filter(followup=followup).count() == 1
    assert Survey.objects.filter(followup=followup).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_link_sent_twice_at_once_opens_one_remedy(manager, technician, agent, make_user):
    from aftersales.sla.tests.calendars import seed_migration_data

    seed_migration_data()
    make_user(Role.QUALITY)
    _request, followup = completed_request({Role.MANAGER: manager}, technician=technician)
    moment = followup.due_from
    for _ in range(3):
        followup = followup_record(actor=agent, followup=followup, outcome="no_answer", now=moment)
        moment = followup.next_call_at
    link = Survey.objects.get(followup=followup)
    results = _race(4, lambda i: survey_answer_link(survey=link, answers=LOW))
    assert all(not isinstance(r, str) for r in results), results  # the first answers, the others revise
    link.refresh_from_db()
    assert link.status == "answered" and link.revised_at is not None
    assert Remedy.objects.filter(survey=link).count() == 1
