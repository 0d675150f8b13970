"""Issue 11, items 2 and 3: the dispatcher's board and the technician's day.

The board: a booked visit is on its technician's timeline at once (no re-optimise), labelled with the request
number, customer and window; load reads "booked today / capacity"; waiting jobs show their SLA time left, also
when breached; a visit can be booked from the board. My day: the route in order with window, address, priority
and state; jobs waiting for an answer apart; the jobs off the route with what a technician needs; "Leaving now"
pre-fills an estimate the service accepts.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.dispatch import routes, services
from aftersales.dispatch.choices import DEPART_ETA_AHEAD, DEPART_TRAVEL_MIN
from aftersales.dispatch.models import Appointment, RoutePlan
from aftersales.dispatch.selectors import (
    board_days,
    departure_estimate,
    local_day,
    my_day_for,
    unassigned_jobs,
)
from aftersales.tickets.choices import Priority

from .factories import committed, job, region, tech_profile

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def reg(db):
    return region()


@pytest.fixture
def tech(dispatcher, technician, reg):
    tech_profile(dispatcher, technician, region=reg, capacity_jobs=6)
    return technician


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def held(dispatcher, tech, reg, *, accept=True, **kwargs):
    sr = job(dispatcher, region=reg, **kwargs)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech)
    if accept:
        committed(services.offer_accept)(actor=tech, request=sr)
    sr.refresh_from_db()
    return sr


def book(actor, sr, start, end):
    return committed(services.appointment_create)(actor=actor, request=sr, window_start=start, window_end=end)


# --- the board ---------------------------------------------------------------------------------------------


def test_booking_from_the_board_puts_the_visit_on_the_timeline_at_once(client, dispatcher, tech, reg):
    sr = held(dispatcher, tech, reg)
    day = local_day() + dt.timedelta(days=2)
    client.force_login(dispatcher)
    # the board offers to book it, on the technician's row
    body = client.get(reverse("dispatch:board") + f"?day={day}").content.decode()
    assert reverse("dispatch:book", args=[sr.pk]) in body
    panel = client.get(reverse("dispatch:book", args=[sr.pk]) + f"?day={day}")
    html = panel.content.decode()
    assert panel.status_code == 200 and 'name="from" value="board"' in html
    assert f'value="{day.isoformat()}T08:30"' in html  # his shift start that day
    r = committed(client.post)(
        reverse("dispatch:appointment_create", args=[sr.pk]),
        {"window_start": f"{day}T10:00", "window_end": f"{day}T12:00", "agreed_with": "客户", "from": "board"},
    )
    assert r.status_code == 302 and r["Location"] == reverse("dispatch:board") + f"?day={day.isoformat()}"
    assert not RoutePlan.objects.exists()  # nobody pressed "re-optimise"
    r = client.get(r["Location"])
    row = next(row for row in r.context["rows"] if row["day"].profile.user_id == tech.pk)
    (visit,) = row["day"].visits
    assert visit.request == sr and not visit.planned and visit.appointment.window_start == at(day, 10)
    assert any(b["kind"] == "booked" and b["visit"] is visit for b in row["blocks"])
    html = r.content.decode()
    block = re.search(rf'<a role="listitem"[^>]*data-request="{sr.pk}"[^>]*title="([^"]*)"', html)
    assert block and sr.number in block.group(1) and sr.customer.name in block.group(1)
    assert "10:00–12:00" in block.group(1)
    assert "1 booked / 6 capacity" in html and "not in the route yet" in html


def test_board_load_reads_booked_today_over_capacity(client, dispatcher, tech, reg):
    today = local_day()
    for hour in (9, 14):
        book(dispatcher, held(dispatcher, tech, reg), at(today, hour), at(today, hour + 2))
    held(dispatcher, tech, reg)  # accepted, nothing booked: "Book visit", not counted as booked
    client.force_login(dispatcher)
    html = client.get(reverse("dispatch:board")).content.decode()
    assert 'data-booked="2" data-capacity="6"' in html and "2 booked today / 6 capacity" in html
    assert "Book visit" in html


def test_booked_visits_keep_their_place_after_a_reoptimise(dispatcher, tech, reg):
    day = local_day() + dt.timedelta(days=1)
    a = held(dispatcher, tech, reg)
    book(dispatcher, a, at(day, 10), at(day, 12))
    routes.route_plan_build(actor=dispatcher, technician=tech, day=day)
    b = held(dispatcher, tech, reg)
    book(dispatcher, b, at(day, 14), at(day, 16))  # after the plan: shown at its window
    (d,) = board_days(day)
    assert [(v.request, v.planned) for v in d.visits] == [(a, True), (b, False)]
    assert d.booked == 2


def test_a_past_day_shows_the_visits_made_as_done(client, dispatcher, tech, reg):
    """The board and the technician's day for yesterday: the visit made (appointment visited, job completed
    since) at its window, marked visited — not an empty day, not "not in the route yet"."""
    from aftersales.dispatch.choices import AppointmentStatus
    from aftersales.tickets.models import ServiceRequest

    today = local_day()
    sr = held(dispatcher, tech, reg)
    appt = book(dispatcher, sr, at(today, 10), at(today, 12))
    yesterday = today - dt.timedelta(days=1)
    # What the visit leaves behind, a day earlier (the field services mark it visited and complete the job).
    Appointment.objects.filter(pk=appt.pk).update(
        status=AppointmentStatus.VISITED, window_start=at(yesterday, 10), window_end=at(yesterday, 12)
    )
    ServiceRequest.objects.filter(pk=sr.pk).update(status="completed")
    (d,) = board_days(yesterday)
    assert [(v.request.pk, v.visited, v.planned) for v in d.visits] == [(sr.pk, True, False)]
    assert board_days(today)[0].visits == []
    client.force_login(dispatcher)
    html = client.get(reverse("dispatch:board"), {"day": yesterday.isoformat()}).content.decode()
    row = html.split(f'data-request="{sr.pk}"')
    assert "tl-done" in row[0].rsplit("<a", 1)[1] and "Visited" in html and "not in the route yet" not in html
    client.force_login(tech)
    html = client.get(reverse("dispatch:my_day"), {"day": yesterday.isoformat()}).content.decode()
    assert sr.number in html and "Visited" in html and "not in the route yet" not in html


def test_waiting_jobs_show_sla_time_left_even_when_breached(client, dispatcher, tech, reg):
    late = job(dispatcher, region=reg, priority=Priority.URGENT, now=timezone.now() - dt.timedelta(days=2))
    fresh = job(dispatcher, region=reg)
    rows = {r.pk: r for r in unassigned_jobs()}
    assert rows[late.pk].sla is not None and rows[late.pk].sla.colour == "breached"
    assert rows[fresh.pk].sla is not None and rows[fresh.pk].sla.time_left > dt.timedelta(0)
    client.force_login(dispatcher)
    html = client.get(reverse("dispatch:board")).content.decode()
    item = html.split(f'data-job="{late.pk}"')[1].split("</a>")[0]
    assert 'data-sla="breached"' in item and "overdue" in item and "No SLA clock" not in item
    item = html.split(f'data-job="{fresh.pk}"')[1].split("</a>")[0]
    assert " left" in item


def test_book_panel_roles_and_bad_input(client, dispatcher, tech, reg, technician, agent):
    sr = held(dispatcher, tech, reg)
    url = reverse("dispatch:book", args=[sr.pk])
    for user in (technician, agent):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(dispatcher)
    day = local_day() + dt.timedelta(days=1)
    r = client.post(
        reverse("dispatch:appointment_create", args=[sr.pk]),
        {"window_start": f"{day}T12:00", "window_end": f"{day}T10:00", "from": "board"},
        follow=True,
    )
    assert r.status_code == 200 and "The window must end after it starts." in r.content.decode()
    r = client.post(reverse("dispatch:appointment_create", args=[sr.pk]), {"window_start": "soon", "from": "board"})
    assert r.status_code == 302
    assert not Appointment.objects.filter(request=sr).exists()


# --- "Leaving now" ---------------------------------------------------------------------------------------


def _appt(start, end):
    return Appointment(window_start=start, window_end=end, status="confirmed")


def test_departure_estimate_for_a_visit_later_today_is_its_window():
    now = at(dt.date(2030, 1, 7), 9, 2)
    d = departure_estimate(_appt(at(now.date(), 14), at(now.date(), 16)), drive=dt.timedelta(minutes=25), now=now)
    assert d.eta == at(now.date(), 14) and not d.late


def test_departure_estimate_during_the_window_is_now_plus_the_drive():
    now = at(dt.date(2030, 1, 7), 10, 2)
    d = departure_estimate(_appt(at(now.date(), 9), at(now.date(), 12)), drive=dt.timedelta(minutes=25), now=now)
    assert d.eta == at(now.date(), 10, 30) and not d.late  # 10:27 rounded up to 5 minutes
    d = departure_estimate(_appt(at(now.date(), 9), at(now.date(), 12)), drive=dt.timedelta(0), now=now)
    assert d.eta - now >= DEPART_TRAVEL_MIN


def test_departure_estimate_after_the_window_is_late_and_beyond_the_horizon_is_none():
    now = at(dt.date(2030, 1, 7), 13, 0)
    d = departure_estimate(_appt(at(now.date(), 9), at(now.date(), 11)), drive=dt.timedelta(minutes=20), now=now)
    assert d.late and d.eta == at(now.date(), 13, 20)
    tomorrow = now + DEPART_ETA_AHEAD + dt.timedelta(minutes=1)
    assert departure_estimate(_appt(tomorrow, tomorrow + dt.timedelta(hours=2)), drive=dt.timedelta(0), now=now) is None


def _eta_field(html: str, appointment_id: int) -> str:
    return re.search(rf'name="eta" id="eta-{appointment_id}" value="([^"]+)"', html).group(1)


def test_my_day_leaving_now_default_is_accepted_for_a_later_visit(client, dispatcher, tech, reg):
    now = timezone.localtime()
    start = (now + dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    sr = held(dispatcher, tech, reg)
    appt = book(dispatcher, sr, start, start + dt.timedelta(hours=2))
    client.force_login(tech)
    html = client.get(reverse("dispatch:my_day") + f"?day={local_day(start)}").content.decode()
    eta = _eta_field(html, appt.pk)
    assert eta == timezone.localtime(start).strftime("%Y-%m-%dT%H:%M")  # the window's start, not "now"
    r = committed(client.post)(
        reverse("dispatch:appointment_depart", args=[appt.pk]), {"eta": eta, "reason": ""}, follow=True
    )
    assert "Have a safe trip" in r.content.decode()
    appt.refresh_from_db()
    assert appt.departed_at is not None and appt.eta == start


def test_my_day_leaving_now_for_a_missed_window_asks_the_reason_up_front(client, dispatcher, tech, reg):
    now = timezone.localtime()
    sr = held(dispatcher, tech, reg)
    appt = book(dispatcher, sr, now - dt.timedelta(hours=3), now - dt.timedelta(hours=1))
    client.force_login(tech)
    html = client.get(reverse("dispatch:my_day") + f"?day={local_day(appt.window_start)}").content.decode()
    eta = _eta_field(html, appt.pk)
    assert "You will arrive after the window" in html and 'name="reason" maxlength="2000" required' in html
    r = committed(client.post)(
        reverse("dispatch:appointment_depart", args=[appt.pk]), {"eta": eta, "reason": "堵车"}, follow=True
    )
    assert "Have a safe trip" in r.content.decode()
    assert Appointment.objects.get(request=sr, status="confirmed").departed_at is not None


def test_my_day_visit_beyond_the_horizon_offers_no_departure(client, dispatcher, tech, reg):
    day = local_day() + dt.timedelta(days=2)
    appt = book(dispatcher, held(dispatcher, tech, reg), at(day, 10), at(day, 12))
    client.force_login(tech)
    html = client.get(reverse("dispatch:my_day") + f"?day={day}").content.decode()
    assert f'id="eta-{appt.pk}"' not in html and "You can leave for this visit on" in html


# --- My day's sections -------------------------------------------------------------------------------------


def test_my_day_route_in_order_offers_apart_and_the_rest_with_what_he_needs(client, dispatcher, tech, reg):
    day = local_day() + dt.timedelta(days=1)
    later = held(dispatcher, tech, reg, priority=Priority.HIGH)
    book(dispatcher, later, at(day, 14), at(day, 16))
    earlier = held(dispatcher, tech, reg)
    book(dispatcher, earlier, at(day, 9), at(day, 11))
    offered = held(dispatcher, tech, reg, accept=False)
    mine = my_day_for(tech, day)
    assert [v.request for v in mine.route] == [earlier, later]
    assert [o.request for o in mine.offers] == [offered]
    assert offered not in [j for j in mine.others]

    today = local_day()
    to_book = held(dispatcher, tech, reg, priority=Priority.URGENT)  # counts on today, nothing booked
    client.force_login(tech)
    html = client.get(reverse("dispatch:my_day") + f"?day={day}").content.decode()
    route = html.split('id="route"')[1].split("</section>")[0]
    assert route.index(earlier.number) < route.index(later.number)
    assert "09:00–11:00" in route and "14:00–16:00" in route and "测试路" in route
    assert "High" in route and 'data-status="scheduled"' in route
    offers = html.split('id="offers"')[1].split("</section>")[0]
    assert offered.number in offers and offered.number not in route

    html = client.get(reverse("dispatch:my_day") + f"?day={today}").content.decode()
    others = html.split('id="others"')[1].split("</section>")[0]
    item = others.split(f'data-request="{to_book.pk}"')[1].split("</li>")[0]
    assert to_book.number in item and "to book" in item and "Urgent" in item and "测试路" in item
    assert offered.number not in others


def test_my_day_is_for_technicians_only(client, dispatcher, agent, make_user):
    for user in (dispatcher, agent):
        client.force_login(user)
        assert client.get(reverse("dispatch:my_day")).status_code == 403
    # a technician without a profile sees the page with a note, not an error
    client.force_login(make_user(Role.TECHNICIAN))
    r = client.get(reverse("dispatch:my_day"))
    assert r.status_code == 200 and "no dispatch profile" in r.content.decode()
