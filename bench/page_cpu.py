"""CPU per server-rendered page, in process: the request page and the queue page.

Logs in as a demo user (default: the dispatcher) with Django's test client, ``DEBUG=False``
and plain static storage (as ``bench/kpis.py`` does), and loads several request pages
(``GET /requests/<id>/``) and several queue URLs (``GET /requests/?...``: the filters a
dispatcher uses and searches by number, phone, name and a description word). After a
warm-up, each URL is loaded ``--loads`` times and the process CPU time of each load
(``time.process_time``) is kept. Prints mean and median CPU ms per URL and per page kind,
the queries and the Python function calls of one load (a count that does not move with the
machine's load), the machine's load and the command that reproduces the figures.

No server, no big database: the demo data is enough (the Python side is what is measured;
on SQLite the database's own CPU is in the process and counted too, on PostgreSQL it is
not). Figures are relative: compare before/after on the same machine in the same run.

    SQLITE_PATH=/tmp/pages.sqlite3 .venv/bin/python manage.py migrate
    SQLITE_PATH=/tmp/pages.sqlite3 .venv/bin/python manage.py demo_data
    SQLITE_PATH=/tmp/pages.sqlite3 .venv/bin/python bench/page_cpu.py
    ... bench/page_cpu.py --loads 50 --only page --profile 20     # cProfile, 20 costliest functions
    ... bench/page_cpu.py --only queue --sample                   # pyinstrument (requirements-dev)
    ... bench/page_cpu.py --dump /tmp/pages-before                # the HTML of every URL, to diff

``--dump`` writes each URL's HTML with the CSRF tokens blanked (they change on every load), so
two dumps of the same data can be compared with ``diff -r`` after a change.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

KINDS = ("page", "queue")
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--user", default="dispatcher", help="demo login (dispatcher, manager, agent ...)")
    p.add_argument("--loads", type=int, default=30, help="measured loads per URL")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured loads per URL first")
    p.add_argument("--pages", type=int, default=6, help="request pages to load")
    p.add_argument("--lang", default="", help="Accept-Language (default: the site's language)")
    p.add_argument("--only", choices=KINDS, help="only the request pages or only the queue")
    p.add_argument("--profile", type=int, metavar="N", help="cProfile the measured loads; print the N costliest")
    p.add_argument(
        "--sample",
        action="store_true",
        help="profile the measured loads with pyinstrument (sampling: fair to small calls)",
    )
    p.add_argument("--dump", type=Path, help="write each URL's HTML (CSRF tokens blanked) to this directory")
    return p.parse_args()


def urls_for(user, pages: int) -> dict[str, list[tuple[str, str]]]:
    """(label, URL) per kind: request pages of different statuses, and the dispatcher's queue."""
    from urllib.parse import urlencode

    from aftersales.tickets.models import ServiceRequest
    from aftersales.tickets.selectors import request_list_for

    visible = request_list_for(user)
    picked, seen = [], set()
    # One request per status first (their pages differ: actions, SLA, visits, follow-up).
    for row in visible.order_by("status", "-id").values("id", "status", "number"):
        if row["status"] not in seen:
            seen.add(row["status"])
            picked.append(row)
    picked = picked[:pages]
    sample = (
        ServiceRequest.objects.filter(pk__in=visible.values("pk"), unit__isnull=False, region__isnull=False)
        .order_by("-id")
        .values("number", "contact_phone", "customer__name", "region_id")
        .first()
    )
    if not picked or sample is None:
        sys.exit("No service requests: run `manage.py demo_data` first.")
    queue = [
        ("default (newest first)", {}),
        ("open, most urgent first", {"status": ["new", "acknowledged", "assigned"], "sort": "priority"}),
        ("waiting for parts + urgent", {"status": "waiting_parts", "priority": "urgent"}),
        ("region, most urgent first", {"region": sample["region_id"], "sort": "priority"}),
        ("search number", {"q": sample["number"][:10]}),
        ("search phone", {"q": sample["contact_phone"][-4:]}),
        ("search name", {"q": sample["customer__name"]}),
        ("search word + status", {"q": "漏水", "status": ["new", "acknowledged"]}),
        ("search E4", {"q": "E4"}),
    ]
    return {
        "page": [(f"request {r['number']} ({r['status']})", f"/requests/{r['id']}/") for r in picked],
        "queue": [(label, "/requests/?" + urlencode(params, doseq=True)) for label, params in queue],
    }


def python_calls(client, url) -> int:
    """The Python function calls of one load (cProfile's count): the same for the same code and
    data whatever the machine's load, so a change's effect shows where CPU times are noise."""
    import cProfile
    import pstats

    counter = cProfile.Profile()
    counter.enable()
    client.get(url)
    counter.disable()
    return pstats.Stats(counter).total_calls


def main():
    args = parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from aftersales.accounts.models import User

    user = User.objects.filter(username=args.user).first()
    if user is None:
        sys.exit(f"No demo login {args.user!r}: run `manage.py demo_data` first.")
    headers = {"HTTP_ACCEPT_LANGUAGE": args.lang} if args.lang else {}
    client = Client(**headers)
    client.force_login(user)
    urls = urls_for(user, args.pages)
    kinds = [args.only] if args.only else list(KINDS)
    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    elif args.sample:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
    results: dict[str, list] = {}
    with override_settings(STORAGES=plain, DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for kind in kinds:
            results[kind] = []
            for label, url in urls[kind]:
                for _ in range(args.warmup):
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                nq = len(queries)  # read now: the next request clears the connection's log
                calls = python_calls(client, url)
                if args.dump:
                    args.dump.mkdir(parents=True, exist_ok=True)
                    name = re.sub(r"[^\w.-]+", "_", f"{kind}-{label}")[:80]
                    (args.dump / f"{name}.html").write_text(CSRF.sub(r"\1", response.content.decode()))
                times = []
                for _ in range(args.loads):
                    if profiler:
                        profiler.start() if args.sample else profiler.enable()
                    t = time.process_time()
                    client.get(url)
                    times.append((time.process_time() - t) * 1000)
                    if profiler:
                        profiler.stop() if args.sample else profiler.disable()
                results[kind].append((label, url, times, nq, calls, len(response.content)))

    print(
        f"{connection.vendor} {connection.settings_dict['NAME']}; user {args.user}; "
        f"{args.loads} loads per URL after {args.warmup} warm-up; language {args.lang or 'default'}"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    for kind in kinds:
        print(f"\n{kind}: CPU ms per load          mean  median  queries    calls    bytes")
        everything, all_calls = [], 0
        for label, _url, times, nq, calls, size in results[kind]:
            everything += times
            all_calls += calls
            print(
                f"  {label[:32]:32} {statistics.mean(times):6.2f} {statistics.median(times):7.2f} {nq:8d} {calls:8d}"
                f" {size:8d}"
            )
        mean_calls = all_calls // len(results[kind])
        print(
            f"  {'all':32} {statistics.mean(everything):6.2f} {statistics.median(everything):7.2f} {'':8} {mean_calls:8d}"
        )
    if profiler and args.sample:
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    elif profiler:
        import pstats

        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    env = " ".join(f"{k}={os.environ[k]}" for k in ("SQLITE_PATH", "DATABASE_URL") if os.environ.get(k))
    print(f"\nreproduce: {env} .venv/bin/python bench/page_cpu.py {shlex.join(sys.argv[1:])}".replace("  ", " "))


if __name__ == "__main__":
    main()
