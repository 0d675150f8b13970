"""The SLA sweep over a million open requests' clocks (PostgreSQL): how long one sweep
takes when a realistic share of the clocks is due, and when nothing is.

Data: a database made by ``manage.py demo_data --requests 1000000`` (see bench/README.md),
used only for benchmarks. ``--setup`` then, in SQL and in a few seconds:

1. reopens every request (``--reopen-all``: the demo spreads them over every status, so
   most are closed; a closed request has no running clock), moving the closed ones to a
   spread of open statuses;
2. replaces every SLA clock (and the escalation log and notifications) with one
   resolution clock per request plus a first-response clock per "new" request, about
   30 % on the standard business calendar, the rest 24×7. Of the clocks,
   ``--breach`` (default 0.5 %) are past due and not flipped yet (→ breach + level 1:
   notification, timeline note, log row), ``--warn`` (default 1 %) are past their
   warning share (→ warning), 10 % were warned already, 5 % are old breaches fully
   escalated, 2 % are paused — the sweep must not touch any of those — and the rest
   are due later;
3. VACUUM ANALYZE of the clocks and the requests.

Then it times one full sweep (``sla_sweep``: flip, warnings, escalation, in batches),
checks what it did against what was due, and times a second sweep with nothing due
(what every minute costs once the backlog is gone).

Huey runs in immediate mode (a priority change's clock refresh runs inline, as in the
worker), except the KPI drain that the flipped clocks queue (``kpis.tasks.kpi_refresh_soon``:
a task of its own, 2 s later on a worker): it is held back during the sweep and timed after
it, on its own line, so that the sweep's figure is the sweep's.

Run:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sla_bench .venv/bin/python bench/sla_sweep.py --setup --reopen-all
  DATABASE_URL=... .venv/bin/python bench/sla_sweep.py --setup            # again (keeps the reopened requests)
  DATABASE_URL=... .venv/bin/python bench/sla_sweep.py --setup --explain  # plus the sweep's query plans
  DATABASE_URL=... .venv/bin/python bench/sla_sweep.py --setup --profile 40  # where sweep 1's time goes (cProfile)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("HUEY_IMMEDIATE", "1")  # a priority change's refresh runs inline, as in a worker
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.sla.escalation import SweepResult, sla_sweep  # noqa: E402
from aftersales.sla.models import SlaClock, SlaEscalation  # noqa: E402

OPEN_SPREAD = ["acknowledged", "assigned", "accepted", "scheduled", "in_progress", "waiting_parts"]


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchone()[0]


def timed(label: str, fn):
    started = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - started
    print(f"  {label:<44} {elapsed:8.2f} s" + (f"  ({value:,} rows)" if isinstance(value, int) else ""))
    return value


def setup(args) -> dict[str, int]:
    print("setup")
    if args.reopen_all:
        timed(
            "reopen every request",
            lambda: sql(
                "UPDATE tickets_servicerequest SET status = (%s::text[])[1 + id %% 6], completed_at = NULL, "
                "closed_at = NULL WHERE status IN ('completed', 'followed_up', 'closed', 'cancelled')",
                [OPEN_SPREAD],
            ),
        )
    timed(
        "empty escalation log and notifications",
        lambda: sql("TRUNCATE sla_slaescalation, notifications_notification, notifications_outboxmessage"),
    )
    timed("empty clocks", lambda: sql("TRUNCATE sla_slaclock CASCADE"))
    standard = scalar("SELECT id FROM sla_calendar WHERE code = 'standard'")
    breach, warn = args.breach / 100, args.warn / 100
    # r decides each clock's situation; times are relative to now() at setup.
    insert = f"""
    INSERT INTO sla_slaclock (request_id, kind, policy_why, calendar_id, target_seconds, started_at, due_at,
        warning_at, paused_seconds, remaining_seconds, state, paused_since, met_at, breached_at, breach_by_seconds,
        cycle, pauses, history, computed_at, warned_at, escalated_at, escalation_level, escalate_at,
        escalation_anchor_at, warn_at)
    SELECT request_id, kind, '[]'::jsonb, CASE WHEN r2 < 0.3 THEN %(standard)s END, 86400, now() - interval '20 hours',
        due, due - interval '4 hours', 0, 3600,
        CASE WHEN r < {breach + warn + 0.10} THEN 'running'
             WHEN r < {breach + warn + 0.15} THEN 'breached'
             WHEN r < {breach + warn + 0.17} THEN 'paused' ELSE 'running' END,
        CASE WHEN r >= {breach + warn + 0.15} AND r < {breach + warn + 0.17} THEN now() - interval '1 hour' END,
        NULL,
        CASE WHEN r >= {breach + warn + 0.10} AND r < {breach + warn + 0.15} THEN due END,
        0, 1, '[]'::jsonb, '[]'::jsonb, now(),
        CASE WHEN r >= {breach + warn} AND r < {breach + warn + 0.10} THEN now() - interval '10 minutes' END,
        CASE WHEN r >= {breach + warn + 0.10} AND r < {breach + warn + 0.15} THEN due + interval '24 hours' END,
        CASE WHEN r >= {breach + warn + 0.10} AND r < {breach + warn + 0.15} THEN 4 ELSE 0 END,
        NULL,
        CASE WHEN r >= {breach + warn + 0.10} AND r < {breach + warn + 0.15} THEN due END,
        CASE WHEN r < {breach + warn} OR r >= {breach + warn + 0.17} THEN due - interval '4 hours' END
    FROM (
        SELECT request_id, kind, r, r2,
            CASE WHEN r < {breach} THEN now() - (r / {breach}) * interval '30 minutes'
                 WHEN r < {breach + warn} THEN now() + interval '4 hours' - ((r - {breach}) / {warn}) * interval '30 minutes'
                 WHEN r < {breach + warn + 0.10} THEN now() + interval '2 hours'
                 WHEN r < {breach + warn + 0.15} THEN now() - interval '3 days'
                 ELSE now() + interval '5 hours' + r * interval '10 days' END AS due
        FROM (
            SELECT id AS request_id, 'resolution' AS kind, random() AS r, random() AS r2 FROM tickets_servicerequest
            UNION ALL
            SELECT id, 'first_response', random(), random() FROM tickets_servicerequest WHERE status = 'new'
        ) picked
    ) clocks
    """
    total = timed("insert clocks", lambda: sql(insert, {"standard": standard}))
    timed("VACUUM ANALYZE", lambda: sql("VACUUM ANALYZE sla_slaclock") or None)
    # The requests too: reopening rewrote most of them, and each sweep's notes rewrite the
    # breached ones (a server without autovacuum, as here, would keep the dead rows).
    timed("VACUUM ANALYZE requests", lambda: sql("VACUUM ANALYZE tickets_servicerequest") or None)
    return {"clocks": total}


def expected() -> dict[str, int]:
    now = timezone.now()
    return {
        "clocks": SlaClock.objects.count(),
        "open requests": scalar(
            "SELECT count(*) FROM tickets_servicerequest WHERE status NOT IN "
            "('completed', 'followed_up', 'closed', 'cancelled')"
        ),
        "due breaches": SlaClock.objects.filter(state="running", due_at__lte=now).count(),
        "due warnings": SlaClock.objects.filter(
            state="running", warned_at__isnull=True, warning_at__lte=now, due_at__gt=now
        ).count(),
        "already warned": SlaClock.objects.filter(warned_at__isnull=False).count(),
        "old breaches": SlaClock.objects.filter(state="breached", escalation_level=4).count(),
    }


def explain() -> None:
    now = timezone.now()
    queries = {
        "flip": SlaClock.objects.filter(state="running", due_at__lte=now).order_by("due_at", "id")[:500],
        "warn": SlaClock.objects.filter(warn_at__lte=now).order_by("warn_at", "id")[:500],
        "escalate": SlaClock.objects.filter(escalate_at__lte=now).order_by("escalate_at", "id")[:500],
    }
    for name, qs in queries.items():
        print(f"--- EXPLAIN {name}")
        print(qs.explain(analyze=True, buffers=True))


def backend_cpu() -> float:
    """CPU seconds (user + system) used so far by this connection's PostgreSQL backend, from
    /proc (the server runs on this machine); 0 when it cannot be read."""
    pid = scalar("SELECT pg_backend_pid()")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuTimes:
    """CPU seconds of a sweep: this Python process and its database backend."""

    def __init__(self):
        self.python = self.database = 0.0

    def __enter__(self):
        self._python, self._database = time.process_time(), backend_cpu()
        return self

    def __exit__(self, *exc):
        self.python += time.process_time() - self._python
        self.database += backend_cpu() - self._database

    def add(self, other: CpuTimes) -> None:
        self.python += other.python
        self.database += other.database

    def __str__(self) -> str:
        return f"CPU: python {self.python:.2f} s + database {self.database:.2f} s"


def _child(batch: int, queue) -> None:
    from django.db import connections

    connections.close_all()  # a fresh connection per process
    with CpuTimes() as cpu:
        result = sla_sweep(batch=batch)
    queue.put((result, cpu))
    connections.close_all()


def _merged(parts: list[SweepResult], cpu: CpuTimes, batch: int) -> SweepResult:
    """The sweepers' results added up, plus a last sweep of what they left."""
    total = SweepResult()
    for part in parts:
        for name in ("flipped", "warned", "escalated", "notifications", "busy"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        for phase, seconds in part.seconds.items():
            total.seconds[phase] = max(total.seconds.get(phase, 0), seconds)
    # Rows one sweeper skipped while another held their request: the next minute's sweep.
    with cpu:
        leftover = sla_sweep(batch=batch)
    for name in ("flipped", "warned", "escalated", "notifications"):
        setattr(total, name, getattr(total, name) + getattr(leftover, name))
    return total


def sweep_in_parallel(workers: int, batch: int, cpu: CpuTimes) -> SweepResult:
    """``workers`` processes sweeping the same rows at the same moment, like several Huey
    consumers on Redis: SKIP LOCKED spreads the rows, the claims keep each action single."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_child, args=(batch, queue)) for _ in range(workers)]
    for process in processes:
        process.start()
    parts = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    for _part, part_cpu in parts:
        cpu.add(part_cpu)
    return _merged([part for part, _cpu in parts], cpu, batch)


def sweep_in_threads(workers: int, batch: int, cpu: CpuTimes) -> SweepResult:
    """``workers`` threads of one process sweeping at once: what ``sla_sweep_task`` does on a
    backlog with the Huey consumer's thread workers (it queues helpers, see sla/tasks.py)."""
    import threading

    from django.db import connections

    parts: list[SweepResult] = []
    database = [0.0] * workers

    def run(index: int) -> None:
        try:
            before = backend_cpu()
            parts.append(sla_sweep(batch=batch))
            database[index] = backend_cpu() - before
        finally:
            connections.close_all()

    python = time.process_time()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu.python += time.process_time() - python
    cpu.database += sum(database)
    return _merged(parts, cpu, batch)


def hold_kpi_drain() -> list:
    """Record the KPI drains the sweep queues instead of running them inline (see the module
    docstring); returns the list of calls (one per committed batch that marked requests)."""
    from aftersales.kpis import tasks

    queued: list = []
    tasks.kpi_refresh_soon = lambda: queued.append(1)
    return queued


def kpi_drain() -> int:
    """The held-back KPI drain, as the worker's task runs it (``kpi_refresh_pending`` until done)."""
    from aftersales.kpis.services import kpi_refresh_pending

    done = total = kpi_refresh_pending()
    while done:
        done = kpi_refresh_pending()
        total += done
    return total


class QueryTimes:
    """``--queries``: the time the database took per kind of statement (its first words)."""

    def __init__(self):
        self.totals: dict[str, list] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = " ".join(sql.split()[:6])[:70]
            entry = self.totals.setdefault(words, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    def report(self) -> None:
        print("  statements by time (count, seconds):")
        for words, (count, seconds) in sorted(self.totals.items(), key=lambda item: -item[1][1])[:20]:
            print(f"    {seconds:7.2f} s {count:6,}  {words}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="store_true", help="(Re)generate the clocks first.")
    parser.add_argument("--reopen-all", action="store_true", help="With --setup: make every request open.")
    parser.add_argument("--breach", type=float, default=0.5, help="%% of clocks past due, not flipped yet.")
    parser.add_argument("--warn", type=float, default=1.0, help="%% of clocks past their warning share.")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1, help="Sweep in this many processes at once.")
    parser.add_argument(
        "--threads", action="store_true", help="With --workers: threads of one process (Huey's thread workers)."
    )
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--queries", action="store_true", help="Sweep 1's database time per kind of statement.")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="Profile sweep 1 (cProfile, one sweeper): top N by own time.",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: DATABASE_URL=postgres://…/sla_bench")
    name = connection.settings_dict["NAME"]
    if args.setup and "bench" not in name:
        sys.exit(f"--setup rewrites clocks and requests: refusing on {name!r} (its name must contain 'bench').")
    print(f"python {sys.version.split()[0]}; database {name}; command: {' '.join(sys.argv)}")
    if args.setup:
        setup(args)
    before = expected()
    print("data: " + ", ".join(f"{k} {v:,}" for k, v in before.items()))
    if args.explain:
        explain()
    held = hold_kpi_drain()
    # A worker (``run_huey``, ``manage.py sla_sweep``) runs Django's system checks when it
    # starts, which import the URLconf: a sweep never pays that import. Here too.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf
    cpu = CpuTimes()
    started = time.perf_counter()
    if args.workers > 1:
        parallel = sweep_in_threads if args.threads else sweep_in_parallel
        result = parallel(args.workers, args.batch, cpu)
    elif args.queries:
        times = QueryTimes()
        with cpu, connection.execute_wrapper(times):
            result = sla_sweep(batch=args.batch)
    elif args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        with cpu:
            result = profiler.runcall(sla_sweep, batch=args.batch)
    else:
        with cpu:
            result = sla_sweep(batch=args.batch)
    elapsed = time.perf_counter() - started
    if args.profile and args.workers <= 1:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
    if args.queries and args.workers <= 1:
        times.report()
    kind = "threads" if args.threads else "processes"
    label = f"{args.workers} sweepers at once ({kind})" if args.workers > 1 else "one sweeper"
    print(f"sweep 1 (backlog, {label}): {elapsed:.2f} s  {result.as_dict()}")
    print(f"  {cpu} (load average {', '.join(f'{x:.2f}' for x in os.getloadavg())})")
    due = before["due breaches"] + before["due warnings"]
    print(
        f"  {due:,} due of {before['clocks']:,} clocks ({due / max(before['clocks'], 1):.2%}): {due / elapsed:,.0f} due rows/s"
    )
    log = SlaEscalation.objects.count()
    checks = {
        "flipped == due breaches": result.flipped == before["due breaches"],
        "warned == due warnings": result.warned == before["due warnings"],
        "one level-1 per breach": result.escalated == before["due breaches"],
        "log rows == warned + escalated": log == result.warned + result.escalated,
        "old breaches untouched": SlaClock.objects.filter(state="breached", escalation_level=4).count()
        == before["old breaches"],
    }
    print("  checks: " + ", ".join(f"{k}: {'ok' if v else 'FAILED'}" for k, v in checks.items()))
    started = time.perf_counter()
    again = sla_sweep(batch=args.batch)
    print(f"sweep 2 (nothing due): {(time.perf_counter() - started) * 1000:.1f} ms  {again.as_dict()}")
    if held or args.workers > 1:
        started = time.perf_counter()
        facts = kpi_drain()
        print(
            f"KPI drain the sweep queued (a worker task of its own, not the sweep; kpis app): "
            f"{time.perf_counter() - started:.2f} s, {facts:,} requests' facts"
        )


if __name__ == "__main__":
    main()
