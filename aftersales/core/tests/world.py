"""One small, complete world for the permission tests: a user per role and, for every kind of
object a URL can name, an object that is the user's own and one that is foreign to him.
Everything is built through the services (and the apps' test factories).

- ``own`` objects belong to the own company's technician ``T`` and the portal customer;
- ``partner`` objects belong to the partner organization (its technician ``PT``);
- ``foreign`` objects belong to another technician ``T2`` and another customer.

``world.obj(kind, role, side)`` answers the object a role calls "own" (partner staff: the
partner's) or "foreign"; None when the world has no such object (the matrix then asks for an id
that does not exist).
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.accounts.choices import Role

ROLES = [
    Role.AGENT,
    Role.DISPATCHER,
    Role.TECHNICIAN,
    Role.PARTS_CLERK,
    Role.QUALITY,
    Role.QUALITY_MANAGER,
    Role.MANAGER,
    Role.ADMIN,
    Role.PARTNER,
    Role.CUSTOMER,
]
ANONYMOUS = "anonymous"
PRINCIPALS = [*ROLES, ANONYMOUS]

# A 1×1 PNG and a minimal PDF, for attachments and manuals.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

_n = itertools.count(1)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # kind -> {"own": obj, "partner": obj, "foreign": obj}
    extra: dict = field(default_factory=dict)

    def user(self, role):
        return None if role == ANONYMOUS else self.users[role]

    def obj(self, kind: str, role, side: str):
        rows = self.objects.get(kind, {})
        if "shared" in rows:  # configuration and master data: the same object for everybody, nothing foreign
            return rows["shared"] if side == "own" else None
        if side == "foreign":
            return rows.get("foreign")
        return rows.get("partner" if role == Role.PARTNER else "own")

    def put(self, kind: str, *, own=None, partner=None, foreign=None):
        self.objects[kind] = {k: v for k, v in (("own", own), ("partner", partner), ("foreign", foreign)) if v}

    def share(self, kind: str, obj):
        self.objects[kind] = {"shared": obj}


def _users(world: World):
    from aftersales.accounts.tests.factories import OrganizationFactory, PartnerFactory, UserFactory

    own_org = OrganizationFactory()
    partner_org = PartnerFactory()
    for role in ROLES:
        org = {Role.CUSTOMER: None, Role.PARTNER: partner_org}.get(role, own_org)
        world.users[role] = UserFactory(
            role=role,
            organization=org,
            is_superuser=(role == Role.ADMIN),
            is_staff=(role == Role.ADMIN),
            username=f"w-{role}",
        )
    world.extra["T2"] = UserFactory(role=Role.TECHNICIAN, organization=own_org, username="w-technician-2")
    world.extra["PT"] = UserFactory(role=Role.TECHNICIAN, organization=partner_org, username="w-partner-technician")
    world.extra["own_org"], world.extra["partner_org"] = own_org, partner_org


def _unit_for(office, customer):
    from aftersales.catalog.services import category_create, product_create, unit_register
    from aftersales.customers.services import address_create

    n = next(_n)
    category = category_create(actor=office, code=f"W-AC-{n}", name=f"空调{n}")
    product = product_create(
        actor=office, model_code=f"W-KFR-{n:03d}", name="变频空调", category=category, warranty_months=12
    )
    address = address_create(
        actor=office,
        customer=customer,
        province="上海市",
        city="上海市",
        street=f"世界路{n}号",
        latitude=Decimal("31.230400"),
        longitude=Decimal("121.473700"),
        is_default=True,
    )
    return unit_register(
        actor=office,
        product=product,
        serial_number=f"W-SN-{n:06d}",
        owner=customer,
        purchase_date=timezone.localdate() - dt.timedelta(days=3 * 365),
        address=address,
    )


def build_world() -> World:
    from aftersales.catalog.services import manual_add
    from aftersales.customers.services import customer_create
    from aftersales.dispatch import services as dispatch
    from aftersales.field import services as field
    from aftersales.field.tests.factories import field_job, quote_lines, signature_data_url
    from aftersales.parts import services as parts
    from aftersales.parts.models import DefectiveReturn, StockMove
    from aftersales.parts.tests.factories import make_part, make_region, make_warehouse, serve, stock
    from aftersales.sla.models import Calendar
    from aftersales.sla.tests.calendars import seed_migration_data
    from aftersales.tickets.services import attachments_add
    from aftersales.tickets.tests.paths import unique_phone

    if not Calendar.objects.exists():
        seed_migration_data()  # a database flushed by an earlier transactional (browser) test
    w = World()
    _users(w)
    manager, clerk = w.users[Role.MANAGER], w.users[Role.PARTS_CLERK]
    T, T2, PT = w.users[Role.TECHNICIAN], w.extra["T2"], w.extra["PT"]

    # Customers and their units: the portal customer's (own), the partner's job's, another one.
    own_customer = customer_create(actor=manager, name="门户客户", phone=unique_phone(), user=w.users[Role.CUSTOMER])
    partner_customer = customer_create(actor=manager, name="服务商客户", phone=unique_phone())
    foreign_customer = customer_create(actor=manager, name="别人的客户", phone=unique_phone())
    units = {
        side: _unit_for(manager, c)
        for side, c in (("own", own_customer), ("partner", partner_customer), ("foreign", foreign_customer))
    }

    # Technicians with dispatch profiles serving one region.
    region = make_region(manager)
    for tech in (T, T2, PT):
        serve(manager, tech, region)

    # Jobs accepted by their technicians (a van with the part in stock each).
    jobs = {
        "own": field_job(T, manager, unit=units["own"]),
        "partner": field_job(PT, manager, unit=units["partner"]),
        "foreign": field_job(T2, manager, unit=units["foreign"]),
    }
    w.put("request", **{k: j.request for k, j in jobs.items()})
    w.put("customer", own=own_customer, partner=partner_customer, foreign=foreign_customer)
    w.put("unit", **units)
    w.put("technician", own=T, partner=PT, foreign=T2)
    w.put("warehouse", own=jobs["own"].van, partner=jobs["partner"].van, foreign=jobs["foreign"].van)

    # Appointments (booked before the visits start).
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    appts = {
        k: dispatch.appointment_create(
            actor=manager, request=j.request, window_start=start, window_end=start + dt.timedelta(hours=2)
        )
        for k, j in jobs.items()
    }
    w.put("appointment", **appts)

    # Attachments on the requests.
    attachments = {
        k: attachments_add(
            actor=manager,
            request=j.request,
            uploads=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
        )[0]
        for k, j in jobs.items()
    }
    w.put("attachment", **attachments)

    # Reservations from the vans.
    w.put(
        "reservation",
        **{
            k: parts.part_reserve(
                actor=j.technician, request=j.request, part=j.part, quantity=1, warehouse=j.van, lot="B202607"
            )
            for k, j in jobs.items()
        },
    )

    # Visits: checked in, diagnosed, quoted (a token for the consent link), accepted and paid in part.
    visits = {}
    for k, j in jobs.items():
        visit = field.visit_check_in(actor=j.technician, request=j.request)
        visits[k] = field.visit_diagnose(
            actor=j.technician, visit=visit, cause=j.cause, inspection_result="压缩机不启动", solution="更换压缩机"
        )
    w.put("visit", **visits)
    payments, quotes = {}, {}
    for k, j in jobs.items():
        quotes[k] = field.quote_create(actor=j.technician, visit=visits[k], lines=quote_lines(j))
        field.quote_accept(actor=j.technician, quote=quotes[k], signer_name="客户", signature=signature_data_url())
        payments[k] = field.payment_record(actor=j.technician, visit=visits[k], method="cash", amount="50.00")
        field.visit_part_use(
            actor=j.technician, visit=visits[k], part=j.part, quantity=1, lot="B202607", old_part="returned"
        )
        field.visit_photos_add(
            actor=j.technician,
            visit=visits[k],
            uploads=[SimpleUploadedFile("before.png", PNG, content_type="image/png")],
            phase="before",
        )
    w.put("payment", **payments)
    w.put("visit_part", **{k: v.parts_used.get() for k, v in visits.items()})
    w.put("visit_photo", **{k: v.photos.get() for k, v in visits.items()})
    w.put("quote", **quotes)
    w.put("defective", **{k: DefectiveReturn.objects.filter(request=j.request).first() for k, j in jobs.items()})
    w.put("move", **{k: StockMove.objects.filter(warehouse=j.van).order_by("id").first() for k, j in jobs.items()})
    w.share("quote_token", quotes["own"])

    # Stock documents: a central warehouse with stock, transfers to each van, van issues, a count,
    # an adjustment, a reorder rule.
    central = make_warehouse(manager)
    part = make_part(manager)
    stock(manager, central, part, 20)
    w.share("part", part)
    w.extra["central"] = central
    w.put(
        "transfer",
        **{
            k: parts.transfer_create(
                actor=clerk, source=central, destination=j.van, lines=[{"part": part, "quantity": 1}]
            )
            for k, j in jobs.items()
        },
    )
    w.put(
        "van_issue",
        own=parts.van_issue_request(
            actor=T, van=jobs["own"].van, source=central, lines=[{"part": part, "quantity": 1}]
        ),
        foreign=parts.van_issue_request(
            actor=T2, van=jobs["foreign"].van, source=central, lines=[{"part": part, "quantity": 1}]
        ),
    )
    w.share("count", parts.count_create(actor=clerk, warehouse=central))
    w.share("adjustment", parts.adjustment_create(actor=clerk, warehouse=central, part=part, quantity=1, reason="盘盈"))
    w.share(
        "reorder_rule",
        parts.reorder_rule_create(actor=clerk, part=part, warehouse=central, reorder_point=2, reorder_quantity=5),
    )

    # Dispatch and catalogue configuration.
    w.share("policy", dispatch.policy_create(actor=manager, mode="suggest", region=region))
    w.share("product", units["own"].product)
    w.share(
        "manual",
        manual_add(
            actor=manager,
            product=units["own"].product,
            title="安装说明书",
            upload=SimpleUploadedFile("manual.pdf", PDF, content_type="application/pdf"),
        ),
    )
    # The service standards (seeded by the SLA migrations): configuration, shared.
    from aftersales.sla.models import Calendar, CalendarDay, EscalationLevel, SlaPolicy

    if not Calendar.objects.filter(code="standard").exists():
        from aftersales.sla.tests.calendars import seed_migration_data

        seed_migration_data()  # flushed by an earlier test that committed
    standard = Calendar.objects.get(code="standard")
    w.share("sla_rule", SlaPolicy.objects.order_by("pk").first())
    w.share("sla_calendar", standard)
    w.share("sla_calendar_day", CalendarDay.objects.filter(calendar=standard).order_by("date").first())
    w.share("sla_level", EscalationLevel.objects.order_by("pk").first())
    w.extra["region"] = region

    # A complaint about the own job (complaints are shared by the roles that read them).
    from aftersales.complaints.services import complaint_create

    complaint = complaint_create(
        actor=manager, category="attitude", description="师傅没有穿鞋套", demand="道歉", request=jobs["own"].request
    )
    from aftersales.complaints.services import complaint_evidence_add

    w.share("complaint", complaint)
    w.share("complaint_token", complaint)
    w.share(
        "complaint_evidence",
        complaint_evidence_add(
            actor=manager,
            complaint=complaint,
            uploads=[SimpleUploadedFile("evidence.png", PNG, content_type="image/png")],
        )[0],
    )
    _extend(w)
    return w


def _extend(w: World) -> None:
    """The apps above add their own objects: ``world_extend(world)`` in ``<app>/tests/world.py``."""
    import importlib

    from django.conf import settings

    for app in settings.INSTALLED_APPS:
        if not app.startswith("aftersales.") or app == "aftersales.core":
            continue
        try:
            module = importlib.import_module(f"{app}.tests.world")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.tests.world":
                raise
            continue
        module.world_extend(w)
