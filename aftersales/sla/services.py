"""Every write of the SLA app: seeding calendars and (re)computing clocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aftersales.core.audit import audit_record
from aftersales.tickets.choices import OPEN_STATUSES, Status
from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent

from . import china
from .clocks import ClockResult, clocks_compute
from .models import Calendar, CalendarDay, ClockState, SlaClock
from .selectors import policy_rules_active, policy_targets_for

# Columns of SlaClock that clocks_compute owns (the escalation columns are not here).
COMPUTED_FIELDS = (
    "policy_id",
    "policy_why",
    "calendar_id",
    "target_seconds",
    "started_at",
    "due_at",
    "warning_at",
    "paused_seconds",
    "remaining_seconds",
    "state",
    "paused_since",
    "met_at",
    "breached_at",
    "breach_by_seconds",
    "cycle",
    "pauses",
    "history",
)
# Changes worth an audit row (time left and pause length move with every refresh).
AUDITED_FIELDS = ("policy_id", "calendar_id", "target_seconds", "due_at", "state", "met_at", "breached_at", "cycle")


def calendar_touch(calendar_id: int) -> None:
    """Bump a calendar's revision so every process rebuilds its cached snapshot."""
    Calendar.objects.filter(pk=calendar_id).update(revision=F("revision") + 1, updated_at=timezone.now())


@transaction.atomic
def calendar_seed_china(calendar: Calendar, *, years: Iterable[int] | None = None, actor=None) -> dict[str, int]:
    """Load China's statutory holidays and 调休 make-up working days into ``calendar``.

    Idempotent: statutory rows are created or corrected; rows entered by hand are never
    touched. ``years`` defaults to every year the chinese_calendar package knows.
    Returns counts {"created", "updated", "kept"}."""
    wanted = china.statutory_days(years)
    existing = {d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__in=[w.date for w in wanted])}
    created, updated, kept = [], [], 0
    for row in wanted:
        day = existing.get(row.date)
        if day is None:
            created.append(
                CalendarDay(
                    calendar=calendar,
                    date=row.date,
                    kind=row.kind,
                    name=row.name,
                    source=CalendarDay.Source.STATUTORY,
                )
            )
        elif day.source == CalendarDay.Source.MANUAL:
            kept += 1
        elif day.kind != row.kind or day.name != row.name:
            day.kind, day.name = row.kind, row.name
            updated.append(day)
    CalendarDay.objects.bulk_create(created)
    if updated:
        CalendarDay.objects.bulk_update(updated, ["kind", "name"])
    counts = {"created": len(created), "updated": len(updated), "kept": kept}
    if created or updated:
        calendar_touch(calendar.pk)
        audit_record(actor=actor, action="sla.calendar_seed_china", obj=calendar, changes={"days": [None, counts]})
    return counts


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _apply(clock: SlaClock, result: ClockResult, *, request_open: bool = True) -> dict[str, list]:
    """Copy computed values onto ``clock``; returns the audited changes.

    ``request_open``: False once the request is cancelled (a breach then stays on record
    but is no longer escalated)."""
    changes = {}
    for name in COMPUTED_FIELDS:
        new = getattr(result, name)
        old = getattr(clock, name)
        if name in AUDITED_FIELDS and old != new and not clock._state.adding:
            changes[name] = [_plain(old), _plain(new)]
        setattr(clock, name, new)
    # Escalation bookkeeping stays valid only while it still describes this clock.
    if clock.warned_at is not None and clock.warning_at > clock.warned_at:
        clock.warned_at = None  # the warning moved later: it is due again then
    # The sweep's warning work list: running clocks not warned yet.
    clock.warn_at = clock.warning_at if clock.state == ClockState.RUNNING and clock.warned_at is None else None
    if clock.state not in (ClockState.BREACHED,):
        clock.escalated_at = None
        clock.escalation_level = 0
        clock.escalation_anchor_at = None
        clock.escalate_at = None
    elif clock.met_at is not None or not request_open:
        clock.escalate_at = None  # stopped late: on record, nothing more to escalate
    elif clock.escalation_anchor_at is None:
        # A new breach: the sweep looks at it at once and counts the levels' delays from it.
        clock.escalation_anchor_at = clock.breached_at or clock.due_at
        clock.escalate_at = clock.escalation_anchor_at
    return changes


@transaction.atomic
def sla_refresh(request_id: int, *, now: dt.datetime | None = None, rules=None) -> list[SlaClock]:
    """Recompute every clock of one request from its timeline and upsert them.

    Idempotent: running it twice at the same moment writes the same rows. Targets no
    rule sets any more are removed. An audit row records due-time, rule and state changes.
    """
    # Lock the request so two refreshes of it never race on the upsert, and so the
    # escalation sweep (which locks requests too, SKIP LOCKED) never acts on a clock
    # while it is being recomputed.
    locked = ServiceRequest.objects.select_for_update().filter(pk=request_id).values_list("pk", flat=True)
    if not list(locked):
        return []
    # "Now" once the lock is held: a sweep that finished while we waited saw an earlier now.
    now = now or timezone.now()
    request = ServiceRequest.objects.select_related("customer", "product", "unit__product").get(pk=request_id)
    events = list(
        ServiceRequestEvent.objects.filter(
            request_id=request_id,
            kind__in=[ServiceRequestEvent.Kind.CREATED, ServiceRequestEvent.Kind.TRANSITION],
        ).order_by("at", "id")
    )
    targets = policy_targets_for(request, rules)
    results = clocks_compute(request, events, targets, now=now)
    # Locked too: their escalation columns belong to the sweep and must be read fresh.
    existing = {c.kind: c for c in SlaClock.objects.select_for_update().filter(request_id=request_id)}
    request_open = request.status != Status.CANCELLED
    clocks, audited = [], {}
    for result in results:
        clock = existing.pop(result.kind, None) or SlaClock(request_id=request_id, kind=result.kind)
        adding = clock._state.adding
        changes = _apply(clock, result, request_open=request_open)
        clock.computed_at = now
        clock.save()
        if adding:
            audited[result.kind] = {"created": [None, {"due_at": clock.due_at.isoformat(), "state": clock.state}]}
        elif changes:
            audited[result.kind] = changes
        clocks.append(clock)
    for gone in existing.values():
        audited[gone.kind] = {"removed": [{"due_at": gone.due_at.isoformat(), "state": gone.state}, None]}
        gone.delete()
    if audited:
        audit_record(actor=None, action="sla.refresh", obj=request, changes=audited)
    return clocks


def sla_refresh_open(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Recompute the clocks of every open request (after a rule or calendar edit).

    One short transaction per request; returns how many requests were refreshed."""
    now = now or timezone.now()
    rules = policy_rules_active()
    count = 0
    last = 0
    while True:
        ids = list(
            ServiceRequest.objects.filter(status__in=OPEN_STATUSES, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return count
        for pk in ids:
            sla_refresh(pk, now=now, rules=rules)
        count += len(ids)
        last = ids[-1]
