"""Writes of the service standards themselves, for the app's settings pages (issue 11):
rules, business calendars (weekly hours, holidays, 调休 make-up working days) and the
escalation matrix.

Every write checks its input first and raises ``ValidationFailed`` with a message per
field before anything is written, is audited, and (for rules and calendars, which move
deadlines) recomputes the clocks of open requests after commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role
from aftersales.catalog.models import ProductCategory
from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.customers.choices import CustomerTier, RegionClass
from aftersales.tickets.choices import Channel, Priority, ServiceType, Status

from ..businesstime import DAY_SECONDS, NoWorkingTime, add_business_time, time_to_seconds
from ..models import Calendar, CalendarDay, CalendarDayPeriod, EscalationLevel, SlaPolicy, TargetKind, WorkingPeriod
from ..permissions import SETTINGS_ROLES

# The longest target or escalation delay the pages accept.
MAX_TARGET = dt.timedelta(days=365)
MAX_DELAY = dt.timedelta(days=30)
MAX_LEVEL = 9

CRITERIA_FIELDS = ("service_type", "priority", "customer_tier", "region_class", "channel", "product_category")
TARGET_FIELDS = tuple(TargetKind.values)
POLICY_FIELDS = (
    "name",
    "is_active",
    "precedence",
    "calendar",
    "warning_percent",
    "pause_statuses",
    *CRITERIA_FIELDS,
    *TARGET_FIELDS,
    *(f"{kind}_business" for kind in TARGET_FIELDS),
)
CALENDAR_FIELDS = ("code", "name", "time_zone", "is_24x7", "is_default", "make_up_weekday")
LEVEL_FIELDS = (
    "level",
    "name",
    "kind",
    "is_active",
    "delay",
    "notify_role",
    "notify_assignee",
    "notify_creator",
    "in_app",
    "email",
    "raise_priority_to",
    "reassign_technician",
    "reassign_organization",
    "act_as",
)
# Statuses a clock may pause in: any but the ones that stop every clock.
PAUSABLE_STATUSES = frozenset(Status.values) - {
    Status.NEW,
    Status.COMPLETED,
    Status.FOLLOWED_UP,
    Status.CLOSED,
    Status.CANCELLED,
}

Periods = list[tuple[dt.time, dt.time]]


def _require(actor) -> None:
    if actor is None or not actor.has_role(*SETTINGS_ROLES):
        raise PermissionDeniedError()


def _recompute_open_clocks_on_commit() -> None:
    """Deadlines of open requests follow a changed rule or calendar (on the worker)."""
    from ..tasks import sla_refresh_open_task

    transaction.on_commit(sla_refresh_open_task)


def _fail_if(errors: dict[str, list]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)


# --- rules ---------------------------------------------------------------------------


def _policy_clean(data: dict) -> dict:
    """Check a rule's fields; returns them normalised. Raises before anything is written."""
    errors: dict[str, list] = {}
    data = dict(data)
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown rule fields: {sorted(unknown)}")
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 100}]
    data["name"] = name
    precedence = data.get("precedence", 100)
    if not isinstance(precedence, int) or not 0 <= precedence <= 10000:
        errors["precedence"] = [_("A whole number from 0 to 10000.")]
    warning = data.get("warning_percent", 80)
    if not isinstance(warning, int) or not 1 <= warning <= 100:
        errors["warning_percent"] = [_("A whole number from 1 to 100.")]
    for field, values in (
        ("service_type", ServiceType.values),
        ("priority", Priority.values),
        ("customer_tier", CustomerTier.values),
        ("region_class", RegionClass.values),
        ("channel", Channel.values),
    ):
        value = data.get(field)
        if value in ("", None):
            data[field] = None
        elif value not in values:
            errors[field] = [_("Choose a value from the list.")]
    category = data.get("product_category")
    if category is not None and not isinstance(category, ProductCategory):
        errors["product_category"] = [_("Choose a value from the list.")]
    calendar = data.get("calendar")
    if calendar is not None and not isinstance(calendar, Calendar):
        errors["calendar"] = [_("Choose a value from the list.")]
    pause = list(data.get("pause_statuses") or [])
    if any(s not in PAUSABLE_STATUSES for s in pause):
        errors["pause_statuses"] = [_("A clock can pause only in a status the request can leave again.")]
    data["pause_statuses"] = sorted(set(pause), key=Status.values.index)
    set_any = False
    for kind in TARGET_FIELDS:
        value = data.get(kind)
        data[f"{kind}_business"] = bool(data.get(f"{kind}_business"))
        if value is None:
            data[kind] = None
            data[f"{kind}_business"] = False
            continue
        if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
            errors[kind] = [_("A target must be longer than zero.")]
        elif value > MAX_TARGET:
            errors[kind] = [_("At most 365 days.")]
        elif value.total_seconds() % 60:
            errors[kind] = [_("Whole minutes only.")]
        set_any = True
    if not set_any:
        errors["__all__"] = [_("Set at least one target (first response, appointment contact, arrival or resolution).")]
    if not errors:
        _check_business_targets(data, errors)
    _fail_if(errors)
    return data


def _check_business_targets(data: dict, errors: dict) -> None:
    """A target on business time needs a calendar with working time to place its deadline."""
    from ..selectors import calendar_default, calendar_snapshot

    calendar = data.get("calendar") or calendar_default()
    snapshot = calendar_snapshot(calendar) if calendar is not None else None
    now = timezone.now()
    for kind in TARGET_FIELDS:
        if data[kind] is None or not data[f"{kind}_business"] or snapshot is None:
            continue
        try:
            add_business_time(snapshot, now, data[kind])
        except NoWorkingTime:
            errors.setdefault("calendar", []).append(
                _("This calendar has no working time to count %(target)s on.") % {"target": TargetKind(kind).label}
            )
            return


@transaction.atomic
def policy_create(*, actor, **data) -> SlaPolicy:
    """A new rule (R-SLA-2). ``data``: any of ``POLICY_FIELDS``; criteria left empty match any request."""
    _require(actor)
    data = _policy_clean(data)
    policy = SlaPolicy.objects.create(**data)
    audit_record(
        actor=actor,
        action="sla.policy_create",
        obj=policy,
        changes={k: [None, v] for k, v in data.items() if v not in (None, False, "", [])},
    )
    _recompute_open_clocks_on_commit()
    return policy


@transaction.atomic
def policy_update(*, actor, policy: SlaPolicy, **data) -> SlaPolicy:
    """Change a rule; the fields not given keep their values."""
    _require(actor)
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    merged = {field: getattr(policy, field) for field in POLICY_FIELDS}
    merged.update(data)
    data = _policy_clean(merged)
    changes = diff_fields(policy, data)
    if changes:
        policy.save()
        audit_record(actor=actor, action="sla.policy_update", obj=policy, changes=changes)
        _recompute_open_clocks_on_commit()
    return policy


@transaction.atomic
def policy_set_active(*, actor, policy: SlaPolicy, active: bool) -> SlaPolicy:
    """Deactivate a rule (it stops matching; clocks it set are recomputed) or activate it again.
    Rules are never deleted: clocks and escalations keep pointing at them."""
    _require(actor)
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.is_active == active:
        return policy
    if not active and not SlaPolicy.objects.filter(is_active=True).exclude(pk=policy.pk).exists():
        raise ValidationFailed(_("At least one rule must stay active."))
    policy.is_active = active
    policy.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="sla.policy_activate" if active else "sla.policy_deactivate",
        obj=policy,
        changes={"is_active": [not active, active]},
    )
    _recompute_open_clocks_on_commit()
    return policy


# --- calendars -----------------------------------------------------------------------


def periods_check(periods: Iterable[tuple[dt.time, dt.time]]) -> tuple[Periods, str]:
    """Sorted shifts and an error text ("" when fine): each shift starts before it ends
    (an end of 00:00 is midnight), and shifts do not overlap."""
    out = sorted((start, end) for start, end in periods)
    previous_end = None
    for start, end in out:
        a, b = time_to_seconds(start), time_to_seconds(end, end=True)
        if not a < b <= DAY_SECONDS:
            return out, _("%(start)s–%(end)s: a shift must start before it ends.") % {
                "start": f"{start:%H:%M}",
                "end": f"{end:%H:%M}",
            }
        if previous_end is not None and a < previous_end:
            return out, _("Shifts overlap at %(time)s.") % {"time": f"{start:%H:%M}"}
        previous_end = b
    return out, ""


def _calendar_clean(data: dict, weekly: dict[int, Periods] | None, *, calendar: Calendar | None) -> dict:
    errors: dict[str, list] = {}
    data = dict(data)
    code = (data.get("code") or "").strip()
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,32}", code):
        errors["code"] = [_("Letters, digits, - and _ only, at most 32.")]
    elif Calendar.objects.filter(code=code).exclude(pk=calendar.pk if calendar else None).exists():
        errors["code"] = [_("Another calendar has this code.")]
    data["code"] = code
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Give the calendar a name (at most 100 characters).")]
    data["name"] = name
    zone = (data.get("time_zone") or "Asia/Shanghai").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = [_("Unknown time zone (e.g. Asia/Shanghai).")]
    data["time_zone"] = zone
    data["is_24x7"] = bool(data.get("is_24x7"))
    data["is_default"] = bool(data.get("is_default"))
    weekday = data.get("make_up_weekday", 0)
    if weekday not in range(7):
        errors["make_up_weekday"] = [_("Choose a value from the list.")]
    if weekly is not None:
        for day, periods in weekly.items():
            cleaned, error = periods_check(periods)
            weekly[day] = cleaned
            if error:
                errors[f"weekday_{day}"] = [error]
        if not data["is_24x7"] and not any(weekly.values()):
            errors["__all__"] = [_("Give working hours for at least one weekday, or make the calendar 24×7.")]
    if calendar is not None and calendar.is_default and not data["is_default"]:
        errors["is_default"] = [_("Make another calendar the default instead.")]
    _fail_if(errors)
    return data


def _weekly_of(calendar: Calendar) -> dict[int, list]:
    weekly: dict[int, list] = {d: [] for d in range(7)}
    for p in calendar.periods.all():
        weekly[p.weekday].append([f"{p.start:%H:%M}", f"{p.end:%H:%M}"])
    return weekly


def _weekly_store(calendar: Calendar, weekly: dict[int, Periods]) -> None:
    from .refresh import calendar_touch

    calendar.periods.all().delete()
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=calendar, weekday=day, start=start, end=end)
        for day, periods in sorted(weekly.items())
        for start, end in periods
    )
    calendar_touch(calendar.pk)  # bulk writes send no signals: every process rebuilds its snapshot


def _default_take(calendar: Calendar) -> None:
    """Only one calendar is the default (a unique partial index): the others let go first."""
    Calendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(is_default=False)


@transaction.atomic
def calendar_create(*, actor, weekly: dict[int, Periods] | None = None, **data) -> Calendar:
    """A business calendar with its weekly working hours ({weekday 0–6: [(start, end), …]})."""
    _require(actor)
    weekly = {d: list((weekly or {}).get(d, [])) for d in range(7)}
    data = _calendar_clean(data, weekly, calendar=None)
    is_default = data.pop("is_default")
    calendar = Calendar.objects.create(**data)
    if is_default:
        _default_take(calendar)
        Calendar.objects.filter(pk=calendar.pk).update(is_default=True)
        calendar.is_default = True
    _weekly_store(calendar, weekly)
    audit_record(
        actor=actor,
        action="sla.calendar_create",
        obj=calendar,
        changes={
            **{k: [None, v] for k, v in data.items()},
            "is_default": [None, is_default],
            "weekly": [None, _weekly_of(calendar)],
        },
    )
    _recompute_open_clocks_on_commit()
    return calendar


@transaction.atomic
def calendar_update(*, actor, calendar: Calendar, weekly: dict[int, Periods] | None = None, **data) -> Calendar:
    """Change a calendar's name, zone, 24×7, default and make-up weekday, and (``weekly``
    given) replace its weekly working hours."""
    _require(actor)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    merged = {field: getattr(calendar, field) for field in CALENDAR_FIELDS}
    merged.update(data)
    if weekly is not None:
        weekly = {d: list(weekly.get(d, [])) for d in range(7)}
    data = _calendar_clean(merged, weekly, calendar=calendar)
    before = _weekly_of(calendar)
    if data["is_default"] and not calendar.is_default:
        _default_take(calendar)
    changes = diff_fields(calendar, data)
    if changes:
        calendar.save()
    if weekly is not None:
        _weekly_store(calendar, weekly)
        after = _weekly_of(calendar)
        if after != before:
            changes["weekly"] = [before, after]
    if changes:
        audit_record(actor=actor, action="sla.calendar_update", obj=calendar, changes=changes)
        _recompute_open_clocks_on_commit()
    return calendar


@transaction.atomic
def calendar_day_save(
    *,
    actor,
    calendar: Calendar,
    date: dt.date,
    kind: str,
    name: str = "",
    periods: Periods | None = None,
    follow_weekday: int | None = None,
) -> CalendarDay:
    """Mark a date as a holiday or a working day (a make-up day 调休, or special hours),
    replacing whatever that date had. A working day's own ``periods`` replace the weekday
    pattern; without any it works like ``follow_weekday`` (default: the calendar's
    make-up weekday). A day entered here is kept by later statutory seeding."""
    _require(actor)
    errors: dict[str, list] = {}
    if kind not in CalendarDay.Kind.values:
        errors["kind"] = [_("Choose a value from the list.")]
    name = (name or "").strip()
    if len(name) > 100:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 100}]
    periods, error = periods_check(periods or [])
    if error:
        errors["periods"] = [error]
    if kind == CalendarDay.Kind.HOLIDAY and periods:
        errors["periods"] = [_("A holiday has no working hours.")]
    if follow_weekday is not None and follow_weekday not in range(7):
        errors["follow_weekday"] = [_("Choose a value from the list.")]
    if kind == CalendarDay.Kind.HOLIDAY:
        follow_weekday = None
    from aftersales.core.ranges import day_error, day_in_range

    if not isinstance(date, dt.date) or not day_in_range(date):
        errors["date"] = [day_error()]
    _fail_if(errors)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    day = CalendarDay.objects.filter(calendar=calendar, date=date).first()
    before = None
    if day is not None:
        before = {
            "kind": day.kind,
            "name": day.name,
            "follow_weekday": day.follow_weekday,
            "periods": [[f"{p.start:%H:%M}", f"{p.end:%H:%M}"] for p in day.periods.all()],
        }
        day.kind, day.name, day.follow_weekday = kind, name, follow_weekday
        day.source = CalendarDay.Source.MANUAL
        day.save()
        day.periods.all().delete()
    else:
        day = CalendarDay.objects.create(
            calendar=calendar,
            date=date,
            kind=kind,
            name=name,
            follow_weekday=follow_weekday,
            source=CalendarDay.Source.MANUAL,
        )
    CalendarDayPeriod.objects.bulk_create(CalendarDayPeriod(day=day, start=s, end=e) for s, e in periods)
    after = {
        "kind": kind,
        "name": name,
        "follow_weekday": follow_weekday,
        "periods": [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in periods],
    }
    audit_record(
        actor=actor,
        action="sla.calendar_day_save",
        obj=calendar,
        changes={date.isoformat(): [before, after]},
    )
    from .refresh import calendar_touch

    calendar_touch(calendar.pk)
    _recompute_open_clocks_on_commit()
    return day


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    """The date follows the weekly pattern again."""
    _require(actor)
    day = CalendarDay.objects.select_for_update().select_related("calendar").get(pk=day.pk)
    before = {"kind": day.kind, "name": day.name, "source": day.source}
    calendar = day.calendar
    day.delete()
    audit_record(
        actor=actor, action="sla.calendar_day_delete", obj=calendar, changes={day.date.isoformat(): [before, None]}
    )
    _recompute_open_clocks_on_commit()


# --- the escalation matrix -----------------------------------------------------------


def _level_clean(data: dict, *, level: EscalationLevel | None) -> dict:
    errors: dict[str, list] = {}
    data = dict(data)
    number = data.get("level")
    if not isinstance(number, int) or not 0 <= number <= MAX_LEVEL:
        errors["level"] = [_("A whole number from 0 (the warning) to %(n)d.") % {"n": MAX_LEVEL}]
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Give the level a name (at most 100 characters).")]
    data["name"] = name
    kind = data.get("kind") or ""
    if kind and kind not in TargetKind.values:
        errors["kind"] = [_("Choose a value from the list.")]
    data["kind"] = kind
    delay = data.get("delay") or dt.timedelta(0)
    if not isinstance(delay, dt.timedelta) or delay < dt.timedelta(0) or delay > MAX_DELAY:
        errors["delay"] = [_("From 0 to 30 days.")]
    data["delay"] = delay
    role = data.get("notify_role") or ""
    if role and role not in Role.values:
        errors["notify_role"] = [_("Choose a value from the list.")]
    data["notify_role"] = role
    raise_to = data.get("raise_priority_to") or ""
    if raise_to and raise_to not in Priority.values:
        errors["raise_priority_to"] = [_("Choose a value from the list.")]
    data["raise_priority_to"] = raise_to
    technician = data.get("reassign_technician")
    if technician is not None and (technician.role != Role.TECHNICIAN or not technician.is_active):
        errors["reassign_technician"] = [_("Choose an active technician.")]
    for flag in ("is_active", "notify_assignee", "notify_creator", "in_app", "email"):
        data[flag] = bool(data.get(flag))
    if number == EscalationLevel.WARNING and (raise_to or technician or data.get("reassign_organization")):
        errors["raise_priority_to"] = [_("The warning (level 0) only tells people; actions start at level 1.")]
    if number == EscalationLevel.WARNING:
        data["delay"] = dt.timedelta(0)
    if not (data["in_app"] or data["email"]):
        errors["in_app"] = [_("Choose in-app, e-mail or both.")]
    if (
        isinstance(number, int)
        and EscalationLevel.objects.filter(kind=kind, level=number).exclude(pk=level.pk if level else None).exists()
    ):
        errors["level"] = [_("This target already has a row for this level.")]
    _fail_if(errors)
    return data


def _users_of(level: EscalationLevel) -> list[int]:
    return sorted(level.notify_users.values_list("pk", flat=True))


def _level_check_audience(data: dict, users) -> None:
    told = data["notify_role"] or users or data["notify_assignee"] or data["notify_creator"]
    acts = data["raise_priority_to"] or data.get("reassign_technician") or data.get("reassign_organization")
    if not (told or acts):
        raise ValidationFailed(
            fields={"notify_role": [_("Say who is told (a role, people, the technician or who filed it).")]}
        )


@transaction.atomic
def escalation_level_create(*, actor, notify_users=(), **data) -> EscalationLevel:
    """A row of the escalation matrix (R-SLA-4): who is told and what is done, once, when
    ``delay`` has passed after a breach (level 0: the warning before the breach)."""
    _require(actor)
    unknown = set(data) - set(LEVEL_FIELDS)
    if unknown:
        raise ValueError(f"Unknown level fields: {sorted(unknown)}")
    data = _level_clean(data, level=None)
    users = list(notify_users or [])
    _level_check_audience(data, users)
    level = EscalationLevel.objects.create(**data)
    level.notify_users.set(users)
    audit_record(
        actor=actor,
        action="sla.escalation_level_create",
        obj=level,
        changes={**{k: [None, v] for k, v in data.items()}, "notify_users": [None, _users_of(level)]},
    )
    return level


@transaction.atomic
def escalation_level_update(*, actor, row: EscalationLevel, notify_users=None, **data) -> EscalationLevel:
    _require(actor)
    unknown = set(data) - set(LEVEL_FIELDS)
    if unknown:
        raise ValueError(f"Unknown level fields: {sorted(unknown)}")
    level = EscalationLevel.objects.select_for_update().get(pk=row.pk)
    merged = {field: getattr(level, field) for field in LEVEL_FIELDS}
    merged.update(data)
    data = _level_clean(merged, level=level)
    users = list(notify_users) if notify_users is not None else list(level.notify_users.all())
    _level_check_audience(data, users)
    before_users = _users_of(level)
    changes = diff_fields(level, data)
    if changes:
        level.save()
    level.notify_users.set(users)
    after_users = _users_of(level)
    if after_users != before_users:
        changes["notify_users"] = [before_users, after_users]
    if changes:
        audit_record(actor=actor, action="sla.escalation_level_update", obj=level, changes=changes)
    return level


@transaction.atomic
def escalation_level_set_active(*, actor, row: EscalationLevel, active: bool) -> EscalationLevel:
    """Switch a row of the matrix off (the sweep skips it) or on again."""
    _require(actor)
    level = EscalationLevel.objects.select_for_update().get(pk=row.pk)
    if level.is_active != active:
        level.is_active = active
        level.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="sla.escalation_level_activate" if active else "sla.escalation_level_deactivate",
            obj=level,
            changes={"is_active": [not active, active]},
        )
    return level
