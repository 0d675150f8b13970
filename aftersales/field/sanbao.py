"""三包 counters per product unit (repair, exchange, return under China's warranty rules).

Counted from the unit's visits, never stored as running numbers:

- repairs of the same fault in warranty: visits checked out as completed, in warranty,
  with that fault;
- days in repair in warranty: for each request of the unit that had an in-warranty visit,
  from filing to completion (or to now while open), summed;
- days waiting for parts in warranty: within those requests, the time spent in "waiting for
  parts" (from entering it to leaving it, or to now), summed — part of the days in repair.

``unit_sanbao_facts`` gives the three to the returns app's eligibility check (R-RET-1).

A unit becomes eligible for exchange or refund — flagged once per reason in ``UnitFlag``
for the returns capability — when a fault already repaired twice in warranty is diagnosed
again, or when its days in repair exceed ``DAYS_LIMIT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from aftersales.core.audit import audit_record

from .choices import Outcome, UnitFlagReason
from .models import UnitFlag, Visit

REPEAT_LIMIT = 2  # repaired this many times and failing again
DAYS_LIMIT = 30


@dataclass
class UnitCounters:
    repairs_by_fault: dict[str, int] = field(default_factory=dict)
    max_same_fault: int = 0
    days_in_repair: float = 0.0
    days_waiting_parts: float = 0.0
    flags: list[UnitFlag] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return bool(self.flags)


def _repairs_by_fault(unit, *, exclude_visit=None) -> dict[int, int]:
    qs = Visit.objects.filter(request__unit=unit, in_warranty=True, outcome=Outcome.COMPLETED, fault__isnull=False)
    if exclude_visit is not None:
        qs = qs.exclude(pk=exclude_visit.pk)
    return {r["fault"]: r["n"] for r in qs.values("fault").annotate(n=Count("id"))}


def days_in_repair(unit, *, now=None) -> float:
    from aftersales.tickets.models import ServiceRequest

    now = now or timezone.now()
    total = 0.0
    for created, completed in (
        ServiceRequest.objects.filter(unit=unit, visits__in_warranty=True)
        .distinct()
        .values_list("created_at", "completed_at")
    ):
        total += ((completed or now) - created).total_seconds() / 86400
    return round(total, 1)


def _warranty_requests(unit):
    from aftersales.tickets.models import ServiceRequest

    return ServiceRequest.objects.filter(unit=unit, visits__in_warranty=True).distinct()


def days_waiting_parts(unit, *, now=None) -> float:
    """Days the unit's in-warranty requests spent waiting for parts (entering the status to leaving it)."""
    from aftersales.tickets.choices import Status
    from aftersales.tickets.models import ServiceRequestEvent

    now = now or timezone.now()
    total = 0.0
    since: dict[int, object] = {}
    events = (
        ServiceRequestEvent.objects.filter(
            request__in=_warranty_requests(unit).values("pk"), kind=ServiceRequestEvent.Kind.TRANSITION
        )
        .order_by("request_id", "at", "id")
        .values_list("request_id", "at", "from_status", "to_status")
    )
    for request_id, at, from_status, to_status in events:
        if from_status == Status.WAITING_PARTS and request_id in since:
            total += (at - since.pop(request_id)).total_seconds() / 86400
        if to_status == Status.WAITING_PARTS:
            since[request_id] = at
    for start in since.values():
        total += max(0.0, (now - start).total_seconds() / 86400)
    return round(total, 1)


@dataclass(frozen=True)
class SanbaoFacts:
    """What the 三包 rules read of a unit's service history (all counted in warranty)."""

    repairs_by_fault: dict[int, int]  # fault id -> completed repairs
    days_in_repair: float
    days_waiting_parts: float

    def repairs_of(self, fault_id: int | None) -> int:
        """Repairs of that fault; without a fault, of the most repaired one."""
        if fault_id is None:
            return max(self.repairs_by_fault.values(), default=0)
        return self.repairs_by_fault.get(fault_id, 0)


def unit_sanbao_facts(unit, *, now=None) -> SanbaoFacts:
    now = now or timezone.now()
    return SanbaoFacts(
        repairs_by_fault=_repairs_by_fault(unit),
        days_in_repair=days_in_repair(unit, now=now),
        days_waiting_parts=days_waiting_parts(unit, now=now),
    )


def unit_counters(unit, *, now=None) -> UnitCounters:
    from .models import Fault

    by_fault = _repairs_by_fault(unit)
    names = dict(Fault.objects.filter(pk__in=by_fault).values_list("pk", "name"))
    return UnitCounters(
        repairs_by_fault={names.get(k, str(k)): v for k, v in by_fault.items()},
        max_same_fault=max(by_fault.values(), default=0),
        days_in_repair=days_in_repair(unit, now=now),
        days_waiting_parts=days_waiting_parts(unit, now=now),
        flags=list(UnitFlag.objects.filter(unit=unit)),
    )


def _flag(unit, reason: str, visit: Visit, facts: dict, now) -> UnitFlag | None:
    if UnitFlag.objects.filter(unit=unit, reason=reason).exists():
        return None
    try:
        with transaction.atomic():
            flag = UnitFlag.objects.create(unit=unit, reason=reason, visit=visit, facts=facts, flagged_at=now)
    except IntegrityError:  # flagged concurrently
        return None
    audit_record(actor=None, action="unit.sanbao_flag", obj=unit, changes={"reason": [None, reason]})
    return flag


def flags_update(*, visit: Visit, now=None) -> list[UnitFlag]:
    """Flag the visit's unit when it just became eligible for exchange or refund."""
    now = now or timezone.now()
    unit = visit.request.unit
    if unit is None or not visit.in_warranty:
        return []
    made = []
    if visit.fault_id and visit.outcome != Outcome.COMPLETED:
        earlier = _repairs_by_fault(unit, exclude_visit=visit).get(visit.fault_id, 0)
        if earlier >= REPEAT_LIMIT:
            made.append(
                _flag(
                    unit,
                    UnitFlagReason.SAME_FAULT_REPEATED,
                    visit,
                    {"fault": visit.fault.name, "repairs": earlier},
                    now,
                )
            )
    days = days_in_repair(unit, now=now)
    if days > DAYS_LIMIT:
        made.append(
            _flag(
                unit,
                UnitFlagReason.DAYS_IN_REPAIR,
                visit,
                {"days": days},
                now,
            )
        )
    return [f for f in made if f is not None]
