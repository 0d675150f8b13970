"""Demo SLA picture (see ``core.demos``), relative to now, computed by the real SLA engine.

- ``demo_reference``: leaves ``ctx.data["sla_checkpoint"]`` and ``["sla_settle"]`` (a late visit of the
  history escalated while it was late: the clocks and the sweep at that moment, then after the visit) and
  ``ctx.data["sla_filed_at"]``, a function the requests' demo (``tickets.demo``,
  which may not import this app) calls to place an open request in time: given the request's facts and the
  targets still running at its status, when it must have been filed so that ``fraction`` of its tightest
  target is used now (0.5: on time, 0.9: at risk, 1.1: breached) — on the matching rules and their
  business calendars, as the clocks will count it.
- ``demo_load``: the clocks of every demo request but the jobs booked today and tomorrow (computed by
  ``demo_finish``, after their visits) computed now (``sla_refresh_many``), then the sweep
  replayed at each moment a warning or an escalation level fell due since the breaches, in order, so
  the escalation log and the notifications carry the times they would have had with the worker running
  (levels spread over the hours and days of the breaches, not all in the minute the demo is loaded).
- ``demo_finish``: the same for what the apps above changed or filed afterwards (visits booked and made,
  repairs of returns ...), so the worker finds nothing overdue to catch up on when it starts.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from .businesstime import business_time_between
from .escalation import sla_sweep
from .models import SlaClock, SlaRefreshPending
from .rules import RequestFacts
from .selectors import policy_rules_active, targets_for_facts
from .services import sla_refresh_many

DEMO_ORDER = 50
SEARCH_DAYS = 30
MAX_SWEEPS = 400


def sla_filed_at(
    *,
    service_type: str,
    priority: str,
    customer_tier: int | None,
    region_class: str,
    channel: str,
    product_category_id: int | None,
    kinds: tuple[str, ...],
    fraction: float,
    now: dt.datetime,
    rules=None,
) -> dt.datetime | None:
    """When a request with these facts must have been filed so that ``fraction`` of the tightest of its
    targets ``kinds`` is used at ``now`` (business time on the rule's calendar); None when the rules set
    none of them."""
    facts = RequestFacts(service_type, priority, customer_tier, region_class, channel, product_category_id)
    targets = targets_for_facts(facts, rules if rules is not None else policy_rules_active())
    found = []
    for kind in kinds:
        spec = targets.get(kind)
        if spec is None:
            continue
        wanted = spec.duration * fraction
        low, high = now - dt.timedelta(days=SEARCH_DAYS), now
        for _step in range(36):  # business time used is monotone in the filing moment
            middle = low + (high - low) / 2
            if business_time_between(spec.calendar, middle, now) > wanted:
                low = middle
            else:
                high = middle
        found.append(high.replace(microsecond=0))
    return max(found) if found else None


def sla_checkpoint(request, at: dt.datetime) -> None:
    """The clocks of ``request`` as the worker saw them at ``at`` (its history so far), and what the sweep
    did up to then (a late visit escalated while it was late)."""
    sla_refresh_many([request.pk], now=at)
    demo_sweeps_replay(now=at)


def sla_settle(request) -> None:
    """The clocks of ``request`` after the rest of its history (a late visit met late: nothing pending)."""
    sla_refresh_many([request.pk], now=timezone.now())


def demo_reference(ctx) -> None:
    rules = policy_rules_active()
    ctx.data["sla_filed_at"] = lambda **kwargs: sla_filed_at(rules=rules, **kwargs)
    ctx.data["sla_checkpoint"] = sla_checkpoint
    ctx.data["sla_settle"] = sla_settle


def demo_sweeps_replay(*, now: dt.datetime) -> int:
    """Run the sweep at every moment something fell due (a warning, a breach, the next level), oldest first,
    up to ``now``; returns how many sweeps ran."""
    sweeps = 0
    while sweeps < MAX_SWEEPS:
        due = SlaClock.objects.aggregate(warn=Min("warn_at"), escalate=Min("escalate_at"))
        moments = [m for m in (due["warn"], due["escalate"]) if m is not None and m <= now]
        if not moments:
            break
        sla_sweep(now=min(min(moments) + dt.timedelta(seconds=30), now))  # never a sweep after ``now``
        sweeps += 1
    sla_sweep(now=now)
    return sweeps + 1


def demo_load(ctx) -> None:
    from aftersales.tickets.models import ServiceRequest

    now = timezone.now()
    # Not yet the jobs dispatch books into today and tomorrow (``ctx.data["to_book"]``): today's were filed
    # last evening and are visited by ``field.demo`` this morning, so now, before their visits are on
    # record, their on-site targets may look past due and the sweep would escalate a visit made on time.
    # ``demo_finish`` computes them with the rest.
    to_book = {request.pk for request in ctx.data.get("to_book", [])}
    ids = [pk for pk in ServiceRequest.objects.values_list("pk", flat=True) if pk not in to_book]
    sla_refresh_many(ids, now=now)
    SlaRefreshPending.objects.filter(request_id__in=ids).delete()
    sweeps = demo_sweeps_replay(now=now)
    ctx.log(f"SLA clocks of {len(ids)} requests, {sweeps} sweeps")


def demo_finish(ctx) -> None:
    from aftersales.tickets.models import ServiceRequest

    # Every request again (about ten queries): the changes of the apps above may not have marked their
    # requests pending yet (the marks are written on commit).
    now = timezone.now()
    ids = list(ServiceRequest.objects.values_list("pk", flat=True))
    sla_refresh_many(ids, now=now)
    SlaRefreshPending.objects.filter(request_id__in=ids).delete()
    sweeps = demo_sweeps_replay(now=now)
    ctx.log(f"SLA clocks of {len(ids)} requests after the other apps, {sweeps} sweeps")
