"""Every write of the SLA app: seeding calendars and (re)computing clocks."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from aftersales.core.audit import audit_record, audit_write_many
from aftersales.core.bulk import bulk_upsert, ids_in, insert_ignore, pk_in
from aftersales.tickets.choices import OPEN_STATUSES, Status
from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent

from .. import china
from ..businesstime import NoWorkingTime
from ..clocks import ClockResult, clocks_compute
from ..models import Calendar, CalendarDay, ClockState, SlaClock, SlaRefreshPending, TargetKind
from ..selectors import calendar_default, policy_rules_active, policy_targets_for
from ..signals import clocks_changed_on_commit

logger = logging.getLogger(__name__)

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


# Every column a refresh may write (computed + the escalation bookkeeping _apply resets).
WRITTEN_FIELDS = (
    *COMPUTED_FIELDS,
    "computed_at",
    "warned_at",
    "warn_at",
    "escalated_at",
    "escalation_level",
    "escalation_anchor_at",
    "escalate_at",
)


def sla_refresh(request_id: int, *, now: dt.datetime | None = None, rules=None) -> list[SlaClock]:
    """Recompute every clock of one request from its timeline and upsert them.

    Idempotent: running it twice at the same moment writes the same rows. Targets no
    rule sets any more are removed. An audit row records due-time, rule and state changes.
    """
    return sla_refresh_many([request_id], now=now, rules=rules).get(request_id, [])


@transaction.atomic
def sla_refresh_many(
    request_ids: Iterable[int], *, now: dt.datetime | None = None, rules=None, skip_unplaceable: bool = False
) -> dict[int, list[SlaClock]]:
    """:func:`sla_refresh` for many requests at once, in a fixed number of queries
    (about ten, however many requests): what the worker runs for a burst of changes.

    Returns {request id: its clocks}; ids of requests that no longer exist are skipped.
    ``skip_unplaceable``: a request whose calendar has no working time is logged and left
    as it was instead of failing the whole batch."""
    ids = sorted(set(request_ids))
    # Lock the requests (in id order: two batches never deadlock) so two refreshes of one
    # request never race on the upsert, and so the escalation sweep (which locks requests
    # too, SKIP LOCKED) never acts on a clock while it is being recomputed.
    locked = list(
        ServiceRequest.objects.select_for_update()
        .filter(pk_in(ServiceRequest, ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:
        return {}
    # "Now" once the lock is held: a sweep that finished while we waited saw an earlier now.
    now = now or timezone.now()
    requests = {
        r.pk: r
        for r in ServiceRequest.objects.select_related("customer", "product", "unit__product").filter(
            pk_in(ServiceRequest, locked)
        )
    }
    events: dict[int, list] = {pk: [] for pk in locked}
    for event in ServiceRequestEvent.objects.filter(
        ids_in(ServiceRequestEvent, "request_id", locked),
        kind__in=[ServiceRequestEvent.Kind.CREATED, ServiceRequestEvent.Kind.TRANSITION],
    ).order_by("request_id", "at", "id"):
        events[event.request_id].append(event)
    rules = policy_rules_active() if rules is None else rules
    default_calendar = calendar_default() if any(_needs_default(r) for r in rules) else None
    # Locked too: their escalation columns belong to the sweep and must be read fresh.
    existing: dict[int, dict[str, SlaClock]] = {pk: {} for pk in locked}
    for clock in SlaClock.objects.select_for_update().filter(ids_in(SlaClock, "request_id", locked)):
        existing[clock.request_id][clock.kind] = clock
    out: dict[int, list[SlaClock]] = {}
    created, updated, removed, audits = [], [], [], []
    for pk in locked:
        request = requests[pk]
        targets = policy_targets_for(request, rules, default_calendar=default_calendar)
        try:
            results = clocks_compute(request, events[pk], targets, now=now)
        except NoWorkingTime:
            if not skip_unplaceable:
                raise
            # A calendar without working hours cannot place a deadline; report the
            # misconfiguration instead of retrying forever.
            logger.warning("SLA clocks of request %s not computed: a calendar has no working time.", pk)
            continue
        mine = existing[pk]
        request_open = request.status != Status.CANCELLED
        clocks, audited = [], {}
        for result in results:
            clock = mine.pop(result.kind, None) or SlaClock(request_id=pk, kind=result.kind)
            adding = clock._state.adding
            changes = _apply(clock, result, request_open=request_open)
            clock.computed_at = now
            if adding:
                created.append(clock)
                audited[result.kind] = {"created": [None, {"due_at": clock.due_at.isoformat(), "state": clock.state}]}
            else:
                updated.append(clock)
                if changes:
                    audited[result.kind] = changes
            clocks.append(clock)
        for gone in mine.values():
            audited[gone.kind] = {"removed": [{"due_at": gone.due_at.isoformat(), "state": gone.state}, None]}
            removed.append(gone.pk)
        if audited:
            audits.append((request, audited))
        out[pk] = clocks
    if removed:
        SlaClock.objects.filter(pk_in(SlaClock, removed)).delete()
    if created or updated:
        # One upsert on (request, kind): bulk_update's CASE WHEN per row and column cost
        # the worker more than the clocks' arithmetic.
        bulk_upsert(SlaClock, created + updated, unique_fields=["request", "kind"], update_fields=WRITTEN_FIELDS)
    if audits:
        audit_write_many(actor=None, action="sla.refresh", entries=audits, at=now)
    # Every recomputed request is announced, its clocks changed or not (the measures wait for
    # the clocks of a request marked for a refresh: kpis.services.kpi_refresh_pending).
    clocks_changed_on_commit(locked)
    return out


def _needs_default(rule) -> bool:
    return rule.calendar_id is None and any(getattr(rule, f"{kind}_business") for kind in TargetKind.values)


# Requests refreshed in one transaction: few enough that the row locks are brief.
REFRESH_CHUNK = 100


def sla_refresh_pending(*, limit: int = REFRESH_CHUNK * 5) -> int:
    """Refresh the requests marked by ``sla_refresh_mark`` (oldest first), a chunk per
    transaction, until a chunk is not full or ``limit`` were done. Returns how many.

    Marks that come in while it runs are left to the drain their own change queued
    (``tasks.sla_refresh_soon``: the flag is cleared before this runs), which gathers them into
    one batch instead of a trickle of small ones — each batch has a fixed cost."""
    done = 0
    while done < limit:
        ids = list(SlaRefreshPending.objects.order_by("marked_at").values_list("request_id", flat=True)[:REFRESH_CHUNK])
        if not ids:
            break
        with transaction.atomic():
            # The requests are locked first (by the refresh), then unmarked: a change marks
            # its request in its own transaction while holding the request's lock, so it
            # either committed before the refresh read it or marks it again after this
            # commits (and the same lock order on both sides cannot deadlock).
            sla_refresh_many(ids, skip_unplaceable=True)
            SlaRefreshPending.objects.filter(pk_in(SlaRefreshPending, ids)).delete()
        done += len(ids)
        if len(ids) < REFRESH_CHUNK:
            break
    return done


def sla_refresh_mark(request_ids: Iterable[int]) -> None:
    """Mark requests whose clocks must be recomputed by the worker (a set: a request
    changed ten times in a burst is refreshed once)."""
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    insert_ignore(SlaRefreshPending, ("request", "marked_at"), [(pk, at) for pk in request_ids])


def sla_refresh_open(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Recompute the clocks of every open request (after a rule or calendar edit).

    One short transaction per chunk of ``REFRESH_CHUNK`` requests (:func:`sla_refresh_many`);
    returns how many requests were refreshed."""
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
        for i in range(0, len(ids), REFRESH_CHUNK):
            sla_refresh_many(ids[i : i + REFRESH_CHUNK], now=now, rules=rules)
        count += len(ids)
        last = ids[-1]
