"""Pages and API endpoints: success, forbidden/not found, invalid input; the board's query count is pinned."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.dispatch import services
from aftersales.dispatch.choices import DispatchMode
from aftersales.dispatch.models import Appointment, DispatchPolicy, RoutePlan
from aftersales.tickets.choices import Status

from .factories import CENTRE, committed, job, region, tech_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def reg(db):
    return region()


@pytest.fixture
def tech(dispatcher, technician, reg):
    tech_profile(dispatcher, technician, region=reg)
    return technician


def login(client, user):
    client.force_login(user)
    return client


# --- board --------------------------------------------------------------------------------------


def test_board_for_dispatcher_with_pinned_queries(client, dispatcher, make_user, reg):
    for i in range(3):
        t = make_user(Role.TECHNICIAN)
        tech_profile(dispatcher, t, region=reg, lat=CENTRE[0] + i * 0.01)
    for _ in range(3):
        job(dispatcher, region=reg)
    login(client, dispatcher)
    url = reverse("dispatch:board")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        r = client.get(url)
    assert r.status_code == 200 and b"board-points" in r.content
    for i in range(4):
        t = make_user(Role.TECHNICIAN)
        tech_profile(dispatcher, t, region=reg, lat=CENTRE[0] - i * 0.01)
        job(dispatcher, region=reg)
    with CaptureQueriesContext(connection) as more:
        r = client.get(url)
    assert r.status_code == 200
    assert len(more) == len(few) <= 16


def test_board_forbidden_for_technician_and_agent(client, technician, agent):
    # A wrong role answers 403 everywhere (the styled page); foreign objects 404.
    assert login(client, technician).get(reverse("dispatch:board")).status_code == 403
    assert login(client, agent).get(reverse("dispatch:board")).status_code == 403


def test_board_bad_day_falls_back_to_today(client, dispatcher):
    r = login(client, dispatcher).get(reverse("dispatch:board") + "?day=2024-13-45")
    assert r.status_code == 200 and r.context["day"] == timezone.localdate()


def test_suggestions_fragment_and_assign(client, dispatcher, tech, reg):
    sr = job(dispatcher, region=reg)
    login(client, dispatcher)
    r = client.get(reverse("dispatch:suggestions", args=[sr.pk]))
    assert r.status_code == 200 and r.context["suggestions"][0].technician_id == tech.pk
    assert b"score-parts" in r.content
    r = committed(client.post)(reverse("dispatch:assign", args=[sr.pk]), {"technician": tech.pk})
    assert r.status_code == 302
    sr.refresh_from_db()
    assert sr.assigned_technician == tech


def test_assign_invalid_and_forbidden(client, dispatcher, tech, reg, agent, technician):
    sr = job(dispatcher, region=reg)
    login(client, dispatcher)
    r = client.post(reverse("dispatch:assign", args=[sr.pk]), {"technician": "abc"}, follow=True)
    assert "Choose a technician" in r.content.decode()
    login(client, agent)
    r = client.post(reverse("dispatch:assign", args=[sr.pk]), {"technician": tech.pk}, follow=True)
    sr.refresh_from_db()
    assert sr.assigned_technician is None
    assert login(client, technician).get(reverse("dispatch:suggestions", args=[sr.pk])).status_code == 403


def test_optimise_one_and_all(client, dispatcher, tech, reg, technician):
    sr = job(dispatcher, region=reg)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech)
    login(client, dispatcher)
    r = client.post(reverse("dispatch:optimise", args=[tech.pk]))
    assert r.status_code == 302 and RoutePlan.objects.filter(technician=tech).exists()
    r = client.post(reverse("dispatch:optimise_all"))
    assert r.status_code == 302
    assert login(client, technician).post(reverse("dispatch:optimise_all")).status_code == 403
    assert client.post(reverse("dispatch:optimise", args=[tech.pk])).status_code == 403


# --- my day -----------------------------------------------------------------------------------------


def test_my_day_offer_accept_decline_and_pool(client, dispatcher, tech, reg, make_user):
    sr = job(dispatcher, region=reg)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech)
    login(client, tech)
    r = client.get(reverse("dispatch:my_day"))
    assert r.status_code == 200 and sr.number in r.content.decode()
    r = client.post(reverse("dispatch:offer_answer", args=[sr.pk, "decline"]), {"reason": ""}, follow=True)
    assert "Give a reason" in r.content.decode()
    committed(client.post)(reverse("dispatch:offer_answer", args=[sr.pk, "accept"]))
    sr.refresh_from_db()
    assert sr.status == Status.ACCEPTED
    DispatchPolicy.objects.create(region=reg, mode=DispatchMode.POOL)
    pool_job = job(dispatcher, region=reg)
    r = client.get(reverse("dispatch:my_day"))
    assert pool_job in r.context["pool"]
    committed(client.post)(reverse("dispatch:claim", args=[pool_job.pk]))
    pool_job.refresh_from_db()
    assert pool_job.assigned_technician == tech


def test_my_day_only_for_technicians(client, dispatcher):
    assert login(client, dispatcher).get(reverse("dispatch:my_day")).status_code == 403


def test_claim_not_in_pool_is_refused(client, dispatcher, tech, reg):
    sr = job(dispatcher, region=reg)
    login(client, tech)
    r = client.post(reverse("dispatch:claim", args=[sr.pk]))
    assert r.status_code == 404
    assert client.post(reverse("dispatch:claim", args=[999999])).status_code == 404


# --- appointments on the request page ------------------------------------------------------------


def _accepted(dispatcher, tech, reg):
    sr = job(dispatcher, region=reg)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech)
    committed(services.offer_accept)(actor=tech, request=sr)
    return sr


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_request_page_panel_and_booking(client, dispatcher, tech, reg):
    sr = _accepted(dispatcher, tech, reg)
    login(client, dispatcher)
    r = client.get(reverse("tickets:detail", args=[sr.pk]))
    assert r.status_code == 200 and b"dispatch-panel" in r.content and b"Book visit" in r.content
    start = timezone.now() + dt.timedelta(hours=2)
    url = reverse("dispatch:appointment_create", args=[sr.pk])
    r = client.post(url, {"window_start": "x", "window_end": "y"}, follow=True)
    assert "Give the start" in r.content.decode()
    committed(client.post)(url, {"window_start": _local(start), "window_end": _local(start + dt.timedelta(hours=2))})
    appt = Appointment.objects.get(request=sr)
    sr.refresh_from_db()
    assert sr.status == Status.SCHEDULED
    r = client.post(
        reverse("dispatch:appointment_move", args=[appt.pk]),
        {"window_start": _local(start), "window_end": _local(start + dt.timedelta(hours=1)), "asked_by": "customer"},
        follow=True,
    )
    assert "needs the new window" in r.content.decode()
    committed(client.post)(
        reverse("dispatch:appointment_move", args=[appt.pk]),
        {
            "window_start": _local(start + dt.timedelta(days=1)),
            "window_end": _local(start + dt.timedelta(days=1, hours=2)),
            "asked_by": "customer",
            "reason": "Away",
        },
    )
    assert Appointment.objects.filter(request=sr).count() == 2


def test_request_page_shows_suggestions_to_dispatcher_only(client, dispatcher, agent, tech, reg):
    sr = job(dispatcher, region=reg)
    assert b"dispatch:suggestions" not in login(client, dispatcher).get(reverse("tickets:detail", args=[sr.pk])).content
    body = client.get(reverse("tickets:detail", args=[sr.pk])).content.decode()
    assert reverse("dispatch:suggestions", args=[sr.pk]) in body
    body = login(client, agent).get(reverse("tickets:detail", args=[sr.pk])).content.decode()
    assert reverse("dispatch:suggestions", args=[sr.pk]) not in body


def test_depart_view(client, dispatcher, tech, reg, make_user):
    sr = _accepted(dispatcher, tech, reg)
    start = timezone.now() + dt.timedelta(minutes=30)
    appt = committed(services.appointment_create)(
        actor=dispatcher, request=sr, window_start=start, window_end=start + dt.timedelta(hours=1)
    )
    other = make_user(Role.TECHNICIAN)
    assert login(client, other).post(reverse("dispatch:appointment_depart", args=[appt.pk]), {}).status_code == 404
    login(client, tech)
    r = client.post(reverse("dispatch:appointment_depart", args=[appt.pk]), {"eta": "soon"}, follow=True)
    assert "expected arrival" in r.content.decode()
    committed(client.post)(reverse("dispatch:appointment_depart", args=[appt.pk]), {"eta": _local(start)})
    appt.refresh_from_db()
    assert appt.departed_at is not None


# --- technicians ------------------------------------------------------------------------------------


def test_technician_pages(client, dispatcher, technician, partner_user, reg, agent):
    login(client, dispatcher)
    assert client.get(reverse("dispatch:technicians")).status_code == 200
    url = reverse("dispatch:technician_edit", args=[technician.pk])
    assert client.get(url).status_code == 200
    data = {
        "home_label": "Depot",
        "home_latitude": "31.2",
        "home_longitude": "121.4",
        "regions": [reg.pk],
        "shift_start": "08:00",
        "shift_end": "17:00",
        "break_earliest": "11:30",
        "break_latest": "13:30",
        "break_minutes": "45",
        "capacity_jobs": "5",
        "rating": "4.5",
        "is_dispatchable": "on",
        "skills": "repair, *, 3\ninstallation, *, 1",
    }
    r = client.post(url, data)
    assert r.status_code == 302
    assert technician.technician_profile.skills.count() == 2
    r = client.post(url, {**data, "skills": "repair, nope, 9"})
    assert r.status_code == 200 and r.context["form"].errors["skills"]
    r = client.post(url, {**data, "shift_end": "07:00"})
    assert r.status_code == 200 and r.context["form"].errors
    r = client.post(
        reverse("dispatch:absence_add", args=[technician.pk]),
        {"start": "2026-12-01", "end": "2026-12-03", "reason": "leave"},
    )
    assert technician.technician_profile.absences.count() == 1
    assert login(client, partner_user).get(url).status_code == 404  # not his organization's
    assert login(client, agent).get(reverse("dispatch:technicians")).status_code == 403


# --- API ------------------------------------------------------------------------------------------------


def api(client, method, path, body=None):
    fn = getattr(client, method)
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return fn("/api/dispatch" + path, **kwargs)


def test_api_suggestions_assign_conflict(client, dispatcher, tech, reg, make_user, technician):
    sr = job(dispatcher, region=reg)
    login(client, dispatcher)
    r = api(client, "get", f"/requests/{sr.pk}/suggestions")
    assert r.status_code == 200 and r.json()[0]["technician_id"] == tech.pk and r.json()[0]["parts"]
    other = make_user(Role.TECHNICIAN)
    tech_profile(dispatcher, other, region=reg, lat=CENTRE[0] + 0.5)
    r = api(client, "post", f"/requests/{sr.pk}/assign", {"technician_id": other.pk})
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    r = api(client, "post", f"/requests/{sr.pk}/assign", {"technician_id": "x"})
    assert r.status_code == 422
    r = committed(api)(client, "post", f"/requests/{sr.pk}/assign", {"technician_id": tech.pk})
    assert r.status_code == 200 and r.json()["status"] == "pending"
    r = api(client, "post", f"/requests/{sr.pk}/assign", {"technician_id": other.pk, "reason": "x"})
    assert r.status_code == 409 and r.json()["code"] == "already_assigned"
    login(client, make_user(Role.AGENT))
    assert api(client, "get", f"/requests/{sr.pk}/suggestions").status_code == 403


def test_api_accept_decline_claim(client, dispatcher, tech, reg):
    sr = job(dispatcher, region=reg)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech)
    login(client, tech)
    r = api(client, "post", f"/requests/{sr.pk}/decline", {"reason": ""})
    assert r.status_code == 400
    r = committed(api)(client, "post", f"/requests/{sr.pk}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = api(client, "post", f"/requests/{sr.pk}/accept")
    assert r.status_code == 409
    DispatchPolicy.objects.create(region=reg, mode=DispatchMode.POOL)
    pool_job = job(dispatcher, region=reg)
    r = api(client, "get", "/pool")
    assert [j["id"] for j in r.json()] == [pool_job.pk]
    r = committed(api)(client, "post", f"/pool/{pool_job.pk}/claim")
    assert r.status_code == 200 and r.json()["via"] == "pool"
    r = api(client, "post", f"/pool/{pool_job.pk}/claim")
    assert r.status_code == 409
    login(client, dispatcher)
    assert api(client, "get", "/pool").status_code == 403


def test_api_appointments_and_plans(client, dispatcher, tech, reg, technician, make_user):
    sr = _accepted(dispatcher, tech, reg)
    login(client, dispatcher)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10), tzinfo=timezone.get_current_timezone())
    body = {"window_start": start.isoformat(), "window_end": (start + dt.timedelta(hours=2)).isoformat()}
    r = api(client, "post", f"/requests/{sr.pk}/appointments", {**body, "window_end": start.isoformat()})
    assert r.status_code == 400
    r = committed(api)(client, "post", f"/requests/{sr.pk}/appointments", body)
    assert r.status_code == 201 and r.json()["status"] == "confirmed"
    appt_id = r.json()["id"]
    r = api(client, "post", f"/appointments/{appt_id}/move", {**body, "reason": "x", "asked_by": "nobody"})
    assert r.status_code == 422
    r = committed(api)(
        client, "post", f"/appointments/{appt_id}/move", {**body, "reason": "Rain", "asked_by": "customer"}
    )
    assert r.status_code == 201 and r.json()["previous_id"] == appt_id
    new_id = r.json()["id"]
    r = api(client, "post", f"/appointments/{new_id}/depart", {"eta": start.isoformat()})
    assert r.status_code == 403  # only the technician departs
    day = timezone.localtime(start).date().isoformat()
    r = api(client, "post", f"/plans/{tech.pk}/{day}/optimise")
    assert r.status_code == 200 and [s["request_id"] for s in r.json()["stops"]] == [sr.pk]
    assert api(client, "get", f"/plans/{tech.pk}/{day}").json()["stops"][0]["number"] == sr.number
    assert api(client, "get", f"/plans/{tech.pk}/not-a-day").status_code == 422
    login(client, make_user(Role.TECHNICIAN))
    assert api(client, "get", f"/plans/{tech.pk}/{day}").status_code == 404
    assert (
        api(client, "post", f"/appointments/{new_id}/move", {**body, "reason": "x", "asked_by": "company"}).status_code
        == 404
    )


def test_request_page_panel_never_says_no_technician_when_one_holds_the_job(client, dispatcher, agent, tech, reg):
    """A request assigned to a technician (status "assigned", no offer open, no visit booked):
    the dispatch card says no visit is booked, not that there is no technician."""
    from aftersales.dispatch.models import DispatchOffer
    from aftersales.tickets.choices import Action
    from aftersales.tickets.services import request_transition

    sr = job(dispatcher, region=reg)
    committed(request_transition)(actor=dispatcher, request=sr, action=Action.ASSIGN, technician=tech)
    DispatchOffer.objects.filter(request=sr).delete()
    body = login(client, dispatcher).get(reverse("tickets:detail", args=[sr.pk])).content.decode()
    assert "dispatch-panel" in body
    assert "No technician and no visit yet." not in body
    assert "No visit booked yet." in body
    unassigned = job(dispatcher, region=reg)
    body = login(client, agent).get(reverse("tickets:detail", args=[unassigned.pk])).content.decode()
    assert "No technician and no visit yet." in body


def test_request_page_panel_of_a_finished_job_shows_its_visit_or_says_none_is_on_record(client, dispatcher, tech, reg):
    """A completed request is past its visit: the card shows the visit made, or says there is
    none on record — not "no visit booked yet", as if one were still to come."""
    import datetime as dt

    from django.utils import timezone

    from aftersales.dispatch.models import Appointment, DispatchOffer
    from aftersales.tickets.choices import Action
    from aftersales.tickets.models import ServiceRequest
    from aftersales.tickets.services import request_transition

    sr = job(dispatcher, region=reg)
    committed(request_transition)(actor=dispatcher, request=sr, action=Action.ASSIGN, technician=tech)
    DispatchOffer.objects.filter(request=sr).delete()
    ServiceRequest.objects.filter(pk=sr.pk).update(status="completed")
    page = reverse("tickets:detail", args=[sr.pk])
    body = login(client, dispatcher).get(page).content.decode()
    assert "No visit on record." in body and "No visit booked yet." not in body
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    Appointment.objects.create(
        request=sr, technician=tech, window_start=start, window_end=start + dt.timedelta(hours=2), status="visited"
    )
    body = client.get(page).content.decode()
    assert "No visit on record." not in body
    assert f"{start:%Y-%m-%d %H:%M}–{start + dt.timedelta(hours=2):%H:%M} · Visited" in body
    assert "Move the visit" not in body
