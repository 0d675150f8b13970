"""Foundation benchmark: request intake and the queue against a big database.

Starts the app with gunicorn on a free port on 127.0.0.1, then measures with concurrent
clients (threads, one keep-alive connection each, standard library only):

  create   POST /api/requests (Bearer token, a distinct Idempotency-Key per call)
  list     GET /api/requests?...  (Bearer token) with filters and with search
  queue    GET /requests/?...     (session login) with the same filters and searches

and prints throughput, p50/p95/max per scenario, the machine, and the command that
reproduces the figures. Prepare the database first (see bench/README.md):

  SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py migrate
  SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py demo_data --requests 1000000 --seed 1
  SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/foundation.py

The database is chosen exactly as the app chooses it (DATABASE_URL, else SQLITE_PATH).
``--explain`` (PostgreSQL) prints EXPLAIN ANALYZE of each read scenario's page query.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
HOST = "127.0.0.1"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (threads)")
    p.add_argument("--creates", type=int, default=800, help="POST /api/requests calls in total")
    p.add_argument("--reads", type=int, default=80, help="GETs per read scenario (list and queue each)")
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")), help="gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the read queries (PostgreSQL)")
    p.add_argument("--json", type=Path, help="also write the figures to this file (e.g. bench/results/x.json)")
    return p.parse_args()


# --- setup (in process, through the services) ------------------------------------------


def prepare(rng: random.Random, samples: int = 200):
    import django

    django.setup()
    from django.db import connection

    from aftersales.accounts.demo import DEMO_PASSWORD
    from aftersales.accounts.models import User
    from aftersales.accounts.services import api_token_create
    from aftersales.core.phones import phone_display
    from aftersales.tickets.models import ServiceRequest

    agent = User.objects.filter(username="agent").first()
    if agent is None:
        sys.exit("No demo logins: run `manage.py demo_data --requests N` first.")
    total = ServiceRequest.objects.count()
    if total == 0:
        sys.exit("No service requests: run `manage.py demo_data --requests N` first.")
    _token, secret = api_token_create(actor=agent, user=agent, name=f"bench {datetime.datetime.now():%Y-%m-%d %H:%M}")
    top = ServiceRequest.objects.order_by("-id").values_list("id", flat=True).first()
    ids = [rng.randint(1, top) for _ in range(samples * 3)]
    rows = list(
        ServiceRequest.objects.filter(id__in=ids, unit__isnull=False).values(
            "number", "customer_id", "unit_id", "contact_phone", "customer__name", "unit__serial_number", "region_id"
        )[:samples]
    )
    if not rows:
        sys.exit("No requests with units to sample from.")
    return {
        "vendor": connection.vendor,
        "database": connection.settings_dict["NAME"],
        "requests": total,
        "secret": secret,
        "username": "agent",
        "password": DEMO_PASSWORD,
        "rows": rows,
        "phone_national": lambda e164: phone_display(e164).replace(" ", ""),
    }


def read_scenarios(rng: random.Random, data) -> list[tuple[str, list[dict]]]:
    """(name, [query params, ...]): each scenario cycles through its parameter sets."""
    today = datetime.date.today()
    rows = data["rows"]
    week = [
        {
            "created_from": str(today - datetime.timedelta(days=d + 7)),
            "created_to": str(today - datetime.timedelta(days=d)),
        }
        for d in (0, 30, 90, 200)
    ]
    return [
        ("default (newest first)", [{}]),
        ("status=new", [{"status": "new"}]),
        ("status=waiting_parts&priority=urgent", [{"status": "waiting_parts", "priority": "urgent"}]),
        ("open statuses, most urgent first", [{"status": ["new", "acknowledged", "assigned"], "sort": "priority"}]),
        ("region, most urgent first", [{"region": r["region_id"], "sort": "priority"} for r in rows[:20]]),
        ("created in a 7-day window", week),
        ("in_warranty&service_type=repair", [{"in_warranty": "true", "service_type": "repair"}]),
        ("search: number", [{"q": r["number"]} for r in rows]),
        ("search: phone", [{"q": data["phone_national"](r["contact_phone"])} for r in rows]),
        ("search: serial", [{"q": r["unit__serial_number"]} for r in rows]),
        ("search: name", [{"q": r["customer__name"]} for r in rows]),
    ]


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, threads: int, env: dict | None = None) -> subprocess.Popen:
    """gunicorn as scripts/run starts it (gthread workers); returns once it answers the login page."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True)
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "aftersales.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            sys.exit("gunicorn exited during start-up")
    stop_server(proc)
    sys.exit("gunicorn did not answer within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- the clients ------------------------------------------------------------------------


class Client:
    """One keep-alive connection; ``call`` returns (status, seconds, body)."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.port = port
        self.headers = headers
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        all_headers = {**self.headers, **(headers or {})}
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, time.perf_counter() - started, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def session_cookie(port: int, username: str, password: str) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"},
    )
    response = conn.getresponse()
    response.read()
    match = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or not match:
        sys.exit(f"login failed ({response.status})")
    return f"csrftoken={csrf_cookie}; sessionid={match.group(1)}"


def run_concurrently(clients: list[Client], jobs: list, work) -> tuple[list[float], list[int], float]:
    """Spread ``jobs`` over the clients; returns (latencies, statuses, wall seconds)."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    queue = list(reversed(jobs))

    def loop(client):
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            status, seconds = work(client, job)
            with lock:
                latencies.append(seconds)
                statuses.append(status)

    return latencies, statuses, run_clients(clients, loop)


def create_body(row: dict, description: str) -> dict:
    """The body of one API create for a sampled customer and unit (a phone-call repair)."""
    return {
        "customer_id": row["customer_id"],
        "unit_id": row["unit_id"],
        "channel": "phone",
        "service_type": "repair",
        "priority": "normal",
        "description": description,
    }


def run_clients(clients: list, loop) -> float:
    """Run ``loop(client)`` on a thread per client; the wall-clock seconds until all are done."""
    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def summary(name: str, latencies: list[float], statuses: list[int], wall: float) -> dict:
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    ok = sum(1 for s in statuses if 200 <= s < 300)
    return {
        "scenario": name,
        "calls": len(latencies),
        "ok": ok,
        "per_s": len(latencies) / wall if wall else 0.0,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": pct(95),
        "max_ms": ordered[-1] * 1000,
    }


def print_row(r: dict) -> None:
    flag = "" if r["ok"] == r["calls"] else f"  !! {r['calls'] - r['ok']} not 2xx"
    print(
        f"  {r['scenario']:<44} {r['calls']:>5} calls {r['per_s']:>7.1f}/s  "
        f"p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  max {r['max_ms']:>7.1f} ms{flag}"
    )


# --- main ---------------------------------------------------------------------------------


def explain(scenarios) -> None:
    from django.db import connection
    from django.http import QueryDict

    from aftersales.accounts.models import User
    from aftersales.tickets.filters import DEFAULT_SORT, SORTS, ServiceRequestFilter
    from aftersales.tickets.selectors import request_list_for

    if connection.vendor != "postgresql":
        print("\n--explain: PostgreSQL only")
        return
    user = User.objects.get(username="agent")
    for name, params_list in scenarios:
        params = QueryDict(mutable=True)
        for key, value in params_list[0].items():
            params.setlist(key, value if isinstance(value, list) else [str(value)])
        qs = ServiceRequestFilter(params, queryset=request_list_for(user)).qs
        order = SORTS[params.get("sort") or DEFAULT_SORT]
        print(f"\n=== EXPLAIN ANALYZE: {name} {dict(params.lists())}")
        print(qs.order_by(*order)[:26].explain(analyze=True, buffers=True))


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    data = prepare(rng)
    scenarios = read_scenarios(rng, data)
    command = " ".join(
        [f"{k}={shlex.quote(os.environ[k])}" for k in ("DATABASE_URL", "SQLITE_PATH") if os.environ.get(k)]
        + [".venv/bin/python", "bench/foundation.py", *map(shlex.quote, sys.argv[1:])]
    )
    print(f"Foundation benchmark — {data['vendor']} ({data['database']}), {data['requests']:,} service requests")
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
        f"gunicorn {args.workers} workers × {args.threads} threads (gthread); {args.clients} concurrent clients"
    )
    if args.explain:
        explain(scenarios)
    from django.db import connections

    connections.close_all()  # no connection held open across the fork of gunicorn

    port = free_port()
    server = start_server(port, args.workers, args.threads)
    results = []
    try:
        bearer = {"Authorization": f"Bearer {data['secret']}", "Accept": "application/json"}
        api_clients = [Client(port, bearer) for _ in range(args.clients)]
        cookie = session_cookie(port, data["username"], data["password"])
        page_clients = [Client(port, {"Cookie": cookie}) for _ in range(args.clients)]

        def get(client, path):
            status, seconds, _body = client.call("GET", path)
            return status, seconds

        rows = data["rows"]

        def create(client, i):
            row = rows[i % len(rows)]
            payload = create_body(row, f"压测工单 {i}：空调不制冷，出风是热风")
            status, seconds, _body = client.call(
                "POST",
                "/api/requests",
                body=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
            )
            return status, seconds

        # warm up every worker and connection
        run_concurrently(api_clients, ["/api/requests?size=25"] * args.clients * 2, get)
        run_concurrently(page_clients, ["/requests/"] * args.clients * 2, get)

        print("\nAPI create (POST /api/requests)")
        results.append(summary("create", *run_concurrently(api_clients, list(range(args.creates)), create)))
        print_row(results[-1])

        for label, clients, prefix in (
            ("API list (GET /api/requests)", api_clients, "/api/requests?"),
            ("queue page (GET /requests/)", page_clients, "/requests/?"),
        ):
            print(f"\n{label}")
            for name, params_list in scenarios:
                paths = [
                    prefix + urllib.parse.urlencode(params_list[i % len(params_list)], doseq=True)
                    for i in range(args.reads)
                ]
                r = summary(f"{'list' if 'api' in prefix else 'queue'}: {name}", *run_concurrently(clients, paths, get))
                results.append(r)
                print_row(r)
    finally:
        stop_server(server)
    print(f"\nreproduce: {command}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"vendor": data["vendor"], "requests": data["requests"], "command": command, "results": results},
                indent=2,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
