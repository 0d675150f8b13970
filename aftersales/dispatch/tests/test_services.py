import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.dispatch import routing, scoring, services
from aftersales.dispatch.choices import AppointmentStatus, AskedBy, DispatchMode, OfferStatus
from aftersales.dispatch.models import DispatchOffer, DispatchPolicy, RoutePlan
from aftersales.dispatch.routes import day_input, route_insert_urgent, route_plan_build, travel_provider
from aftersales.dispatch.selectors import policy_for, pool_for, suggestions_for
from aftersales.dispatch.services import AlreadyAssigned, absence_add
from aftersales.sla.models import SlaClock, SlaPolicy, TargetKind
from aftersales.tickets.choices import Priority, ServiceType, Status
from aftersales.tickets.models import ServiceRequest

from .factories import CENTRE, committed, job, region, tech_profile

appointment_create = committed(services.appointment_create)
appointment_depart = committed(services.appointment_depart)
appointment_move = committed(services.appointment_move)
dispatch_assign = committed(services.dispatch_assign)
offer_accept = committed(services.offer_accept)
offer_decline = committed(services.offer_decline)
offers_expire_due = committed(services.offers_expire_due)
pool_claim = committed(services.pool_claim)
route_plan_build = committed(route_plan_build)
route_insert_urgent = committed(route_insert_urgent)

pytestmark = pytest.mark.django_db


def facts(**kw):
    base = dict(
        technician_id=1,
        name="t",
        organization="o",
        skill_level=2,
        serves_region=True,
        distance_km=5.0,
        distance_from="home",
        open_jobs_today=1,
        capacity_jobs=6,
        work_minutes_ahead=60,
        due_in_minutes=None,
        visits_to_customer=0,
        rating=4.0,
    )
    base.update(kw)
    return scoring.CandidateFacts(**base)


# --- scoring (pure) --------------------------------------------------------------------------


def test_score_parts_and_weights():
    s = scoring.score_candidate(facts())
    assert set(s.parts) == set(scoring.WEIGHTS)
    assert s.parts["skill"] == pytest.approx(2 / 3)
    assert s.parts["distance"] == pytest.approx(0.9)
    assert s.parts["load"] == pytest.approx(5 / 6)
    assert s.parts["sla"] == 1.0
    assert s.parts["rating"] == pytest.approx(0.75)
    assert s.score == pytest.approx(round(100 * sum(scoring.WEIGHTS[k] * v for k, v in s.parts.items()), 1))
    assert sum(r["points"] for r in s.rows()) == pytest.approx(s.score, abs=0.3)


def test_rank_orders_and_filters():
    near = facts(technician_id=1, distance_km=1)
    far = facts(technician_id=2, distance_km=40)
    unskilled = facts(technician_id=3, skill_level=0, distance_km=0)
    absent = facts(technician_id=4, absent=True, distance_km=0)
    ranked = scoring.rank([far, unskilled, near, absent])
    assert [s.technician_id for s in ranked] == [1, 2]


def test_sla_part_penalises_late_arrival():
    busy = scoring.score_candidate(facts(due_in_minutes=120, work_minutes_ahead=300))
    free = scoring.score_candidate(facts(due_in_minutes=120, work_minutes_ahead=0, distance_km=2))
    assert busy.parts["sla"] == 0 and free.parts["sla"] > 0
    assert any("SLA" in n for n in busy.notes)


def test_region_history_and_overload():
    s = scoring.score_candidate(facts(serves_region=False, visits_to_customer=3, open_jobs_today=7))
    assert s.parts["region"] == 0 and s.parts["history"] == 1 and s.parts["load"] == 0
    assert scoring.haversine_km((31.0, 121.0), (31.0, 121.0)) == 0
    assert scoring.haversine_km((31.0, 121.0), None) is None


# --- profiles, suggestions ---------------------------------------------------------------------


@pytest.fixture
def reg(db):
    return region()


@pytest.fixture
def techs(dispatcher, make_user, reg):
    near = make_user(Role.TECHNICIAN, last_name="近")
    far = make_user(Role.TECHNICIAN, last_name="远")
    tech_profile(dispatcher, near, region=reg, lat=CENTRE[0] + 0.01, lng=CENTRE[1] + 0.02)
    tech_profile(dispatcher, far, region=reg, lat=CENTRE[0] + 0.3, lng=CENTRE[1] + 0.3)
    return near, far


def test_profile_save_checks_and_scopes(dispatcher, technician, partner_user, agent):
    with pytest.raises(ValidationFailed) as e:
        tech_profile(dispatcher, technician, lat=95)
    assert "home_latitude" in e.value.fields
    with pytest.raises(ValidationFailed):
        tech_profile(dispatcher, technician, shift_start=dt.time(18), shift_end=dt.time(8))
    with pytest.raises(PermissionDeniedError):
        tech_profile(agent, technician)
    with pytest.raises(PermissionDeniedError):
        tech_profile(partner_user, technician)  # not his organization's
    p = tech_profile(dispatcher, technician, skills=[(None, ServiceType.REPAIR, 3)])
    assert p.skills.get().level == 3


def test_suggestions_rank_with_parts(dispatcher, techs, reg, technician):
    near, far = techs
    sr = job(dispatcher, region=reg)
    ranked = suggestions_for(dispatcher, sr)
    assert [s.technician_id for s in ranked] == [near.pk, far.pk]
    assert ranked[0].parts["distance"] > ranked[1].parts["distance"]
    with pytest.raises(PermissionDeniedError):
        suggestions_for(technician, sr)


def test_absent_technician_not_suggested(dispatcher, techs, reg):
    near, far = techs
    today = timezone.localdate()
    absence_add(actor=dispatcher, profile=near.technician_profile, start=today, end=today, reason="sick")
    sr = job(dispatcher, region=reg)
    assert [s.technician_id for s in suggestions_for(dispatcher, sr)] == [far.pk]


# --- assignment, override, acceptance ---------------------------------------------------------


def test_assign_top_then_accept(dispatcher, techs, reg):
    near, _ = techs
    sr = job(dispatcher, region=reg)
    offer = dispatch_assign(actor=dispatcher, request=sr, technician=near)
    assert offer.status == OfferStatus.PENDING and offer.expires_at is not None
    offer_accept(actor=near, request=sr)
    sr.refresh_from_db()
    assert sr.status == Status.ACCEPTED and sr.assigned_technician == near
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def test_override_needs_reason_on_timeline(dispatcher, techs, reg):
    near, far = techs
    sr = job(dispatcher, region=reg)
    with pytest.raises(ValidationFailed) as e:
        dispatch_assign(actor=dispatcher, request=sr, technician=far)
    assert e.value.code == "reason_required"
    dispatch_assign(actor=dispatcher, request=sr, technician=far, reason="Customer asked for him")
    event = sr.events.filter(action="assign").get()
    assert event.reason == "Customer asked for him"
    assert event.data["override"] is True and event.data["top_suggestion"] == near.pk


def test_second_assign_is_conflict_unless_reassign(dispatcher, techs, reg):
    near, far = techs
    sr = job(dispatcher, region=reg)
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
    with pytest.raises(AlreadyAssigned) as e:
        dispatch_assign(actor=dispatcher, request=sr, technician=far, reason="x")
    assert e.value.status == 409
    with pytest.raises(ValidationFailed):
        dispatch_assign(actor=dispatcher, request=sr, technician=far, reassign=True)
    dispatch_assign(actor=dispatcher, request=sr, technician=far, reassign=True, reason="Near one is ill")
    assert DispatchOffer.objects.filter(request=sr, status=OfferStatus.WITHDRAWN).count() == 1
    assert DispatchOffer.objects.get(request=sr, status=OfferStatus.PENDING).technician == far


def test_decline_in_suggest_mode_redispatches_to_next(dispatcher, techs, reg):
    near, far = techs
    sr = job(dispatcher, region=reg)
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
    with pytest.raises(ValidationFailed):
        offer_decline(actor=near, request=sr, reason=" ")
    offer_decline(actor=near, request=sr, reason="Van broke down")
    sr.refresh_from_db()
    assert sr.assigned_technician == far and sr.status == Status.ASSIGNED
    assert sr.events.filter(action="decline", reason="Van broke down").exists()


def test_decline_in_manual_mode_returns_to_queue(dispatcher, techs, reg):
    near, _ = techs
    DispatchPolicy.objects.create(region=reg, mode=DispatchMode.MANUAL)
    sr = job(dispatcher, region=reg)
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
    offer_decline(actor=near, request=sr, reason="Too far")
    sr.refresh_from_db()
    assert sr.status == Status.ACKNOWLEDGED and sr.assigned_technician is None


def test_accept_by_someone_else_refused(dispatcher, techs, reg):
    near, far = techs
    sr = job(dispatcher, region=reg)
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
    from django.http import Http404

    with pytest.raises((Http404, Exception)):
        offer_accept(actor=far, request=sr)


def test_timeout_redispatches_to_next_candidate(dispatcher, techs, reg):
    near, far = techs
    DispatchPolicy.objects.create(region=reg, mode=DispatchMode.SUGGEST, accept_minutes=15)
    sr = job(dispatcher, region=reg)
    t0 = timezone.now()
    dispatch_assign(actor=dispatcher, request=sr, technician=near, now=t0)
    assert offers_expire_due(now=t0 + dt.timedelta(minutes=14)) == 0
    assert offers_expire_due(now=t0 + dt.timedelta(minutes=16)) == 1
    sr.refresh_from_db()
    assert sr.assigned_technician == far
    assert DispatchOffer.objects.get(request=sr, technician=near).status == OfferStatus.EXPIRED
    assert sr.events.filter(action="decline", data__timeout=True).exists()
    # Far does not answer either: nobody is left, the job waits in the queue.
    offers_expire_due(now=timezone.now() + dt.timedelta(minutes=31))
    sr.refresh_from_db()
    assert sr.status == Status.ACKNOWLEDGED and sr.assigned_technician is None


def test_auto_mode_assigns_on_acknowledge(dispatcher, techs, reg):
    near, _ = techs
    DispatchPolicy.objects.create(region=reg, service_type=ServiceType.REPAIR, mode=DispatchMode.AUTO)
    sr = job(dispatcher, region=reg)
    sr.refresh_from_db()
    assert sr.status == Status.ASSIGNED and sr.assigned_technician == near
    offer = DispatchOffer.objects.get(request=sr)
    assert offer.via == "auto" and offer.score["technician"] == near.pk


def test_policy_most_specific_wins(reg, dispatcher):
    DispatchPolicy.objects.create(mode=DispatchMode.MANUAL)
    DispatchPolicy.objects.create(service_type=ServiceType.REPAIR, mode=DispatchMode.POOL)
    DispatchPolicy.objects.create(region=reg, service_type=ServiceType.REPAIR, mode=DispatchMode.AUTO)
    sr = job(dispatcher, region=reg, acknowledge=False)
    assert policy_for(sr).mode == DispatchMode.AUTO
    other = job(dispatcher, region=None, acknowledge=False)
    assert policy_for(other).mode == DispatchMode.POOL
    install = job(dispatcher, region=None, service_type=ServiceType.INSTALLATION, acknowledge=False)
    assert policy_for(install).mode == DispatchMode.MANUAL


def test_pool_claim_first_wins(dispatcher, techs, reg, make_user):
    near, far = techs
    unskilled = make_user(Role.TECHNICIAN)
    tech_profile(dispatcher, unskilled, region=reg, skills=[(None, ServiceType.INSTALLATION, 1)])
    DispatchPolicy.objects.create(region=reg, mode=DispatchMode.POOL)
    sr = job(dispatcher, region=reg)
    assert sr in pool_for(near) and sr in pool_for(far) and pool_for(unskilled) == []
    with pytest.raises(PermissionDeniedError):
        pool_claim(actor=unskilled, request=sr)
    pool_claim(actor=far, request=sr)
    sr.refresh_from_db()
    assert sr.status == Status.ACCEPTED and sr.assigned_technician == far
    with pytest.raises(AlreadyAssigned):
        pool_claim(actor=near, request=sr)
    assert pool_for(near) == []


def test_pool_claim_refused_outside_pool_mode(dispatcher, techs, reg):
    near, _ = techs
    sr = job(dispatcher, region=reg)
    from aftersales.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        pool_claim(actor=near, request=sr)


def test_partner_receives_and_assigns_own_technician(dispatcher, partner_user, partner_technician, techs, reg):
    tech_profile(dispatcher, partner_technician, region=reg)
    sr = job(dispatcher, region=reg)
    offer = dispatch_assign(actor=dispatcher, request=sr, organization=partner_user.organization)
    assert offer.technician is None and offer.expires_at is None
    near, _ = techs
    with pytest.raises(PermissionDeniedError):
        dispatch_assign(actor=partner_user, request=sr, technician=near)
    dispatch_assign(actor=partner_user, request=sr, technician=partner_technician)
    sr.refresh_from_db()
    assert sr.assigned_technician == partner_technician
    assert DispatchOffer.objects.get(pk=offer.pk).status == OfferStatus.DELEGATED
    offer_accept(actor=partner_technician, request=sr)


# --- appointments -------------------------------------------------------------------------------


def _accepted(dispatcher, tech, reg, **kw):
    sr = job(dispatcher, region=reg, **kw)
    dispatch_assign(actor=dispatcher, request=sr, technician=tech)
    offer_accept(actor=tech, request=sr)
    return sr


def _window(hours_from_now=3, length=2):
    start = (timezone.now() + dt.timedelta(hours=hours_from_now)).replace(second=0, microsecond=0)
    return start, start + dt.timedelta(hours=length)


def test_appointment_schedules_and_tells_customer(dispatcher, techs, reg, agent):
    near, _ = techs
    sr = _accepted(dispatcher, near, reg, email="c@example.com")
    start, end = _window()
    with pytest.raises(ValidationFailed):
        appointment_create(actor=agent, request=sr, window_start=end, window_end=start)
    mail.outbox.clear()
    appt = appointment_create(actor=agent, request=sr, window_start=start, window_end=end, agreed_with="刘女士")
    sr.refresh_from_db()
    assert sr.status == Status.SCHEDULED and appt.status == AppointmentStatus.CONFIRMED
    ev = sr.events.get(action="schedule")
    assert ev.data["appointment"] == appt.pk
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["c@example.com"]
    with pytest.raises(ConflictError):
        appointment_create(actor=agent, request=sr, window_start=start, window_end=end)


def test_appointment_move_keeps_history(dispatcher, techs, reg):
    near, _ = techs
    sr = _accepted(dispatcher, near, reg)
    start, end = _window()
    appt = appointment_create(actor=dispatcher, request=sr, window_start=start, window_end=end)
    with pytest.raises(ValidationFailed) as e:
        appointment_move(
            actor=dispatcher, appointment=appt, window_start=start, window_end=end, reason="", asked_by="x"
        )
    assert {"reason", "asked_by"} <= set(e.value.fields)
    new = appointment_move(
        actor=dispatcher,
        appointment=appt,
        window_start=start + dt.timedelta(days=1),
        window_end=end + dt.timedelta(days=1),
        reason="Customer not home",
        asked_by=AskedBy.CUSTOMER,
    )
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.MOVED and new.previous == appt and new.status == AppointmentStatus.CONFIRMED
    moves = sr.events.filter(action="schedule").order_by("at", "id")
    assert moves.count() == 2
    assert moves.last().data["asked_by"] == "customer" and "Customer not home" in moves.last().text


def test_depart_records_eta_and_late_needs_reason(dispatcher, techs, reg):
    near, far = techs
    sr = _accepted(dispatcher, near, reg, email="c2@example.com")
    start, end = _window(hours_from_now=1, length=1)
    appt = appointment_create(actor=dispatcher, request=sr, window_start=start, window_end=end)
    with pytest.raises(PermissionDeniedError):
        appointment_depart(actor=far, appointment=appt, eta=start)
    late = end + dt.timedelta(minutes=40)
    with pytest.raises(ValidationFailed) as e:
        appointment_depart(actor=near, appointment=appt, eta=late)
    assert e.value.code == "late_reason_required"
    mail.outbox.clear()
    moved = appointment_depart(actor=near, appointment=appt, eta=late, reason="Traffic jam")
    assert moved.previous_id == appt.pk and moved.window_start == late and moved.eta == late
    assert moved.asked_by == AskedBy.COMPANY
    assert any("expected arrival" in e.text for e in sr.events.filter(kind="note", message="dispatch.on_the_way"))
    assert len(mail.outbox) == 2  # the new time, then "on the way"


def test_depart_and_move_notes_carry_the_time_they_happened(dispatcher, techs, reg):
    """A step recorded with its own time (``now``: the demo, a technician's phone syncing later) puts its
    timeline note at that time, not at the moment it is written."""
    near, _ = techs
    sr = _accepted(dispatcher, near, reg)
    start, end = _window(hours_from_now=1, length=2)
    asked = start - dt.timedelta(hours=3)
    appt = appointment_create(actor=dispatcher, request=sr, window_start=start, window_end=end, now=asked)
    moved_at = asked + dt.timedelta(minutes=10)
    proposed = appointment_move(
        actor=dispatcher,
        appointment=appointment_create(
            actor=dispatcher,
            request=_accepted(dispatcher, near, reg),
            window_start=start,
            window_end=end,
            confirm=False,
            now=asked,
        ),
        window_start=start + dt.timedelta(days=1),
        window_end=end + dt.timedelta(days=1),
        reason="Customer asked",
        asked_by=AskedBy.CUSTOMER,
        now=moved_at,
    )
    note = proposed.request.events.get(kind="note", message="dispatch.visit_moved")
    assert note.at == moved_at
    set_off = start - dt.timedelta(minutes=20)
    appointment_depart(actor=near, appointment=appt, eta=start + dt.timedelta(minutes=5), now=set_off)
    assert sr.events.get(kind="note", message="dispatch.on_the_way").at == set_off


def test_sla_contact_clock_stops_at_scheduled_arrival_at_in_progress(dispatcher, techs, reg):
    near, _ = techs
    H = dt.timedelta(hours=1)
    SlaPolicy.objects.create(name="visits", appointment_contact=24 * H, arrival=48 * H, resolution=72 * H)
    sr = _accepted(dispatcher, near, reg)
    clocks = {c.kind: c for c in SlaClock.objects.filter(request=sr)}
    assert clocks[TargetKind.APPOINTMENT_CONTACT].state == "running"
    start, end = _window()
    appointment_create(actor=dispatcher, request=sr, window_start=start, window_end=end)
    clocks = {c.kind: c for c in SlaClock.objects.filter(request=sr)}
    assert clocks[TargetKind.APPOINTMENT_CONTACT].state == "met"
    assert clocks[TargetKind.ARRIVAL].state == "running"
    from aftersales.tickets.services import request_transition

    committed(request_transition)(actor=near, request=sr, action="start")
    clocks = {c.kind: c for c in SlaClock.objects.filter(request=sr)}
    assert clocks[TargetKind.ARRIVAL].state == "met"
    assert clocks[TargetKind.RESOLUTION].state == "running"


# --- routes -------------------------------------------------------------------------------------


def _tomorrow_windows(n):
    day = timezone.localdate() + dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    out = []
    for i in range(n):
        start = dt.datetime.combine(day, dt.time(9 + (i % 4) * 2), tzinfo=tz)
        out.append((start, start + dt.timedelta(hours=2)))
    return day, out


def test_plan_from_db_respects_hard_constraints(dispatcher, techs, reg):
    near, _ = techs
    day, windows = _tomorrow_windows(6)
    for i, (ws, we) in enumerate(windows):
        sr = _accepted(dispatcher, near, reg, lat=CENTRE[0] + 0.01 * i, lng=CENTRE[1] - 0.01 * i)
        appointment_create(actor=dispatcher, request=sr, window_start=ws, window_end=we)
    result = route_plan_build(actor=dispatcher, technician=near, day=day, seconds=0.5)
    plan = result.plan
    assert plan.stops.count() + len(plan.unplanned) == 6
    assert plan.stops.count() >= 5
    # Re-check the stored plan with the independent checker.
    data = day_input(near.technician_profile, day)
    tech_id = str(near.pk)
    stops = list(plan.stops.order_by("order"))
    midnight = data.midnight
    sec = lambda t: int((t - midnight).total_seconds())  # noqa: E731
    route = routing.TechnicianRoute(
        tech_id,
        departure=sec(plan.departure),
        visits=[
            routing.Visit(
                str(s.request_id), sec(s.arrival), sec(s.start), sec(s.end), s.travel_seconds, s.travel_metres
            )
            for s in stops
        ],
        return_travel_seconds=plan.return_travel_seconds,
        return_travel_metres=plan.return_travel_metres,
        return_arrival=sec(plan.return_at),
        break_start=sec(plan.break_start) if plan.break_start else None,
        break_end=sec(plan.break_end) if plan.break_end else None,
        break_after=plan.break_after,
    )
    rplan = routing.Plan(
        routes={tech_id: route},
        unassigned=[routing.Unassigned(str(u["request"]), u["reason"]) for u in plan.unplanned],
    )
    net = routing.DayNetwork.build(data.problem, travel_provider())
    assert routing.check_plan(data.problem, rplan, net.matrix, net.index) == []
    for s in stops:
        appt = s.request.appointments.get(status="confirmed")
        assert appt.window_start <= s.start <= appt.window_end


def test_urgent_job_inserted_and_customers_told(dispatcher, techs, reg):
    near, _ = techs
    now = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    tz = timezone.get_current_timezone()
    day = now.date()
    for i in range(3):
        _accepted(dispatcher, near, reg, lat=CENTRE[0] + 0.02 * i, lng=CENTRE[1], email=f"u{i}@example.com")
    route_plan_build(actor=dispatcher, technician=near, day=day, seconds=0.3, now=now)
    before = RoutePlan.objects.get(technician=near, day=day).stops.count()
    assert before == 3
    urgent = job(dispatcher, region=reg, priority=Priority.URGENT, lat=CENTRE[0] + 0.005, lng=CENTRE[1])
    # Not committed: the on-commit insertion task would use the wall clock; run it at 08:00 instead.
    services.dispatch_assign(actor=dispatcher, request=urgent, technician=near)
    mail.outbox.clear()
    result = route_insert_urgent(request_id=urgent.pk, now=now)
    assert result is not None and result.plan.method == "insert"
    ids = list(result.plan.stops.values_list("request_id", flat=True))
    assert urgent.pk in ids and len(ids) == 4
    assert dt.datetime.combine(day, dt.time(0), tzinfo=tz) < result.plan.departure
    # Customers whose visit moved by more than the threshold were told, each once.
    told = sorted(m.to[0] for m in mail.outbox)
    assert len(told) == len(result.changed) and len(set(told)) == len(told)


def test_plan_reports_jobs_without_coordinates(dispatcher, techs, reg):
    near, _ = techs
    from aftersales.customers.services import customer_create
    from aftersales.tickets.services import request_create

    c = customer_create(actor=dispatcher, name="无坐标", phone="+8613600000001")
    sr = request_create(
        actor=dispatcher, customer=c, channel="phone", service_type="repair", description="x", acknowledge=True
    )
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
    result = route_plan_build(actor=dispatcher, technician=near, day=timezone.localdate(), seconds=0.2)
    assert result.plan.unplanned[0]["reason"] == "no_coordinates"
    assert ServiceRequest.objects.get(pk=sr.pk).status == Status.ASSIGNED
    assert Decimal(1)  # keep import used
