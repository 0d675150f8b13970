"""SLA clocks computed from a request's status history (R-SLA-3). Pure: no database.

Every clock is re-derived from the timeline each time, never counted up, so it can be
recomputed after any change (priority, rule, calendar) and audited line by line.

Rules:
- Every clock starts when the request is filed (its ``created`` event).
- A clock stops the first time the request reaches its stop status *or any later status*
  of the main lifecycle (new → acknowledged → assigned → accepted → scheduled →
  in_progress → completed → followed_up → closed):
  first response at acknowledged, appointment contact at scheduled, on-site arrival at
  in_progress, resolution at completed. (A request resolved remotely therefore meets its
  appointment and arrival targets when it is completed: no visit was owed any more.)
- While the request is in one of the rule's pause statuses (default: waiting_customer)
  the clock does not count; each pause is recorded with its reason.
- Cancelling stops every open clock: breached if the due time had already passed,
  otherwise "cancelled".
- Reopen: the resolution clock restarts from the reopen moment with the full target
  (a new cycle); the earlier cycles' outcomes are kept in ``history``, so a breach is
  never wiped by a reopen. The other targets keep their outcome.
- A clock that is past due while still open is breached at its due time; ``breach_by``
  is the business time from due to the stop (or to ``now`` while still open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aftersales.tickets.choices import Status

from .businesstime import CalendarSnapshot, add_business_time, business_time_between
from .models import ClockState, TargetKind

LIFECYCLE = [
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.ASSIGNED,
    Status.ACCEPTED,
    Status.SCHEDULED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.FOLLOWED_UP,
    Status.CLOSED,
]
STOP_AT = {
    TargetKind.FIRST_RESPONSE: Status.ACKNOWLEDGED,
    TargetKind.APPOINTMENT_CONTACT: Status.SCHEDULED,
    TargetKind.ARRIVAL: Status.IN_PROGRESS,
    TargetKind.RESOLUTION: Status.COMPLETED,
}


def stop_statuses(kind: str) -> frozenset[str]:
    """The statuses that stop a target's clock: its stop status and every later one."""
    return frozenset(s.value for s in LIFECYCLE[LIFECYCLE.index(STOP_AT[kind]) :])


@dataclass(frozen=True)
class TargetSpec:
    """One target as a rule sets it, with the calendar it counts on."""

    kind: str
    duration: dt.timedelta
    calendar: CalendarSnapshot
    calendar_id: int | None = None  # None: 24×7
    pause_statuses: frozenset = frozenset({Status.WAITING_CUSTOMER.value})
    warning_percent: int = 80
    policy_id: int | None = None
    why: tuple = ()  # core.messages.Message: why this rule (rendered when shown)


@dataclass(frozen=True)
class StatusChange:
    at: dt.datetime
    to_status: str
    reason: str = ""


@dataclass
class ClockResult:
    kind: str
    policy_id: int | None
    policy_why: list
    calendar_id: int | None
    target_seconds: int
    started_at: dt.datetime
    due_at: dt.datetime
    warning_at: dt.datetime
    state: str
    paused_seconds: int = 0
    remaining_seconds: int = 0
    paused_since: dt.datetime | None = None
    met_at: dt.datetime | None = None
    breached_at: dt.datetime | None = None
    breach_by_seconds: int = 0
    cycle: int = 1
    pauses: list = field(default_factory=list)
    history: list = field(default_factory=list)

    def summary(self) -> dict:
        """The outcome of this cycle, as kept in ``history`` after a reopen."""
        return {
            "cycle": self.cycle,
            "started_at": self.started_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "state": self.state,
            "met_at": self.met_at.isoformat() if self.met_at else None,
            "breached_at": self.breached_at.isoformat() if self.breached_at else None,
            "breach_by_seconds": self.breach_by_seconds,
            "paused_seconds": self.paused_seconds,
        }


def _seconds(value: dt.timedelta) -> int:
    return int(value.total_seconds())


def status_changes(events: Iterable) -> tuple[dt.datetime | None, list[StatusChange]]:
    """(filed at, status changes in order) from timeline events (model rows or lookalikes)."""
    started = None
    changes = []
    for e in events:
        if e.kind == "created" and started is None:
            started = e.at
        elif e.kind == "transition" and e.to_status:
            changes.append(StatusChange(e.at, e.to_status, e.reason or ""))
    changes.sort(key=lambda c: c.at)  # stable: same-instant events keep their id order
    return started, changes


def _cycle(
    spec: TargetSpec,
    start: dt.datetime,
    status: str,
    changes: list[StatusChange],
    first: int,
    stops: frozenset[str],
    now: dt.datetime,
    cycle: int,
) -> tuple[ClockResult, int | None]:
    """Run one cycle from ``start`` over ``changes[first:]``; returns the result and the
    index of the stopping change (None while still open)."""
    cal = spec.calendar
    duration = spec.duration
    warn_budget = duration * spec.warning_percent / 100
    used = dt.timedelta(0)
    due_at: dt.datetime | None = None
    warning_at: dt.datetime | None = None
    pauses: list[dict] = []
    paused_total = dt.timedelta(0)

    def run(a: dt.datetime, b: dt.datetime) -> None:
        nonlocal used, due_at, warning_at
        segment = business_time_between(cal, a, b) if b > a else dt.timedelta(0)
        if warning_at is None and used + segment >= warn_budget:
            warning_at = add_business_time(cal, a, warn_budget - used)
        if due_at is None and used + segment >= duration:
            due_at = add_business_time(cal, a, duration - used)
        used += segment

    def close_pause(b: dt.datetime) -> None:
        nonlocal paused_total
        p = pauses[-1]
        a = dt.datetime.fromisoformat(p["from"])
        length = business_time_between(cal, a, b) if b > a else dt.timedelta(0)
        p["to"] = b.isoformat()
        p["seconds"] = _seconds(length)
        paused_total += length

    t = start
    paused = status in spec.pause_statuses
    if paused:
        pauses.append({"from": start.isoformat(), "to": None, "status": status, "reason": ""})
    stop_index = None
    stop_status = None
    for i in range(first, len(changes)):
        change = changes[i]
        at = max(change.at, t)
        if not paused:
            run(t, at)
        t = at
        if change.to_status in stops or change.to_status == Status.CANCELLED:
            stop_index, stop_status = i, change.to_status
            break
        now_paused = change.to_status in spec.pause_statuses
        if paused and (not now_paused or change.to_status != status):
            close_pause(at)
        if now_paused and (not paused or change.to_status != status):
            pauses.append({"from": at.isoformat(), "to": None, "status": change.to_status, "reason": change.reason})
        paused, status = now_paused, change.to_status

    open_until = t if stop_index is not None else max(now, t)
    if paused:
        if stop_index is not None:
            close_pause(t)
        else:
            since = dt.datetime.fromisoformat(pauses[-1]["from"])
            length = business_time_between(cal, since, open_until)
            pauses[-1]["seconds"] = _seconds(length)
            paused_total += length
    elif stop_index is None:
        run(t, open_until)
        t = open_until
    # Where the clock is (or would have been) due if nothing else happened after t.
    tail_from = dt.datetime.fromisoformat(pauses[-1]["from"]) if paused and stop_index is None else t
    # Overdue only if the running time used up the target (a paused projection never is).
    overdue = due_at is not None
    if due_at is None:
        due_at = add_business_time(cal, tail_from, duration - used)
    if warning_at is None:
        warning_at = add_business_time(cal, tail_from, warn_budget - used)

    result = ClockResult(
        kind=spec.kind,
        policy_id=spec.policy_id,
        policy_why=[m.as_dict() for m in spec.why],
        calendar_id=spec.calendar_id,
        target_seconds=_seconds(duration),
        started_at=start,
        due_at=due_at,
        warning_at=warning_at,
        state=ClockState.RUNNING,
        paused_seconds=_seconds(paused_total),
        remaining_seconds=_seconds(duration - used),
        cycle=cycle,
        pauses=pauses,
    )
    end = t if stop_index is not None else open_until
    overdue = overdue and end > due_at
    if overdue:
        result.state = ClockState.BREACHED
        result.breached_at = due_at
        result.breach_by_seconds = _seconds(business_time_between(cal, due_at, end))
    if stop_index is not None:
        if stop_status == Status.CANCELLED:
            if not overdue:
                result.state = ClockState.CANCELLED
        else:
            result.met_at = t
            if not overdue:
                result.state = ClockState.MET
    elif paused and not overdue:
        result.state = ClockState.PAUSED
        result.paused_since = tail_from
    return result, stop_index


def clock_compute(
    spec: TargetSpec,
    started_at: dt.datetime,
    changes: list[StatusChange],
    *,
    now: dt.datetime,
) -> ClockResult:
    """One target's clock over the whole history (with reopen cycles for resolution)."""
    stops = stop_statuses(spec.kind)
    result, stop = _cycle(spec, started_at, Status.NEW, changes, 0, stops, now, 1)
    if spec.kind != TargetKind.RESOLUTION:
        return result
    history: list[dict] = []
    while stop is not None:
        reopen = next((i for i in range(stop + 1, len(changes)) if changes[i].to_status == Status.REOPENED), None)
        if reopen is None:
            break
        history.append(result.summary())
        result, stop = _cycle(
            spec, changes[reopen].at, Status.REOPENED, changes, reopen + 1, stops, now, result.cycle + 1
        )
    result.history = history
    return result


def clocks_compute(
    request,
    events: Iterable,
    policy: Mapping[str, TargetSpec],
    *,
    now: dt.datetime,
) -> list[ClockResult]:
    """Every clock of ``request`` from its timeline ``events`` under the matched targets
    ``policy`` (target kind → spec). Deterministic: same inputs, same output."""
    started, changes = status_changes(events)
    if started is None:
        started = request.created_at
    return [clock_compute(policy[kind], started, changes, now=now) for kind in TargetKind.values if kind in policy]
