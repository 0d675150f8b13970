"""Reads with rules. Scoping lives in the ``..._for(user)`` functions: every page, export,
htmx fragment and API call starts from them.

- parts team, managers, admins (and the other back-office roles, read-only): everything;
- a technician: his own van, and the moves on his jobs;
- partner staff: the warehouses of their organization (outlet and their technicians' vans).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role
from aftersales.tickets.models import ServiceRequest

from .choices import SHARED_WAREHOUSE_KINDS, AlertKind, DefectiveStatus, MoveType, Store, WarehouseKind
from .models import (
    Consumption,
    DefectiveReturn,
    Part,
    ReorderRule,
    Reservation,
    StockAlert,
    StockLevel,
    StockMove,
    VanIssue,
    Warehouse,
)
from .permissions import (  # noqa: F401  (re-exported: callers read the rules from the selectors too)
    WAREHOUSE_USE_SCOPE,
    adjustment_list_for,
    count_list_for,
    defective_list_for,
    is_stock_staff,
    move_list_for,
    part_list_for,
    reservation_list_for,
    transfer_list_for,
    van_issue_list_for,
    warehouse_list_for,
    warehouse_source_list_for,
    warehouse_usable_by,
    warehouse_usable_list_for,
)


def part_list() -> QuerySet[Part]:
    return Part.objects.all()


def part_get_for(user, pk: int) -> Part:
    obj = part_list_for(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def warehouse_get_for(user, pk: int) -> Warehouse:
    obj = warehouse_list_for(user).select_related("organization", "technician", "region").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def job_warehouse_list_for(user) -> QuerySet[Warehouse]:
    """Warehouses ``user`` may take parts from (and put unused ones back into) on his jobs.

    - parts team: every warehouse;
    - partner staff: the warehouses of their organization;
    - a technician: his own van, and the counter of every active shared warehouse
      (regional or partner outlet) of his own organization whose region is one of the
      regions he serves (his dispatch profile). Never another technician's van, never the
      central warehouse, never a shared warehouse without a region.
    """
    from aftersales.dispatch.selectors import profile_of

    qs = warehouse_usable_list_for(user)
    if user.is_authenticated and not is_stock_staff(user) and user.role == Role.TECHNICIAN and user.organization_id:
        profile = profile_of(user)
        if profile is not None:
            qs = Warehouse.objects.filter(
                WAREHOUSE_USE_SCOPE.q(user)
                | Q(
                    kind__in=SHARED_WAREHOUSE_KINDS,
                    is_active=True,
                    organization_id=user.organization_id,
                    region__in=profile.regions.values("pk"),
                )
            )
    return qs


def level_list_for(user) -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(warehouse__in=warehouse_list_for(user))


def van_issue_get_for(user, pk: int) -> VanIssue:
    obj = van_issue_list_for(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# --- van issues: the catalogue to pick from, and the lines with the stock behind them ---------


def _good_available(warehouse_ids, part_ids=None, *, by_lot: bool) -> dict:
    """Available good stock (on hand − reserved) per (warehouse, part[, lot]), positive only. One query."""
    qs = StockLevel.objects.filter(warehouse_id__in=warehouse_ids, store=Store.GOOD)
    if part_ids is not None:
        qs = qs.filter(part_id__in=part_ids)
    keys = ("warehouse_id", "part_id", "lot") if by_lot else ("warehouse_id", "part_id")
    rows = qs.values(*keys).annotate(n=Sum(F("on_hand") - F("reserved"))).filter(n__gt=0)
    return {tuple(r[k] for k in keys): r["n"] for r in rows}


@dataclass
class PickRow:
    """One line of the van-issue picker: a part, what the van holds of it and what the source has
    available (every batch or serial together: the parts team issues the oldest first)."""

    part: Part
    in_van: int
    at_source: int
    quantity: int = 0

    @property
    def key(self) -> str:
        return str(self.part.pk)


def van_issue_picker(user, *, van: Warehouse | None, source: Warehouse | None, chosen=None) -> list[PickRow]:
    """The active catalogue ``user`` may see, to pick a van issue's lines from, each part with what
    ``van`` holds (available) and what ``source`` has available. ``chosen``: {part id: quantity} kept
    from a form being filled. Two queries for the stock, whatever the catalogue's size."""
    chosen = chosen or {}
    parts = list(part_list_for(user).filter(is_active=True).order_by("code"))
    ids = [p.pk for p in parts]
    in_van = _good_available([van.pk], ids, by_lot=False) if van is not None else {}
    at_source = _good_available([source.pk], ids, by_lot=False) if source is not None else {}
    return [
        PickRow(
            part=part,
            in_van=in_van.get((van.pk if van else 0, part.pk), 0),
            at_source=at_source.get((source.pk if source else 0, part.pk), 0),
            quantity=chosen.get(str(part.pk), 0),
        )
        for part in parts
    ]


def van_issue_default_source(sources: QuerySet[Warehouse], van: Warehouse | None) -> Warehouse | None:
    """Where a van is restocked from unless one chooses: a regional warehouse of the van's region, else
    a central warehouse of its organization, else the first warehouse offered."""
    sources = sources.exclude(kind=WarehouseKind.VAN).order_by("code")
    if van is not None:
        regional = sources.filter(kind=WarehouseKind.REGIONAL, region_id=van.region_id).first()
        if van.region_id and regional is not None:
            return regional
        central = sources.filter(kind=WarehouseKind.CENTRAL, organization_id=van.organization_id).first()
        if central is not None:
            return central
    return sources.filter(kind=WarehouseKind.CENTRAL).first() or sources.first()


def van_issue_lines_with_stock(issues) -> dict[int, list]:
    """The lines of each issue (``{issue id: [lines]}``), each with ``at_source`` (what the source has
    available now of that part and lot) and ``in_van`` (what the van holds of the part), so whoever
    approves sees what he approves. A fixed number of queries for any number of issues."""
    from .models import VanIssueLine

    issues = list(issues)
    lines = list(
        VanIssueLine.objects.filter(issue__in=[i.pk for i in issues]).select_related("part").order_by("issue_id", "pk")
    )
    part_ids = {ln.part_id for ln in lines}
    sources = _good_available({i.source_id for i in issues}, part_ids, by_lot=True)
    vans = _good_available({i.van_id for i in issues}, part_ids, by_lot=False)
    by_issue = {i.pk: i for i in issues}
    out: dict[int, list] = {i.pk: [] for i in issues}
    for line in lines:
        issue = by_issue[line.issue_id]
        if line.lot:
            line.at_source = sources.get((issue.source_id, line.part_id, line.lot), 0)
        else:  # every batch or serial of the part: the oldest is issued
            line.at_source = sum(
                n for (wh, part, _lot), n in sources.items() if (wh, part) == (issue.source_id, line.part_id)
            )
        line.in_van = vans.get((issue.van_id, line.part_id), 0)
        line.short = line.quantity > line.at_source
        out[line.issue_id].append(line)
    return out


def reorder_rule_list_for(user) -> QuerySet[ReorderRule]:
    """Reorder rules at the warehouses ``user`` may see."""
    return ReorderRule.objects.filter(warehouse__in=warehouse_list_for(user)).select_related("part", "warehouse")


def van_of(user) -> Warehouse | None:
    if not user.is_authenticated:
        return None
    return Warehouse.objects.filter(technician=user).first()


def van_stock(van: Warehouse) -> QuerySet[StockLevel]:
    return (
        StockLevel.objects.filter(warehouse=van)
        .exclude(on_hand=0)
        .select_related("part")
        .order_by("store", "part__code", "lot")
    )


# --- valuation ------------------------------------------------------------------------

_VALUE = ExpressionWrapper(
    F("on_hand") * F("part__avg_cost"), output_field=DecimalField(max_digits=20, decimal_places=4)
)


def stock_value_by_warehouse(user) -> list[dict]:
    """Good-store stock valued at the moving-average cost, per warehouse in scope."""
    rows = (
        level_list_for(user)
        .filter(store=Store.GOOD)
        .values("warehouse_id", "warehouse__code", "warehouse__name", "warehouse__kind")
        .annotate(
            units=Coalesce(Sum("on_hand"), 0),
            value=Coalesce(Sum(_VALUE), Value(Decimal("0")), output_field=DecimalField()),
        )
        .order_by("warehouse__code")
    )
    out = []
    for r in rows:
        r["value"] = Decimal(r["value"]).quantize(Decimal("0.01"))
        out.append(r)
    return out


def job_parts_cost(request) -> dict:
    """Parts used on a job, net of unused returns, at the cost when used."""
    rows = list(
        Consumption.objects.filter(request=request).select_related("part", "warehouse").order_by("created_at", "id")
    )
    total = sum(((c.quantity - c.returned_quantity) * c.unit_cost for c in rows), Decimal("0"))
    return {"lines": rows, "total": total.quantize(Decimal("0.01"))}


# --- availability for dispatch --------------------------------------------------------


@dataclass
class Carrier:
    warehouse_id: int
    code: str
    name: str
    kind: str
    technician_id: int | None
    technician_name: str
    region_id: int | None
    available: int


def part_availability(part_ids, *, region=None) -> dict[int, list[Carrier]]:
    """Who carries each part now: vans (with their technician) and warehouses with
    available (on-hand − reserved) good stock, most first. ``region``: only locations in
    that region (a Region or its id). One indexed query."""
    part_ids = [int(p) for p in part_ids]
    result: dict[int, list[Carrier]] = {pid: [] for pid in part_ids}
    if not part_ids:
        return result
    qs = StockLevel.objects.filter(part_id__in=part_ids, store=Store.GOOD, warehouse__is_active=True)
    if region is not None:
        qs = qs.filter(warehouse__region_id=getattr(region, "pk", region))
    rows = (
        qs.values(
            "part_id",
            "warehouse_id",
            "warehouse__code",
            "warehouse__name",
            "warehouse__kind",
            "warehouse__technician_id",
            "warehouse__technician__last_name",
            "warehouse__technician__first_name",
            "warehouse__technician__username",
            "warehouse__region_id",
        )
        .annotate(available=Sum(F("on_hand") - F("reserved")))
        .filter(available__gt=0)
        .order_by("part_id", "-available", "warehouse__code")
    )
    for r in rows:
        name = f"{r['warehouse__technician__last_name'] or ''}{r['warehouse__technician__first_name'] or ''}".strip()
        result[r["part_id"]].append(
            Carrier(
                warehouse_id=r["warehouse_id"],
                code=r["warehouse__code"],
                name=r["warehouse__name"],
                kind=r["warehouse__kind"],
                technician_id=r["warehouse__technician_id"],
                technician_name=name or (r["warehouse__technician__username"] or ""),
                region_id=r["warehouse__region_id"],
                available=r["available"],
            )
        )
    return result


# --- traceability ---------------------------------------------------------------------


@dataclass
class Trace:
    lot: str
    moves: list = field(default_factory=list)
    receipts: list = field(default_factory=list)
    locations: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    returns: list = field(default_factory=list)


def trace_for(user, lot: str) -> Trace:
    """R-PRT-3 for a batch or serial: where it came from (receipts), every move, where it
    is now, which job and customer unit it went into, and which old parts came back."""
    from .models import PurchaseReceiptLine

    lot = (lot or "").strip()
    trace = Trace(lot=lot)
    if not lot:
        return trace
    moves = (
        move_list_for(user).filter(lot=lot).select_related("part", "warehouse", "actor", "request").order_by("at", "id")
    )
    trace.moves = list(moves[:500])
    trace.receipts = list(
        PurchaseReceiptLine.objects.filter(lot=lot, receipt__warehouse__in=warehouse_list_for(user))
        .select_related("receipt", "receipt__warehouse", "part")
        .order_by("receipt__created_at")
    )
    trace.locations = list(
        level_list_for(user)
        .filter(lot=lot)
        .exclude(on_hand=0)
        .select_related("part", "warehouse")
        .order_by("warehouse__code")
    )
    from aftersales.tickets.selectors import request_list_for

    visible = request_list_for(user)
    trace.jobs = list(
        Consumption.objects.filter(lot=lot, request__in=visible)
        .select_related("request", "request__customer", "unit", "unit__product", "part", "warehouse")
        .order_by("created_at")
    )
    trace.returns = list(
        DefectiveReturn.objects.filter(Q(old_serial=lot) | Q(consumption__lot=lot), request__in=visible)
        .select_related("request", "part", "received_into", "consumption")
        .order_by("created_at")
    )
    return trace


# --- defective returns ----------------------------------------------------------------


def defective_overdue_for(user, *, today=None) -> QuerySet[DefectiveReturn]:
    today = today or timezone.localdate()
    return defective_list_for(user).filter(status=DefectiveStatus.PENDING, due_date__lt=today)


# --- replenishment --------------------------------------------------------------------

CONSUMING = (MoveType.CONSUME, MoveType.ISSUE_OUT, MoveType.TRANSFER_OUT)
Z_95 = 1.65  # one-sided 95 % service level


@dataclass
class Suggestion:
    """A reorder point worked out from demand, for a part at a warehouse with a rule or with demand.
    It only suggests: what triggers an order is the rule's point (``low_stock_for``)."""

    part: Part
    warehouse: Warehouse
    available: int
    weekly: list[int]
    avg_weekly: float
    lead_time_days: int
    safety_stock: int
    suggested_reorder_point: int
    reorder_point: int | None
    reorder_quantity: int | None
    sigma: float = 0.0
    rule_safety_stock: int = 0

    @property
    def has_rule(self) -> bool:
        return self.reorder_point is not None

    @property
    def avg_daily(self) -> float:
        return self.avg_weekly / 7

    @property
    def lead_time_use(self) -> int:
        """Average daily use × lead time, rounded up."""
        return self.suggested_reorder_point - self.safety_stock

    @property
    def above_rule(self) -> bool:
        """Demand asks for a higher point than the rule's: the rule risks running out."""
        return self.has_rule and self.suggested_reorder_point > self.reorder_point

    @property
    def method(self) -> str:
        """How the suggested reorder point is worked out, in words a clerk reads (the reader's language)."""
        if not any(self.weekly):
            return _("No use in the last %(weeks)s weeks: the reorder point is the safety stock, %(safety)s.") % {
                "weeks": len(self.weekly),
                "safety": self.safety_stock,
            }
        exact = self.avg_daily * self.lead_time_days
        numbers = {
            "rop": self.suggested_reorder_point,
            "daily": f"{self.avg_daily:.2f}",
            "lead": self.lead_time_days,
            "exact": f"{exact:.2f}",
            "cover": self.lead_time_use,
            "safety": self.safety_stock,
        }
        if math.isclose(exact, self.lead_time_use):
            text = _(
                "Reorder point %(rop)s = average daily use %(daily)s × lead time %(lead)s days "
                "+ safety stock %(safety)s."
            )
        else:
            text = _(
                "Reorder point %(rop)s = average daily use %(daily)s × lead time %(lead)s days "
                "(%(exact)s, rounded up to %(cover)s) + safety stock %(safety)s."
            )
        text = text % numbers
        if self.safety_stock == self.rule_safety_stock:
            more = _("The safety stock is the rule's.") if self.has_rule else ""
        else:
            more = _(
                "Safety stock %(safety)s covers the week-to-week swings in use (about %(sigma)s a week) "
                "in 95 out of 100 lead times."
            ) % {"safety": self.safety_stock, "sigma": f"{self.sigma:.1f}"}
        return f"{text} {more}".strip()


def replenishment_suggestions(user, *, weeks: int = 8, now=None, warehouse=None) -> list[Suggestion]:
    """Per part × warehouse with a rule or with demand in the last ``weeks`` weeks, the reorder point
    that demand suggests (``Suggestion.method`` says it in words).

    Demand = parts leaving the good store for jobs, vans and transfers, per week over the last N weeks;
    average weekly demand d̄ and its standard deviation σ; average daily use d = d̄ / 7; safety stock
    SS = max(rule's safety stock, ⌈1.65 · σ · √(L/7)⌉) for a lead time of L days (95 % service level);
    suggested reorder point = ⌈d · L⌉ + SS. Nothing here orders: the rule's point does (``low_stock_for``)."""
    now = now or timezone.now()
    start = now - timezone.timedelta(weeks=weeks)
    warehouses = warehouse_list_for(user)
    if warehouse is not None:
        warehouses = warehouses.filter(pk=warehouse.pk)
    demand: dict[tuple[int, int], list[int]] = {}
    moves = (
        StockMove.objects.filter(move_type__in=CONSUMING, at__gte=start, store=Store.GOOD, warehouse__in=warehouses)
        .values_list("part_id", "warehouse_id", "at", "quantity")
        .iterator()
    )
    for part_id, wh_id, at, qty in moves:
        week = min(int((now - at).total_seconds() // (7 * 86400)), weeks - 1)
        demand.setdefault((part_id, wh_id), [0] * weeks)[weeks - 1 - week] += -qty
    rules = {(r.part_id, r.warehouse_id): r for r in ReorderRule.objects.filter(warehouse__in=warehouses)}
    keys = set(demand) | set(rules)
    if not keys:
        return []
    parts = Part.objects.in_bulk({k[0] for k in keys})
    whs = Warehouse.objects.in_bulk({k[1] for k in keys})
    avail = {
        (r["part_id"], r["warehouse_id"]): r["a"]
        for r in StockLevel.objects.filter(
            store=Store.GOOD, warehouse_id__in={k[1] for k in keys}, part_id__in={k[0] for k in keys}
        )
        .values("part_id", "warehouse_id")
        .annotate(a=Sum(F("on_hand") - F("reserved")))
    }
    out = []
    for key in sorted(keys, key=lambda k: (whs[k[1]].code, parts[k[0]].code)):
        series = demand.get(key, [0] * weeks)
        rule = rules.get(key)
        lead = rule.lead_time_days if rule else 7
        mean = sum(series) / weeks
        sigma = math.sqrt(sum((x - mean) ** 2 for x in series) / weeks)
        rule_safety = rule.safety_stock if rule else 0
        safety = max(rule_safety, math.ceil(Z_95 * sigma * math.sqrt(lead / 7)))
        rop = math.ceil(round(mean / 7 * lead, 9)) + safety
        out.append(
            Suggestion(
                part=parts[key[0]],
                warehouse=whs[key[1]],
                available=avail.get(key, 0),
                weekly=series,
                avg_weekly=round(mean, 2),
                lead_time_days=lead,
                safety_stock=safety,
                suggested_reorder_point=rop,
                reorder_point=rule.reorder_point if rule else None,
                reorder_quantity=rule.reorder_quantity if rule else None,
                sigma=sigma,
                rule_safety_stock=rule_safety,
            )
        )
    return out


# --- low stock: one rule, one list ------------------------------------------------------
#
# A part is low on stock at a warehouse when it has a reorder rule there and its available good stock
# (on hand − reserved) is at or below the rule's reorder point. ``low_stock_for`` is the one list of
# those (the overview's alerts, the replenishment page's "to order", the API); the low-stock alerts
# (``StockAlert``, which notify the parts clerks) are opened and resolved by the same test
# (``services.ledger.low_stock_alert_sync``), so an alert is open exactly for the rows of this list.


def reorder_needed(available: int, reorder_point: int) -> bool:
    """The low-stock rule."""
    return available <= reorder_point


def order_quantity(available: int, reorder_point: int, reorder_quantity: int) -> int:
    """How many to order: enough to bring available stock back to reorder point + reorder quantity."""
    return max(0, reorder_point + reorder_quantity - available)


def _available_of_rule():
    """Available good stock of the rule's part at the rule's warehouse (a subquery, 0 without stock)."""
    per_pair = (
        StockLevel.objects.filter(part_id=OuterRef("part_id"), warehouse_id=OuterRef("warehouse_id"), store=Store.GOOD)
        .order_by()
        .values("part_id")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
        .values("n")[:1]
    )
    return Coalesce(Subquery(per_pair, output_field=IntegerField()), Value(0))


def reorder_rules_watched() -> QuerySet[ReorderRule]:
    """The rules the low-stock rule applies to: an active part at an open warehouse (``rule_watched``)."""
    return ReorderRule.objects.filter(part__is_active=True, warehouse__is_active=True)


def rule_watched(rule: ReorderRule) -> bool:
    """``reorder_rules_watched`` for one rule in memory."""
    return rule.part.is_active and rule.warehouse.is_active


def reorder_rules_low() -> QuerySet[ReorderRule]:
    """Every watched rule whose part is low at its warehouse, with its ``available`` stock."""
    return reorder_rules_watched().annotate(available=_available_of_rule()).filter(available__lte=F("reorder_point"))


@dataclass
class LowStock:
    """One row of the low-stock list: the rule, what is available and how many to order."""

    rule: ReorderRule
    available: int
    since: object = None  # when the open alert was raised

    @property
    def part(self) -> Part:
        return self.rule.part

    @property
    def warehouse(self) -> Warehouse:
        return self.rule.warehouse

    @property
    def order_quantity(self) -> int:
        return order_quantity(self.available, self.rule.reorder_point, self.rule.reorder_quantity)

    @property
    def order_up_to(self) -> int:
        return self.rule.reorder_point + self.rule.reorder_quantity


def low_stock_for(user, *, warehouse: Warehouse | None = None) -> list[LowStock]:
    """Every part at or below its reorder point at a warehouse ``user`` sees (``reorder_needed``), by
    warehouse and part code, each with its available stock, how many to order and since when it is
    low. Three queries, whatever the number of rules."""
    rules = reorder_rules_low().filter(warehouse__in=warehouse_list_for(user))
    if warehouse is not None:
        rules = rules.filter(warehouse=warehouse)
    rules = list(rules.select_related("part", "warehouse").order_by("warehouse__code", "part__code"))
    since = {
        (a["part_id"], a["warehouse_id"]): a["at"]
        for a in StockAlert.objects.filter(
            kind=AlertKind.LOW_STOCK,
            resolved_at__isnull=True,
            part_id__in={r.part_id for r in rules},
            warehouse_id__in={r.warehouse_id for r in rules},
        )
        .values("part_id", "warehouse_id")
        .annotate(at=Min("created_at"))
    }
    return [LowStock(rule=r, available=r.available, since=since.get((r.part_id, r.warehouse_id))) for r in rules]


def low_stock_state(part_id: int, warehouse_id: int) -> tuple[ReorderRule | None, bool, int]:
    """The reorder rule of one part at one warehouse (None without one), whether the low-stock rule
    watches it, and the available stock (counted only for a watched rule)."""
    rule = (
        ReorderRule.objects.filter(part_id=part_id, warehouse_id=warehouse_id)
        .select_related("part", "warehouse")
        .first()
    )
    if rule is None or not rule_watched(rule):
        return rule, False, 0
    agg = StockLevel.objects.filter(part_id=part_id, warehouse_id=warehouse_id, store=Store.GOOD).aggregate(
        n=Sum(F("on_hand") - F("reserved"))
    )
    return rule, True, agg["n"] or 0


def low_stock_alert_drift() -> dict[str, set]:
    """Where the open low-stock alerts and the low-stock list disagree (should be nowhere):
    ``missing`` (part, warehouse) pairs low without an open alert, ``stale`` alerts open without being low."""
    low = set(reorder_rules_low().values_list("part_id", "warehouse_id"))
    are = set(
        StockAlert.objects.filter(kind=AlertKind.LOW_STOCK, resolved_at__isnull=True).values_list(
            "part_id", "warehouse_id"
        )
    )
    return {"missing": low - are, "stale": are - low}


def alert_list_for(user, *, open_only: bool = True) -> QuerySet[StockAlert]:
    qs = StockAlert.objects.filter(warehouse__in=warehouse_list_for(user)).select_related("part", "warehouse")
    return qs.filter(resolved_at__isnull=True) if open_only else qs


def slow_moving_for(user, *, days: int = 90, now=None) -> list[dict]:
    """Good stock on hand with no demand (consumption, issue, transfer out) for ``days`` days."""
    now = now or timezone.now()
    since = now - timezone.timedelta(days=days)
    levels = (
        level_list_for(user)
        .filter(store=Store.GOOD, on_hand__gt=0)
        .values("part_id", "part__code", "part__name", "warehouse_id", "warehouse__code")
        .annotate(units=Sum("on_hand"), value=Sum(_VALUE))
    )
    last = {
        (r["part_id"], r["warehouse_id"]): r["last"]
        for r in StockMove.objects.filter(move_type__in=CONSUMING, warehouse__in=warehouse_list_for(user))
        .values("part_id", "warehouse_id")
        .annotate(last=Max("at"))
    }
    out = []
    for r in levels:
        last_out = last.get((r["part_id"], r["warehouse_id"]))
        if last_out is None or last_out < since:
            r["last_out"] = last_out
            out.append(r)
    return sorted(out, key=lambda r: (r["warehouse__code"], r["part__code"]))


def overstock_for(user, *, weeks_of_cover: int = 26, now=None, suggestions=None) -> list[Suggestion]:
    """Available stock above the rule's reorder point + reorder quantity, or above
    ``weeks_of_cover`` weeks of average demand. ``suggestions``: ``replenishment_suggestions`` already read."""
    out = []
    for s in replenishment_suggestions(user, now=now) if suggestions is None else suggestions:
        ceiling = None
        if s.reorder_point is not None:
            ceiling = s.reorder_point + (s.reorder_quantity or 0)
        if s.avg_weekly > 0:
            cover = math.ceil(s.avg_weekly * weeks_of_cover)
            ceiling = cover if ceiling is None else max(ceiling, cover)
        if ceiling is not None and s.available > ceiling:
            out.append(s)
    return out


# --- consistency ----------------------------------------------------------------------


def ledger_drift() -> list[dict]:
    """Levels whose on-hand or reserved differ from what the ledger sums to (should be none)."""
    sums = {
        (r["part_id"], r["warehouse_id"], r["store"], r["lot"]): (r["q"], r["r"])
        for r in StockMove.objects.values("part_id", "warehouse_id", "store", "lot").annotate(
            q=Sum("quantity"), r=Sum("reserved_delta")
        )
    }
    drift = []
    seen = set()
    for lv in StockLevel.objects.values(
        "pk", "part_id", "warehouse_id", "store", "lot", "on_hand", "reserved"
    ).iterator():
        key = (lv["part_id"], lv["warehouse_id"], lv["store"], lv["lot"])
        seen.add(key)
        q, r = sums.get(key, (0, 0))
        if (q, r) != (lv["on_hand"], lv["reserved"]):
            drift.append(
                {
                    "level": lv["pk"],
                    "key": key,
                    "on_hand": lv["on_hand"],
                    "ledger_on_hand": q,
                    "reserved": lv["reserved"],
                    "ledger_reserved": r,
                }
            )
    for key, (q, r) in sums.items():
        if key not in seen and (q or r):
            drift.append(
                {"level": None, "key": key, "on_hand": 0, "ledger_on_hand": q, "reserved": 0, "ledger_reserved": r}
            )
    return drift


# --- parts for the job (the dispatcher's suggestions panel) -----------------------------------


@dataclass
class JobPart:
    """A part the job likely needs (compatible with its product) or already has reserved, and who carries it."""

    part: object
    reserved: list = field(default_factory=list)  # active reservations for this job (warehouse, quantity)
    carriers: list = field(default_factory=list)  # Carrier rows with available good stock
    shown: int = 5

    @property
    def top_carriers(self) -> list:
        return self.carriers[: self.shown]

    @property
    def more_carriers(self) -> int:
        return max(0, len(self.carriers) - self.shown)

    def in_van_of(self, technician_id: int) -> bool:
        return any(c.technician_id == technician_id for c in self.carriers) or any(
            r.warehouse.technician_id == technician_id for r in self.reserved
        )


@dataclass
class PartsOutlook:
    parts: list[JobPart] = field(default_factory=list)

    def in_van(self, technician_id: int) -> list[JobPart]:
        return [p for p in self.parts if p.in_van_of(technician_id)]


def _product_id(request: ServiceRequest) -> int | None:
    if request.product_id:
        return request.product_id
    if request.unit_id:
        return request.unit.product_id
    return None


def parts_outlook(user, request: ServiceRequest, *, limit: int = 8, carriers_per_part: int = 5) -> PartsOutlook:
    """The parts a dispatcher should think of for this job: those reserved for it, then up to ``limit`` parts
    compatible with its product; for each, who carries it now (the request's region first, then by quantity). Warehouses the user may not see (partner staff: other organizations') are left out.
    A fixed number of queries, whatever the number of parts, carriers or candidates."""
    reservations = list(
        Reservation.objects.filter(request=request, status="active")
        .select_related("part", "warehouse")
        .order_by("part__code", "id")
    )
    by_part: dict[int, JobPart] = {}
    for r in reservations:
        by_part.setdefault(r.part_id, JobPart(part=r.part)).reserved.append(r)
    product_id = _product_id(request)
    if product_id is not None:
        for part in part_list().filter(compatible_products=product_id, is_active=True).order_by("code")[:limit]:
            by_part.setdefault(part.pk, JobPart(part=part))
    if not by_part:
        return PartsOutlook()
    visible = None
    if not user.is_back_office:
        visible = set(warehouse_list_for(user).values_list("pk", flat=True))
    availability = part_availability(list(by_part))
    for pid, carriers in availability.items():
        rows = [c for c in carriers if visible is None or c.warehouse_id in visible]
        rows.sort(key=lambda c: (c.region_id != request.region_id, -c.available, c.code))
        by_part[pid].carriers = rows
        by_part[pid].shown = carriers_per_part
    return PartsOutlook(parts=list(by_part.values()))
