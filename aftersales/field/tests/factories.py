"""Field-service test helpers.

- Configuration (fault tree, checklists) has no services (administrators edit it in the
  admin): factory_boy factories.
- ``signature_data_url()``: a real, non-blank PNG signature as the canvas sends it.
- ``field_job(technician, office)``: a request accepted by ``technician`` for a unit with
  a fault tree, a checklist and a part in the technician's van, all built through the
  real services (``office`` must be a manager or an admin: it creates the catalogue,
  the van, the stock and drives the request).
- ``visit_complete(job)``: the whole visit through the services, from check-in to a
  completed check-out (quote, signed consent and payment when out of warranty).

    job = field_job(technician, manager)                  # out of warranty
    visit = visit_complete(job)                           # checked out, form complete
    job = field_job(technician, manager, in_warranty=True, unit=job.unit, cause=job.cause)
"""

from __future__ import annotations

import base64
import datetime
import io
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import factory
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.field.choices import CheckKind, CheckResult, LineKind, OldPart, Outcome, PaymentMethod
from aftersales.field.models import Fault, FaultCategory, FaultCause, FunctionCheck

_n = itertools.count(1)


# --- configuration -------------------------------------------------------------------------------


class FaultCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaultCategory

    code = factory.Sequence(lambda n: f"FC{n:04d}")
    name = "制冷"
    product_category = None


class FaultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fault

    category = factory.SubFactory(FaultCategoryFactory)
    code = factory.Sequence(lambda n: f"FT{n:04d}")
    name = "不制冷"


class FaultCauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaultCause

    fault = factory.SubFactory(FaultFactory)
    code = factory.Sequence(lambda n: f"CA{n:04d}")
    name = "压缩机故障"
    solution_hint = "更换压缩机，抽真空并加注冷媒"


class FunctionCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FunctionCheck

    product_category = None
    kind = CheckKind.TEST
    text = factory.Sequence(lambda n: f"制冷测试 30 分钟，出风温度达标 ({n})")


def fault_tree(product_category=None) -> FaultCause:
    """制冷 → 不制冷 → 压缩机故障 (plus a sibling cause 冷媒泄漏); returns the first cause."""
    category = FaultCategoryFactory(product_category=product_category, name="制冷")
    fault = FaultFactory(category=category, name="不制冷")
    cause = FaultCauseFactory(fault=fault, name="压缩机故障", solution_hint="更换压缩机，抽真空并加注冷媒")
    FaultCauseFactory(fault=fault, name="冷媒泄漏", solution_hint="补焊漏点，抽真空后加注冷媒")
    return cause


def checklist(product_category=None) -> list[FunctionCheck]:
    """Two function-test lines and one care line for ``product_category``."""
    return [
        FunctionCheckFactory(product_category=product_category, kind=CheckKind.TEST, text="制冷测试 30 分钟", sort=1),
        FunctionCheckFactory(product_category=product_category, kind=CheckKind.TEST, text="出风温度达标", sort=2),
        FunctionCheckFactory(product_category=product_category, kind=CheckKind.CARE, text="告知日常清洁保养方法"),
    ]


# --- signatures ----------------------------------------------------------------------------------


def signature_png_bytes(*, width: int = 320, height: int = 120, seed: int = 0) -> bytes:
    """A transparent PNG with a few dark pen strokes (what a signature canvas produces)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ink = (20, 30, 90, 255)
    s = seed % 7
    strokes = [
        [(20, 80 - s), (45, 30), (60, 90), (80, 35 + s), (100, 85)],
        [(120, 60), (150, 40 + s), (170, 75), (195, 45), (215, 80 - s)],
        [(230, 90), (255, 35), (280, 70 + s), (300, 50)],
    ]
    for stroke in strokes:
        pts = [(min(x, width - 2), min(y, height - 2)) for x, y in stroke]
        draw.line(pts, fill=ink, width=4, joint="curve")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def signature_data_url(**kwargs) -> str:
    """``data:image/png;base64,…`` of ``signature_png_bytes`` (accepted by ``signatures.signature_png``)."""
    return "data:image/png;base64," + base64.b64encode(signature_png_bytes(**kwargs)).decode()


def blank_signature_data_url(width: int = 320, height: int = 120) -> str:
    """An empty canvas (refused by ``signatures.signature_png``)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 0, 0)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


# --- a job ready for a visit ---------------------------------------------------------------------


@dataclass
class FieldJob:
    request: object
    technician: object
    office: object
    customer: object
    unit: object
    product: object
    cause: FaultCause
    part: object
    van: object
    checks: list = field(default_factory=list)


def field_job(
    technician,
    office,
    *,
    in_warranty: bool = False,
    unit=None,
    cause: FaultCause | None = None,
    part=None,
    customer_name: str = "张伟",
    description: str = "空调不制冷，开机半小时出风仍是热风",
    stock_quantity: int = 5,
    lot: str = "B202607",
    created_at=None,
) -> FieldJob:
    """A service request accepted by ``technician`` (status "accepted": ready for ``visit_check_in``).

    A new product, unit (in or out of warranty), customer with an address, fault tree,
    checklist and a batch-tracked part in the technician's van (his van is created when
    he has none) — unless ``unit`` / ``cause`` / ``part`` are given to reuse them (e.g. the
    same unit visited again for the same fault). ``created_at``: when the request was filed."""
    from aftersales.catalog.services import category_create, product_create, unit_register
    from aftersales.customers.services import address_create, customer_create
    from aftersales.parts.choices import Tracking
    from aftersales.parts.models import Warehouse
    from aftersales.parts.tests.factories import make_part, make_van, stock
    from aftersales.tickets.choices import Status
    from aftersales.tickets.tests.paths import drive_to, unique_phone

    n = next(_n)
    if unit is None:
        category = category_create(actor=office, code=f"FLD-AC-{n}", name="空调")
        product = product_create(
            actor=office,
            model_code=f"KFR-35GW/T{n:03d}",
            name="变频壁挂式空调 1.5匹",
            category=category,
            warranty_months=12,
            brand="华凌",
        )
        customer = customer_create(actor=office, name=customer_name, phone=unique_phone())
        address = address_create(
            actor=office,
            customer=customer,
            province="上海市",
            city="上海市",
            district="浦东新区",
            street=f"张杨路{n}号 3 幢 502 室",
            latitude=Decimal("31.230400"),
            longitude=Decimal("121.473700"),
            is_default=True,
        )
        today = timezone.localdate()
        purchased = today - datetime.timedelta(days=60 if in_warranty else 3 * 365)
        unit = unit_register(
            actor=office,
            product=product,
            serial_number=f"HL35{n:08d}",
            owner=customer,
            purchase_date=purchased,
            store_name="苏宁易购浦东店",
            invoice_number=f"INV{n:08d}",
            address=address,
        )
    product, customer = unit.product, unit.owner
    if cause is None:
        cause = fault_tree(product.category)
    checks = list(FunctionCheck.objects.filter(product_category=product.category))
    if not checks:
        checks = checklist(product.category)
    van = Warehouse.objects.filter(technician=technician).first() or make_van(office, technician)
    if part is None:
        part = make_part(
            office,
            name="变频压缩机 R32",
            cost="820.00",
            tracking=Tracking.BATCH,
            compatible_products=[product],
        )
    if stock_quantity:
        stock(office, van, part, stock_quantity, lot=lot if part.tracking != Tracking.NONE else "")
    create = {"now": created_at} if created_at is not None else {}
    request = drive_to(
        Status.ACCEPTED,
        users={Role.MANAGER: office, Role.TECHNICIAN: technician},
        customer=customer,
        technician=technician,
        unit=unit,
        description=description,
        **create,
    )
    return FieldJob(
        request=request,
        technician=technician,
        office=office,
        customer=customer,
        unit=unit,
        product=product,
        cause=cause,
        part=part,
        van=van,
        checks=checks,
    )


def quote_lines(job: FieldJob) -> list[dict]:
    """The usual out-of-warranty quote: the part, labour and the call-out fee (total 1 500 + 180 + 50)."""
    return [
        {"kind": LineKind.PART, "part": job.part, "quantity": 1, "unit_price": "1500.00"},
        {"kind": LineKind.LABOUR, "description": "更换压缩机工时", "quantity": 2, "unit_price": "90.00"},
        {"kind": LineKind.CALL_OUT, "description": "上门费", "quantity": 1, "unit_price": "50.00"},
    ]


def passing_results(visit) -> dict:
    """Every checklist line of the visit answered "pass"."""
    from aftersales.field.selectors import checks_for

    return {c.pk: {"result": CheckResult.PASS} for c in checks_for(visit)}


def visit_complete(
    job: FieldJob,
    *,
    lines: list[dict] | None = None,
    method: str = PaymentMethod.WECHAT,
    old_part: str = OldPart.RETURNED,
    signer_name: str | None = None,
    use_part: bool = True,
    now=None,
):
    """Check in, diagnose ``job.cause``, (out of warranty: quote, signed consent), fit the part,
    run the checklist, customer signs, (pay), check out as completed. Returns the visit."""
    from aftersales.field import services

    now = now or timezone.now()
    t = job.technician
    at = itertools.count(0)

    def tick():
        return now + datetime.timedelta(minutes=10 * next(at))

    visit = services.visit_check_in(actor=t, request=job.request, latitude="31.2304", longitude="121.4737", now=tick())
    visit = services.visit_diagnose(
        actor=t,
        visit=visit,
        cause=job.cause,
        inspection_result="开机 30 分钟出风口温度 26℃，压缩机不启动，启动电容正常",
        solution=job.cause.solution_hint or "更换压缩机",
        now=tick(),
    )
    name = signer_name or job.customer.name
    if not visit.in_warranty:
        quote = services.quote_create(actor=t, visit=visit, lines=lines or quote_lines(job), now=tick())
        services.quote_accept(actor=t, quote=quote, signer_name=name, signature=signature_data_url(seed=1), now=tick())
    if use_part:
        services.visit_part_use(
            actor=t,
            visit=visit,
            part=job.part,
            quantity=1,
            lot="B202607" if job.part.tracking != "none" else "",
            old_part=old_part,
            old_serial="OLD-CMP-0001",
            now=tick(),
        )
    services.visit_checks_record(
        actor=t,
        visit=visit,
        results=passing_results(visit),
        care_instructions="已告知每月清洗滤网，长期不用时断电",
        now=tick(),
    )
    services.visit_sign(actor=t, visit=visit, signer_name=name, signature=signature_data_url(seed=2), now=tick())
    visit.refresh_from_db()
    if visit.customer_total > 0:
        services.payment_record(
            actor=t, visit=visit, method=method, amount=visit.customer_total, reference="WX4200001", now=tick()
        )
    visit = services.visit_check_out(actor=t, visit=visit, outcome=Outcome.COMPLETED, now=tick())
    visit.refresh_from_db()
    return visit


def ensure_public_form_url(settings) -> None:
    """Check-out links the customer's form (``field:public_form``). Until the field UI has that
    route, add a stand-in beside the field routes so the services can be tested on their own;
    once the real route exists this does nothing."""
    from types import ModuleType

    from django.http import HttpResponse
    from django.urls import NoReverseMatch, URLResolver, include, path, reverse

    try:
        reverse("field:public_form", args=["token"])
        return
    except NoReverseMatch:
        pass
    from aftersales import urls

    try:
        from aftersales.field.urls import urlpatterns as field_patterns
    except ImportError:
        field_patterns = []
    stand_in = path("form/<str:token>/", lambda request, token: HttpResponse(), name="public_form")
    root = [p for p in urls.urlpatterns if not (isinstance(p, URLResolver) and p.namespace == "field")]
    urlconf = ModuleType("field_stand_in_urls")
    urlconf.urlpatterns = [path("field/", include(([*field_patterns, stand_in], "field"))), *root]
    settings.ROOT_URLCONF = urlconf


def ensure_document_urls(settings) -> None:
    """Mount ``views_documents.document_urlpatterns`` in the "field" namespace when the field
    URLs do not include them yet (the lead's ``field/urls.py`` does); otherwise do nothing."""
    from types import ModuleType

    from django.urls import NoReverseMatch, URLResolver, include, path, reverse

    try:
        reverse("field:form_pdf", args=[1])
        return
    except NoReverseMatch:
        pass
    from aftersales import urls
    from aftersales.field import urls as field_urls
    from aftersales.field.views_documents import document_urlpatterns

    others = [p for p in urls.urlpatterns if not (isinstance(p, URLResolver) and p.namespace == "field")]
    urlconf = ModuleType("field_document_urls")
    urlconf.urlpatterns = [
        *others,
        path("field/", include(([*field_urls.urlpatterns, *document_urlpatterns], "field"))),
    ]
    settings.ROOT_URLCONF = urlconf


def data_url_of(raw: bytes) -> str:
    """Any bytes as a PNG data URL (for signatures that only claim to be PNG)."""
    return "data:image/png;base64," + base64.b64encode(raw).decode()


def noisy_png_bytes(side: int = 700) -> bytes:
    """A real PNG that does not compress: well over the signature size limit."""
    import os

    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buf, format="PNG")
    return buf.getvalue()


def visit_ready_to_pay(job: FieldJob, *, use_part: bool = True):
    """Through the services: checked in, diagnosed, (out of warranty: quoted and accepted), the part
    fitted (unless ``use_part`` is false), checklist passed and the form signed: only payment and
    check-out are left. Returns the visit."""
    from aftersales.field import services
    from aftersales.field.models import Visit

    t = job.technician
    visit = services.visit_check_in(actor=t, request=job.request)
    visit = services.visit_diagnose(
        actor=t, visit=visit, cause=job.cause, inspection_result="压缩机不启动", solution="更换压缩机"
    )
    if not visit.in_warranty:
        quote = services.quote_create(actor=t, visit=visit, lines=quote_lines(job))
        services.quote_accept(actor=t, quote=quote, signer_name=job.customer.name, signature=signature_data_url())
    if use_part:
        lot = "B202607" if job.part.tracking != "none" else ""
        services.visit_part_use(actor=t, visit=visit, part=job.part, quantity=1, lot=lot, old_part=OldPart.DISPOSED)
    services.visit_checks_record(actor=t, visit=visit, results=passing_results(visit))
    services.visit_sign(actor=t, visit=visit, signer_name=job.customer.name, signature=signature_data_url())
    return Visit.objects.get(pk=visit.pk)
