"""Improvement plans (R-QA-3): the measure a plan should move is measured by the system.

- **Baseline**: ``kpi_value`` over the ``period_days`` before the plan starts (the day it moves
  to "in progress"), stored then.
- **After**: ``kpi_value`` over the same number of days after the day it was done, measured when
  the plan is evaluated (refused until that period is over), stored then.
- **Effect** = after − baseline, better or worse by the measure's direction.

Overdue plans (past their deadline and not done) remind their owner through the outbox, once
when they fall due and then every ``REMIND_EVERY_DAYS`` (``tasks.plan_reminder_task``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import ValidationFailed
from aftersales.core.states import transition_apply
from aftersales.kpis.definitions import HIGHER, KPI_BY_KEY, LOWER
from aftersales.kpis.selectors import filters_clean, kpi_value
from aftersales.notifications.services import message_send

from ..choices import OPEN_PLAN_STATUSES, PLAN_ROLES, PLAN_TRANSITIONS, PlanAction, PlanOrigin, PlanStatus
from ..models import Plan

REMIND_EVERY_DAYS = 7
EDITABLE = ("problem", "measure", "department", "owner", "deadline", "kpi", "filters", "period_days")
# Once started the baseline is measured: the measure, its filters and the period stay.
FIXED_AFTER_START = ("kpi", "filters", "period_days")


def _clean(data: dict) -> dict:
    errors: dict[str, list] = {}
    out = dict(data)
    for name in ("problem", "measure", "department"):
        if name in out:
            out[name] = str(out[name] or "").strip()
            if not out[name]:
                errors[name] = [_("This field is required.")]
    if "department" in out:
        out["department"] = out["department"][:100]
    if "kpi" in out:
        kpi = KPI_BY_KEY.get(str(out["kpi"] or ""))
        if kpi is None:
            errors["kpi"] = [_("Choose a measure.")]
        elif kpi.direction not in (HIGHER, LOWER):
            errors["kpi"] = [_("This measure has no better direction to compare.")]
    if "filters" in out:
        out["filters"] = filters_clean({k: v for k, v in (out["filters"] or {}).items() if v not in (None, "")})
    if "period_days" in out:
        try:
            out["period_days"] = int(out["period_days"])
        except (TypeError, ValueError):
            out["period_days"] = 0
        if not 7 <= out["period_days"] <= 365:
            errors["period_days"] = [_("Between 7 and 365 days.")]
    if "owner" in out:
        owner = out["owner"]
        if owner is None or not owner.is_active or not owner.has_role(*PLAN_ROLES):
            errors["owner"] = [_("The owner must be a manager or on the quality team.")]
    if "deadline" in out and out["deadline"] is None:
        errors["deadline"] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return out


@transaction.atomic
def plan_create(
    *,
    actor,
    problem: str,
    measure: str,
    department: str,
    owner,
    deadline: dt.date,
    kpi: str,
    filters: dict | None = None,
    period_days: int = 30,
    origin: str = PlanOrigin.MANUAL,
    complaint=None,
    inspection=None,
) -> Plan:
    data = _clean(
        {
            "problem": problem,
            "measure": measure,
            "department": department,
            "owner": owner,
            "deadline": deadline,
            "kpi": kpi,
            "filters": filters or {},
            "period_days": period_days,
        }
    )
    if origin not in PlanOrigin.values:
        raise ValidationFailed(fields={"origin": [_("Not a valid choice.")]})
    if complaint is not None and origin == PlanOrigin.MANUAL:
        origin = PlanOrigin.COMPLAINT
    if inspection is not None and origin == PlanOrigin.MANUAL:
        origin = PlanOrigin.INSPECTION
    plan = Plan.objects.create(**data, origin=origin, complaint=complaint, inspection=inspection, created_by=actor)
    audit_record(actor=actor, action="management.plan.create", obj=plan, changes={"kpi": [None, plan.kpi]})
    return plan


@transaction.atomic
def plan_update(*, actor, plan: Plan, **fields) -> Plan:
    """Change a plan that is not finished; after it started, its measure, filters and period stay."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    if plan.status not in OPEN_PLAN_STATUSES:
        raise ValidationFailed(_("A finished plan cannot be changed."))
    data = _clean(fields)
    if plan.status != PlanStatus.PLANNED:
        fixed = {k for k in FIXED_AFTER_START if k in data and data[k] != getattr(plan, k)}
        if fixed:
            raise ValidationFailed(
                fields={k: [_("The plan has started: its baseline is measured.")] for k in sorted(fixed)}
            )
    changes = diff_fields(plan, data)
    for name, value in data.items():
        setattr(plan, name, value)
    plan.save()
    if changes:
        audit_record(actor=actor, action="management.plan.update", obj=plan, changes=changes)
    return plan


def plan_periods(plan: Plan, *, today: dt.date | None = None) -> dict:
    """The baseline period (the ``period_days`` before the start) and the after period (as many
    days after the day it was done); for a plan not started yet, the baseline as if it started
    today."""
    today = today or timezone.localdate()
    days = dt.timedelta(days=plan.period_days)
    start = plan.started_on or today
    out = {"baseline": (start - days, start - dt.timedelta(days=1)), "after": None}
    if plan.done_on:
        out["after"] = (plan.done_on + dt.timedelta(days=1), plan.done_on + days)
    return out


def _measure(plan: Plan, period: tuple[dt.date, dt.date]) -> tuple[int, int, float | None]:
    start, end = period
    return kpi_value(plan.kpi, start=start, end=end, filters=plan.filters)


def plan_effect(plan: Plan) -> tuple[float | None, str | None]:
    """(after − baseline, "better" / "worse" / "same") once both are measured, else (None, None)."""
    if plan.baseline_value is None or plan.after_value is None:
        return None, None
    effect = round(plan.after_value - plan.baseline_value, 2)
    direction = KPI_BY_KEY[plan.kpi].direction
    if effect == 0:
        return effect, "same"
    better = effect > 0 if direction == HIGHER else effect < 0
    return effect, "better" if better else "worse"


@transaction.atomic
def plan_transition(*, actor, plan: Plan, action: str, reason: str = "", today: dt.date | None = None) -> Plan:
    """Start (the baseline is measured), mark done, evaluate (the after value is measured; only
    once the after period is over) or cancel a plan (``PLAN_TRANSITIONS``)."""
    today = today or timezone.localdate()
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    before, after = transition_apply(
        plan, PLAN_TRANSITIONS, action, actor=actor, reason=reason, check_roles=actor is not None
    )
    changes = {"status": [before, after]}
    if action == PlanAction.START:
        plan.started_on = today
        num, den, value = _measure(plan, plan_periods(plan, today=today)["baseline"])
        plan.baseline_num, plan.baseline_den, plan.baseline_value = num, den, value
        changes["baseline"] = [None, value]
    elif action == PlanAction.COMPLETE:
        plan.done_on = today
    elif action == PlanAction.EVALUATE:
        period = plan_periods(plan, today=today)["after"]
        if period is None or today <= period[1]:
            raise ValidationFailed(
                _("The effect can be measured from %(day)s on, when %(n)d days have passed since the plan was done.")
                % {"day": (period[1] + dt.timedelta(days=1)) if period else "—", "n": plan.period_days}
            )
        num, den, value = _measure(plan, period)
        plan.after_num, plan.after_den, plan.after_value = num, den, value
        changes["after"] = [None, value]
    elif action == PlanAction.CANCEL:
        plan.cancel_reason = str(reason).strip()[:300]
    plan.save()
    audit_record(actor=actor, action=f"management.plan.{action}", obj=plan, changes=changes)
    return plan


def plan_is_overdue(plan: Plan, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return plan.status in OPEN_PLAN_STATUSES and plan.deadline < today


def plan_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind the owner of every overdue plan (in-app and e-mail, through the outbox): once when
    it falls due, then every ``REMIND_EVERY_DAYS``. Returns how many were sent."""
    today = today or timezone.localdate()
    due = Plan.objects.filter(status__in=OPEN_PLAN_STATUSES, deadline__lt=today).exclude(
        reminded_on__gt=today - dt.timedelta(days=REMIND_EVERY_DAYS)
    )
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            plan = Plan.objects.select_for_update().select_related("owner").get(pk=pk)
            if not plan_is_overdue(plan, today) or (
                plan.reminded_on and plan.reminded_on > today - dt.timedelta(days=REMIND_EVERY_DAYS)
            ):
                continue
            message_send(
                key="management.plan_overdue",
                params={"problem": plan.problem[:80], "deadline": plan.deadline.isoformat()},
                to=[plan.owner],
                channels=("in_app", "email"),
                link=plan,
            )
            plan.reminded_on = today
            plan.save(update_fields=["reminded_on", "updated_at"])
            audit_record(
                actor=None, action="management.plan.remind", obj=plan, changes={"reminded_on": [None, str(today)]}
            )
            sent += 1
    return sent
