"""Re-optimising a day across technicians: which jobs move, which never do, skills and the plan checker, applying
through the assignment service; and the preview/apply pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.dispatch import rebalance, routing, services
from aftersales.dispatch.models import Appointment, DispatchOffer, RoutePlan
from aftersales.dispatch.routes import travel_provider
from aftersales.dispatch.selectors import request_category_id, skill_level
from aftersales.tickets.choices import ServiceType, Status

from .factories import CENTRE, committed, job, region, tech_profile

pytestmark = pytest.mark.django_db

FAR = (CENTRE[0] + 0.3, CENTRE[1] + 0.3)  # about 43 km from the centre
TZ = timezone.get_default_timezone()


@pytest.fixture
def reg(db):
    return region()


@pytest.fixture
def day():
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def early(day):
    """Eight in the morning of the planned day: the day is 'today' for the planner, the shifts still ahead."""
    return dt.datetime.combine(day, dt.time(8), tzinfo=TZ)


@pytest.fixture
def a(dispatcher, make_user, reg):
    t = make_user(Role.TECHNICIAN, last_name="甲", first_name="")
    tech_profile(dispatcher, t, region=reg, lat=CENTRE[0], lng=CENTRE[1])
    return t


@pytest.fixture
def b(dispatcher, make_user, reg):
    t = make_user(Role.TECHNICIAN, last_name="乙", first_name="")
    tech_profile(dispatcher, t, region=reg, lat=FAR[0], lng=FAR[1])
    return t


def held(dispatcher, tech, reg, day, *, at, service_type=ServiceType.REPAIR, hours=(9, 17), named=False):
    """A job at ``at`` held (accepted) by ``tech`` with a confirmed visit window on ``day``."""
    sr = job(dispatcher, region=reg, lat=at[0], lng=at[1], service_type=service_type)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech, reason="set-up")
    committed(services.offer_accept)(actor=tech, request=sr)
    start = dt.datetime.combine(day, dt.time(hours[0]), tzinfo=TZ)
    end = dt.datetime.combine(day, dt.time(hours[1]), tzinfo=TZ)
    appt = committed(services.appointment_create)(
        actor=dispatcher, request=sr, window_start=start, window_end=end, named_technician=named
    )
    sr.refresh_from_db()
    return sr, appt


def near(point, d=0.01):
    return (point[0] + d, point[1] + d)


# --- which jobs move ---------------------------------------------------------------------------------


def test_a_job_next_to_another_technician_moves_to_him(dispatcher, a, b, reg, day):
    mine, _ = held(dispatcher, a, reg, day, at=near(CENTRE))
    stray, appt = held(dispatcher, a, reg, day, at=near(FAR))
    preview = rebalance.rebalance_preview(actor=dispatcher, day=day, seconds=0.5)
    assert preview.improved
    assert [(m.request.pk, m.from_id, m.to_id) for m in preview.moves] == [(stray.pk, a.pk, b.pk)]
    assert preview.km_saved > 60 and preview.seconds_saved > 0
    assert preview.planned_before == preview.planned_after == 2
    assert preview.routes[b.pk] == [stray.pk] and preview.routes[a.pk] == [mine.pk]

    moves = [(m.request.pk, m.from_id, m.to_id) for m in preview.moves]
    committed(rebalance.rebalance_apply)(actor=dispatcher, day=day, moves=moves, routes=preview.routes)
    stray.refresh_from_db()
    assert stray.assigned_technician == b and stray.status == Status.ASSIGNED  # b is offered it and must accept
    offer = DispatchOffer.objects.get(request=stray, status="pending")
    assert offer.technician == b and "Route optimisation" in stray.events.filter(action="assign").last().text
    appt.refresh_from_db()
    assert appt.technician == b and appt.status == "confirmed"  # the visit goes with the job
    plan_b = RoutePlan.objects.get(technician=b, day=day)
    assert list(plan_b.stops.values_list("request_id", flat=True)) == [stray.pk] and plan_b.method == "rebalance"
    plan_a = RoutePlan.objects.get(technician=a, day=day)
    assert list(plan_a.stops.values_list("request_id", flat=True)) == [mine.pk]


def test_nothing_to_gain_moves_nothing(dispatcher, a, b, reg, day):
    held(dispatcher, a, reg, day, at=near(CENTRE))
    held(dispatcher, b, reg, day, at=near(FAR))
    preview = rebalance.rebalance_preview(actor=dispatcher, day=day, seconds=0.3)
    assert not preview.improved and preview.moves == [] and preview.seconds_saved == 0


def test_a_job_whose_technician_left_is_never_moved(dispatcher, a, b, reg, day, early):
    stray, appt = held(dispatcher, a, reg, day, at=near(FAR), hours=(9, 12))
    committed(services.appointment_depart)(
        actor=a, appointment=appt, eta=dt.datetime.combine(day, dt.time(9), tzinfo=TZ), now=early
    )
    preview = rebalance.rebalance_preview(actor=dispatcher, day=day, seconds=0.3, now=early)
    assert preview.moves == []
    assert [(r.pk, reason) for r, _, reason in preview.pinned] == [
        (stray.pk, str(rebalance.PINNED_LABELS[rebalance.PINNED_DEPARTED]))
    ]
    with pytest.raises(ConflictError):  # a forged move is refused, and nothing changes
        rebalance.rebalance_apply(actor=dispatcher, day=day, moves=[(stray.pk, a.pk, b.pk)], now=early)
    stray.refresh_from_db()
    assert stray.assigned_technician == a


def test_a_promised_technician_keeps_the_job(dispatcher, a, b, reg, day):
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR), named=True)
    preview = rebalance.rebalance_preview(actor=dispatcher, day=day, seconds=0.3)
    assert preview.moves == [] and preview.pinned[0][0] == stray


def test_skills_are_never_violated(dispatcher, a, make_user, reg, day):
    # b installs only; a does everything. A repair next to b stays with a, however far a must drive;
    # an installation there (the next day) goes to b.
    b = make_user(Role.TECHNICIAN)
    tech_profile(dispatcher, b, region=reg, lat=FAR[0], lng=FAR[1], skills=[(None, ServiceType.INSTALLATION, 2)])
    repair, _ = held(dispatcher, a, reg, day, at=near(FAR))
    nextday = day + dt.timedelta(days=1)
    install, _ = held(dispatcher, a, reg, nextday, at=near(FAR), service_type=ServiceType.INSTALLATION)

    state = rebalance.day_state(day)
    assert state.eligible == {} and state.pinned[repair.pk] == rebalance.PINNED_NOBODY_ELSE
    assert rebalance.rebalance_preview(actor=dispatcher, day=day, seconds=0.3).moves == []

    state = rebalance.day_state(nextday)
    assert state.eligible == {install.pk: {b.pk}}
    problems = rebalance.problems(state)
    net = routing.DayNetwork.build(problems.free, travel_provider())
    plan = routing.plan_day(problems.free, travel_provider(), seconds=0.3, network=net).plan
    assert routing.check_plan(problems.free, plan, net.matrix, net.index) == []
    profiles = {str(t): p for t, p in state.profiles.items()}
    for tid, route in plan.routes.items():
        for jid in route.job_ids:
            sr = state.requests[int(jid)]
            assert skill_level(profiles[tid], sr.service_type, request_category_id(sr)) > 0
    assert plan.route_of(str(install.pk)).technician_id == str(b.pk)
    preview = rebalance.rebalance_preview(actor=dispatcher, day=nextday, seconds=0.3)
    assert [(m.request.pk, m.to_id) for m in preview.moves] == [(install.pk, b.pk)]


def test_jobs_stay_within_the_organization(dispatcher, a, reg, day, partner_technician):
    tech_profile(dispatcher, partner_technician, region=reg, lat=FAR[0], lng=FAR[1])
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR))
    state = rebalance.day_state(day)
    assert stray.pk not in state.eligible
    assert rebalance.rebalance_preview(actor=dispatcher, day=day, seconds=0.3).moves == []


def test_a_technician_who_declined_is_not_offered_it_again(dispatcher, a, b, reg, day):
    stray = job(dispatcher, region=reg, lat=near(FAR)[0], lng=near(FAR)[1])
    committed(services.dispatch_assign)(actor=dispatcher, request=stray, technician=b)
    committed(services.offer_decline)(actor=b, request=stray, reason="Van in the garage")
    stray.refresh_from_db()
    if stray.assigned_technician_id is None:  # the policy did not re-dispatch: give it to a by hand
        committed(services.dispatch_assign)(actor=dispatcher, request=stray, technician=a, reason="b declined")
    stray.refresh_from_db()
    assert stray.assigned_technician == a
    # not booked yet: it counts on the current day
    state = rebalance.day_state(timezone.localdate())
    assert stray.pk not in state.eligible


def test_apply_checks_input_and_role(dispatcher, agent, a, b, reg, day):
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR))
    with pytest.raises(PermissionDeniedError):
        rebalance.rebalance_preview(actor=agent, day=day)
    with pytest.raises(PermissionDeniedError):
        rebalance.rebalance_apply(actor=agent, day=day, moves=[(stray.pk, a.pk, b.pk)])
    with pytest.raises(ValidationFailed):
        rebalance.rebalance_apply(actor=dispatcher, day=day, moves=[])
    with pytest.raises(ValidationFailed):
        rebalance.rebalance_apply(actor=dispatcher, day=day, moves=[(stray.pk, a.pk, b.pk)] * 2)
    with pytest.raises(ConflictError):  # wrong holder
        rebalance.rebalance_apply(actor=dispatcher, day=day, moves=[(stray.pk, b.pk, a.pk)])
    stray.refresh_from_db()
    assert stray.assigned_technician == a and not RoutePlan.objects.exists()


def test_reassigning_moves_the_open_visit_to_the_new_technician(dispatcher, a, b, reg, day):
    sr, appt = held(dispatcher, a, reg, day, at=near(CENTRE))
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=b, reason="a is ill", reassign=True)
    appt.refresh_from_db()
    assert appt.technician == b
    assert Appointment.objects.filter(request=sr).count() == 1


# --- pages ----------------------------------------------------------------------------------------------


@pytest.fixture
def fast(settings):
    settings.DISPATCH_REBALANCE_SECONDS = 0.3


def test_preview_and_apply_pages(client, fast, dispatcher, a, b, reg, day):
    held(dispatcher, a, reg, day, at=near(CENTRE))
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR))
    client.force_login(dispatcher)
    url = reverse("dispatch:rebalance") + f"?day={day.isoformat()}"
    r = client.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and stray.number in body and 'name="move"' in body
    form = r.context["form_moves"]
    assert form == [f"{stray.pk}:{a.pk}:{b.pk}"]
    r = committed(client.post)(
        reverse("dispatch:rebalance_apply") + f"?day={day.isoformat()}",
        {"move": form, "route": r.context["form_routes"]},
    )
    assert r.status_code == 302
    stray.refresh_from_db()
    assert stray.assigned_technician == b


def test_rebalance_pages_invalid_input_change_nothing(client, fast, dispatcher, a, b, reg, day):
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR))
    client.force_login(dispatcher)
    apply_url = reverse("dispatch:rebalance_apply") + f"?day={day.isoformat()}"
    for bad in (
        {"move": "nonsense"},
        {},
        {"move": f"{stray.pk}:{b.pk}:{a.pk}"},
        {"move": f"{stray.pk}:{a.pk}:{b.pk}", "route": "x:y"},
    ):
        r = client.post(apply_url, bad, follow=True)
        assert r.status_code == 200 and r.context["messages"]
    stray.refresh_from_db()
    assert stray.assigned_technician == a and not RoutePlan.objects.exists()
    r = client.get(reverse("dispatch:rebalance") + "?day=not-a-day")
    assert r.status_code == 200  # falls back to today, like the board


def test_rebalance_pages_forbidden(client, fast, agent, technician, partner_user, dispatcher, a, b, reg, day):
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR))
    for user in (agent, technician, partner_user):
        client.force_login(user)
        assert client.get(reverse("dispatch:rebalance")).status_code == 403
        r = client.post(reverse("dispatch:rebalance_apply"), {"move": f"{stray.pk}:{a.pk}:{b.pk}"})
        assert r.status_code == 403
    stray.refresh_from_db()
    assert stray.assigned_technician == a


def test_apply_without_the_previewed_order_re_optimises(dispatcher, a, b, reg, day):
    mine, _ = held(dispatcher, a, reg, day, at=near(CENTRE))
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR))
    committed(rebalance.rebalance_apply)(actor=dispatcher, day=day, moves=[(stray.pk, a.pk, b.pk)])
    assert list(RoutePlan.objects.get(technician=b, day=day).stops.values_list("request_id", flat=True)) == [stray.pk]
    plan_a = RoutePlan.objects.get(technician=a, day=day)
    assert plan_a.method == "optimise" and list(plan_a.stops.values_list("request_id", flat=True)) == [mine.pk]


def test_booking_form_records_a_promised_technician(client, dispatcher, a, reg):
    sr = job(dispatcher, region=reg)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=a)
    committed(services.offer_accept)(actor=a, request=sr)
    client.force_login(dispatcher)
    body = client.get(reverse("tickets:detail", args=[sr.pk])).content.decode()
    assert 'name="named_technician"' in body
    start = timezone.localtime() + dt.timedelta(days=2)
    committed(client.post)(
        reverse("dispatch:appointment_create", args=[sr.pk]),
        {
            "window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "window_end": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "named_technician": "on",
        },
    )
    assert Appointment.objects.get(request=sr).named_technician is True
    assert "promised technician" in client.get(reverse("tickets:detail", args=[sr.pk])).content.decode()


def test_rebalance_api_preview_apply_forbidden_and_stale(client, fast, dispatcher, agent, a, b, reg, day):
    import json

    held(dispatcher, a, reg, day, at=near(CENTRE))
    stray, _ = held(dispatcher, a, reg, day, at=near(FAR))
    url = f"/api/dispatch/rebalance/{day.isoformat()}"
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(dispatcher)
    preview = client.get(url).json()
    assert preview["improved"] and [m["request_id"] for m in preview["moves"]] == [stray.pk]
    move = preview["moves"][0]
    body = {
        "moves": [
            {
                "request_id": stray.pk,
                "from_technician_id": move["from_technician_id"],
                "to_technician_id": move["to_technician_id"],
            }
        ],
        "routes": preview["routes"],
    }
    wrong = {"moves": [{**body["moves"][0], "from_technician_id": b.pk, "to_technician_id": a.pk}]}
    r = client.post(url + "/apply", json.dumps(wrong), content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "rebalance_stale"
    stray.refresh_from_db()
    assert stray.assigned_technician == a
    assert client.post(url + "/apply", json.dumps({"moves": []}), content_type="application/json").status_code == 400
    r = committed(client.post)(url + "/apply", json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and r.json()["moved"] == [stray.pk]
    stray.refresh_from_db()
    assert stray.assigned_technician == b
