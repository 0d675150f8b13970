"""Reads of the SLA app: calendar snapshots (cached per revision), the rule match of a
request, and each target's status for display."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from aftersales.tickets.models import ServiceRequest

from .businesstime import ALWAYS, CalendarSnapshot, business_time_between
from .clocks import TargetSpec
from .models import Calendar, CalendarDay, ClockState, FollowUpWindow, SlaClock, SlaPolicy, TargetKind
from .rules import RequestFacts, RuleMatch, rules_match

# (calendar id, revision) -> snapshot. A process-local read cache only: the key carries
# the revision read from the database, so an edit anywhere invalidates it everywhere.
_SNAPSHOTS: dict[tuple[int, int], CalendarSnapshot] = {}
_SNAPSHOTS_LOCK = threading.Lock()


def _snapshot_build(calendar: Calendar) -> CalendarSnapshot:
    weekly: dict[int, list] = defaultdict(list)
    for p in calendar.periods.all():
        weekly[p.weekday].append((p.start, p.end))
    overrides: dict[dt.date, list] = {}
    for day in CalendarDay.objects.filter(calendar=calendar).prefetch_related("periods"):
        if day.kind == CalendarDay.Kind.HOLIDAY:
            overrides[day.date] = []
            continue
        own = [(p.start, p.end) for p in day.periods.all()]
        like = day.follow_weekday if day.follow_weekday is not None else calendar.make_up_weekday
        overrides[day.date] = own or list(weekly.get(like, []))
    return CalendarSnapshot.from_times(
        tz=calendar.time_zone,
        is_24x7=calendar.is_24x7,
        weekly=weekly,
        overrides=overrides,
        key=(calendar.pk, calendar.revision),
    )


def calendar_snapshot(calendar: Calendar | None) -> CalendarSnapshot:
    """The in-memory form of ``calendar`` (None: 24×7), built once per revision."""
    if calendar is None:
        return ALWAYS
    key = (calendar.pk, calendar.revision)
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        snapshot = _snapshot_build(calendar)
        with _SNAPSHOTS_LOCK:
            for old in [k for k in _SNAPSHOTS if k[0] == calendar.pk]:
                del _SNAPSHOTS[old]
            _SNAPSHOTS[key] = snapshot
    return snapshot


def calendar_snapshot_for(calendar_id: int | None) -> CalendarSnapshot:
    """Like :func:`calendar_snapshot`, reading the current revision from the database."""
    if calendar_id is None:
        return ALWAYS
    calendar = Calendar.objects.filter(pk=calendar_id).first()
    return calendar_snapshot(calendar)


def calendar_default() -> Calendar | None:
    return Calendar.objects.filter(is_default=True).first()


def request_facts(request: ServiceRequest) -> RequestFacts:
    category_id = None
    if request.product_id:
        category_id = request.product.category_id
    elif request.unit_id:
        category_id = request.unit.product.category_id
    return RequestFacts(
        service_type=request.service_type,
        priority=request.priority,
        customer_tier=int(request.customer.tier) if request.customer_id else None,
        region_class=request.region_class,
        channel=request.channel,
        product_category_id=category_id,
    )


def policy_rules_active() -> list[SlaPolicy]:
    return list(SlaPolicy.objects.filter(is_active=True).select_related("product_category", "calendar"))


def policy_match_for(request: ServiceRequest, rules: list[SlaPolicy] | None = None) -> dict[str, RuleMatch]:
    """For each target kind, the rule that applies to ``request`` and why."""
    return rules_match(policy_rules_active() if rules is None else rules, request_facts(request))


def policy_targets_for(request: ServiceRequest, rules: list[SlaPolicy] | None = None) -> dict[str, TargetSpec]:
    """The matched targets of ``request`` with their calendars, ready for clocks_compute.

    A target on business time counts on its rule's calendar, or the default calendar;
    with neither it falls back to 24×7 (the reason says so)."""
    default = None
    targets: dict[str, TargetSpec] = {}
    for kind, match in policy_match_for(request, rules).items():
        rule = match.rule
        calendar = None
        reason = match.reason
        if getattr(rule, f"{kind}_business"):
            calendar = rule.calendar
            if calendar is None:
                default = default or calendar_default()
                calendar = default
            if calendar is None:
                reason += "; " + gettext("no default calendar: counted 24×7")
        if calendar is not None and calendar.is_24x7:
            calendar = None
        targets[kind] = TargetSpec(
            kind=kind,
            duration=getattr(rule, kind),
            calendar=calendar_snapshot(calendar),
            calendar_id=calendar.pk if calendar is not None else None,
            pause_statuses=frozenset(rule.pause_statuses or ()),
            warning_percent=rule.warning_percent,
            policy_id=rule.pk,
            reason=reason,
        )
    return targets


@dataclass(frozen=True)
class TargetStatus:
    kind: str
    label: str
    state: str
    colour: str  # ok / warning / breached / paused / met
    due_at: dt.datetime
    time_left: dt.timedelta | None  # business time; negative when overdue; None when stopped
    met_at: dt.datetime | None
    breached_at: dt.datetime | None
    breach_by: dt.timedelta | None
    policy_id: int | None
    reason: str


def _status(clock: SlaClock, now: dt.datetime) -> TargetStatus:
    cal = calendar_snapshot_for(clock.calendar_id)
    time_left = None
    breach_by = dt.timedelta(seconds=clock.breach_by_seconds) if clock.breached_at else None
    state = clock.state
    if state == ClockState.RUNNING:
        time_left = business_time_between(cal, now, clock.due_at)
        if now > clock.due_at:
            colour = "breached"
            breach_by = -time_left
        elif now >= clock.warning_at:
            colour = "warning"
        else:
            colour = "ok"
    elif state == ClockState.PAUSED:
        time_left = dt.timedelta(seconds=clock.remaining_seconds)
        colour = "paused"
    elif state == ClockState.BREACHED:
        colour = "breached"
        if clock.met_at is None:
            breach_by = business_time_between(cal, clock.due_at, max(now, clock.due_at))
            time_left = -breach_by
    elif state == ClockState.MET:
        colour = "met"
    else:  # cancelled: stopped without an outcome; shown like a paused (grey) clock
        colour = "paused"
    return TargetStatus(
        kind=clock.kind,
        label=str(TargetKind(clock.kind).label),
        state=state,
        colour=colour,
        due_at=clock.due_at,
        time_left=time_left,
        met_at=clock.met_at,
        breached_at=clock.breached_at or (clock.due_at if colour == "breached" else None),
        breach_by=breach_by,
        policy_id=clock.policy_id,
        reason=clock.policy_reason,
    )


def sla_status_for(request: ServiceRequest, *, now: dt.datetime | None = None) -> list[TargetStatus]:
    """Each target of ``request`` as stored by the last refresh, judged against ``now``."""
    now = now or timezone.now()
    order = {k: i for i, k in enumerate(TargetKind.values)}
    clocks = sorted(SlaClock.objects.filter(request_id=request.pk), key=lambda c: order[c.kind])
    return [_status(c, now) for c in clocks]


def followup_window_for(service_type: str) -> tuple[dt.timedelta, dt.timedelta] | None:
    """(earliest, latest) after completion for the follow-up call of this service type."""
    rows = {
        w.service_type: w
        for w in FollowUpWindow.objects.filter(Q(service_type=service_type) | Q(service_type__isnull=True))
    }
    row = rows.get(service_type) or rows.get(None)
    if row is None:
        return None
    return dt.timedelta(hours=row.earliest_hours), dt.timedelta(hours=row.latest_hours)
