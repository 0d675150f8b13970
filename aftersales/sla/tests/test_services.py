"""Against the database: seeding, refresh from a real timeline, the signal hook, status."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation

from aftersales.core.models import AuditEvent
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.sla.businesstime import add_business_time
from aftersales.sla.china import known_years
from aftersales.sla.models import Calendar, CalendarDay, CalendarDayPeriod, SlaClock, SlaPolicy, WorkingPeriod
from aftersales.sla.selectors import calendar_snapshot_for, followup_window_for, sla_status_for
from aftersales.sla.services import calendar_seed_china, sla_refresh
from aftersales.tickets.services import request_create, request_transition, request_update

from .calendars import at

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
FILED = at(2026, 3, 9, 9)  # Monday


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def file_request(agent, **kwargs):
    fields = dict(customer=CustomerFactory(), channel="phone", service_type="consultation", description="噪音大")
    fields.update(kwargs)
    fields.setdefault("now", FILED)
    return request_create(actor=agent, **fields)


def clocks(request):
    return {c.kind: c for c in SlaClock.objects.filter(request=request)}


# --- calendars ------------------------------------------------------------


def test_migration_creates_calendars_with_statutory_days():
    standard = Calendar.objects.get(code="standard")
    assert standard.is_default and not standard.is_24x7
    assert Calendar.objects.get(code="24x7").is_24x7
    assert WorkingPeriod.objects.filter(calendar=standard).count() == 10
    years = {d.year for d in CalendarDay.objects.filter(calendar=standard).values_list("date", flat=True)}
    assert years == set(known_years())
    assert CalendarDay.objects.get(calendar=standard, date=dt.date(2026, 2, 14)).kind == "workday"
    assert CalendarDay.objects.get(calendar=standard, date=dt.date(2026, 2, 16)).name == "春节"


def test_seed_is_idempotent_and_keeps_hand_edits():
    cal = Calendar.objects.create(code="shop", name="Shop")
    first = calendar_seed_china(cal, years=[2025, 2026])
    assert first["created"] > 0 and first["updated"] == 0
    day = CalendarDay.objects.get(calendar=cal, date=dt.date(2026, 10, 7))
    CalendarDay.objects.filter(pk=day.pk).update(kind="workday", source="manual")
    CalendarDay.objects.filter(calendar=cal, date=dt.date(2026, 10, 1)).update(name="wrong")
    again = calendar_seed_china(cal, years=[2025, 2026])
    assert again == {"created": 0, "updated": 1, "kept": 1}
    assert CalendarDay.objects.get(pk=day.pk).kind == "workday"
    assert CalendarDay.objects.get(calendar=cal, date=dt.date(2026, 10, 1)).name == "国庆节"


def test_seed_holidays_command(capsys):
    Calendar.objects.create(code="shop", name="Shop")
    call_command("seed_holidays", "--calendar", "shop", "--years", "2026")
    assert "created" in capsys.readouterr().out
    assert CalendarDay.objects.filter(calendar__code="shop").count() == 39


def test_snapshot_from_database_and_revision_on_edit():
    standard = Calendar.objects.get(code="standard")
    snap = calendar_snapshot_for(standard.pk)
    assert add_business_time(snap, at(2026, 2, 14, 17, 50), H) == at(2026, 2, 24, 9, 50)
    assert calendar_snapshot_for(standard.pk) is snap  # cached
    # A company adds Saturday mornings; make-up days with explicit hours.
    WorkingPeriod.objects.create(calendar=standard, weekday=5, start=dt.time(9), end=dt.time(12))
    day = CalendarDay.objects.create(calendar=standard, date=dt.date(2026, 3, 15), kind="workday", name="盘点")
    CalendarDayPeriod.objects.create(day=day, start=dt.time(14), end=dt.time(16))
    snap2 = calendar_snapshot_for(standard.pk)
    assert snap2 is not snap
    assert add_business_time(snap2, at(2026, 3, 13, 17, 50), H) == at(2026, 3, 14, 9, 50)
    assert add_business_time(snap2, at(2026, 3, 14, 11, 30), H) == at(2026, 3, 15, 14, 30)


def test_followup_window():
    assert followup_window_for("repair") == (24 * H, 72 * H)


# --- clocks from the real timeline ----------------------------------------------


def test_refresh_creates_clocks_with_rule_and_reason(agent):
    request = file_request(agent, service_type="repair")
    sla_refresh(request.pk, now=FILED + H)
    got = clocks(request)
    assert set(got) == {"first_response", "appointment_contact", "arrival"}
    fr = got["first_response"]
    assert fr.state == "running" and fr.due_at == FILED + 24 * H
    assert fr.policy.name == "Default: first response within 24 h"
    assert fr.policy_reason == "matched: any request; 0 criteria"
    assert got["arrival"].policy_reason == "matched: type=Repair, region=Urban; 2 criteria"
    assert got["arrival"].calendar_id is None  # 24×7


def test_refresh_is_idempotent(agent):
    request = file_request(agent)
    first = [(c.kind, c.due_at, c.state) for c in sla_refresh(request.pk, now=FILED + H)]
    audits = AuditEvent.objects.filter(action="sla.refresh").count()
    second = [(c.kind, c.due_at, c.state) for c in sla_refresh(request.pk, now=FILED + H)]
    assert first == second
    assert SlaClock.objects.filter(request=request).count() == 1
    assert AuditEvent.objects.filter(action="sla.refresh").count() == audits  # nothing changed


def test_priority_change_to_urgent_recomputes_first_response(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(agent, now=None)
    fr = clocks(request)["first_response"]
    assert fr.due_at == request.created_at + 24 * H
    with django_capture_on_commit_callbacks(execute=True):
        request_update(actor=agent, request=request, priority="urgent")
    fr = clocks(request)["first_response"]
    assert fr.due_at == request.created_at + H
    assert "priority=Urgent" in fr.policy_reason
    audit = AuditEvent.objects.filter(action="sla.refresh").order_by("-id").first()
    assert "first_response" in audit.changes


def test_transition_signal_stops_the_clock(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(agent, now=None)
        request_transition(actor=agent, request=request, action="acknowledge")
    assert clocks(request)["first_response"].state == "met"


def test_met_and_breached_from_transitions(agent):
    urgent = file_request(agent, priority="urgent")
    request_transition(actor=agent, request=urgent, action="acknowledge", now=FILED + 3 * H)
    fr = clocks(urgent) or {c.kind: c for c in sla_refresh(urgent.pk, now=FILED + 4 * H)}
    fr = fr["first_response"]
    assert (fr.state, fr.breached_at, fr.breach_by_seconds) == ("breached", FILED + H, 2 * 3600)
    normal = file_request(agent)
    request_transition(actor=agent, request=normal, action="acknowledge", now=FILED + 3 * H)
    fr = {c.kind: c for c in sla_refresh(normal.pk, now=FILED + 4 * H)}["first_response"]
    assert (fr.state, fr.met_at) == ("met", FILED + 3 * H)


def test_pause_for_customer_through_services(agent):
    SlaPolicy.objects.create(
        name="resolve consultations", service_type="consultation", resolution=8 * H, resolution_business=True
    )
    request = file_request(agent)
    request_transition(actor=agent, request=request, action="acknowledge", now=FILED + 30 * MIN)
    request_transition(actor=agent, request=request, action="wait_customer", reason="客户出差", now=FILED + H)
    paused = {c.kind: c for c in sla_refresh(request.pk, now=FILED + 90 * MIN)}["resolution"]
    assert paused.state == "paused" and paused.pauses[0]["reason"] == "客户出差"
    request_transition(actor=agent, request=request, action="customer_responded", now=FILED + 2 * H)
    clock = {c.kind: c for c in sla_refresh(request.pk, now=FILED + 3 * H)}["resolution"]
    assert clock.state == "running"
    assert clock.paused_seconds == 3600
    assert clock.due_at == at(2026, 3, 10, 10, 30)  # Tuesday 09:30 + the hour paused
    assert clock.policy_reason == "matched: type=Consultation; 1 criterion"


def test_reopen_restarts_resolution(agent):
    SlaPolicy.objects.create(name="resolve consultations", service_type="consultation", resolution=4 * H)
    request = file_request(agent)
    request_transition(actor=agent, request=request, action="acknowledge", now=FILED + 10 * MIN)
    request_transition(actor=agent, request=request, action="resolve_remotely", reason="已解答", now=FILED + H)
    request_transition(actor=agent, request=request, action="reopen", reason="仍有噪音", now=FILED + 5 * H)
    clock = {c.kind: c for c in sla_refresh(request.pk, now=FILED + 6 * H)}["resolution"]
    assert (clock.cycle, clock.state, clock.started_at) == (2, "running", FILED + 5 * H)
    assert clock.due_at == FILED + 9 * H
    assert clock.history[0]["state"] == "met"


def test_target_no_longer_set_is_removed(agent):
    request = file_request(agent, service_type="repair")
    sla_refresh(request.pk, now=FILED)
    assert "arrival" in clocks(request)
    request_update(actor=agent, request=request, service_type="consultation")
    sla_refresh(request.pk, now=FILED)
    assert set(clocks(request)) == {"first_response"}


def test_escalation_bookkeeping_kept_or_reset(agent):
    request = file_request(agent, priority="urgent")
    sla_refresh(request.pk, now=FILED)
    # The sweep claims the warning once.
    claim = SlaClock.objects.filter(request=request, state="running", warned_at__isnull=True)
    assert claim.update(warned_at=FILED + 50 * MIN) == 1
    assert claim.update(warned_at=FILED + 51 * MIN) == 0
    sla_refresh(request.pk, now=FILED + 55 * MIN)
    assert clocks(request)["first_response"].warned_at == FILED + 50 * MIN
    # Breached and escalated; then the priority is lowered: the warning is due again
    # later and the escalation no longer applies.
    sla_refresh(request.pk, now=FILED + 2 * H)
    SlaClock.objects.filter(request=request).update(escalated_at=FILED + 2 * H, escalation_level=1)
    request_update(actor=agent, request=request, priority="normal")
    sla_refresh(request.pk, now=FILED + 3 * H)
    clock = clocks(request)["first_response"]
    assert clock.state == "running" and clock.warned_at is None
    assert (clock.escalated_at, clock.escalation_level) == (None, 0)


# --- status for the UI ----------------------------------------------------


def test_status_colours(agent):
    request = file_request(agent, priority="urgent")
    sla_refresh(request.pk, now=FILED)
    (status,) = sla_status_for(request, now=FILED + 10 * MIN)
    assert (status.colour, status.time_left, status.label) == ("ok", 50 * MIN, "First response")
    assert sla_status_for(request, now=FILED + 50 * MIN)[0].colour == "warning"
    late = sla_status_for(request, now=FILED + 70 * MIN)[0]
    assert (late.colour, late.breach_by, late.time_left) == ("breached", 10 * MIN, -10 * MIN)
    request_transition(actor=agent, request=request, action="acknowledge", now=FILED + 20 * MIN)
    sla_refresh(request.pk, now=FILED + 20 * MIN)
    assert sla_status_for(request, now=FILED + 2 * H)[0].colour == "met"


def test_status_paused(agent):
    request = file_request(agent)
    request_transition(actor=agent, request=request, action="acknowledge", now=FILED + 10 * MIN)
    SlaPolicy.objects.create(name="resolve", resolution=8 * H)
    request_transition(actor=agent, request=request, action="wait_customer", reason="等回电", now=FILED + H)
    sla_refresh(request.pk, now=FILED + 2 * H)
    status = {s.kind: s for s in sla_status_for(request, now=FILED + 5 * H)}["resolution"]
    assert (status.colour, status.time_left) == ("paused", 7 * H)
