"""Clocks from the status history (pure): stop rules, pauses, met/breached, reopen."""

import datetime as dt
from types import SimpleNamespace

from aftersales.sla.businesstime import ALWAYS, business_time_between
from aftersales.sla.clocks import TargetSpec, clock_compute, clocks_compute, status_changes, stop_statuses

from .calendars import at, standard

CAL = standard()
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
FILED = at(2026, 3, 9, 9)  # a Monday


def created(when=FILED):
    return SimpleNamespace(kind="created", at=when, to_status="new", reason="")


def moved(when, to, reason=""):
    return SimpleNamespace(kind="transition", at=when, to_status=to, reason=reason)


def spec(kind="resolution", duration=8 * H, cal=CAL, **kwargs):
    return TargetSpec(
        kind=kind, duration=duration, calendar=cal, calendar_id=1 if cal is not ALWAYS else None, **kwargs
    )


def compute(target, events, now):
    started, changes = status_changes(events)
    return clock_compute(target, started, changes, now=now)


def test_stop_statuses_include_later_ones():
    assert stop_statuses("first_response") >= {"acknowledged", "assigned", "completed", "closed"}
    assert "new" not in stop_statuses("first_response")
    assert stop_statuses("arrival") == {"in_progress", "completed", "followed_up", "closed"}
    assert "waiting_parts" not in stop_statuses("appointment_contact")


def test_running_clock_due_on_business_time():
    # 7.5 working hours a day: 8 h from Monday 09:00 → Tuesday 09:30.
    clock = compute(spec(), [created()], now=at(2026, 3, 9, 10))
    assert clock.state == "running"
    assert clock.due_at == at(2026, 3, 10, 9, 30)
    assert clock.remaining_seconds == 7 * 3600
    # Warning at 80 % = 6 h 24 min of working time: Monday 16:54.
    assert clock.warning_at == at(2026, 3, 9, 16, 54)


def test_pause_and_resume_shift_the_due_time_by_the_paused_business_time():
    events = [
        created(),
        moved(at(2026, 3, 9, 9, 30), "acknowledged"),
        moved(at(2026, 3, 9, 10), "waiting_customer", "Customer away until Monday noon"),
        moved(at(2026, 3, 9, 11), "acknowledged"),
    ]
    clock = compute(spec(), events, now=at(2026, 3, 9, 12))
    assert clock.state == "running"
    assert clock.due_at == at(2026, 3, 10, 10, 30)
    assert clock.paused_seconds == 3600
    assert clock.pauses == [
        {
            "from": at(2026, 3, 9, 10).isoformat(),
            "to": at(2026, 3, 9, 11).isoformat(),
            "status": "waiting_customer",
            "reason": "Customer away until Monday noon",
            "seconds": 3600,
        }
    ]
    # A pause over lunch and the night only costs its business time.
    events[-1] = moved(at(2026, 3, 10, 9, 15), "acknowledged")
    clock = compute(spec(), events, now=at(2026, 3, 10, 9, 20))
    paused = business_time_between(CAL, at(2026, 3, 9, 10), at(2026, 3, 10, 9, 15))
    assert clock.paused_seconds == paused.total_seconds() == 6.75 * 3600
    # Due Tuesday 09:30 without the pause, plus 6.75 working hours.
    assert clock.due_at == at(2026, 3, 10, 17, 45)


def test_paused_now_freezes_the_time_left():
    events = [created(), moved(at(2026, 3, 9, 9, 30), "acknowledged"), moved(at(2026, 3, 9, 10), "waiting_customer")]
    clock = compute(spec(), events, now=at(2026, 3, 12, 10))
    assert clock.state == "paused"
    assert clock.paused_since == at(2026, 3, 9, 10)
    assert clock.remaining_seconds == 7 * 3600
    assert clock.paused_seconds == business_time_between(CAL, at(2026, 3, 9, 10), at(2026, 3, 12, 10)).total_seconds()


def test_pause_statuses_come_from_the_rule():
    events = [created(), moved(at(2026, 3, 9, 9, 30), "acknowledged"), moved(at(2026, 3, 9, 10), "waiting_parts")]
    default = compute(spec(), events, now=at(2026, 3, 9, 11))
    assert default.state == "running" and default.paused_seconds == 0
    parts = compute(spec(pause_statuses=frozenset({"waiting_parts"})), events, now=at(2026, 3, 9, 11))
    assert parts.state == "paused" and parts.paused_seconds == 3600


def test_met():
    target = spec("first_response", H, ALWAYS)
    clock = compute(target, [created(), moved(FILED + 40 * MIN, "acknowledged")], now=FILED + 5 * H)
    assert clock.state == "met"
    assert clock.met_at == FILED + 40 * MIN
    assert clock.breached_at is None and clock.breach_by_seconds == 0
    assert clock.due_at == FILED + H


def test_breached_with_breach_by():
    target = spec("first_response", H, ALWAYS)
    clock = compute(target, [created(), moved(FILED + 3 * H, "acknowledged")], now=FILED + 5 * H)
    assert clock.state == "breached"
    assert clock.met_at == FILED + 3 * H
    assert clock.breached_at == FILED + H
    assert clock.breach_by_seconds == 2 * 3600
    # Still open and overdue: breached at the due time, by the time since.
    clock = compute(target, [created()], now=FILED + 90 * MIN)
    assert (clock.state, clock.breached_at, clock.breach_by_seconds) == ("breached", FILED + H, 1800)


def test_breach_by_on_business_time():
    target = spec("first_response", H)
    # Due Monday 10:00, acknowledged Tuesday 10:00: 7.5 working hours late.
    clock = compute(target, [created(), moved(at(2026, 3, 10, 10), "acknowledged")], now=at(2026, 3, 10, 11))
    assert clock.breach_by_seconds == 7.5 * 3600


def test_first_response_stopped_by_any_later_status():
    target = spec("first_response", H, ALWAYS)
    clock = compute(target, [created(), moved(FILED + 10 * MIN, "closed")], now=FILED + 2 * H)
    assert clock.state == "met"


def test_cancel_stops_the_clock():
    target = spec("arrival", 24 * H, ALWAYS)
    early = compute(target, [created(), moved(FILED + 2 * H, "cancelled")], now=FILED + 48 * H)
    assert early.state == "cancelled" and early.met_at is None and early.breached_at is None
    late = compute(target, [created(), moved(FILED + 30 * H, "cancelled")], now=FILED + 48 * H)
    assert late.state == "breached" and late.breach_by_seconds == 6 * 3600


def test_reopen_restarts_resolution_and_keeps_history():
    target = spec("resolution", 4 * H, ALWAYS)
    events = [
        created(),
        moved(FILED + H, "acknowledged"),
        moved(FILED + 6 * H, "completed"),  # breached by 2 h
        moved(FILED + 30 * H, "reopened"),
        moved(FILED + 31 * H, "completed"),
    ]
    clock = compute(target, events, now=FILED + 40 * H)
    assert clock.cycle == 2
    assert clock.started_at == FILED + 30 * H
    assert clock.state == "met" and clock.met_at == FILED + 31 * H
    assert clock.due_at == FILED + 34 * H
    assert clock.history == [
        {
            "cycle": 1,
            "started_at": FILED.isoformat(),
            "due_at": (FILED + 4 * H).isoformat(),
            "state": "breached",
            "met_at": (FILED + 6 * H).isoformat(),
            "breached_at": (FILED + 4 * H).isoformat(),
            "breach_by_seconds": 7200,
            "paused_seconds": 0,
        }
    ]
    # Reopen does not touch the other targets.
    fr = compute(spec("first_response", H, ALWAYS), events, now=FILED + 40 * H)
    assert (fr.state, fr.cycle, fr.history) == ("met", 1, [])


def test_clocks_compute_is_deterministic_and_complete():
    request = SimpleNamespace(created_at=FILED)
    policy = {"first_response": spec("first_response", H, ALWAYS), "resolution": spec()}
    events = [created(), moved(FILED + 10 * MIN, "acknowledged")]
    first = clocks_compute(request, events, policy, now=FILED + H)
    assert [c.kind for c in first] == ["first_response", "resolution"]
    assert first == clocks_compute(request, events, policy, now=FILED + H)
    # Without a created event the request's created_at starts the clocks.
    assert clocks_compute(request, events[1:], policy, now=FILED + H) == first


def test_clock_paused_from_the_start():
    target = spec(pause_statuses=frozenset({"new"}))
    clock = compute(target, [created()], now=at(2026, 3, 9, 11))
    assert (clock.state, clock.paused_seconds, clock.paused_since) == ("paused", 2 * 3600, FILED)
    clock = compute(target, [created(), moved(at(2026, 3, 9, 11), "acknowledged")], now=at(2026, 3, 9, 11))
    assert clock.due_at == at(2026, 3, 10, 11, 30)
    assert clock.pauses[0]["to"] == at(2026, 3, 9, 11).isoformat()
