"""Demo dispatch data (see ``core.demos``).

- ``demo_reference``: technician profiles (skills, the regions each serves, home bases in their region)
  for the demo technicians "tech" and "partnertech" and the others created here — one or two per city,
  the partner's technicians only in the partner's city (Suzhou), nobody in the remote regions — and a
  dispatch policy per mode. Leaves ``ctx.data["coverage"]``: {region code: [technician User]}, so the
  requests below are given only to a technician who serves their region.
- ``demo_load``: the technicians' booked visits relative to now: today's and tomorrow's windows for the
  accepted demo jobs (``ctx.data["to_book"]`` from ``tickets.demo``), the oldest today, the newest
  tomorrow, then each day's route, planned in the morning (today) and now (tomorrow).
- ``demo_finish``: the appointments of the history (``demo_history_visits``): each visit the requests'
  timelines scheduled, visited in a window around its start, so a finished job's card shows its visit.

Demo only: the passwords are public.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.accounts.demo import DEMO_PASSWORD, OWN_ORG, PARTNER_ORG
from aftersales.accounts.models import Organization, User
from aftersales.accounts.services import user_create
from aftersales.catalog.demo import CATEGORIES
from aftersales.catalog.models import ProductCategory
from aftersales.customers.demo import REGIONS
from aftersales.customers.models import Region
from aftersales.tickets.choices import ServiceType

from .choices import DispatchMode
from .models import DispatchPolicy, TechnicianProfile
from .services import policy_create, profile_save

DEMO_ORDER = 60

# The demo technicians: username, organization, last name, first name, region codes served (first = home
# region). "tech" and "partnertech" are logins of ``accounts.demo``; the others are created here. Remote
# regions have no technician of their own (their requests are answered remotely or wait for a partner).
TECHNICIANS = [
    ("tech", OWN_ORG, None, None, ["SH-PD", "SH-XH"]),
    ("tech2", OWN_ORG, "李", "师傅", ["SH-XH", "SH-MH"]),
    ("tech3", OWN_ORG, "王", "师傅", ["SH-MH", "SH-PD"]),
    ("tech4", OWN_ORG, "刘", "师傅", ["BJ-CY", "BJ-HD"]),
    ("tech5", OWN_ORG, "黄", "师傅", ["GZ-TH"]),
    ("tech6", OWN_ORG, "何", "师傅", ["SZ-NS"]),
    ("tech7", OWN_ORG, "徐", "师傅", ["HZ-XH"]),
    ("tech8", OWN_ORG, "罗", "师傅", ["CD-WH"]),
    ("partnertech", PARTNER_ORG, None, None, ["SZ-SIP"]),
    ("partnertech2", PARTNER_ORG, "郑", "师傅", ["SZ-SIP"]),
]
EXTRA_TECHNICIANS = [row for row in TECHNICIANS if row[2] is not None]
FIELD_TYPES = [ServiceType.INSTALLATION, ServiceType.REPAIR, ServiceType.MAINTENANCE, ServiceType.RETURN_EXCHANGE]


def _region_coords() -> dict[str, tuple[float, float]]:
    return {row[0]: (row[6], row[7]) for row in REGIONS}


def demo_dispatch(*, rng: random.Random) -> list[TechnicianProfile]:
    """Profiles for every demo technician (idempotent: existing profiles are updated)."""
    with transaction.atomic():
        admin = User.objects.filter(username="admin").first()
        orgs = {o.name: o for o in Organization.objects.filter(name__in=[OWN_ORG, PARTNER_ORG])}
        regions = {r.code: r for r in Region.objects.filter(code__in=[row[0] for row in REGIONS])}
        if not regions:
            return []
        codes = sorted(regions)
        coords = _region_coords()
        categories = list(ProductCategory.objects.filter(code__in=[c[0] for c in CATEGORIES]).order_by("code"))
        profiles = []
        for username, org_name, last, first, served in TECHNICIANS:
            user = User.objects.filter(username=username).first()
            if user is None:
                if last is None or org_name not in orgs:
                    continue
                user = user_create(
                    actor=admin,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=Role.TECHNICIAN,
                    organization=orgs[org_name],
                    last_name=last,
                    first_name=first,
                    email=f"{username}@demo.aftersales.local",
                )
            served = [c for c in (served or rng.sample(codes, k=min(2, len(codes)))) if c in regions] or [codes[0]]
            lat, lng = coords.get(served[0], (31.23, 121.47))
            skills = []
            for st in FIELD_TYPES:
                if rng.random() < 0.85:
                    skills.append((None, st, rng.choice([1, 2, 2, 3])))
            for cat in rng.sample(categories, k=min(3, len(categories))):
                skills.append((cat, ServiceType.REPAIR, 3))
            if not any(st == ServiceType.REPAIR and cat is None for cat, st, _ in skills):
                skills.append((None, ServiceType.REPAIR, 1))
            profiles.append(
                profile_save(
                    actor=admin,
                    technician=user,
                    home_label=f"{served[0]} 服务站",
                    home_latitude=Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}"),
                    home_longitude=Decimal(f"{lng + rng.uniform(-0.03, 0.03):.6f}"),
                    shift_start=dt.time(8, 30),
                    shift_end=dt.time(17, 30),
                    capacity_jobs=rng.choice([7, 8]),
                    rating=Decimal(f"{rng.uniform(3.6, 4.9):.2f}"),
                    skills=skills,
                    regions=[regions[c] for c in served],
                )
            )
        # One policy per mode so each can be tried: a default, and region/type specifics.
        if not DispatchPolicy.objects.exists():
            policy_create(actor=admin, mode=DispatchMode.SUGGEST, accept_minutes=30)
            policy_create(
                actor=admin, region=regions[codes[0]], service_type=ServiceType.INSTALLATION, mode=DispatchMode.AUTO
            )
            policy_create(
                actor=admin, region=regions[codes[-1]], service_type=ServiceType.MAINTENANCE, mode=DispatchMode.POOL
            )
        return profiles


def demo_reference(ctx) -> None:
    """The technicians' profiles (idempotent) and who serves which region (not in scale mode: the bulk
    generator gives its jobs to the two demo technicians, see ``tickets.demo_bulk``)."""
    if ctx.scale is not None:
        return
    profiles = demo_dispatch(rng=ctx.rng("dispatch"))
    coverage: dict[str, list[User]] = {}
    for profile in profiles:
        for region in profile.regions.order_by("code"):
            coverage.setdefault(region.code, []).append(profile.user)
    ctx.data["coverage"] = coverage
    ctx.data["technicians"] = [p.user for p in profiles]


# --- the booked visits of today and tomorrow ---------------------------------------------------

# Visit windows of a working day (local time), inside the technicians' shift (08:30–17:30).
WINDOWS = [(dt.time(9), dt.time(11)), (dt.time(11), dt.time(13)), (dt.time(13, 30), dt.time(15, 30)),
           (dt.time(15), dt.time(17))]  # fmt: skip
TODAY_VISITS = 3
BOOKED_AHEAD = dt.timedelta(hours=1)
ROUTE_SECONDS = 0.3  # a day of three or four visits is solved at once; the demo must stay fast


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, time))


def demo_visits_book(*, rng: random.Random, to_book: list, now: dt.datetime) -> dict:
    """Book each accepted job of ``to_book`` into a window of today or tomorrow (per technician: the three
    oldest today, in window order, the newest tomorrow), then plan both days' routes."""
    from django.utils import timezone

    from .routes import route_plan_build
    from .services import appointment_create

    today = timezone.localdate(now)
    days = (today, today + dt.timedelta(days=1))
    by_technician: dict[int, list] = {}
    for request in to_book:
        by_technician.setdefault(request.assigned_technician_id, []).append(request)
    booked = 0
    for jobs in by_technician.values():
        jobs.sort(key=lambda r: (r.created_at, r.pk))
        # Three visits booked today (the late afternoon stays for urgent work), the rest tomorrow.
        split = min(TODAY_VISITS, len(jobs) // 2)
        # A visit of today was agreed at least an hour before its window (the technician sets off and
        # checks in then, so a job accepted later in the day goes to tomorrow).
        today_jobs: list = []
        later: list = []
        for request in jobs:
            slot = WINDOWS[len(today_jobs)][0] if len(today_jobs) < split else None
            if slot is not None and request.status_changed_at + BOOKED_AHEAD <= _at(today, slot):
                today_jobs.append(request)
            else:
                later.append(request)
        for day, chunk in ((days[0], today_jobs), (days[1], later[: len(WINDOWS)])):
            for (start, end), request in zip(WINDOWS, chunk, strict=False):
                asked = min(
                    request.status_changed_at + dt.timedelta(minutes=rng.randint(5, 40)),
                    now,
                    _at(day, start) - BOOKED_AHEAD + dt.timedelta(minutes=10),
                )
                appointment_create(
                    actor=request.assigned_technician,
                    request=request,
                    window_start=_at(day, start),
                    window_end=_at(day, end),
                    agreed_with=request.contact_name or request.customer.name,
                    now=asked,
                )
                booked += 1
    dispatcher = User.objects.filter(username="dispatcher").first()
    # Today's routes as planned in the morning, before the first visit; tomorrow's as planned now.
    morning = min(now, _at(today, dt.time(7, 30)))
    for technician_id in sorted(by_technician):
        technician = User.objects.get(pk=technician_id)
        route_plan_build(actor=dispatcher, technician=technician, day=days[0], seconds=ROUTE_SECONDS, now=morning)
        route_plan_build(actor=dispatcher, technician=technician, day=days[1], seconds=ROUTE_SECONDS, now=now)
    return {"booked": booked, "technicians": len(by_technician)}


# --- the visits of the history --------------------------------------------------------------

VISIT_WINDOW = dt.timedelta(hours=2)
PUT_OFF = "联系不上客户，上门另约时间"  # demo text (Chinese on purpose, as the requests' words)


def _half_hour(at: dt.datetime) -> dt.datetime:
    """``at`` rounded down to the half hour."""
    return at.replace(minute=at.minute - at.minute % 30, second=0, microsecond=0)


def demo_history_visits(*, rng: random.Random) -> int:
    """The appointments of the requests' history. ``tickets.demo`` walks "schedule visit" and "start
    service" on the requests themselves (the booking services book from now on and cannot write a
    past that the request has moved beyond), so each "schedule visit" gets its appointment here, as
    the record of what happened: agreed then, with the technician, a two-hour window around the
    "start service" that followed (visited), or cancelled when none followed (the customer could not be
    reached and waits for another date).
    Requests that have appointments already, or are still scheduled, are left alone."""
    from itertools import groupby

    from aftersales.tickets.choices import Action, Status
    from aftersales.tickets.models import ServiceRequestEvent

    from .choices import AppointmentStatus
    from .models import Appointment

    events = (
        ServiceRequestEvent.objects.filter(
            kind=ServiceRequestEvent.Kind.TRANSITION,
            action__in=[Action.SCHEDULE, Action.START],
            request__appointments__isnull=True,
        )
        .exclude(request__status=Status.SCHEDULED)
        .select_related("request__customer")
        .order_by("request_id", "at", "id")
    )
    rows = []
    for _request_id, steps in groupby(events, key=lambda e: e.request_id):
        steps = list(steps)
        for n, event in enumerate(steps):
            if event.action != Action.SCHEDULE:
                continue
            request = event.request
            started = steps[n + 1] if n + 1 < len(steps) and steps[n + 1].action == Action.START else None
            if started is not None:
                local = timezone.localtime(started.at)
                begin = _half_hour(local - dt.timedelta(minutes=rng.uniform(5, 80)))
                # Within the working day (08:00-18:00) when the start allows it.
                begin = min(max(begin, _at(local.date(), dt.time(8))), _at(local.date(), dt.time(16)))
                if begin < event.at or not begin <= started.at < begin + VISIT_WINDOW:  # agreed shortly before
                    latest = min(_half_hour(local), _at(local.date(), dt.time(16)))
                    begin = max(_half_hour(timezone.localtime(event.at)), latest)
                status, reason = AppointmentStatus.VISITED, ""
            else:
                next_day = timezone.localtime(event.at).date() + dt.timedelta(days=1)
                begin = _at(next_day, rng.choice(WINDOWS)[0])
                status, reason = AppointmentStatus.CANCELLED, PUT_OFF
            rows.append(
                Appointment(
                    request=request,
                    technician_id=started.actor_id if started is not None else request.assigned_technician_id,
                    window_start=begin,
                    window_end=begin + VISIT_WINDOW,
                    status=status,
                    reason=reason,
                    agreed_with=request.contact_name or request.customer.name,
                    created_by_id=event.actor_id,
                    created_at=event.at,
                    confirmed_at=event.at,
                )
            )
    Appointment.objects.bulk_create(rows)
    return len(rows)


def demo_load(ctx) -> None:
    from django.utils import timezone

    to_book = ctx.data.get("to_book") or []
    made = demo_visits_book(rng=ctx.rng("dispatch.visits"), to_book=to_book, now=timezone.now())
    ctx.log(f"{made['booked']} visits booked today and tomorrow for {made['technicians']} technicians")


def demo_finish(ctx) -> None:
    # After every app's load: the apps above walk requests through visits too (returns' repairs, feedback's
    # jobs completed lately).
    history = demo_history_visits(rng=ctx.rng("dispatch.history"))
    ctx.log(f"{history} appointments of the history")
