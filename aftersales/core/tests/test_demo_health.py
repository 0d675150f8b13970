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
from aftersales.feedback.models import FollowUp, Survey
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


# The manager's dashboard over its default period (the last 30 days): these standards are met; the rest
# are near their target, as in a department whose open work (a day or two of it, filed over the last hours
# and days) weighs on the rates counted by filing or completion day.
MET = [
    "first_response_time", "handled_within_5min", "first_response_on_time", "appointment_contact_on_time",
    "resolution_time", "first_time_fix", "first_contact_resolution", "satisfaction", "complaints_on_time",
    "followup_in_window", "form_completeness", "repeat_repair_30d", "repair_error_rate", "mean_repair_time",
]  # fmt: skip
NEAR = {"arrival_on_time": 90, "attitude_rate": 85, "resolution_rate": 75, "followup_rate": 70, "complaint_rate": 5}


def test_the_dashboard_shows_most_standards_met(now):
    from aftersales.kpis.definitions import LOWER, kpi_get
    from aftersales.kpis.selectors import kpi_values

    end = timezone.localdate(now)
    values = kpi_values(["volume", *MET, *NEAR], start=end - dt.timedelta(days=29), end=end)
    assert values["volume"][2] >= 500  # a steady month, not a spike of open work over a thin history
    missed = {key: values[key] for key in MET if not kpi_get(key).meets(values[key][2])}
    assert not missed, missed
    assert values["first_time_fix"][1] >= 50  # the history's service forms, not only today's visits
    for key, bound in NEAR.items():
        value = values[key][2]
        near = value is not None and (value <= bound if kpi_get(key).direction == LOWER else value >= bound)
        assert near, (key, value)


def test_the_volume_chart_is_a_steady_month_not_a_spike_today(now):
    """The dashboard's volume chart (requests filed per day, last 30 days): the open work of the last day
    or two (every technician's visits of today and tomorrow, the requests not yet visited) stands at most
    a few times a normal day's intake (before: 5-6 times), and no day of the month before is nearly empty."""
    end = timezone.localdate(now)
    days = Counter(
        timezone.localtime(at).date()
        for at in ServiceRequest.objects.filter(created_at__gte=now - dt.timedelta(days=31)).values_list(
            "created_at", flat=True
        )
    )
    month = sorted(days[end - dt.timedelta(days=n)] for n in range(2, 29))
    median = month[len(month) // 2]
    assert median >= 20, month
    # Late in the evening and after midnight the open work of the last 24 h fills one bar: about 3 to 4 times.
    assert max(days[end], days[end - dt.timedelta(days=1)]) <= 4.5 * median, (days[end], median)
    assert month[0] >= median / 3, month


def test_the_history_happens_in_working_hours(now):
    """Closed requests were filed between 07:00 and 23:00 (the hotline acknowledges at once), dispatched and
    followed up between 08:00 and 21:00 and visited between 08:30 and 18:00, local time — not a technician
    starting work at four in the morning."""
    on_site = {"start", "wait_parts", "request_quote", "complete"}
    history = ServiceRequest.objects.filter(status__in=[Status.CLOSED, Status.CANCELLED, Status.FOLLOWED_UP])
    assert history.count() >= 100
    odd = []
    for request in history.prefetch_related("events"):
        if not dt.time(7) <= timezone.localtime(request.created_at).time() < dt.time(23):
            odd.append((request.number, "filed", timezone.localtime(request.created_at)))
        for event in request.events.all():
            if event.kind != "transition" or event.action in ("acknowledge", "resolve_at_intake"):
                continue
            hours = (dt.time(8, 30), dt.time(18)) if event.action in on_site else (dt.time(8), dt.time(21))
            if not hours[0] <= timezone.localtime(event.at).time() < hours[1]:
                odd.append((request.number, event.action, timezone.localtime(event.at)))
    assert not odd, odd[:10]


def test_follow_up_calls_are_made_inside_their_window(now):
    """The history's "Record follow-up" steps fall in the window its completion note announces (24–72 h of
    working days after completion), not before the window opened."""
    calls = 0
    for followup in FollowUp.objects.filter(kind="completion").select_related("request"):
        recorded = followup.request.events.filter(kind="transition", action="follow_up").order_by("at").first()
        if recorded is not None:
            calls += 1
            assert followup.due_from <= recorded.at <= followup.due_by, followup.request.number
    assert calls >= 50


def test_finished_visits_are_on_record(now):
    """A request of the history that was visited shows its visit in the dispatch card: an appointment, visited,
    agreed when the visit was scheduled, whose window the technician arrived in (not "no visit on record")."""
    started = (
        ServiceRequest.objects.filter(status__in=[Status.CLOSED, Status.FOLLOWED_UP], events__action="start")
        .distinct()
        .prefetch_related("appointments", "events")
    )
    assert len(started) >= 50
    for request in started:
        visited = [a for a in request.appointments.all() if a.status == "visited"]
        assert visited, request.number
        start = max(e.at for e in request.events.all() if e.action == "start")
        scheduled = [e.at for e in request.events.all() if e.action == "schedule"]
        assert any(a.window_start <= start < a.window_end for a in visited), request.number
        assert all(a.created_at in scheduled for a in visited), request.number


def test_the_history_has_its_service_forms(now):
    """The in-warranty field jobs completed over the last weeks have their service form (the visit, checks and
    the customer's signature), checked in at "start service" and out at "complete service", numbered in time
    order with today's visits after them."""
    from aftersales.field.models import Visit

    forms = list(
        Visit.objects.filter(request__status__in=DONE, checked_in_at__lt=now - dt.timedelta(days=1))
        .select_related("request")
        .prefetch_related("request__events", "signatures", "checks")
    )
    assert len(forms) >= 50
    for visit in forms:
        events = sorted((e.at, e.pk, e.action) for e in visit.request.events.all() if e.kind == "transition")
        starts = [at for at, _pk, action in events if action == "start"]
        ends = [at for at, _pk, action in events if action in ("wait_parts", "complete")]
        n = visit.sequence - 1
        assert (visit.checked_in_at, visit.checked_out_at) == (starts[n], ends[n]), visit.number
        signed = sorted(s.role for s in visit.signatures.all())
        if visit.outcome == "completed":  # signed by both, every check passed; a fix the first time if it was
            assert visit.first_time_fix == (visit.sequence == 1) and visit.checks.all(), visit.number
            assert signed == ["customer", "technician"], visit.number
        else:  # the part was not on the van: a second visit
            assert visit.outcome == "second_visit" and not visit.first_time_fix and not signed, visit.number
    numbers = sorted(visit.number for visit in forms)
    assert [v.number for v in sorted(forms, key=lambda v: v.checked_in_at)] == numbers
    assert not Visit.objects.filter(number__lt=numbers[-1], checked_in_at__gt=now - dt.timedelta(hours=20)).exists()
