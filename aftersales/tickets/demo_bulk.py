"""Bulk data generator for benchmarks (``manage.py demo_data --requests N``).

Why this bypasses the services: filing a million requests one by one through
``request_create`` (a transaction, a sequence bump, a timeline row, an audit row and a
tier refresh each) would take hours; benchmarks need a big table in minutes. This module
is a data generator, not a code path of the application, and the rows it writes keep the
invariants the services enforce:

- statuses are valid ``Status`` values and the timestamps agree with them
  (``acknowledged_at`` / ``completed_at`` / ``closed_at`` set exactly when the lifecycle
  would have set them, all between ``created_at`` and now, ``status_changed_at`` last);
- numbers are unique: each month's block is reserved from the same
  counter (``sr-YYMM``) that ``request_number_next`` uses, so requests filed later
  through the app continue after them;
- ``priority_rank`` comes from ``PRIORITY_RANK``; the warranty snapshot (``warranty_end``,
  ``in_warranty``) is the unit's, judged on the day the request was created;
- phones are valid Chinese mobile numbers (E.164) and serial numbers are unique, both
  drawn from reserved counters; customer tiers follow the returning-customer rule;
- each request gets its CREATED timeline row (``events=False`` skips them).

Customers come in proportion: one per four requests, each with an address in a demo
region and one to three product units. Rows are written in batches (default 5,000
requests), one transaction per batch, by ``core.bulk.RowWriter``: COPY on PostgreSQL, executemany
on SQLite, primary keys reserved up front (see its docstring for why not bulk_create).
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from aftersales.catalog.demo import PURCHASE_CHANNEL_WEIGHTS, store_for
from aftersales.catalog.models import ProductUnit
from aftersales.catalog.warranty import add_months
from aftersales.core.bulk import RowWriter
from aftersales.core.demos import weighted
from aftersales.core.sequences import sequence_reserve
from aftersales.customers.choices import CustomerKind, CustomerTier
from aftersales.customers.demo import (
    MOBILE_PREFIXES,
    company_name,
    coordinate_near,
    person_name,
    region_weights,
    street_address,
)
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.customers.services import RETURNING_AFTER_REQUESTS
from aftersales.tickets.search import search_terms_rows, search_terms_write

from .choices import PRIORITY_RANK, ServiceType, Status
from .demo import (
    PRIORITY_WEIGHTS,
    REASONS,
    REQUEST_CHANNEL_WEIGHTS,
    SERVICE_TYPE_WEIGHTS,
    DemoReference,
    demo_reference_ensure,
    problem_description,
)
from .models import ServiceRequest, ServiceRequestEvent

BULK_DAYS = 365
REQUESTS_PER_CUSTOMER = 4
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)

# Status mix by the request's age (days): recent requests are open, old ones closed.
S = Status
STATUS_BY_AGE = [
    (1, {S.NEW: 30, S.ACKNOWLEDGED: 25, S.ASSIGNED: 20, S.ACCEPTED: 10, S.SCHEDULED: 10, S.WAITING_CUSTOMER: 3,
         S.CANCELLED: 2}),
    (7, {S.ACKNOWLEDGED: 5, S.ASSIGNED: 8, S.ACCEPTED: 8, S.SCHEDULED: 20, S.IN_PROGRESS: 12, S.WAITING_PARTS: 8,
         S.WAITING_CUSTOMER: 6, S.WAITING_QUOTE: 4, S.COMPLETED: 15, S.CANCELLED: 4, S.CLOSED: 10}),
    (30, {S.IN_PROGRESS: 3, S.WAITING_PARTS: 4, S.WAITING_CUSTOMER: 2, S.WAITING_QUOTE: 1, S.COMPLETED: 10,
          S.FOLLOWED_UP: 20, S.CLOSED: 52, S.CANCELLED: 6, S.REOPENED: 2}),
    (10**6, {S.CLOSED: 85, S.CANCELLED: 8, S.FOLLOWED_UP: 3, S.COMPLETED: 2, S.WAITING_PARTS: 1, S.REOPENED: 1}),
]  # fmt: skip
_AGE_TABLES = [(limit, list(w), list(w.values())) for limit, w in STATUS_BY_AGE]

_WITH_TECHNICIAN = {S.ASSIGNED, S.ACCEPTED, S.SCHEDULED, S.IN_PROGRESS, S.WAITING_PARTS, S.WAITING_QUOTE,
                    S.COMPLETED, S.FOLLOWED_UP, S.CLOSED, S.REOPENED}  # fmt: skip
_DONE = {S.COMPLETED, S.FOLLOWED_UP, S.CLOSED}

# Bijections of 0..10**8-1 (multiplier coprime to 10): unique, random-looking digits.
_PHONE_MUL, _PHONE_ADD = 48271, 12345


def bulk_phone(k: int) -> str:
    prefixes = MOBILE_PREFIXES
    suffix = (k // len(prefixes) * _PHONE_MUL + _PHONE_ADD) % 10**8
    return f"+86{prefixes[k % len(prefixes)]}{suffix:08d}"


@dataclass
class BulkStats:
    requests: int = 0
    customers: int = 0
    addresses: int = 0
    units: int = 0
    events: int = 0
    terms: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.requests + self.customers + self.addresses + self.units + self.events + self.terms


def _status_for(rng: random.Random, age_days: float) -> str:
    for limit, statuses, weights in _AGE_TABLES:
        if age_days < limit:
            return rng.choices(statuses, weights=weights)[0]
    raise AssertionError("unreachable")


def _lifecycle(rng: random.Random, status: str, created: datetime.datetime, now: datetime.datetime, consultation):
    """Timestamps consistent with ``status``: (ack, completed, closed, changed, fcr, technician?)."""
    if status == S.CLOSED and consultation and rng.random() < 0.4:
        at = created + rng.uniform(3, 15) * MINUTE
        return at, at, at, at, True, False
    offsets: dict[str, datetime.timedelta] = {}
    if status != S.NEW and not (status == S.CANCELLED and rng.random() < 0.5):
        offsets["ack"] = rng.uniform(5, 90) * MINUTE
    base = offsets.get("ack", datetime.timedelta())
    if status in _DONE or status == S.REOPENED:
        offsets["completed"] = base + rng.uniform(1, 5) * DAY
    if status == S.CLOSED:
        offsets["closed"] = offsets["completed"] + rng.uniform(1, 4) * DAY
    if status == S.FOLLOWED_UP:
        changed = offsets["completed"] + rng.uniform(1, 3) * DAY
    elif status == S.REOPENED:
        changed = offsets["completed"] + rng.uniform(1, 5) * DAY
    elif status in (S.NEW, S.ACKNOWLEDGED):
        changed = base
    elif "completed" in offsets:
        changed = offsets.get("closed", offsets["completed"])
    else:
        changed = base + rng.uniform(0.2, 3) * DAY
    room = (now - created) * 0.98
    scale = min(1.0, room / changed) if changed else 1.0
    ack = created + offsets["ack"] * scale if "ack" in offsets else None
    completed = created + offsets["completed"] * scale if status in _DONE else None
    closed = created + offsets["closed"] * scale if status == S.CLOSED else None
    technician = status in _WITH_TECHNICIAN or (status in (S.WAITING_CUSTOMER, S.CANCELLED) and rng.random() < 0.4)
    return ack, completed, closed, created + changed * scale, False, technician


def demo_bulk_create(
    count: int,
    *,
    seed: int | None = None,
    batch_size: int = 5000,
    events: bool = True,
    ref: DemoReference | None = None,
    progress: Callable[[int], None] | None = None,
) -> BulkStats:
    """Add ``count`` service requests (plus customers, addresses, units, CREATED events)."""
    rng = random.Random(seed)
    ref = ref or demo_reference_ensure()
    tick = progress or (lambda n: None)
    stats = BulkStats()
    started = time.perf_counter()
    done = 0
    while done < count:
        size = min(batch_size, count - done)
        _batch(rng, ref, size, events, stats)
        done += size
        tick(size)
    if connection.vendor == "postgresql":
        # Fresh statistics: on a just-loaded table the planner's guesses are off by orders of
        # magnitude (the repeat-repair measure's subquery walked 30 days of requests per row).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    stats.seconds = time.perf_counter() - started
    return stats


def _batch(rng: random.Random, ref: DemoReference, size: int, events: bool, stats: BulkStats) -> None:
    now = timezone.now()
    agent = ref.users["agent"]
    technicians = [(t.pk, t.organization_id) for t in ref.technicians]
    region_odds = region_weights(ref.regions)

    # 1. Decide everything in Python first: requests -> customers -> units.
    n_customers = max(1, size // REQUESTS_PER_CUSTOMER)
    created = sorted(now - rng.uniform(0, BULK_DAYS) * DAY for _ in range(size))
    owner_of = [rng.randrange(n_customers) for _ in range(size)]
    units_of: list[list[int]] = []
    unit_owner: list[int] = []
    for c in range(n_customers):
        first = len(unit_owner)
        k = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
        unit_owner.extend([c] * k)
        units_of.append(list(range(first, first + k)))
    request_unit = [rng.choice(units_of[c]) if rng.random() < 0.92 else None for c in owner_of]
    first_use: dict[int, datetime.datetime] = {}
    for when, u in zip(created, request_unit, strict=True):
        if u is not None and u not in first_use:
            first_use[u] = when
    customer_since: dict[int, datetime.datetime] = {}
    for when, c in zip(created, owner_of, strict=True):
        customer_since.setdefault(c, when)
    statuses = [_status_for(rng, (now - when) / DAY) for when in created]
    counted: dict[int, int] = defaultdict(int)
    for c, status in zip(owner_of, statuses, strict=True):
        if status != S.CANCELLED:
            counted[c] += 1

    phone_base = sequence_reserve("demo-bulk-customer", n_customers)[0]
    serial_base = sequence_reserve("demo-bulk-unit", len(unit_owner))[0]
    local_tz = timezone.get_current_timezone()
    month_blocks: dict[str, list[int]] = defaultdict(list)
    for i, when in enumerate(created):
        month_blocks[f"{when.astimezone(local_tz):%y%m}"].append(i)
    numbers: list[str] = [""] * size
    for yymm, indexes in month_blocks.items():
        values = sequence_reserve(f"sr-{yymm}", len(indexes))
        for value, i in zip(values, indexes, strict=True):
            numbers[i] = f"SR{yymm}-{value:06d}"

    with transaction.atomic():
        # 2. Customers, each with a default address in a demo region.
        writer = RowWriter(Customer, phone_alt="", notes="", user_id=None, updated_at=now)
        customer_ids = writer.reserve_ids(n_customers)
        customers, regions = [], []
        for c, pk in enumerate(customer_ids):
            spec = rng.choices(ref.regions, weights=region_odds)[0]
            regions.append(spec)
            company = rng.random() < 0.08
            vip = rng.random() < 0.02
            tier = CustomerTier.VIP if vip else (
                CustomerTier.RETURNING if counted[c] > RETURNING_AFTER_REQUESTS else CustomerTier.NEW
            )  # fmt: skip
            customers.append(
                {
                    "id": pk,
                    "kind": CustomerKind.COMPANY.value if company else CustomerKind.PERSON.value,
                    "name": person_name(rng),
                    "company_name": company_name(rng, spec.city) if company else "",
                    "phone": bulk_phone(phone_base + c),
                    "email": f"{rng.randrange(10**8, 10**10)}@qq.com" if rng.random() < 0.25 else "",
                    "tier": int(tier),
                    "tier_override": int(CustomerTier.VIP) if vip else None,
                    "created_at": customer_since.get(c, now) - rng.uniform(1, 30) * DAY,
                }
            )
        writer.write(customers)
        writer = RowWriter(CustomerAddress, updated_at=now, is_default=True)
        address_ids = writer.reserve_ids(n_customers)
        addresses = []
        for customer, spec, pk in zip(customers, regions, address_ids, strict=True):
            lat, lng = coordinate_near(rng, spec)
            addresses.append(
                {
                    "id": pk,
                    "customer_id": customer["id"],
                    "label": "公司" if customer["kind"] == CustomerKind.COMPANY else "家",
                    "province": spec.province,
                    "city": spec.city,
                    "district": spec.district,
                    "street": street_address(rng, spec),
                    "region_id": spec.region.pk,
                    "region_class": spec.region.region_class,
                    "latitude": lat,
                    "longitude": lng,
                    "created_at": customer["created_at"],
                }
            )
        writer.write(addresses)

        # 3. Product units, bought before their first request (up to five years before).
        writer = RowWriter(ProductUnit, updated_at=now, exchanged_from_id=None, exchanged_on=None)
        unit_ids = writer.reserve_ids(len(unit_owner))
        today = timezone.localdate(now)
        units, unit_specs = [], []
        for u, (c, pk) in enumerate(zip(unit_owner, unit_ids, strict=True)):
            pspec = rng.choice(ref.products)
            latest = first_use[u].astimezone(local_tz).date() - DAY if u in first_use else today
            purchase = latest - datetime.timedelta(days=rng.randint(0, 5 * 365))
            channel = weighted(rng, PURCHASE_CHANNEL_WEIGHTS)
            months = pspec.product.warranty_months
            units.append(
                {
                    "id": pk,
                    "product_id": pspec.product.pk,
                    "serial_number": f"{pspec.product.model_code.split('-')[0][:3]}{purchase:%y%m}"
                    f"{serial_base + u:08d}",
                    "purchase_date": purchase,
                    "purchase_channel": channel.value,
                    "store_name": store_for(rng, channel, regions[c].city),
                    "invoice_number": f"{rng.randrange(10**11, 10**12)}" if rng.random() < 0.6 else "",
                    "installation_date": purchase + datetime.timedelta(days=rng.randint(0, 7)),
                    "owner_id": customers[c]["id"],
                    "address_id": addresses[c]["id"],
                    "warranty_months": months,
                    # Same rule as ProductUnit.compute_warranty_end.
                    "warranty_end": add_months(purchase, months) - DAY,
                    "created_at": customers[c]["created_at"],
                }
            )
            unit_specs.append(pspec)
        writer.write(units)

        # 4. Requests, with timestamps that agree with their status.
        writer = RowWriter(ServiceRequest, created_by_id=agent.pk, unit_id=None)
        request_ids = writer.reserve_ids(size)
        requests = []
        for i, (when, pk) in enumerate(zip(created, request_ids, strict=True)):
            c = owner_of[i]
            customer = customers[c]
            u = request_unit[i]
            pspec = unit_specs[u] if u is not None else rng.choice(ref.products)
            end = units[u]["warranty_end"] if u is not None else None
            status = statuses[i]
            service_type = weighted(rng, SERVICE_TYPE_WEIGHTS)
            if status == S.CLOSED and rng.random() < 0.05:
                service_type = ServiceType.CONSULTATION
            ack, completed, closed, changed, fcr, with_tech = _lifecycle(
                rng, status, when, now, service_type == ServiceType.CONSULTATION
            )
            tech_id, org_id = rng.choice(technicians) if with_tech else (None, None)
            priority = weighted(rng, PRIORITY_WEIGHTS)
            address = addresses[c]
            requests.append(
                {
                    "id": pk,
                    "number": numbers[i],
                    "channel": weighted(rng, REQUEST_CHANNEL_WEIGHTS).value,
                    "service_type": service_type.value,
                    "priority": priority.value,
                    "priority_rank": PRIORITY_RANK[priority],
                    "status": status.value,
                    "customer_id": customer["id"],
                    "contact_name": customer["name"],
                    "contact_phone": customer["phone"],
                    "unit_id": units[u]["id"] if u is not None else None,
                    "product_id": pspec.product.pk,
                    "address_id": address["id"],
                    "region_id": address["region_id"],
                    "region_class": address["region_class"],
                    "description": problem_description(rng, service_type, pspec),
                    "in_warranty": (when.astimezone(local_tz).date() <= end) if end else None,
                    "warranty_end": end,
                    "assigned_organization_id": org_id,
                    "assigned_technician_id": tech_id,
                    "first_contact_resolution": fcr,
                    "resolution": rng.choice(REASONS["answer" if fcr else "resolve"]) if completed else "",
                    "created_at": when,
                    "updated_at": changed,
                    "status_changed_at": changed,
                    "acknowledged_at": ack,
                    "completed_at": completed,
                    "closed_at": closed,
                }
            )
        writer.write(requests)
        # The description search terms (what request_create writes beside the row).
        stats.terms += search_terms_write(search_terms_rows(requests))

        # 5. One CREATED timeline row per request (what request_create writes first).
        if events:
            writer = RowWriter(
                ServiceRequestEvent,
                actor_id=agent.pk,
                kind=ServiceRequestEvent.Kind.CREATED.value,
                action="",
                from_status="",
                to_status=S.NEW.value,
                reason="",
                message="",
                params={},
            )
            event_ids = writer.reserve_ids(size)
            stats.events += writer.write(
                [
                    {
                        "id": pk,
                        "request_id": r["id"],
                        "at": r["created_at"],
                        "data": {"channel": r["channel"], "service_type": r["service_type"], "priority": r["priority"]},
                    }
                    for r, pk in zip(requests, event_ids, strict=True)
                ]
            )
    stats.requests += size
    stats.customers += n_customers
    stats.addresses += len(addresses)
    stats.units += len(units)
