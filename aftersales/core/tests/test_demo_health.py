"""The demo is what a buyer sees first: loaded relative to now, it must look like a healthy department on a
normal day (issue 11) — most open requests on time, a handful at risk, a few breached with escalations
spread over levels and days, every technician with visits today and tomorrow in the regions he serves,
a handful of unread notifications, satisfied customers, complaints answered in time.

The demo is loaded once for the module (it takes a while), in a transaction rolled back at the end."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from aftersales.accounts.choices import OrganizationKind, Role
from aftersales.complaints.models import Complaint
from aftersales.dispatch.models import Appointment, RoutePlan, TechnicianProfile
from aftersales.feedback.models import Survey
from aftersales.notifications.models import Notification
from aftersales.sla.models import SlaEscalation
from aftersales.sla.selectors import sla_headline, sla_statuses
from aftersales.tickets.choices import Status
from aftersales.tickets.models import ServiceRequest

pytestmark = pytest.mark.django_db
DONE = [Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED, Status.CANCELLED]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    settings = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}
    with django_db_blocker.unblock(), override_settings(**settings):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("demo_data", "--no-progress", verbosity=0)
            yield timezone.now()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def now(demo):
    return demo


def _zones(now) -> Counter:
    zones = Counter()
    for request in ServiceRequest.objects.exclude(status__in=DONE).prefetch_related("sla_clocks__calendar"):
        head = sla_headline(sla_statuses(request.sla_clocks.all(), now=now, request_status=request.status))
        colour = head.colour if head else "ok"
        zones["breached" if colour == "breached" else "at_risk" if colour == "warning" else "on_time"] += 1
    return zones


def test_most_open_requests_are_on_time_a_handful_at_risk_a_few_breached(now):
    zones = _zones(now)
    total = sum(zones.values())
    assert total >= 80
    assert zones["on_time"] / total >= 0.75, zones
    assert 0.08 <= zones["at_risk"] / total <= 0.18, zones
    assert 0.02 <= zones["breached"] / total <= 0.09, zones


def test_escalations_only_for_breaches_mostly_levels_one_and_two_spread_over_days(now):
    rows = list(SlaEscalation.objects.exclude(level=0).select_related("request"))
    levels = Counter(r.level for r in rows)
    assert levels[1] and levels[2]
    assert (levels[1] + levels[2]) / len(rows) >= 0.8, levels
    assert len({timezone.localtime(r.at).date() for r in rows}) >= 4
    assert len({r.at for r in rows}) >= 10  # not all in the same minute
    assert all(r.at <= now and r.at >= r.due_at for r in rows)
    # Open requests escalated are the breached ones.
    escalated_open = {r.request_id for r in rows if r.request.status not in DONE and r.at >= now - dt.timedelta(days=2)}
    assert len(escalated_open) <= sum(_zones(now)[k] for k in ("breached",))


def test_nobody_has_a_pile_of_unread_notifications(now):
    unread = dict(
        Notification.objects.filter(read_at__isnull=True).values_list("recipient__username").annotate(n=Count("id"))
    )
    assert unread, "the bell shows something"
    assert max(unread.values()) < 20, unread


def test_jobs_only_in_the_regions_their_technicians_serve(now):
    profiles = list(TechnicianProfile.objects.select_related("user__organization").prefetch_related("regions"))
    assert len(profiles) >= 8
    for profile in profiles:
        served = {r.pk for r in profile.regions.all()}
        outside = ServiceRequest.objects.filter(assigned_technician=profile.user).exclude(region_id__in=served)
        assert not outside.exists(), (profile.user.username, list(outside.values_list("number", flat=True)))
        if profile.user.organization.kind == OrganizationKind.PARTNER:
            assert {r.city for r in profile.regions.all()} == {"苏州市"}


def test_every_technician_has_visits_today_and_tomorrow_with_routes(now):
    today = timezone.localdate(now)
    for profile in TechnicianProfile.objects.filter(user__role=Role.TECHNICIAN).select_related("user"):
        booked = Appointment.objects.filter(technician=profile.user).exclude(status__in=["moved", "cancelled"])
        for day in (today, today + dt.timedelta(days=1)):
            visits = booked.filter(window_start__date=day)
            assert visits.count() >= 2, (profile.user.username, day)
            for a in visits:
                local = timezone.localtime(a.window_start)
                assert local.date() == day and 8 <= local.hour and timezone.localtime(a.window_end).hour <= 18
            assert RoutePlan.objects.filter(technician=profile.user, day=day).exists()
    # No booked visit was missed: a window that is over was visited (or the technician is still there).
    missed = Appointment.objects.filter(status="confirmed", window_end__lt=now, request__visits__isnull=True)
    assert not missed.exists()


def test_customers_are_satisfied_and_complaints_answered_in_time(now):
    answered = list(Survey.objects.filter(status="answered").values_list("overall", flat=True))
    assert len(answered) >= 50
    assert sum(1 for o in answered if o >= 4) / len(answered) >= 0.85
    complaints = list(Complaint.objects.all())
    on_time = [c for c in complaints if c.answered_at is not None and c.answered_at <= c.due_at]
    assert len(on_time) >= len(complaints) / 2
    open_overdue = [c for c in complaints if c.answered_at is None and c.due_at < now]
    assert 1 <= len(open_overdue) <= 2  # the one escalated
    assert any(c.escalation_level >= 1 for c in open_overdue)
