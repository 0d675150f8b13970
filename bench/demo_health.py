"""The demo's health picture: what a buyer sees after ``manage.py demo_data`` (not a benchmark: figures only).

Runs what the worker does in its first minute (pending clock refreshes, one SLA sweep), then prints the SLA
state of the open requests (on time / at risk / breached, by each one's most pressing target), escalations
per level and day, unread notifications per user, jobs outside their technician's regions, each
technician's visits today and tomorrow, follow-ups, surveys, complaints and returns by state.

    SQLITE_PATH=var/demo.sqlite3 .venv/bin/python manage.py migrate
    SQLITE_PATH=var/demo.sqlite3 .venv/bin/python manage.py demo_data
    SQLITE_PATH=var/demo.sqlite3 .venv/bin/python bench/demo_health.py [--json] [--no-worker]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")


def picture(*, now: dt.datetime | None = None) -> dict:
    from django.db.models import Avg, Count
    from django.utils import timezone

    from aftersales.complaints.models import Complaint
    from aftersales.dispatch.models import Appointment, RoutePlan, TechnicianProfile
    from aftersales.feedback.models import FollowUp, Survey
    from aftersales.notifications.models import Notification
    from aftersales.returns.models import Rma
    from aftersales.sla.models import SlaEscalation
    from aftersales.sla.selectors import sla_headline, sla_statuses
    from aftersales.tickets.choices import Status
    from aftersales.tickets.models import ServiceRequest

    now = now or timezone.now()
    done = [Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED, Status.CANCELLED]
    open_requests = ServiceRequest.objects.exclude(status__in=done).prefetch_related("sla_clocks__calendar")
    zones = Counter()
    for request in open_requests:
        head = sla_headline(sla_statuses(request.sla_clocks.all(), now=now, request_status=request.status))
        colour = head.colour if head else "ok"
        zones["breached" if colour == "breached" else "at_risk" if colour == "warning" else "on_time"] += 1
    total = sum(zones.values()) or 1
    levels = Counter(SlaEscalation.objects.values_list("level", flat=True))
    days = Counter(
        timezone.localtime(at).date().isoformat() for at in SlaEscalation.objects.values_list("at", flat=True)
    )
    minutes = SlaEscalation.objects.exclude(level=0).values("at").distinct().count()
    unread = dict(
        Notification.objects.filter(read_at__isnull=True)
        .values_list("recipient__username")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    outside = []
    today = timezone.localdate(now)
    visits: dict[str, dict] = {}
    for profile in TechnicianProfile.objects.select_related("user").prefetch_related("regions"):
        served = {r.pk for r in profile.regions.all()}
        jobs = ServiceRequest.objects.filter(assigned_technician=profile.user)
        outside += list(jobs.exclude(region_id__in=served).values_list("number", flat=True))
        booked = Appointment.objects.filter(technician=profile.user).exclude(status__in=["moved", "cancelled"])
        visits[profile.user.username] = {
            "region": ",".join(sorted(r.code for r in profile.regions.all())),
            "today": booked.filter(window_start__date=today).count(),
            "tomorrow": booked.filter(window_start__date=today + dt.timedelta(days=1)).count(),
            "routes": RoutePlan.objects.filter(technician=profile.user, day__gte=today).count(),
        }
    missed = (
        Appointment.objects.filter(status="confirmed", window_end__lt=now, request__visits__isnull=True)
        .values_list("request__number", flat=True)
        .distinct()
    )
    return {
        "now": timezone.localtime(now).isoformat(timespec="minutes"),
        "open": total,
        "sla": {k: zones[k] for k in ("on_time", "at_risk", "breached")},
        "sla_share": {k: round(100 * zones[k] / total, 1) for k in ("on_time", "at_risk", "breached")},
        "escalations_per_level": dict(sorted(levels.items())),
        "escalations_per_day": dict(sorted(days.items())),
        "escalation_distinct_moments": minutes,
        "unread_notifications": unread,
        "jobs_outside_regions": len(outside),
        "jobs_outside_regions_first": outside[:5],
        "visits": visits,
        "visits_missed": list(missed),
        "followups": dict(Counter(FollowUp.objects.values_list("status", flat=True))),
        "surveys": dict(Counter(Survey.objects.values_list("status", flat=True))),
        "satisfaction_mean": Survey.objects.filter(status="answered").aggregate(a=Avg("overall"))["a"],
        "satisfaction": dict(
            sorted(Counter(Survey.objects.filter(status="answered").values_list("overall", flat=True)).items())
        ),
        "complaints": dict(Counter(Complaint.objects.values_list("status", flat=True))),
        "complaint_escalation_levels": dict(Counter(Complaint.objects.values_list("escalation_level", flat=True))),
        "returns": dict(Counter(Rma.objects.values_list("status", flat=True))),
        "requests": dict(Counter(ServiceRequest.objects.values_list("status", flat=True))),
    }


def worker_first_minute() -> None:
    """What the worker does on start: refresh the clocks marked pending, one sweep, deliver the outbox."""
    from aftersales.notifications.services import outbox_deliver
    from aftersales.sla.escalation import sla_sweep
    from aftersales.sla.services import sla_refresh_pending

    while sla_refresh_pending():
        pass
    sla_sweep()
    outbox_deliver()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-worker", action="store_true", help="Do not run the worker's first minute first.")
    args = parser.parse_args()
    import django

    django.setup()
    if not args.no_worker:
        worker_first_minute()
    figures = picture()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1, default=str))
        return
    for key, value in figures.items():
        if key == "visits":
            print("visits:")
            for name, v in value.items():
                print(f"  {name:14} {v}")
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
