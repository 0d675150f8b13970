"""The service standards' settings pages (issue 11): rules, business calendars (weekly
hours, holidays, 调休 make-up working days) and the escalation matrix, each with a
preview of the deadlines it gives, computed by the SLA app's own functions.

Managers and administrators only (``permissions.SETTINGS_ROLES``). Thin: a form checks
the shape of the input, one service checks the rules and writes (audited; on a refusal
nothing is written and the page shows why, 400), a selector computes the preview.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.errors import DomainError
from aftersales.core.forms import domain_error_text, form_add_domain_error
from aftersales.core.permissions import roles_required

from . import services
from .escalation import escalation_schedule
from .forms import (
    CalendarDayForm,
    CalendarForm,
    CalendarPreviewForm,
    LevelForm,
    LevelPreviewForm,
    RuleForm,
    parse_shifts,
)
from .models import Calendar, CalendarDay, EscalationLevel, SlaPolicy, TargetKind
from .permissions import SETTINGS_ROLES
from .selectors import (
    calendar_days_ahead,
    calendar_deadlines,
    calendar_list,
    calendar_snapshot,
    escalation_levels,
    policy_list,
    rule_deadlines,
    snapshot_build,
)

settings_required = roles_required(SETTINGS_ROLES)


def _received(request) -> dt.datetime:
    return timezone.localtime(CalendarPreviewForm(request.GET or None).moment())


# --- rules ---------------------------------------------------------------------------


@require_GET
@settings_required
def rules(request):
    return render(request, "sla/settings/rules.html", {"rules": policy_list()})


def _rule_draft(form: RuleForm, policy: SlaPolicy | None) -> SlaPolicy:
    """An unsaved rule from what the form holds so far (invalid fields left as they were)."""
    draft = SlaPolicy(pk=policy.pk if policy else None)
    if policy is not None:
        for field in services.standards.POLICY_FIELDS:
            setattr(draft, field, getattr(policy, field))
    if not form.is_bound:
        return draft
    form.is_valid()
    cleaned = form.cleaned_data
    if "calendar" in cleaned:
        draft.calendar = cleaned["calendar"]
    if "warning_percent" in cleaned:
        draft.warning_percent = cleaned["warning_percent"]
    for kind in TargetKind.values:
        if kind in cleaned:
            setattr(draft, kind, cleaned[kind])
        if f"{kind}_business" in cleaned:
            setattr(draft, f"{kind}_business", cleaned[f"{kind}_business"])
    return draft


def _rule_preview_context(form, policy, received) -> dict:
    draft = _rule_draft(form, policy)
    return {"preview_rows": rule_deadlines(draft, received_at=received), "received": received}


def _rule_page(request, form, policy, *, status=200):
    received = _received(request)
    context = {"form": form, "policy": policy, **_rule_preview_context(form, policy, received)}
    return render(request, "sla/settings/rule_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@settings_required
def rule_create(request):
    if request.method == "GET":
        return _rule_page(request, RuleForm(), None)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **form.data_for_service())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": policy.display_name})
            return redirect("sla:rules")
    return _rule_page(request, form, None, status=400)


@require_http_methods(["GET", "POST"])
@settings_required
def rule_edit(request, pk: int):
    policy = get_object_or_404(SlaPolicy.objects.select_related("calendar", "product_category"), pk=pk)
    if request.method == "GET":
        return _rule_page(request, RuleForm(initial=RuleForm.initial_for(policy)), policy)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            policy = services.policy_update(actor=request.user, policy=policy, **form.data_for_service())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": policy.display_name})
            return redirect("sla:rules")
    return _rule_page(request, form, policy, status=400)


@require_GET
@settings_required
def rule_preview(request):
    """The preview panel for the rule form as it stands (htmx, on every change)."""
    policy = None
    if pk := request.GET.get("rule"):
        policy = SlaPolicy.objects.filter(pk=pk).first() if pk.isdigit() and len(pk) < 19 else None
    form = RuleForm(request.GET)
    received = _received(request)
    return render(request, "sla/settings/_rule_preview.html", _rule_preview_context(form, policy, received))


@require_POST
@settings_required
def rule_active(request, pk: int):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        messages.error(request, _("Say whether the rule is to be active."))
        return redirect("sla:rules")
    try:
        services.policy_set_active(actor=request.user, policy=policy, active=active == "1")
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        text = _("Rule “%(name)s” is active again.") if active == "1" else _("Rule “%(name)s” deactivated.")
        messages.success(request, text % {"name": policy.display_name})
    return redirect("sla:rules")


# --- calendars -----------------------------------------------------------------------


@require_GET
@settings_required
def calendars(request):
    return render(request, "sla/settings/calendars.html", {"calendars": calendar_list()})


def _calendar_draft(form: CalendarForm, calendar: Calendar | None):
    """The calendar as the form holds it (unsaved), in memory; None when its hours cannot
    be read yet. A new calendar has no days of its own."""
    if not form.is_bound:
        if calendar is not None:
            return calendar_snapshot(calendar)
        weekly = {day: parse_shifts(form.initial.get(f"weekday_{day}", "")) for day in range(7)}
        return snapshot_build(Calendar(time_zone="Asia/Shanghai"), weekly=weekly, days=[])
    form.is_valid()
    cleaned = form.cleaned_data
    weekly = {day: cleaned.get(f"weekday_{day}", []) for day in range(7)}
    fields = {k: cleaned[k] for k in ("is_24x7", "make_up_weekday") if k in cleaned}
    zone = cleaned.get("time_zone") or ""
    try:
        ZoneInfo(zone)
        fields["time_zone"] = zone
    except (ZoneInfoNotFoundError, ValueError):
        pass
    base = calendar or Calendar(time_zone="Asia/Shanghai")
    try:
        return snapshot_build(base, weekly=weekly, days=[] if calendar is None else None, **fields)
    except ValueError:  # a shift that ends before it starts: the form says so
        return None


def _calendar_preview_context(form, calendar, received) -> dict:
    snapshot = _calendar_draft(form, calendar)
    if snapshot is None:
        return {"deadlines": [], "days_ahead": [], "received": received}
    return {
        "deadlines": calendar_deadlines(calendar, snapshot, received_at=received),
        "days_ahead": calendar_days_ahead(snapshot, calendar, start=received.date()),
        "received": received,
    }


def _year(request) -> int:
    value = request.GET.get("year") or ""
    year = int(value) if value.isdigit() and len(value) == 4 else timezone.localdate().year
    return min(max(year, 1900), 2100)


def _calendar_page(request, form, calendar, *, day_form=None, status=200):
    received = _received(request)
    year = _year(request)
    days = []
    if calendar is not None:
        days = list(
            CalendarDay.objects.filter(calendar=calendar, date__year=year).prefetch_related("periods").order_by("date")
        )
    context = {
        "form": form,
        "calendar": calendar,
        "day_form": day_form or CalendarDayForm(prefix="day"),
        "days": days,
        "year": year,
        "years": [year - 1, year, year + 1],
        **_calendar_preview_context(form, calendar, received),
    }
    return render(request, "sla/settings/calendar_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@settings_required
def calendar_create(request):
    if request.method == "GET":
        initial = {f"weekday_{d}": "09:00-12:00, 13:30-18:00" for d in range(5)}
        return _calendar_page(request, CalendarForm(initial=initial), None)
    form = CalendarForm(request.POST)
    if form.is_valid():
        try:
            calendar = services.calendar_create(actor=request.user, **form.data_for_service())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Calendar “%(name)s” saved.") % {"name": calendar.name})
            return redirect("sla:calendar_edit", pk=calendar.pk)
    return _calendar_page(request, form, None, status=400)


@require_http_methods(["GET", "POST"])
@settings_required
def calendar_edit(request, pk: int):
    calendar = get_object_or_404(Calendar.objects.prefetch_related("periods"), pk=pk)
    if request.method == "GET":
        return _calendar_page(request, CalendarForm(initial=CalendarForm.initial_for(calendar)), calendar)
    form = CalendarForm(request.POST)
    if form.is_valid():
        try:
            services.calendar_update(actor=request.user, calendar=calendar, **form.data_for_service())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Calendar “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return redirect("sla:calendar_edit", pk=calendar.pk)
    return _calendar_page(request, form, calendar, status=400)


@require_GET
@settings_required
def calendar_preview(request, pk: int):
    """The preview panel for the calendar form as it stands (htmx, on every change)."""
    calendar = get_object_or_404(Calendar.objects.prefetch_related("periods"), pk=pk)
    form = CalendarForm(request.GET) if "name" in request.GET else CalendarForm()
    received = _received(request)
    return render(request, "sla/settings/_calendar_preview.html", _calendar_preview_context(form, calendar, received))


@require_POST
@settings_required
def calendar_day_add(request, pk: int):
    calendar = get_object_or_404(Calendar.objects.prefetch_related("periods"), pk=pk)
    day_form = CalendarDayForm(request.POST, prefix="day")
    if day_form.is_valid():
        data = day_form.cleaned_data
        try:
            day = services.calendar_day_save(actor=request.user, calendar=calendar, **data)
        except DomainError as exc:
            form_add_domain_error(day_form, exc)
        else:
            messages.success(
                request,
                _("%(date)s is now: %(kind)s.") % {"date": f"{day.date:%Y-%m-%d}", "kind": day.get_kind_display()},
            )
            url = reverse("sla:calendar_edit", args=[calendar.pk])
            return redirect(f"{url}?year={day.date.year}#days")
    form = CalendarForm(initial=CalendarForm.initial_for(calendar))
    return _calendar_page(request, form, calendar, day_form=day_form, status=400)


@require_POST
@settings_required
def calendar_day_delete(request, pk: int, day_pk: int):
    day = get_object_or_404(CalendarDay, pk=day_pk, calendar_id=pk)
    year = day.date.year
    try:
        services.calendar_day_delete(actor=request.user, day=day)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(request, _("%(date)s follows the weekly hours again.") % {"date": f"{day.date:%Y-%m-%d}"})
    return redirect(f"{reverse('sla:calendar_edit', args=[pk])}?year={year}#days")


# --- the escalation matrix -----------------------------------------------------------


def _schedule_context(request, rows: list[EscalationLevel], *, kind: str | None = None) -> dict:
    """When the levels would act for a clock of a request received now (or then) on a rule."""
    form = LevelPreviewForm(request.GET or None, prefix="preview")
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    kind = kind or cleaned.get("kind") or TargetKind.FIRST_RESPONSE
    rules_for_kind = [r for r in form.fields["rule"].queryset if getattr(r, kind) is not None]
    rule = cleaned.get("rule")
    if rule is None or getattr(rule, kind) is None:
        rule = rules_for_kind[-1] if rules_for_kind else None  # the broadest (tried last)
    received = timezone.localtime(cleaned.get("received_at") or timezone.now().replace(second=0, microsecond=0))
    deadline = None
    schedule = []
    if rule is not None:
        deadline = next((row for row in rule_deadlines(rule, received_at=received) if row.kind == kind), None)
        if deadline is not None and deadline.due_at is not None:
            schedule = escalation_schedule(rows, kind, due_at=deadline.due_at, warning_at=deadline.warning_at)
    return {
        "preview_form": form,
        "preview_kind": kind,
        "preview_kind_label": TargetKind(kind).label,
        "preview_rule": rule,
        "preview_rules": rules_for_kind,
        "deadline": deadline,
        "schedule": [(row, timezone.localtime(at) if at else None) for row, at in schedule],
        "received": received,
    }


@require_GET
@settings_required
def levels(request):
    rows = list(
        EscalationLevel.objects.select_related("reassign_technician", "reassign_organization", "act_as")
        .prefetch_related("notify_users")
        .order_by("kind", "level")
    )
    context = {"levels": rows, "targets": TargetKind.choices, **_schedule_context(request, rows)}
    return render(request, "sla/settings/levels.html", context)


def _level_draft(form: LevelForm, level: EscalationLevel | None) -> EscalationLevel | None:
    if not form.is_bound:
        return level
    form.is_valid()
    cleaned = form.cleaned_data
    if "level" not in cleaned:
        return level
    draft = EscalationLevel(pk=level.pk if level else None, name=cleaned.get("name") or "")
    draft.level = cleaned["level"]
    draft.kind = cleaned.get("kind") or ""
    draft.is_active = cleaned.get("is_active", True)
    draft.delay = cleaned.get("delay") or dt.timedelta(0)
    return draft


def _level_page(request, form, level, *, status=200):
    draft = _level_draft(form, level)
    rows = [row for row in escalation_levels() if level is None or row.pk != level.pk]
    if draft is not None:
        rows.append(draft)
    kind = (draft.kind if draft is not None else "") or None
    context = {"form": form, "level": level, **_schedule_context(request, rows, kind=kind)}
    return render(request, "sla/settings/level_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@settings_required
def level_create(request):
    if request.method == "GET":
        return _level_page(request, LevelForm(), None)
    form = LevelForm(request.POST)
    if form.is_valid():
        try:
            level = services.escalation_level_create(actor=request.user, **form.data_for_service())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Escalation level “%(name)s” saved.") % {"name": level.display_name})
            return redirect("sla:levels")
    return _level_page(request, form, None, status=400)


@require_http_methods(["GET", "POST"])
@settings_required
def level_edit(request, pk: int):
    level = get_object_or_404(EscalationLevel, pk=pk)
    if request.method == "GET":
        return _level_page(request, LevelForm(initial=LevelForm.initial_for(level)), level)
    form = LevelForm(request.POST)
    if form.is_valid():
        try:
            level = services.escalation_level_update(actor=request.user, row=level, **form.data_for_service())
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Escalation level “%(name)s” saved.") % {"name": level.display_name})
            return redirect("sla:levels")
    return _level_page(request, form, level, status=400)


@require_GET
@settings_required
def level_preview(request):
    """The preview panel of the level form as it stands (htmx, on every change)."""
    level = None
    if (pk := request.GET.get("level_id") or "") and pk.isdigit() and len(pk) < 19:
        level = EscalationLevel.objects.filter(pk=pk).first()
    form = LevelForm(request.GET)
    draft = _level_draft(form, level)
    rows = [row for row in escalation_levels() if level is None or row.pk != level.pk]
    if draft is not None:
        rows.append(draft)
    kind = (draft.kind if draft is not None else "") or None
    return render(request, "sla/settings/_level_preview.html", _schedule_context(request, rows, kind=kind))


@require_POST
@settings_required
def level_active(request, pk: int):
    level = get_object_or_404(EscalationLevel, pk=pk)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        messages.error(request, _("Say whether the level is to be active."))
        return redirect("sla:levels")
    try:
        services.escalation_level_set_active(actor=request.user, row=level, active=active == "1")
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        text = (
            _("Escalation level “%(name)s” is active again.")
            if active == "1"
            else _("Escalation level “%(name)s” switched off.")
        )
        messages.success(request, text % {"name": level.display_name})
    return redirect("sla:levels")
