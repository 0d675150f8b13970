"""/api/field: the visit on the technician's phone (R-FLD-1..5).

Reads start from ``visit_list_for`` / ``request_get_for``: a visit or job the caller may
not see answers 404; one he may see but not work on (office staff, the partner's desk)
answers 403 from the services. Every POST is one service call and honours an
``Idempotency-Key`` header: a phone that resubmits after a lost connection gets the
first answer back and the step is done once. Steps that create something (a visit, a
quote, a part used, a signature, a payment) answer 201 with it the first time and 200 on
a replay; steps that change the visit answer 200 with the visit.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Reply

from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_create
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import (
    ERRORS,
    Id,
    InputSchema,
    Latitude,
    Longitude,
    Money,
    PageInfo,
    PageSize,
    page_out,
    text,
)
from aftersales.tickets.selectors import request_get_for

from .choices import (
    ChargeReason,
    CheckResult,
    LineKind,
    OldPart,
    Outcome,
    PaymentMethod,
    SecondVisitReason,
    VisitStatus,
)
from .models import Payment, Quote, QuoteLine, Signature, Visit, VisitPart
from .permissions import VISIT_WORK_ROLES, visit_part_list_for
from .selectors import (
    cause_get,
    checks_for,
    fault_tree_for,
    job_prep,
    quote_draft_rows,
    quote_may_cover,
    quote_totals,
    visit_get_for,
    visit_list_for,
)
from .services import (
    form_missing,
    payment_record,
    quote_accept,
    quote_create,
    quote_decline,
    visit_check_in,
    visit_check_out,
    visit_checks_record,
    visit_diagnose,
    visit_part_use,
    visit_sign,
)

router = Router(tags=["field"])

IdempotencyKey = Header(None, alias="Idempotency-Key", description="Repeat a POST safely: the step is done once.")


def _choice(choices, description: str = ""):
    """A choice field checked by the service (a wrong value is a 400 naming the field); the
    allowed values are listed in the schema."""
    return Field(..., description=description, json_schema_extra={"enum": list(choices.values)})


def _choice_or(default, choices, description: str = ""):
    return Field(default, description=description, json_schema_extra={"enum": list(choices.values)})


# --- output ------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    code: str
    name: str


class TechnicianRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class VisitOut(Schema):
    """A visit in a list."""

    id: int
    number: str = Field(description="The service form's number (服务单号).")
    request_id: int
    request_number: str
    sequence: int = Field(description="1 for the first visit of the job, 2 for the second …")
    technician: TechnicianRef
    status: str
    status_label: str
    in_warranty: bool
    charge_reason: str
    checked_in_at: datetime.datetime
    checked_out_at: datetime.datetime | None
    outcome: str
    first_time_fix: bool | None
    customer_total: Decimal
    currency: str

    @staticmethod
    def resolve_request_number(obj: Visit) -> str:
        return obj.request.number

    @staticmethod
    def resolve_status_label(obj: Visit) -> str:
        return obj.get_status_display()


class VisitPage(PageInfo):
    items: list[VisitOut]


class QuoteLineOut(Schema):
    id: int
    kind: str
    part_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    covered: bool
    customer_amount: Decimal


class QuoteOut(Schema):
    id: int
    visit_id: int
    status: str
    charge_reason: str
    subtotal: Decimal = Field(description="List price of all lines.")
    covered: Decimal = Field(description="What the warranty covers.")
    total: Decimal = Field(description="What the customer pays.")
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    decline_reason: str
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_lines(obj: Quote) -> list[QuoteLine]:
        return list(obj.lines.all())


class QuoteDraftLineOut(Schema):
    kind: str
    part_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    covered: bool


class QuoteDraftOut(Schema):
    """The lines a new quote starts with, as the job page shows them."""

    may_cover: bool = Field(
        description="The warranty pays for ticked lines: an in-warranty unit whose chargeable items are extras."
    )
    lines: list[QuoteDraftLineOut]
    list_price: Decimal
    warranty_pays: Decimal
    customer_pays: Decimal


class VisitPartOut(Schema):
    id: int
    consumption_id: int
    part_id: int
    part_code: str
    part_name: str
    quantity: int
    lot: str
    warehouse_id: int
    old_part: str
    old_serial: str
    defective_return_id: int | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_part_id(obj: VisitPart) -> int:
        return obj.consumption.part_id

    @staticmethod
    def resolve_part_code(obj: VisitPart) -> str:
        return obj.consumption.part.code

    @staticmethod
    def resolve_part_name(obj: VisitPart) -> str:
        return obj.consumption.part.name

    @staticmethod
    def resolve_quantity(obj: VisitPart) -> int:
        return obj.consumption.quantity

    @staticmethod
    def resolve_lot(obj: VisitPart) -> str:
        return obj.consumption.lot

    @staticmethod
    def resolve_warehouse_id(obj: VisitPart) -> int:
        return obj.consumption.warehouse_id

    @staticmethod
    def resolve_defective_return_id(obj: VisitPart) -> int | None:
        ret = getattr(obj.consumption, "defective_return", None)
        return ret.pk if ret is not None else None


class CheckRecordOut(Schema):
    id: int
    check_id: int | None
    kind: str
    text: str
    result: str
    note: str

    @staticmethod
    def resolve_check_id(obj) -> int | None:
        return obj.check_item_id


class SignatureOut(Schema):
    """A signature's facts; the image itself is only served by the checked web views."""

    id: int
    quote_id: int | None
    purpose: str
    role: str
    signer_name: str
    via: str
    signed_at: datetime.datetime
    has_image: bool

    @staticmethod
    def resolve_has_image(obj: Signature) -> bool:
        return bool(obj.image)


class PaymentOut(Schema):
    id: int
    visit_id: int
    receipt_number: str
    amount: Decimal
    currency: str
    method: str
    reference: str
    received_at: datetime.datetime


class VisitDetailOut(VisitOut):
    """One visit: the whole service form so far, and what it still misses."""

    appointment_id: int | None
    check_in_lat: Decimal | None
    check_in_lng: Decimal | None
    fault: Ref | None
    fault_cause: Ref | None
    inspection_result: str
    solution: str
    diagnosed_at: datetime.datetime | None
    work_started_at: datetime.datetime | None
    tested_at: datetime.datetime | None
    care_instructions: str
    outcome_reason: str
    quotes: list[QuoteOut] = Field(description="Every quote of the visit, oldest first, with its lines.")
    parts: list[VisitPartOut]
    checks: list[CheckRecordOut]
    signatures: list[SignatureOut]
    payments: list[PaymentOut]
    paid: Decimal
    owed: Decimal
    missing: list[str] = Field(description="What the service form still misses before a completed check-out.")

    @staticmethod
    def resolve_quotes(obj: Visit) -> list[Quote]:
        return list(obj.quotes.all())

    @staticmethod
    def resolve_parts(obj: Visit) -> list[VisitPart]:
        return list(obj.parts_used.all())

    @staticmethod
    def resolve_checks(obj: Visit):
        return list(obj.checks.all())

    @staticmethod
    def resolve_signatures(obj: Visit) -> list[Signature]:
        return list(obj.signatures.all())

    @staticmethod
    def resolve_payments(obj: Visit) -> list[Payment]:
        return list(obj.payments.all())

    @staticmethod
    def resolve_paid(obj: Visit) -> Decimal:
        return sum((p.amount for p in obj.payments.all()), Decimal("0.00"))

    @staticmethod
    def resolve_owed(obj: Visit) -> Decimal:
        return max(obj.customer_total - sum((p.amount for p in obj.payments.all()), Decimal("0.00")), Decimal("0.00"))

    @staticmethod
    def resolve_missing(obj: Visit) -> list[str]:
        return form_missing(obj) if obj.is_open else []


class CauseOut(Schema):
    id: int
    code: str
    name: str
    solution_hint: str


class FaultOut(Schema):
    id: int
    code: str
    name: str
    causes: list[CauseOut]

    @staticmethod
    def resolve_causes(obj):
        return list(obj.causes.all())


class FaultCategoryOut(Schema):
    id: int
    code: str
    name: str
    faults: list[FaultOut]

    @staticmethod
    def resolve_faults(obj):
        return list(obj.faults.all())


class CheckLineOut(Schema):
    """One line of the visit's checklist, with the answer recorded so far (if any)."""

    id: int
    kind: str
    text: str
    result: str | None = None
    note: str = ""


# --- input -------------------------------------------------------------------------------------


class CheckInIn(InputSchema):
    request: Id
    latitude: Latitude | None = Field(None, description="Where the phone was at check-in (WGS-84).")
    longitude: Longitude | None = None


class DiagnoseIn(InputSchema):
    cause: Id = Field(description="A cause from ``GET /field/requests/{id}/fault-tree``.")
    inspection_result: text(4000)
    solution: text(4000)
    charge_reason: text(16) = _choice_or(
        ChargeReason.NONE, ChargeReason, "Out of warranty is always chargeable, whatever is sent."
    )


class QuoteLineIn(InputSchema):
    kind: text(10) = _choice(LineKind)
    part: Id | None = None
    description: text(200) = ""
    quantity: Decimal = Field(Decimal("1"), max_digits=8, decimal_places=2)
    unit_price: Money | None = Field(None, description="Default for a part: its list price.")
    covered: bool = Field(False, description="Covered by the warranty (in-warranty extra-items visits only).")


class QuoteIn(InputSchema):
    lines: list[QuoteLineIn] = Field(description="At most 50 lines.", max_length=1000)


class QuoteAcceptIn(InputSchema):
    quote: Id
    signer_name: text(100)
    signature: text(600_000) = Field(description="The customer's signature: ``data:image/png;base64,…``.")


class QuoteDeclineIn(InputSchema):
    quote: Id
    reason: text(2000)


class PartUseIn(InputSchema):
    part: Id
    quantity: int = Field(1, ge=1, le=1000)
    lot: text(64) = ""
    old_part: text(16) = _choice(OldPart, "What happens to the part taken out.")
    old_serial: text(64) = ""
    note: text(500) = ""


class CheckAnswerIn(InputSchema):
    result: text(4) = _choice(CheckResult)
    note: text(300) = ""


class ChecksIn(InputSchema):
    results: dict[Id, CheckAnswerIn] = Field(
        max_length=1000, description="Checklist line id → answer; every line is required."
    )
    care_instructions: text(2000) = ""


class SignIn(InputSchema):
    signer_name: text(100)
    signature: text(600_000) = Field(description="``data:image/png;base64,…`` from the signature pad.")


class PaymentIn(InputSchema):
    method: text(16) = _choice(PaymentMethod)
    amount: Money = Field(description="At most what is still owed.")
    reference: text(64) = ""


class CheckOutIn(InputSchema):
    outcome: text(16) = _choice_or(Outcome.COMPLETED, Outcome, "``completed`` or ``second_visit``.")
    reason: text(2000) = ""
    second_visit_reason: text(20) = _choice_or("", SecondVisitReason, "For a second visit.")


# --- helpers -------------------------------------------------------------------------------------


def _visit(request, visit_id: int) -> Visit:
    return visit_get_for(request.auth, visit_id)


def _detail(request, visit_id: int) -> Visit:
    """The visit with everything the form shows, in a fixed number of queries."""
    visit = _visit(request, visit_id)
    prefetch_related_objects(
        [visit],
        Prefetch("quotes", queryset=Quote.objects.order_by("created_at", "id").prefetch_related("lines")),
        Prefetch(
            "parts_used",
            queryset=VisitPart.objects.select_related(
                "consumption", "consumption__part", "consumption__defective_return"
            ),
        ),
        "checks",
        "signatures",
        "payments",
    )
    return visit


def _step(request, visit_id: int, *, step: str, key: str | None, payload: Schema, run):
    """Run a step that changes the visit, once per Idempotency-Key; answer with the visit."""
    visit = _visit(request, visit_id)

    def step_then_visit() -> Visit:
        run(visit)
        return visit  # the key records the visit's id: a replay answers with the visit as it is now

    idempotent_create(
        user=request.auth,
        scope=f"field.{step}.{visit.pk}",
        key=key,
        payload=payload.dict(),
        model=Visit,
        create=step_then_visit,
    )
    return _detail(request, visit.pk)


def _created(request, *, scope: str, key: str | None, payload: Schema, model, run):
    obj, created = idempotent_create(
        user=request.auth, scope=scope, key=key, payload=payload.dict(), model=model, create=run
    )
    return obj, 201 if created else 200


def _visit_created(request, visit_id: int, *, step: str, key: str | None, payload: Schema, model, run):
    """Create a record on the visit (``run(visit)``), once per Idempotency-Key; answer 201, or 200 on a replay."""
    visit = _visit(request, visit_id)
    obj, status = _created(
        request, scope=f"field.{step}.{visit.pk}", key=key, payload=payload, model=model, run=lambda: run(visit)
    )
    return Reply(status, obj)


def _fields(payload: Schema, *names: str) -> dict:
    """The named fields of the payload as service keyword arguments."""
    return {name: getattr(payload, name) for name in names}


def _quote_of(visit: Visit, quote_id: int) -> Quote:
    quote = visit.quotes.filter(pk=quote_id).first()
    if quote is None:
        raise ValidationFailed(fields={"quote": [_("Not a quote of this visit.")]})
    return quote


# --- reads ---------------------------------------------------------------------------------------


class VisitFilter(Schema):
    request: Id | None = None
    status: text(20) | None = Field(None, json_schema_extra={"enum": list(VisitStatus.values)})
    open: bool | None = Field(None, description="Only open (true) or checked-out (false) visits.")
    cursor: text(500) | None = None
    size: PageSize = 25


@router.get("/visits", response={200: VisitPage, **ERRORS}, summary="List visits")
def visits_list(request, filters: Query[VisitFilter]):
    """The caller's visits (a technician: those of his jobs), newest first, keyset-paginated."""
    qs = visit_list_for(request.auth).select_related("request", "technician")
    if filters.request:
        qs = qs.filter(request_id=filters.request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.open is not None:
        qs = qs.exclude(status=VisitStatus.DONE) if filters.open else qs.filter(status=VisitStatus.DONE)
    return page_out(keyset_page(qs, order=["-checked_in_at", "-id"], cursor=filters.cursor, size=filters.size))


@router.get("/visits/{int:visit_id}", response={200: VisitDetailOut, **ERRORS}, summary="Get a visit")
def visits_get(request, visit_id: int):
    """The service form so far: diagnosis, quotes with lines, parts, checks, signatures (facts only),
    payments and ``missing``: what a completed check-out still needs."""
    return _detail(request, visit_id)


@router.get(
    "/requests/{int:request_id}/fault-tree", response={200: list[FaultCategoryOut], **ERRORS}, summary="Fault tree"
)
def fault_tree(request, request_id: int):
    """Category → fault → cause (active only) for the job's product: pick a cause to diagnose."""
    return fault_tree_for(request_get_for(request.auth, pk=request_id))


@router.get("/visits/{int:visit_id}/checks", response={200: list[CheckLineOut], **ERRORS}, summary="Checklist")
def checks_list(request, visit_id: int):
    """The function-test and use-and-care lines of the visit's product, with the answers so far."""
    visit = _visit(request, visit_id)
    done = {r.check_item_id: r for r in visit.checks.all()}
    out = []
    for check in checks_for(visit):
        record = done.get(check.pk)
        out.append(
            {
                "id": check.pk,
                "kind": check.kind,
                "text": check.text,
                "result": record.result if record else None,
                "note": record.note if record else "",
            }
        )
    return out


@router.get("/visits/{int:visit_id}/quote-draft", response={200: QuoteDraftOut, **ERRORS}, summary="Quote draft")
def quote_draft(request, visit_id: int):
    """The call-out fee, labour and the part most likely needed, at list price. On an in-warranty unit
    whose chargeable items are extras the customer asked for, these lines are ``covered`` (the warranty
    pays, the customer pays ¥0 for them); add the extras uncovered and send the lines to ``…/quote``."""
    visit = _visit(request, visit_id)
    prep = job_prep(visit.request, viewer=request.auth)
    rows = [
        r
        for r in quote_draft_rows(
            visit,
            prep.likely_parts,
            size=0,
            call_out_fee=settings.FIELD_CALL_OUT_FEE,
            labour_fee=settings.FIELD_LABOUR_FEE,
        )
        if r["kind"]
    ]
    totals = quote_totals(rows)
    return {
        "may_cover": quote_may_cover(visit),
        "lines": [
            {
                "kind": r["kind"],
                "part_id": int(r["part"]) if r.get("part") else None,
                "description": r["description"],
                "quantity": Decimal(r["quantity"]),
                "unit_price": Decimal(r["unit_price"]),
                "covered": r["covered"],
            }
            for r in rows
        ],
        "list_price": totals.list_price,
        "warranty_pays": totals.warranty_pays,
        "customer_pays": totals.customer_pays,
    }


# --- steps ---------------------------------------------------------------------------------------


def _step_route(path: str, summary: str, *, created=None):
    """The POST route of a step, for the roles that work on visits: it answers with the visit,
    or with the ``created`` record (201, or 200 on a replay of the same Idempotency-Key)."""
    response = {201: created, 200: created, **ERRORS} if created else {200: VisitDetailOut, **ERRORS}
    return router.post(path, response=response, summary=summary, auth=api_roles(VISIT_WORK_ROLES))


@_step_route("/check-in", "Check in", created=VisitDetailOut)
def check_in(request, payload: CheckInIn, idempotency_key: str | None = IdempotencyKey):
    """Arrive at the customer: opens the visit (the service form's number) and starts the job.
    One open visit per job: a second check-in answers 409 ``visit_open``."""
    job = request_get_for(request.auth, pk=payload.request)
    visit, status = _created(
        request,
        scope=f"field.check_in.{job.pk}",
        key=idempotency_key,
        payload=payload,
        model=Visit,
        run=lambda: visit_check_in(
            actor=request.auth, request=job, latitude=payload.latitude, longitude=payload.longitude
        ),
    )
    return Reply(status, _detail(request, visit.pk))


@_step_route("/visits/{int:visit_id}/diagnose", "Diagnose")
def diagnose(request, visit_id: int, payload: DiagnoseIn, idempotency_key: str | None = IdempotencyKey):
    """Fault cause (from the fault tree), what was found, the solution and whether anything is chargeable.
    An unknown cause is refused by the service, after the visit is found (a foreign visit answers 404)."""
    cause = cause_get(payload.cause)
    return _step(
        request,
        visit_id,
        step="diagnose",
        key=idempotency_key,
        payload=payload,
        run=lambda visit: visit_diagnose(
            actor=request.auth,
            visit=visit,
            cause=cause,
            **_fields(payload, "inspection_result", "solution", "charge_reason"),
        ),
    )


@_step_route("/visits/{int:visit_id}/quote", "Quote", created=QuoteOut)
def quote(request, visit_id: int, payload: QuoteIn, idempotency_key: str | None = IdempotencyKey):
    """An itemised quote (part, labour, call-out, other); warranty coverage applied. Replaces a pending one."""
    lines = [line.dict() for line in payload.lines]
    return _visit_created(
        request,
        visit_id,
        step="quote",
        key=idempotency_key,
        payload=payload,
        model=Quote,
        run=lambda visit: quote_create(actor=request.auth, visit=visit, lines=lines),
    )


@_step_route("/visits/{int:visit_id}/quote/accept", "Customer accepts")
def quote_accept_api(request, visit_id: int, payload: QuoteAcceptIn, idempotency_key: str | None = IdempotencyKey):
    """The customer signs the quote on the phone; the work may start."""
    return _step(
        request,
        visit_id,
        step="quote_accept",
        key=idempotency_key,
        payload=payload,
        run=lambda visit: quote_accept(
            actor=request.auth,
            quote=_quote_of(visit, payload.quote),
            **_fields(payload, "signer_name", "signature"),
        ),
    )


@_step_route("/visits/{int:visit_id}/quote/decline", "Customer declines")
def quote_decline_api(request, visit_id: int, payload: QuoteDeclineIn, idempotency_key: str | None = IdempotencyKey):
    """Nothing is repaired: the visit ends and the job is cancelled with the customer's reason."""
    return _step(
        request,
        visit_id,
        step="quote_decline",
        key=idempotency_key,
        payload=payload,
        run=lambda visit: quote_decline(
            actor=request.auth, quote=_quote_of(visit, payload.quote), reason=payload.reason
        ),
    )


@_step_route("/visits/{int:visit_id}/parts", "Use a part", created=VisitPartOut)
def parts_use(request, visit_id: int, payload: PartUseIn, idempotency_key: str | None = IdempotencyKey):
    """A part fitted, taken from the technician's van; the old part's fate is recorded
    (``returned`` opens a defective return)."""
    from aftersales.parts.selectors import part_list_for

    visit = _visit(request, visit_id)
    part = part_list_for(request.auth).filter(pk=payload.part, is_active=True).first()
    if part is None:
        raise ValidationFailed(fields={"part": [_("Unknown part.")]})
    obj, status = _created(
        request,
        scope=f"field.parts.{visit.pk}",
        key=idempotency_key,
        payload=payload,
        model=VisitPart,
        run=lambda: visit_part_use(
            actor=request.auth,
            visit=visit,
            part=part,
            quantity=payload.quantity,
            **_fields(payload, "lot", "old_part", "old_serial", "note"),
        ),
    )
    return Reply(
        status, visit_part_list_for(request.auth).select_related("consumption", "consumption__part").get(pk=obj.pk)
    )


@_step_route("/visits/{int:visit_id}/checks", "Record the checks")
def checks_record(request, visit_id: int, payload: ChecksIn, idempotency_key: str | None = IdempotencyKey):
    """Function test and use-and-care: every line of ``GET …/checks`` answered (a failure needs a note)."""
    results = {pk: answer.dict() for pk, answer in payload.results.items()}
    return _step(
        request,
        visit_id,
        step="checks",
        key=idempotency_key,
        payload=payload,
        run=lambda visit: visit_checks_record(
            actor=request.auth, visit=visit, results=results, care_instructions=payload.care_instructions
        ),
    )


@_step_route("/visits/{int:visit_id}/sign", "Customer signs", created=SignatureOut)
def sign(request, visit_id: int, payload: SignIn, idempotency_key: str | None = IdempotencyKey):
    """The customer signs the service form (a PNG from the signature pad; a blank pad is refused)."""
    return _visit_created(
        request,
        visit_id,
        step="sign",
        key=idempotency_key,
        payload=payload,
        model=Signature,
        run=lambda visit: visit_sign(actor=request.auth, visit=visit, **_fields(payload, "signer_name", "signature")),
    )


@_step_route("/visits/{int:visit_id}/payments", "Record a payment", created=PaymentOut)
def payments_record(request, visit_id: int, payload: PaymentIn, idempotency_key: str | None = IdempotencyKey):
    """What the customer paid and how; a receipt number is issued. Never more than is owed."""
    return _visit_created(
        request,
        visit_id,
        step="payments",
        key=idempotency_key,
        payload=payload,
        model=Payment,
        run=lambda visit: payment_record(
            actor=request.auth, visit=visit, **_fields(payload, "method", "amount", "reference")
        ),
    )


@_step_route("/visits/{int:visit_id}/check-out", "Check out")
def check_out(request, visit_id: int, payload: CheckOutIn, idempotency_key: str | None = IdempotencyKey):
    """``completed``: the form must be complete (else 400 ``form_incomplete`` listing ``fields.form``);
    ``second_visit``: with ``second_visit_reason`` and a ``reason``, the job waits."""
    return _step(
        request,
        visit_id,
        step="check_out",
        key=idempotency_key,
        payload=payload,
        run=lambda visit: visit_check_out(
            actor=request.auth,
            visit=visit,
            **_fields(payload, "outcome", "reason", "second_visit_reason"),
        ),
    )
