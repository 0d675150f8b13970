"""The demo data set, written through the real services (``manage.py demo_data``).

Two parts:

- ``demo_reference_ensure``: the organizations and logins of ``accounts.demo``, service
  regions, product categories and products. Idempotent: what exists is reused.
- ``demo_small_create``: ~200 customers with addresses and product units, and ~300
  service requests moved through ``tickets.services.request_transition`` along legal
  paths into every status, created over the last 60 days.

Everything goes through services, so the demo also exercises the invariants, the
timeline and the audit trail. The bulk generator for benchmarks is ``core.demo_bulk``.
Demo only: the passwords are public; never load this into a production database.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aftersales.accounts.choices import OrganizationKind
from aftersales.accounts.demo import DEMO_PASSWORD, DEMO_USERS, OWN_ORG, PARTNER_ORG
from aftersales.accounts.models import Organization, User
from aftersales.accounts.services import organization_create, user_create
from aftersales.catalog.choices import PurchaseChannel
from aftersales.catalog.models import Product, ProductCategory
from aftersales.catalog.services import category_create, product_create, unit_register
from aftersales.core.errors import ConflictError
from aftersales.customers.choices import CustomerKind, CustomerTier
from aftersales.customers.models import Customer, Region
from aftersales.customers.services import address_create, customer_create, region_create
from aftersales.tickets.choices import Action, Channel, Priority, ServiceType, Status
from aftersales.tickets.services import request_create, request_transition

from . import demo_vocab as V

ORG_PHONES = {OWN_ORG: "4008201234", PARTNER_ORG: "051262881234"}
DAY_MINUTES = 24 * 60


@dataclass
class RegionSpec:
    region: Region
    province: str
    city: str
    district: str
    remote: bool
    latitude: float
    longitude: float
    streets: list[str]


@dataclass
class ProductSpec:
    product: Product
    category_code: str
    kind: str  # furniture / appliance / electronics / parts


@dataclass
class DemoReference:
    users: dict[str, User]
    regions: list[RegionSpec]
    products: list[ProductSpec]
    technicians: list[User] = field(default_factory=list)

    @property
    def admin(self) -> User:
        return self.users["admin"]


# --- reference data -------------------------------------------------------------------


def demo_reference_ensure() -> DemoReference:
    """Create (or find) the demo organizations, logins, regions and catalog."""
    with transaction.atomic():
        orgs = {}
        for name, kind in ((OWN_ORG, OrganizationKind.OWN), (PARTNER_ORG, OrganizationKind.PARTNER)):
            orgs[name] = Organization.objects.filter(name=name).first() or organization_create(
                actor=None, name=name, kind=kind, phone=ORG_PHONES[name]
            )
        users: dict[str, User] = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
        for username, role, org_name, last, first in DEMO_USERS:
            if username not in users:
                users[username] = user_create(
                    actor=users.get("admin"),
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    organization=orgs[org_name] if org_name else None,
                    last_name=last,
                    first_name=first,
                    email=f"{username}@demo.aftersales.local",
                )
        admin = users["admin"]
        existing_regions = {r.code: r for r in Region.objects.filter(code__in=[r[0] for r in V.REGIONS])}
        regions = []
        for code, name, province, city, district, remote, lat, lng, streets in V.REGIONS:
            region = existing_regions.get(code) or region_create(
                actor=admin,
                code=code,
                name=name,
                province=province,
                city=city,
                region_class="remote" if remote else "urban",
            )
            regions.append(RegionSpec(region, province, city, district, remote, lat, lng, streets))
        categories = {c.code: c for c in ProductCategory.objects.filter(code__in=[c[0] for c in V.CATEGORIES])}
        kinds = {}
        for code, name, kind in V.CATEGORIES:
            kinds[code] = kind
            if code not in categories:
                categories[code] = category_create(actor=admin, code=code, name=name)
        existing_products = {p.model_code: p for p in Product.objects.filter(model_code__in=[p[1] for p in V.PRODUCTS])}
        products = []
        for cat, model_code, name, brand, months in V.PRODUCTS:
            product = existing_products.get(model_code) or product_create(
                actor=admin,
                model_code=model_code,
                name=name,
                category=categories[cat],
                warranty_months=months,
                brand=brand,
            )
            products.append(ProductSpec(product, cat, kinds[cat]))
    technicians = [users["tech"], users["partnertech"]]
    return DemoReference(users=users, regions=regions, products=products, technicians=technicians)


# --- small pieces shared with the bulk generator ----------------------------------------


def person_name(rng: random.Random) -> str:
    return rng.choice(V.SURNAMES) + rng.choice(V.GIVEN)


def mobile_number(rng: random.Random) -> str:
    return rng.choice(V.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def company_name(rng: random.Random, city: str) -> str:
    return city.removesuffix("市") + rng.choice(V.COMPANY_PREFIXES) + rng.choice(V.COMPANY_KINDS)


def street_address(rng: random.Random, spec: RegionSpec) -> str:
    if spec.remote:
        return f"{rng.choice(spec.streets)}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    return (
        f"{rng.choice(spec.streets)}{rng.randint(1, 2000)}号"
        f"{rng.randint(1, 30)}幢{rng.randint(1, 3)}单元{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
    )


def coordinate_near(rng: random.Random, spec: RegionSpec) -> tuple[Decimal, Decimal]:
    spread = 0.12 if spec.remote else 0.05
    lat = Decimal(f"{spec.latitude + rng.uniform(-spread, spread):.6f}")
    lng = Decimal(f"{spec.longitude + rng.uniform(-spread, spread):.6f}")
    return lat, lng


def store_for(rng: random.Random, channel: str, city: str) -> str:
    return rng.choice(V.STORES[channel]).format(city=city.removesuffix("市"))


PURCHASE_CHANNEL_WEIGHTS = {
    PurchaseChannel.STORE: 45,
    PurchaseChannel.ONLINE: 35,
    PurchaseChannel.DISTRIBUTOR: 10,
    PurchaseChannel.PROJECT: 6,
    PurchaseChannel.OTHER: 4,
}
REQUEST_CHANNEL_WEIGHTS = {
    Channel.PHONE: 40,
    Channel.WECHAT: 22,
    Channel.PORTAL: 15,
    Channel.WEB: 10,
    Channel.STORE: 8,
    Channel.EMAIL: 5,
}
SERVICE_TYPE_WEIGHTS = {
    ServiceType.REPAIR: 55,
    ServiceType.INSTALLATION: 15,
    ServiceType.MAINTENANCE: 10,
    ServiceType.CONSULTATION: 8,
    ServiceType.RETURN_EXCHANGE: 6,
    ServiceType.COMPLAINT: 6,
}
PRIORITY_WEIGHTS = {Priority.URGENT: 5, Priority.HIGH: 15, Priority.NORMAL: 70, Priority.LOW: 10}


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def problem_description(rng: random.Random, service_type: str, spec: ProductSpec | None) -> str:
    """A realistic Chinese problem description for the type and the product's category."""
    name = spec.product.name if spec else "产品"
    kind = spec.kind if spec else "appliance"
    if service_type == ServiceType.REPAIR:
        text = rng.choice(V.PROBLEMS[spec.category_code] if spec else V.PROBLEMS["AC"])
    elif service_type == ServiceType.INSTALLATION:
        text = rng.choice(V.INSTALLATION[kind]).format(name=name)
    elif service_type == ServiceType.MAINTENANCE:
        text = rng.choice(V.MAINTENANCE[kind]).format(name=name)
    elif service_type == ServiceType.CONSULTATION:
        text = rng.choice(V.CONSULTATIONS).format(name=name)
    elif service_type == ServiceType.RETURN_EXCHANGE:
        text = rng.choice(V.RETURNS).format(name=name)
    else:
        text = rng.choice(V.COMPLAINTS)
    if spec and rng.random() < 0.4:
        text += f"。型号 {spec.product.model_code}"
    return text


# --- lifecycle paths ---------------------------------------------------------------------

A = Action
_TO_SCHEDULED = [A.ACKNOWLEDGE, A.ASSIGN, A.ACCEPT, A.SCHEDULE]
_TO_COMPLETED = [*_TO_SCHEDULED, A.START, A.COMPLETE]

# For every status, legal ways to reach it from NEW (checked by the tests through the services).
PATHS: dict[str, list[list[str]]] = {
    Status.NEW: [[]],
    Status.ACKNOWLEDGED: [[A.ACKNOWLEDGE], [A.ACKNOWLEDGE, A.ASSIGN, A.DECLINE]],
    Status.ASSIGNED: [[A.ACKNOWLEDGE, A.ASSIGN]],
    Status.ACCEPTED: [[A.ACKNOWLEDGE, A.ASSIGN, A.ACCEPT]],
    Status.SCHEDULED: [_TO_SCHEDULED, [*_TO_SCHEDULED, A.WAIT_PARTS, A.SCHEDULE]],
    Status.IN_PROGRESS: [[*_TO_SCHEDULED, A.START], [*_TO_SCHEDULED, A.START, A.REQUEST_QUOTE, A.APPROVE_QUOTE]],
    Status.WAITING_PARTS: [[*_TO_SCHEDULED, A.START, A.WAIT_PARTS]],
    Status.WAITING_CUSTOMER: [[A.ACKNOWLEDGE, A.WAIT_CUSTOMER], [*_TO_SCHEDULED, A.WAIT_CUSTOMER]],
    Status.WAITING_QUOTE: [[*_TO_SCHEDULED, A.START, A.REQUEST_QUOTE]],
    Status.COMPLETED: [_TO_COMPLETED, [A.ACKNOWLEDGE, A.RESOLVE_REMOTELY]],
    Status.FOLLOWED_UP: [[*_TO_COMPLETED, A.FOLLOW_UP]],
    Status.CLOSED: [
        [*_TO_COMPLETED, A.FOLLOW_UP, A.CLOSE],
        [A.ACKNOWLEDGE, A.WAIT_CUSTOMER, A.CUSTOMER_RESPONDED, *_TO_COMPLETED[1:], A.FOLLOW_UP, A.CLOSE],
        [A.ACKNOWLEDGE, A.RESOLVE_REMOTELY, A.FOLLOW_UP, A.CLOSE],
        [A.RESOLVE_AT_INTAKE],
    ],
    Status.CANCELLED: [
        [A.CANCEL],
        [A.ACKNOWLEDGE, A.CANCEL],
        [*_TO_SCHEDULED, A.START, A.REQUEST_QUOTE, A.DECLINE_QUOTE],
    ],
    Status.REOPENED: [[*_TO_COMPLETED, A.FOLLOW_UP, A.CLOSE, A.REOPEN], [*_TO_COMPLETED, A.REOPEN]],
}

STATUS_WEIGHTS = {
    Status.NEW: 8,
    Status.ACKNOWLEDGED: 6,
    Status.ASSIGNED: 6,
    Status.ACCEPTED: 5,
    Status.SCHEDULED: 8,
    Status.IN_PROGRESS: 7,
    Status.WAITING_PARTS: 4,
    Status.WAITING_CUSTOMER: 4,
    Status.WAITING_QUOTE: 3,
    Status.COMPLETED: 6,
    Status.FOLLOWED_UP: 6,
    Status.CLOSED: 25,
    Status.CANCELLED: 5,
    Status.REOPENED: 2,
}

# minutes each step takes after the previous one (min, max)
STEP_MINUTES = {
    A.ACKNOWLEDGE: (5, 90),
    A.RESOLVE_AT_INTAKE: (3, 15),
    A.RESOLVE_REMOTELY: (10, 180),
    A.ASSIGN: (15, 240),
    A.ACCEPT: (5, 120),
    A.DECLINE: (30, 300),
    A.SCHEDULE: (10, 180),
    A.START: (600, 3 * DAY_MINUTES),
    A.WAIT_PARTS: (30, 120),
    A.WAIT_CUSTOMER: (60, 600),
    A.CUSTOMER_RESPONDED: (600, 2 * DAY_MINUTES),
    A.REQUEST_QUOTE: (20, 60),
    A.APPROVE_QUOTE: (30, 600),
    A.DECLINE_QUOTE: (60, DAY_MINUTES),
    A.COMPLETE: (30, 240),
    A.FOLLOW_UP: (DAY_MINUTES, 3 * DAY_MINUTES),
    A.CLOSE: (60, DAY_MINUTES),
    A.CANCEL: (30, 2000),
    A.REOPEN: (DAY_MINUTES, 5 * DAY_MINUTES),
}

_REASON_KEYS = {
    A.WAIT_PARTS: "wait_parts",
    A.WAIT_CUSTOMER: "wait_customer",
    A.CANCEL: "cancel",
    A.DECLINE_QUOTE: "decline_quote",
    A.REOPEN: "reopen",
    A.COMPLETE: "resolve",
    A.RESOLVE_REMOTELY: "resolve",
    A.RESOLVE_AT_INTAKE: "answer",
}
_FIELD_ACTIONS = {A.ACCEPT, A.DECLINE, A.SCHEDULE, A.START, A.WAIT_PARTS, A.REQUEST_QUOTE, A.COMPLETE}


def _actor_for(action: str, users: dict[str, User], technician: User | None, assigned: bool) -> User:
    if action in _FIELD_ACTIONS:
        return technician
    if action == A.ASSIGN:
        return users["dispatcher"]
    if action == A.REOPEN:
        return users["quality"]
    if action in (A.WAIT_CUSTOMER, A.CUSTOMER_RESPONDED) and assigned:
        return technician
    return users["agent"]


def _reason(rng: random.Random, action: str) -> str:
    if action == A.DECLINE:
        return "该时段已排满，无法接单"
    key = _REASON_KEYS.get(action)
    return rng.choice(V.REASONS[key]) if key else ""


def request_walk(
    rng: random.Random,
    ref: DemoReference,
    *,
    customer: Customer,
    target: str,
    now: datetime.datetime,
    spec: ProductSpec | None,
    unit=None,
    path: list[str] | None = None,
):
    """File one request and move it to ``target`` along a legal path, with backdated times."""
    path = path if path is not None else rng.choice(PATHS[target])
    steps = [rng.uniform(*STEP_MINUTES[action]) for action in path]
    busy = sum(steps) + 60
    created = now - datetime.timedelta(minutes=rng.uniform(busy, max(busy, 60 * DAY_MINUTES)))
    service_type = ServiceType.CONSULTATION if A.RESOLVE_AT_INTAKE in path else weighted(rng, SERVICE_TYPE_WEIGHTS)
    channel = Channel.PORTAL if customer.user_id and rng.random() < 0.7 else weighted(rng, REQUEST_CHANNEL_WEIGHTS)
    creator = ref.users["customer"] if channel == Channel.PORTAL and customer.user_id else ref.users["agent"]
    request = request_create(
        actor=creator,
        customer=customer,
        channel=channel,
        service_type=service_type,
        priority=weighted(rng, PRIORITY_WEIGHTS),
        description=problem_description(rng, service_type, spec),
        unit=unit,
        product=spec.product if spec and unit is None else None,
        now=created,
    )
    at = created
    technician = None
    for action, minutes in zip(path, steps, strict=True):
        at += datetime.timedelta(minutes=minutes)
        kwargs = {}
        if action == A.ASSIGN:
            technician = rng.choice(ref.technicians)
            kwargs["technician"] = technician
        actor = _actor_for(action, ref.users, technician, technician is not None)
        request = request_transition(
            actor=actor, request=request, action=action, reason=_reason(rng, action), now=at, **kwargs
        )
        if action == A.DECLINE:
            technician = None
    return request


# --- the small demo set ------------------------------------------------------------------


def _customer_with_things(rng: random.Random, ref: DemoReference, *, user: User | None = None) -> tuple:
    admin = ref.admin
    spec = rng.choices(ref.regions, weights=[1 if r.remote else 6 for r in ref.regions])[0]
    company = user is None and rng.random() < 0.1
    name = f"{user.last_name}{user.first_name}" if user else person_name(rng)
    for _attempt in range(20):
        try:
            customer = customer_create(
                actor=ref.users["agent"],
                name=name,
                phone=mobile_number(rng),
                kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
                company_name=company_name(rng, spec.city) if company else "",
                email=f"{rng.randrange(10**8, 10**10)}@qq.com" if rng.random() < 0.3 else "",
                tier_override=CustomerTier.VIP if rng.random() < 0.04 else None,
                notes="企业客户，月结" if company else "",
                user=user,
            )
            break
        except ConflictError:
            continue
    addresses = []
    for i in range(1 if rng.random() < 0.7 else 2):
        lat, lng = coordinate_near(rng, spec)
        addresses.append(
            address_create(
                actor=admin,
                customer=customer,
                label=("公司" if company else V.ADDRESS_LABELS[i]),
                province=spec.province,
                city=spec.city,
                district=spec.district,
                street=street_address(rng, spec),
                region=spec.region,
                latitude=lat,
                longitude=lng,
            )
        )
    today = timezone.localdate()
    units = []
    for _i in range(rng.choice((1, 1, 2, 2, 3))):
        pspec = rng.choice(ref.products)
        purchase = today - datetime.timedelta(days=rng.randint(61, 5 * 365))
        channel = weighted(rng, PURCHASE_CHANNEL_WEIGHTS)
        installed = purchase + datetime.timedelta(days=rng.randint(0, 10)) if pspec.kind != "parts" else None
        for _attempt in range(20):
            serial = f"{pspec.product.model_code.split('-')[0][:3]}{purchase:%y%m}{rng.randrange(10**7):07d}"
            try:
                units.append(
                    unit_register(
                        actor=admin,
                        product=pspec.product,
                        serial_number=serial,
                        owner=customer,
                        purchase_date=purchase,
                        purchase_channel=channel,
                        store_name=store_for(rng, channel, spec.city),
                        invoice_number=f"{rng.randrange(10**11, 10**12)}" if rng.random() < 0.7 else "",
                        installation_date=installed,
                        address=rng.choice(addresses),
                    )
                )
                break
            except ConflictError:
                continue
    return customer, units


def demo_small_create(
    *, seed: int = 2026, customers: int = 200, requests: int = 300, progress: Callable | None = None
) -> DemoReference:
    """Reference data plus the small demo set. ``progress(n)`` is called per finished item."""
    rng = random.Random(seed)
    ref = demo_reference_ensure()
    spec_by_product = {p.product.pk: p for p in ref.products}
    now = timezone.now()
    tick = progress or (lambda n: None)
    with transaction.atomic():
        owned = []
        for i in range(customers):
            user = ref.users["customer"] if i == 0 and not hasattr(ref.users["customer"], "customer") else None
            owned.append(_customer_with_things(rng, ref, user=user))
            tick(1)
        statuses = list(STATUS_WEIGHTS)
        for i in range(requests):
            # Every status first, then by weight; the portal customer gets a handful.
            target = statuses[i] if i < len(statuses) else weighted(rng, STATUS_WEIGHTS)
            customer, units = owned[0] if i % 40 == 0 else rng.choice(owned)
            unit = rng.choice(units) if units and rng.random() < 0.9 else None
            spec = spec_by_product[unit.product_id] if unit else rng.choice(ref.products)
            request_walk(rng, ref, customer=customer, target=target, now=now, spec=spec, unit=unit)
            tick(1)
    return ref
