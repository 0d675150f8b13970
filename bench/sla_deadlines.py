"""How many SLA deadline computations per second (pure, no database).

1. add_business_time on the standard calendar (Mon–Fri 09:00–12:00 + 13:30–18:00 with
   China's statutory holidays and make-up days 2004–2026), random starts in 2025–2026 and
   random targets from 30 min to 72 h — the cached per-date spans warm up on first use.
2. business_time_between over the same random pairs.
3. clocks_compute for a realistic repair: 12 timeline events (acknowledge, a wait for the
   customer, assign/accept/schedule, a wait for parts, start, complete) and four targets
   (first response, appointment contact, arrival on 24×7; resolution on business time
   pausing for customer and parts).

Run:  .venv/bin/python bench/sla_deadlines.py [--n 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

import django  # noqa: E402

django.setup()

from aftersales.sla.businesstime import (  # noqa: E402
    ALWAYS,
    CalendarSnapshot,
    add_business_time,
    business_time_between,
)
from aftersales.sla.china import HOLIDAY, statutory_days  # noqa: E402
from aftersales.sla.clocks import TargetSpec, clocks_compute  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
SHIFTS = [(dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(18))]
H = dt.timedelta(hours=1)


def standard() -> CalendarSnapshot:
    overrides = {d.date: ([] if d.kind == HOLIDAY else SHIFTS) for d in statutory_days()}
    return CalendarSnapshot.from_times(tz="Asia/Shanghai", weekly={wd: SHIFTS for wd in range(5)}, overrides=overrides)


def rate(label: str, n: int, fn) -> None:
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    print(f"{label:<58} {n:>8} in {elapsed:6.3f} s  = {n / elapsed:>10,.0f} /s  ({elapsed / n * 1e6:6.1f} µs each)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    cal = standard()
    base = dt.datetime(2025, 1, 1, tzinfo=SH)
    starts = [base + dt.timedelta(seconds=rnd.randrange(0, 2 * 365 * 86400)) for _ in range(args.n)]
    durations = [dt.timedelta(minutes=rnd.choice([30, 60, 240, 480, 1440, 2880, 4320])) for _ in range(args.n)]
    ends = [s + dt.timedelta(hours=rnd.randrange(1, 200)) for s in starts]

    print(f"python {sys.version.split()[0]}; command: .venv/bin/python bench/sla_deadlines.py --n {args.n}")
    rate(
        "add_business_time, standard calendar (cold cache)",
        args.n,
        lambda: [add_business_time(cal, s, d) for s, d in zip(starts, durations, strict=True)],
    )
    rate(
        "add_business_time, standard calendar (warm cache)",
        args.n,
        lambda: [add_business_time(cal, s, d) for s, d in zip(starts, durations, strict=True)],
    )
    rate(
        "add_business_time, 24x7",
        args.n,
        lambda: [add_business_time(ALWAYS, s, d) for s, d in zip(starts, durations, strict=True)],
    )
    rate(
        "business_time_between, standard calendar (1–200 h apart)",
        args.n,
        lambda: [business_time_between(cal, a, b) for a, b in zip(starts, ends, strict=True)],
    )

    filed = dt.datetime(2026, 3, 13, 16, 40, tzinfo=SH)  # a Friday afternoon
    steps = [
        (20, "acknowledged"),
        (60, "waiting_customer"),
        (900, "acknowledged"),
        (30, "assigned"),
        (45, "accepted"),
        (120, "scheduled"),
        (1200, "in_progress"),
        (50, "waiting_parts"),
        (2880, "scheduled"),
        (600, "in_progress"),
        (90, "completed"),
    ]
    events = [SimpleNamespace(kind="created", at=filed, to_status="new", reason="")]
    t = filed
    for minutes, status in steps:
        t += dt.timedelta(minutes=minutes)
        events.append(SimpleNamespace(kind="transition", at=t, to_status=status, reason="r"))
    policy = {
        "first_response": TargetSpec("first_response", 24 * H, ALWAYS),
        "appointment_contact": TargetSpec("appointment_contact", 24 * H, ALWAYS),
        "arrival": TargetSpec("arrival", 24 * H, ALWAYS),
        "resolution": TargetSpec(
            "resolution", 40 * H, cal, 1, pause_statuses=frozenset({"waiting_customer", "waiting_parts"})
        ),
    }
    request = SimpleNamespace(created_at=filed)
    now = t + H
    n = max(args.n // 4, 1)
    rate(
        f"clocks_compute, {len(events)} events, 4 targets (per request)",
        n,
        lambda: [clocks_compute(request, events, policy, now=now) for _ in range(n)],
    )
    for c in clocks_compute(request, events, policy, now=now):
        print(f"  {c.kind:<20} {c.state:<9} due {c.due_at:%Y-%m-%d %H:%M}  paused {c.paused_seconds / 3600:5.2f} h")


if __name__ == "__main__":
    main()
