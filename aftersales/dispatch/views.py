"""Dispatch pages: the dispatcher board, suggestions, assignment, day plans, the technician's "My day",
appointments on the request page, and technician profiles. Thin: check input and permission, call one service."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from aftersales.accounts.choices import Role
from aftersales.accounts.selectors import user_list_with_role
from aftersales.core.errors import DomainError, NotFoundError
from aftersales.core.forms import domain_error_text, form_action, form_add_domain_error
from aftersales.core.permissions import roles_required
from aftersales.core.ranges import parse_id
from aftersales.tickets.selectors import request_get_for

from . import rebalance, routes, services
from .choices import DispatchMode
from .conf import conf
from .forms import (
    AbsenceForm,
    AppointmentForm,
    AssignForm,
    DepartForm,
    MoveForm,
    PolicyForm,
    ProfileForm,
    ReasonForm,
    RebalanceApplyForm,
    skills_text,
)
from .permissions import (
    BOOKING_ROLES,
    CREW_ROLES,
    DISPATCH_ROLES,
    POLICY_EDIT_ROLES,
    TECHNICIAN_ROLES,
    is_dispatcher,
    policy_can_edit,
)
from .selectors import (
    appointment_get_for,
    board_days,
    board_points,
    booking_window_default,
    local_day,
    my_day_for,
    partner_organizations,
    policy_default,
    policy_list_for,
    pool_claim_target,
    pool_for,
    profile_list_for,
    profile_of,
    suggestions_for,
    technicians_editable_for,
    unassigned_jobs,
)
from .slots import SUGGESTIONS, TECHNICIAN_SIDE

# The board's day axis: at least this span; widened to every shift and visit shown.
DAY_START_HOUR, DAY_END_HOUR = 8, 18


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


def _next(request, default: str):
    return redirect(_next_url(request, default))


def _day_param(request) -> dt.date:
    raw = request.GET.get("day") or ""
    try:
        day = dt.date.fromisoformat(raw) if raw else local_day()
    except ValueError:
        day = local_day()
    if not dt.date(2000, 1, 1) <= day <= dt.date(2999, 12, 31):
        day = local_day()
    return day


def _axis(days, day: dt.date) -> tuple[int, int]:
    """First and last hour of the day axis: the technicians' shifts and the visits shown, at least 8–18."""
    first, last = DAY_START_HOUR, DAY_END_HOUR
    for d in days:
        first = min(first, d.profile.shift_start.hour)
        last = max(last, d.profile.shift_end.hour + (1 if d.profile.shift_end.minute else 0))
        for v in d.visits:
            start = v.start - dt.timedelta(seconds=v.stop.travel_seconds if v.stop else 0)
            start, end = timezone.localtime(start), timezone.localtime(v.end)
            if start.date() == day:
                first = min(first, start.hour)
            last = 24 if end.date() > day else max(last, end.hour + (1 if end.minute else 0))
    return first, last


def _pct(moment, day: dt.date, axis: tuple[int, int]) -> float:
    first, last = axis
    local = timezone.localtime(moment)
    hours = (local.date() - day).days * 24 + local.hour + local.minute / 60
    return round(min(100.0, max(0.0, (hours - first) / (last - first) * 100)), 2)


def _timeline(techday, day, axis):
    """Bars on the day axis as left/width percentages: the drive and the work of each planned stop, a visit
    booked but not planned yet at its agreed window, a visit made off the plan at its window, and the break."""
    blocks = []
    for visit in techday.visits:
        stop = visit.stop
        if stop is not None:
            travel_start = stop.arrival - dt.timedelta(seconds=stop.travel_seconds)
            left = _pct(travel_start, day, axis)
            blocks.append({"kind": "travel", "left": left, "width": max(0.3, _pct(stop.arrival, day, axis) - left)})
        left = _pct(visit.start, day, axis)
        blocks.append(
            {
                "kind": "work" if stop is not None else "done" if visit.visited else "booked",
                "left": left,
                "width": max(0.8, _pct(visit.end, day, axis) - left),
                "visit": visit,
                "priority": visit.request.priority,
            }
        )
    plan = techday.plan
    if plan is not None and plan.break_start and plan.break_end:
        left = _pct(plan.break_start, day, axis)
        blocks.append({"kind": "break", "left": left, "width": max(0.5, _pct(plan.break_end, day, axis) - left)})
    return blocks


def _map_tiles() -> dict | None:
    """The tile map's configuration (settings ``DISPATCH_MAP_TILES``/``DISPATCH_MAP_ATTRIBUTION``); None: offline schematic."""
    url = conf.map_tiles
    if not url:
        return None
    return {"url": url, "attribution": conf.map_attribution}


@require_GET
@roles_required(DISPATCH_ROLES)
def board(request):
    day = _day_param(request)
    days = board_days(day)
    jobs = unassigned_jobs()
    points = board_points(jobs, days)
    axis = _axis(days, day)
    rows = [{"day": d, "blocks": _timeline(d, day, axis)} for d in days]
    first, last = axis
    context = {
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "jobs": jobs,
        "rows": rows,
        "hours": [{"h": h, "left": round((h - first) / (last - first) * 100, 2)} for h in range(first, last + 1)],
        "points": points,
        "is_today": day == local_day(),
        "selected": str(parse_id(request.GET.get("job")) or ""),
        "map_tiles": _map_tiles(),
    }
    return render(request, "dispatch/board.html", context)


@require_GET
@roles_required(CREW_ROLES)
def suggestions_panel(request, pk: int):
    """The suggestions fragment (board side panel and the request page)."""
    sr = request_get_for(request.user, pk=pk)
    ranked = suggestions_for(request.user, sr)
    from .selectors import active_offer

    context = {
        "sr": sr,
        "suggestions": ranked,
        "sections": SUGGESTIONS.render(request, sr, ranked),
        "offer": active_offer(sr),
        "partners": list(partner_organizations()) if is_dispatcher(request.user) else [],
        "next": request.GET.get("next") or "",
    }
    return render(request, "dispatch/_suggestions.html", context)


@require_POST
@roles_required(CREW_ROLES)
def assign(request, pk: int):
    """Click-to-assign (a plain form post, answered with a redirect) and drag-and-drop on the board (htmx: a
    failure, such as the reason a choice other than the top suggestion needs, comes back as a fragment for the
    side panel with the service's message and, when a reason is what is missing, a field to give it)."""
    sr = request_get_for(request.user, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _assign_fragment(request, sr, None, _("Choose a technician or a service partner."), status=400)
        messages.error(request, _("Choose a technician or a service partner."))
        return _next(request, "dispatch:board")
    data = form.cleaned_data
    technician = organization = None
    if data["technician"]:
        technician = user_list_with_role(Role.TECHNICIAN).filter(pk=data["technician"]).first()
    if data["organization"]:
        organization = partner_organizations().filter(pk=data["organization"]).first()
    try:
        services.dispatch_assign(
            actor=request.user,
            request=sr,
            technician=technician,
            organization=organization,
            reason=data["reason"],
            reassign=data["reassign"],
        )
    except DomainError as exc:
        if request.htmx:
            status = exc.status if exc.status in (403, 404) else 400
            return _assign_fragment(
                request, sr, technician, domain_error_text(exc), needs_reason="reason" in exc.fields, status=status
            )
        messages.error(request, domain_error_text(exc))
    else:
        who = technician.display_name if technician else str(organization)
        messages.success(request, _("%(number)s offered to %(who)s.") % {"number": sr.number, "who": who})
        if request.htmx:
            return HttpResponseClientRedirect(_next_url(request, "dispatch:board"))
    return _next(request, "dispatch:board")


def _assign_fragment(request, sr, technician, error: str, *, needs_reason: bool = False, status: int = 400):
    context = {
        "sr": sr,
        "technician": technician,
        "error": error,
        "needs_reason": needs_reason and technician is not None,
        "reassign": request.POST.get("reassign") or "",
        "next": _next_url(request, "dispatch:board"),
    }
    return render(request, "dispatch/_assign_reason.html", context, status=status)


@require_POST
@roles_required(DISPATCH_ROLES)
def optimise(request, technician_id: int):
    """Re-plan one technician's day (the board's button): dispatch roles only, like the board."""
    user = request.user
    profile = profile_list_for(user).filter(user_id=technician_id).first()
    if profile is None:
        raise Http404
    day = _day_param(request)
    try:
        result = routes.route_plan_build(actor=user, technician=profile.user, day=day)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(
            request,
            _("Plan of %(name)s: %(n)d visits, %(km).1f km.")
            % {
                "name": profile.user.display_name,
                "n": result.plan.stops.count(),
                "km": result.plan.travel_metres / 1000,
            },
        )
    return _next(request, "dispatch:board")


@require_POST
@roles_required(DISPATCH_ROLES)
def optimise_all(request):
    day = _day_param(request)
    from .tasks import route_replan_all_task

    route_replan_all_task(day.isoformat(), request.user.pk)
    messages.success(request, _("Every technician's plan for %(day)s is being re-optimised.") % {"day": day})
    return _next(request, "dispatch:board")


# --- re-optimising the day across technicians ----------------------------------------------------


@require_GET
@roles_required(DISPATCH_ROLES)
def rebalance_view(request):
    """Preview: which jobs a day-level re-optimisation would move, from whom to whom, and the travel saved."""
    user = request.user
    day = _day_param(request)
    preview = None
    try:
        preview = rebalance.rebalance_preview(actor=user, day=day)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    context = {
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "preview": preview,
        "form_moves": [f"{m.request.pk}:{m.from_id}:{m.to_id}" for m in preview.moves] if preview else [],
        "form_routes": [f"{t}:{','.join(map(str, ids))}" for t, ids in preview.routes.items()] if preview else [],
    }
    return render(request, "dispatch/rebalance.html", context)


@require_POST
@roles_required(DISPATCH_ROLES)
def rebalance_apply_view(request):
    user = request.user
    day = _day_param(request)
    back = f"{reverse('dispatch:rebalance')}?day={day.isoformat()}"
    form = RebalanceApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        result = rebalance.rebalance_apply(
            actor=user, day=day, moves=form.cleaned_data["move"], routes=dict(form.cleaned_data["route"])
        )
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
        return redirect(back)
    n = len(result.moved)
    messages.success(
        request,
        ngettext(
            "%(n)d job moved to another technician, who is asked to accept it; the plans are stored.",
            "%(n)d jobs moved to other technicians, who are asked to accept them; the plans are stored.",
            n,
        )
        % {"n": n},
    )
    return redirect(f"{reverse('dispatch:board')}?day={day.isoformat()}")


# --- the technician's day ----------------------------------------------------------------------


@require_GET
@roles_required(TECHNICIAN_ROLES)
def my_day_view(request):
    user = request.user
    day = _day_param(request)
    mine = my_day_for(user, day)
    context = {
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "techday": mine.techday,
        "route": mine.route,
        "others": mine.others,
        "offers": mine.offers,
        "is_today": day == local_day(),
        "pool": pool_for(user),
        "profile": mine.techday.profile if mine.techday else profile_of(user),
    }
    return render(request, "dispatch/my_day.html", context)


@require_POST
@roles_required(TECHNICIAN_ROLES)
def offer_answer(request, pk: int, answer: str):
    sr = request_get_for(request.user, pk=pk)
    try:
        if answer == "accept":
            services.offer_accept(actor=request.user, request=sr)
            messages.success(request, _("You accepted %(number)s.") % {"number": sr.number})
        else:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give a reason to decline."))
                return _next(request, "dispatch:my_day")
            services.offer_decline(actor=request.user, request=sr, reason=form.cleaned_data["reason"])
            messages.success(request, _("You declined %(number)s.") % {"number": sr.number})
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    return _next(request, "dispatch:my_day")


@require_POST
@roles_required(TECHNICIAN_ROLES)
def claim(request, pk: int):
    sr = pool_claim_target(request.user, pk)
    try:
        services.pool_claim(actor=request.user, request=sr)
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(request, _("%(number)s is yours.") % {"number": sr.number})
    return redirect("dispatch:my_day")


def _form_action(request, form, *, invalid: str, run, done: str, fallback: str):
    """``core.forms.form_action``, going back to where the user came from (else to ``fallback``)."""
    return form_action(request, form, invalid=invalid, run=run, done=done, back=lambda: _next(request, fallback))


# --- appointments --------------------------------------------------------------------------------


@require_POST
@roles_required(BOOKING_ROLES)
def appointment_create_view(request, pk: int):
    sr = request_get_for(request.user, pk=pk)
    form = AppointmentForm(request.POST)

    def back():
        if request.POST.get("from") == "board" and form.is_valid():
            # Booked from the board: its day of the visit, where the visit now is on the technician's timeline.
            day = local_day(form.cleaned_data["window_start"])
            return redirect(f"{reverse('dispatch:board')}?day={day.isoformat()}")
        return _next(request, "tickets:queue")

    return form_action(
        request,
        form,
        invalid=_("Give the start and the end of the window."),
        run=lambda data: services.appointment_create(actor=request.user, request=sr, **data),
        done=_("Visit booked; the customer is told."),
        back=back,
    )


@require_GET
@roles_required(CREW_ROLES)
def book_panel(request, pk: int):
    """The board's side panel: book a visit for a job a technician holds (posts to ``appointment_create``)."""
    sr = request_get_for(request.user, pk=pk)
    day = _day_param(request)
    start, end = booking_window_default(sr, day)
    context = {"sr": sr, "day": day, "window_start": start, "window_end": end}
    return render(request, "dispatch/_book.html", context)


@require_POST
@login_required
def appointment_move_view(request, pk: int):
    appt = appointment_get_for(request.user, pk)
    return _form_action(
        request,
        MoveForm(request.POST),
        invalid=_("A move needs the new window, a reason and who asked."),
        run=lambda data: services.appointment_move(actor=request.user, appointment=appt, **data),
        done=_("Visit moved; the customer is told."),
        fallback="tickets:queue",
    )


@require_POST
@roles_required(TECHNICIAN_ROLES)
def appointment_depart_view(request, pk: int):
    appt = appointment_get_for(request.user, pk)
    return _form_action(
        request,
        DepartForm(request.POST),
        invalid=_("Give the expected arrival time."),
        run=lambda data: services.appointment_depart(actor=request.user, appointment=appt, **data),
        done=_("Have a safe trip; the customer is told when you will arrive."),
        fallback="dispatch:my_day",
    )


# --- technicians ------------------------------------------------------------------------------------


@require_GET
@roles_required(CREW_ROLES)
def technicians(request):
    user = request.user
    profiles = {p.user_id: p for p in profile_list_for(user).prefetch_related("skills__category", "regions")}
    people = [
        (u, profiles.get(u.pk))
        for u in technicians_editable_for(user).order_by("organization__name", "last_name", "id")
    ]
    return render(request, "dispatch/technicians.html", {"people": people})


@require_http_methods(["GET", "POST"])
@roles_required(CREW_ROLES)
def technician_edit(request, technician_id: int):
    user = request.user
    technician = technicians_editable_for(user).filter(pk=technician_id).first()
    if technician is None:
        raise Http404
    profile = profile_of(technician)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            skills, regions = data.pop("skills"), list(data.pop("regions"))
            try:
                services.profile_save(actor=user, technician=technician, skills=skills, regions=regions, **data)
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Profile of %(name)s saved.") % {"name": technician.display_name})
                return redirect("dispatch:technician_edit", technician_id=technician.pk)
    else:
        initial = {"rating": 4, "capacity_jobs": 6, "break_minutes": 60, "is_dispatchable": True}
        if profile is not None:
            initial = {f: getattr(profile, f) for f in services.PROFILE_FIELDS}
            initial["regions"] = list(profile.regions.all())
            initial["skills"] = skills_text(profile)
        else:
            initial.update(shift_start="08:30", shift_end="17:30", break_earliest="11:30", break_latest="14:00")
        form = ProfileForm(initial=initial)
    absences = list(profile.absences.all()) if profile else []
    return render(
        request,
        "dispatch/technician_edit.html",
        {
            "technician": technician,
            "profile": profile,
            "skills": list(profile.skills.select_related("category")) if profile else [],
            "form": form,
            "absences": absences,
            "absence_form": AbsenceForm(),
            "side_panels": TECHNICIAN_SIDE.render(request, technician),
        },
    )


@require_POST
@roles_required(CREW_ROLES)
def absence_add_view(request, technician_id: int):
    technician = technicians_editable_for(request.user).filter(pk=technician_id).first()
    profile = profile_of(technician) if technician else None
    if profile is None:
        raise Http404
    form = AbsenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the first and last day and a reason."))
    else:
        try:
            services.absence_add(actor=request.user, profile=profile, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, domain_error_text(exc))
        else:
            messages.success(request, _("Absence recorded."))
    return redirect("dispatch:technician_edit", technician_id=technician_id)


# --- dispatch policies ---------------------------------------------------------------------------


@require_GET
@roles_required(DISPATCH_ROLES)
def policies(request):
    user = request.user
    return render(
        request,
        "dispatch/policies.html",
        {
            "policies": list(policy_list_for(user)),
            "can_edit": policy_can_edit(user),
            "default": policy_default(),
            "default_mode": DispatchMode(policy_default().mode).label,
        },
    )


def _policy_form_page(request, form, policy=None, status=200):
    return render(request, "dispatch/policy_form.html", {"form": form, "policy": policy}, status=status)


@require_http_methods(["GET", "POST"])
@roles_required(POLICY_EDIT_ROLES)
def policy_create_view(request):
    if request.method == "GET":
        return _policy_form_page(request, PolicyForm(initial={"mode": "suggest", "accept_minutes": 30}))
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.policy_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Dispatch policy saved."))
            return redirect("dispatch:policies")
    return _policy_form_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@roles_required(POLICY_EDIT_ROLES)
def policy_edit_view(request, pk: int):
    policy = policy_list_for(request.user).filter(pk=pk).first()
    if policy is None:
        raise Http404
    if request.method == "GET":
        initial = {f: getattr(policy, f) for f in services.POLICY_FIELDS}
        return _policy_form_page(request, PolicyForm(initial=initial), policy)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.policy_update(actor=request.user, policy=policy, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Dispatch policy saved."))
            return redirect("dispatch:policies")
    return _policy_form_page(request, form, policy, status=400)


@require_POST
@roles_required(POLICY_EDIT_ROLES)
def policy_delete_view(request, pk: int):
    policy = policy_list_for(request.user).filter(pk=pk).first()
    if policy is None:
        raise Http404
    try:
        services.policy_delete(actor=request.user, policy=policy)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(request, _("Dispatch policy deleted."))
    return redirect("dispatch:policies")
