"""Closed-loop load test with CPU accounting: intake, queue, list, request page, detail.

Starts the app the README's way (``scripts/run``: gunicorn gthread workers and the Huey
worker, ``manage.py run_huey``) on a free port on 127.0.0.1, against the database the
environment selects, then runs every scenario for a fixed time with C concurrent clients
(threads, one keep-alive connection each, standard library only; each client sends its
next request as soon as the last one answered). For each scenario it prints throughput,
p50/p95/p99, errors and the CPU milliseconds per request spent by the web workers, the
background worker and PostgreSQL (read from /proc before and after: far steadier than
throughput on a shared machine). Background work a scenario leaves (SLA refreshes, KPI
fact refreshes) is waited for and counted against it.

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench .venv/bin/python bench/load.py
  ... bench/load.py --clients 8 32 --seconds 20 --only create queue

Loopback only; every scenario is bounded by ``--seconds`` (plus at most ``--drain`` s of
waiting for the worker). Each create adds a request (and an SLA refresh) to the database.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foundation import ROOT, Client, create_body, free_port, run_clients, session_cookie, start_server, stop_server  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
TICK = os.sysconf("SC_CLK_TCK")

SCENARIOS = ("create", "create+key", "queue", "list", "page", "detail")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, nargs="+", default=[8, 32], help="concurrency levels")
    p.add_argument("--seconds", type=float, default=20.0, help="duration of each scenario")
    p.add_argument("--drain", type=float, default=60.0, help="max seconds to wait for the worker after a scenario")
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")), help="gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread, as scripts/run)")
    p.add_argument("--only", nargs="+", choices=SCENARIOS, help="run only these scenarios")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of every list scenario and exit")
    return p.parse_args()


# --- setup (in process) ---------------------------------------------------------------


def prepare(rng: random.Random, samples: int = 300) -> dict:
    import django

    django.setup()
    from django.db import connection

    from aftersales.accounts.demo import DEMO_PASSWORD
    from aftersales.accounts.models import User
    from aftersales.accounts.services import api_token_create
    from aftersales.tickets.models import ServiceRequest

    agent = User.objects.filter(username="agent").first()
    if agent is None:
        sys.exit("No demo logins: run `manage.py demo_data --requests N` first.")
    top = ServiceRequest.objects.order_by("-id").values_list("id", flat=True).first()
    if not top:
        sys.exit("No service requests: run `manage.py demo_data --requests N` first.")
    _token, secret = api_token_create(actor=agent, user=agent, name=f"load {datetime.datetime.now():%Y-%m-%d %H:%M}")
    ids = [rng.randint(1, top) for _ in range(samples * 3)]
    rows = list(
        ServiceRequest.objects.filter(id__in=ids, unit__isnull=False).values(
            "id", "number", "customer_id", "unit_id", "customer__name", "unit__serial_number", "region_id"
        )[:samples]
    )
    settings = connection.settings_dict
    return {
        "vendor": connection.vendor,
        "database": settings["NAME"],
        "requests": top,
        "secret": secret,
        "password": DEMO_PASSWORD,
        "rows": rows,
        "pg_version": connection.cursor().connection.info.server_version if connection.vendor == "postgresql" else None,
    }


# What a dispatcher types: filters, sorts and searches (names, numbers, description words).
QUEUE_PARAMS = [
    {"status": ["new", "acknowledged", "assigned"], "sort": "priority"},
    {"status": "waiting_parts", "priority": "urgent"},
    {"status": ["new", "acknowledged"], "q": "漏水"},
    {"q": "E4"},
    {"q": "不制冷", "status": ["new", "acknowledged", "assigned", "accepted", "scheduled", "in_progress"]},
    {"service_type": "repair", "in_warranty": "true"},
    {"sort": "-updated"},
]


def queue_params(rows, i: int) -> dict:
    kind = i % 10
    row = rows[i % len(rows)]
    if kind == 7:
        return {"q": row["customer__name"][:1], "status": ["new", "acknowledged", "assigned"]}
    if kind == 8:
        return {"q": row["number"][:8]}
    if kind == 9:
        return {"region": row["region_id"], "sort": "priority", "q": row["customer__name"]}
    return QUEUE_PARAMS[kind % len(QUEUE_PARAMS)]


# --- CPU from /proc ---------------------------------------------------------------------


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except FileNotFoundError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(_children(p))
    return pids


def _postgres_pids(database: str) -> list[int]:
    """Backends serving ``database`` and the server's own processes (WAL writer,
    checkpointer, autovacuum…), not backends of other databases on a shared server."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                title = f.read().replace(b"\x00", b" ").decode(errors="replace")
        except OSError:
            continue
        client_backend = "(" in title and ")" in title  # "postgres: user db 127.0.0.1(port) idle"
        if not client_backend or f" {database} " in title:
            pids.append(int(entry))
    return pids


class CpuMeter:
    def __init__(self, web_pid: int, worker_pid: int, database: str | None):
        self.web_pid, self.worker_pid, self.database = web_pid, worker_pid, database

    def sample(self) -> dict[str, dict[int, int]]:
        out = {
            "web": {p: _cpu_ticks(p) for p in _tree(self.web_pid)},
            "worker": {p: _cpu_ticks(p) for p in _tree(self.worker_pid)},
        }
        out["db"] = {p: _cpu_ticks(p) for p in _postgres_pids(self.database)} if self.database else {}
        return out

    @staticmethod
    def ms(before: dict, after: dict) -> dict[str, float]:
        """CPU ms used between two samples (a process that ended in between is lost)."""
        return {part: sum(t - before[part].get(p, 0) for p, t in after[part].items()) * 1000 / TICK for part in after}


# --- the server -------------------------------------------------------------------------


def start(port: int, workers: int, threads: int) -> tuple[subprocess.Popen, subprocess.Popen]:
    """gunicorn and the Huey worker, as scripts/run starts them."""
    env = {k: v for k, v in os.environ.items() if k != "HUEY_IMMEDIATE"}
    worker = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--quiet"], cwd=ROOT, env=env)
    try:
        web = start_server(port, workers, threads, env=env)
    except SystemExit:
        stop_server(worker)
        raise
    return web, worker


# --- the load -----------------------------------------------------------------------------


def closed_loop(clients: list[Client], seconds: float, work) -> tuple[list[float], list[int], float]:
    """Every client calls ``work(client, i)`` back to back until ``seconds`` have passed."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + seconds

    def loop(client):
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter)
            try:
                status, elapsed = work(client, i)
            except Exception:  # noqa: BLE001 - a failed call is an error, counted
                status, elapsed = 599, 0.0
            with lock:
                latencies.append(elapsed)
                statuses.append(status)

    return latencies, statuses, run_clients(clients, loop)


def pending_marks() -> int:
    """Work the scenario left for the worker: SLA refreshes and KPI fact refreshes still listed."""
    from aftersales.kpis.models import KpiPending
    from aftersales.sla.models import SlaRefreshPending

    return SlaRefreshPending.objects.count() + KpiPending.objects.count()


def wait_for_worker(meter: CpuMeter, limit: float) -> None:
    """Until nothing is left listed for the worker (SLA refreshes, KPI facts: a KPI drain is
    queued two seconds after the change) and it has been idle for a second, or ``limit``."""
    deadline = time.monotonic() + limit
    last = sum(meter.sample()["worker"].values())
    idle = 0
    while time.monotonic() < deadline and (idle < 2 or pending_marks()):
        time.sleep(0.5)
        now = sum(meter.sample()["worker"].values())
        idle = idle + 1 if now - last == 0 else 0
        last = now


def pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000 if ordered else 0.0


def report(name: str, clients: int, latencies, statuses, wall, cpu: dict[str, float]) -> dict:
    ordered = sorted(latencies)
    n = len(latencies) or 1
    errors = sum(1 for s in statuses if not 200 <= s < 300)
    row = {
        "scenario": name,
        "clients": clients,
        "calls": len(latencies),
        "errors": errors,
        "per_s": len(latencies) / wall if wall else 0.0,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else 0.0,
        "p95_ms": pct(ordered, 95),
        "p99_ms": pct(ordered, 99),
        "cpu_web_ms": cpu["web"] / n,
        "cpu_worker_ms": cpu["worker"] / n,
        "cpu_db_ms": cpu["db"] / n,
    }
    row["cpu_total_ms"] = row["cpu_web_ms"] + row["cpu_worker_ms"] + row["cpu_db_ms"]
    flag = f"  !! {errors} errors" if errors else ""
    print(
        f"  {name:<12} c={clients:<3} {row['calls']:>6} calls {row['per_s']:>7.1f}/s  "
        f"p50 {row['p50_ms']:>6.1f}  p95 {row['p95_ms']:>6.1f}  p99 {row['p99_ms']:>6.1f} ms  "
        f"CPU/req web {row['cpu_web_ms']:>5.1f} + worker {row['cpu_worker_ms']:>5.1f} + db {row['cpu_db_ms']:>5.1f} "
        f"= {row['cpu_total_ms']:>5.1f} ms{flag}",
        flush=True,
    )
    return row


def explain(rows) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each list scenario's two queries: the page's keys and
    the capped count (the rows themselves are then read by primary key)."""
    from django.db import connection
    from django.http import QueryDict

    from aftersales.accounts.models import User
    from aftersales.core.pagination import COUNT_CAP
    from aftersales.tickets.filters import DEFAULT_SORT, SORTS, ServiceRequestFilter
    from aftersales.tickets.selectors import SPLIT_SORTS, request_list_for

    user = User.objects.get(username="agent")
    seen = set()
    for i in range(10):
        params = queue_params(rows, i)
        key = urllib.parse.urlencode(params, doseq=True)
        if key in seen:
            continue
        seen.add(key)
        qd = QueryDict(key)
        filterset = ServiceRequestFilter(qd, queryset=request_list_for(user))
        qs = filterset.qs
        sort = qd.get("sort") or DEFAULT_SORT
        order = SORTS[sort]
        page = qs.only(*[n.lstrip("-") for n in order]).order_by(*order)[:26]
        statuses = sorted(set(filterset.form.cleaned_data.get("status") or []))
        if sort in SPLIT_SORTS and not qd.get("q") and len(statuses) > 1:
            # As request_page_for pages it: one ordered, limited range per status, merged.
            keyed = qs.only(*[n.lstrip("-") for n in order])
            branches = [keyed.filter(status=s).order_by(*order)[:26] for s in statuses]
            page = branches[0].union(*branches[1:], all=True).order_by(*order)[:26]
        count = qs.order_by()[: COUNT_CAP + 1]
        for label, q in (("page keys", page), ("count", count)):
            sql, sql_params = q.query.sql_with_params()
            if label == "count":
                sql = f"SELECT count(*) FROM ({sql}) capped"  # noqa: S608 - Django's own SQL
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
                plan = [r[0] for r in cursor.fetchall()]
            print(f"\n=== {key} — {label}")
            print("\n".join(plan))


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    data = prepare(rng)
    if args.explain:
        explain(data["rows"])
        return
    command = " ".join(
        [
            f"{k}={shlex.quote(os.environ[k])}"
            for k in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "PG_PREPARE_THRESHOLD")
            if os.environ.get(k)
        ]
        + [".venv/bin/python", "bench/load.py", *map(shlex.quote, sys.argv[1:])]
    )
    print(f"Load test — {data['vendor']} ({data['database']}), ~{data['requests']:,} service requests")
    print(
        f"machine: {platform.node()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
        f"gunicorn {args.workers} workers × {args.threads} threads (gthread) + Huey worker "
        f"({'Redis' if os.environ.get('REDIS_URL') else 'SQLite queue'}); {args.seconds:.0f} s per scenario"
        + (
            f"; prepared statements: {os.environ.get('PG_PREPARE_THRESHOLD', '5')}"
            if data["vendor"] == "postgresql"
            else ""
        )
    )
    from django.db import connections

    connections.close_all()  # no connection held open across the fork of the servers
    port = free_port()
    web, worker = start(port, args.workers, args.threads)
    meter = CpuMeter(web.pid, worker.pid, data["database"] if data["vendor"] == "postgresql" else None)
    rows = data["rows"]
    chosen = [s for s in SCENARIOS if not args.only or s in args.only]
    results = []
    try:
        bearer = {"Authorization": f"Bearer {data['secret']}", "Accept": "application/json"}
        cookie = session_cookie(port, "agent", data["password"])

        def get(path_of):
            def work(client, i):
                status, seconds, _ = client.call("GET", path_of(i))
                return status, seconds

            return work

        def create(keyed: bool):
            def work(client, i):
                row = rows[i % len(rows)]
                # Words no search scenario looks for: the requests a run files must not change
                # what the next run's searches find (they did: 漏水 and E4 matched thousands of
                # them, and each run's queue and list read more rows than the last).
                body = create_body(row, f"压测工单 {i}：洗衣机脱水时噪音大")
                headers = {"Content-Type": "application/json"}
                if keyed:
                    headers["Idempotency-Key"] = str(uuid.uuid4())
                status, seconds, _ = client.call(
                    "POST", "/api/requests", body=json.dumps(body).encode(), headers=headers
                )
                return status, seconds

            return work

        def qs(i):
            return urllib.parse.urlencode(queue_params(rows, i), doseq=True)

        work_of = {
            "create": (bearer, create(False)),
            "create+key": (bearer, create(True)),
            "queue": ({"Cookie": cookie}, get(lambda i: f"/requests/?{qs(i)}")),
            "list": (bearer, get(lambda i: f"/api/requests?{qs(i)}")),
            "page": ({"Cookie": cookie}, get(lambda i: f"/requests/{rows[i % len(rows)]['id']}/")),
            "detail": (bearer, get(lambda i: f"/api/requests/{rows[i % len(rows)]['id']}")),
        }
        for clients in args.clients:
            print(f"\n{clients} concurrent clients")
            for name in chosen:
                headers, work = work_of[name]
                pool = [Client(port, headers) for _ in range(clients)]
                closed_loop(pool, min(2.0, args.seconds), work)  # warm up connections and caches
                wait_for_worker(meter, args.drain)
                before = meter.sample()
                latencies, statuses, wall = closed_loop(pool, args.seconds, work)
                wait_for_worker(meter, args.drain)
                cpu = CpuMeter.ms(before, meter.sample())
                results.append(report(name, clients, latencies, statuses, wall, cpu))
                for c in pool:
                    c.conn.close()
    finally:
        stop_server(web)
        stop_server(worker)
    print(f"\nreproduce: {command}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {**{k: data[k] for k in ("vendor", "requests")}, "command": command, "results": results},
                indent=2,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
