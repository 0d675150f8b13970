"""/api/parts: catalogue, warehouses, stock levels, the move ledger and the stock
documents. Reads start from the ``..._for(user)`` selectors (a technician sees his van
and the moves on his jobs; a partner its organization's warehouses; the parts team all);
anything out of scope answers 404. Every write is one service call. Van issues and
adjustments are created with an optional ``Idempotency-Key`` (a retry returns the first
document with 200)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Header, Query, Router, Schema
from ninja.responses import Status as Reply
from pydantic import Field

from aftersales.accounts.permissions import STAFF_ROLES
from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_reply
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Id, InputSchema, Integer, PageInfo, PageSize, page_out, text
from aftersales.tickets.selectors import request_get_for

from .choices import MoveType, Store, Tracking, VanIssueStatus, WarehouseKind
from .models import (
    Adjustment,
    Consumption,
    PurchaseReceipt,
    Reservation,
    StockCount,
    TransferOrder,
    VanIssue,
)
from .permissions import (
    DEFECTIVE_ROLES,
    JOB_ROLES,
    READER_ROLES,
    STOCK_ROLES,
    TRANSFER_ROLES,
    VAN_ISSUE_ROLES,
    count_list_for,
    reservation_list_for,
    transfer_list_for,
    warehouse_source_list_for,
)
from .selectors import (
    adjustment_list_for,
    defective_list_for,
    job_warehouse_list_for,
    level_list_for,
    low_stock_for,
    move_list_for,
    part_availability,
    part_get_for,
    part_list_for,
    van_issue_get_for,
    van_issue_lines_with_stock,
    van_issue_list_for,
    van_of,
    warehouse_get_for,
    warehouse_list_for,
)
from .services import (
    adjustment_create,
    count_approve,
    count_create,
    count_enter,
    defective_return_receive,
    part_consume,
    part_create,
    part_reserve,
    receipt_create,
    reservation_release,
    transfer_create,
    transfer_transition,
    van_issue_decide,
    van_issue_request,
)

router = Router(tags=["parts"])


class PartOut(Schema):
    id: int
    code: str
    name: str
    specification: str
    unit_of_measure: str
    cost: Decimal
    price: Decimal
    avg_cost: Decimal
    tracking: str
    warranty_months: int
    return_required: bool
    is_active: bool


class PartIn(InputSchema):
    code: text(64, min_length=1)
    name: text(200, min_length=1)
    specification: text(200) = ""
    unit_of_measure: text(16) = "件"
    cost: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    tracking: Tracking = Tracking.NONE
    warranty_months: int = Field(default=6, ge=0, le=600)
    return_required: bool = False


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    organization_id: int
    technician_id: int | None
    region_id: int | None
    is_active: bool


class LevelOut(Schema):
    id: int
    part_id: int
    warehouse_id: int
    store: str
    lot: str
    on_hand: int
    reserved: int
    available: int


class MoveOut(Schema):
    id: int
    at: datetime.datetime
    move_type: str
    part_id: int
    warehouse_id: int
    store: str
    lot: str
    quantity: int
    reserved_delta: int
    unit_cost: Decimal
    actor_id: int | None
    doc_type: str
    doc_id: int
    request_id: int | None
    reason: str


class MovePage(PageInfo):
    items: list[MoveOut]


class PartPage(PageInfo):
    items: list[PartOut]


class StockLineIn(InputSchema):
    part: Id
    quantity: int = Field(ge=1, le=1_000_000)
    lot: text(64) = ""


class LineIn(StockLineIn):
    unit_cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class ReceiptIn(InputSchema):
    warehouse: Id
    supplier: text(200, min_length=1)
    supplier_ref: text(64) = ""
    note: text(500) = ""
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class DocOut(Schema):
    id: int
    number: str


class TransferIn(InputSchema):
    source: Id
    destination: Id
    note: text(500) = ""
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class TransferOut(Schema):
    id: int
    number: str
    source_id: int
    destination_id: int
    status: str
    reason: str


class TransitionIn(InputSchema):
    action: text(16)
    reason: text(200) = ""


class JobPartIn(InputSchema):
    request: Id
    part: Id
    quantity: int = Field(ge=1, le=1_000_000)
    warehouse: Id | None = None
    lot: text(64) = ""
    reservation: Id | None = None
    old_serial: text(64) = ""
    expect_return: bool | None = None
    note: text(500) = ""


class ConsumptionOut(Schema):
    id: int
    request_id: int
    part_id: int
    warehouse_id: int
    lot: str
    quantity: int
    unit_cost: Decimal
    defective_return_id: int | None = None

    @staticmethod
    def resolve_defective_return_id(obj) -> int | None:
        from .models import DefectiveReturn

        return DefectiveReturn.objects.filter(consumption=obj).values_list("pk", flat=True).first()


class ReservationOut(Schema):
    id: int
    request_id: int
    part_id: int
    warehouse_id: int
    lot: str
    quantity: int
    status: str


class DefectiveOut(Schema):
    id: int
    request_id: int
    part_id: int
    quantity: int
    old_serial: str
    technician_id: int | None
    due_date: datetime.date
    status: str
    reminders: int
    received_into_id: int | None


class ReceiveIn(InputSchema):
    warehouse: Id
    note: text(500) = ""


class CountLineOut(Schema):
    id: int
    part_id: int
    store: str
    lot: str
    expected: int
    counted: int | None
    variance: int | None


class CountOut(Schema):
    id: int
    number: str
    warehouse_id: int
    status: str
    lines: list[CountLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class CountIn(InputSchema):
    warehouse: Id
    note: text(500) = ""


class CountEnterIn(InputSchema):
    counted: dict[Id, Integer] = Field(max_length=10_000)


class CarrierOut(Schema):
    warehouse_id: int
    code: str
    name: str
    kind: str
    technician_id: int | None
    technician_name: str
    region_id: int | None
    available: int


class VanIssueLineOut(Schema):
    part_id: int
    part_code: str
    part_name: str
    lot: str = Field(description="Empty for a tracked part asked for without one: the oldest is issued.")
    quantity: int
    at_source: int = Field(description="Available at the source now (of that lot, or of every lot).")
    in_van: int = Field(description="Available in the van now (every lot).")

    @staticmethod
    def resolve_part_code(obj):
        return obj.part.code

    @staticmethod
    def resolve_part_name(obj):
        return obj.part.name


class VanIssueOut(Schema):
    id: int
    number: str
    source_id: int
    van_id: int
    status: str
    note: str
    reason: str
    created_by_id: int | None
    created_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    lines: list[VanIssueLineOut]

    @staticmethod
    def resolve_lines(obj):
        lines = getattr(obj, "stock_lines", None)
        return lines if lines is not None else van_issue_lines_with_stock([obj])[obj.pk]


class VanIssuePage(PageInfo):
    items: list[VanIssueOut]


class VanIssueIn(InputSchema):
    van: Id | None = Field(default=None, description="Default: the caller's own van.")
    source: Id
    note: text(500) = ""
    lines: list[StockLineIn] = Field(min_length=1, max_length=200)


class VanIssueFilter(Schema):
    status: VanIssueStatus | None = None
    van: Id | None = None
    cursor: text(500) | None = None
    size: PageSize = 50


class DecideIn(InputSchema):
    approve: bool
    reason: text(200) = Field(default="", description="Required to reject.")


class AdjustmentIn(InputSchema):
    warehouse: Id
    part: Id
    quantity: int = Field(ge=-1_000_000, le=1_000_000, description="The change: positive or negative, not 0.")
    reason: text(200)
    store: Store = Store.GOOD
    lot: text(64) = ""


class AdjustmentOut(Schema):
    id: int
    warehouse_id: int
    part_id: int
    store: str
    lot: str
    quantity: int
    reason: str
    created_by_id: int | None
    created_at: datetime.datetime


class AdjustmentPage(PageInfo):
    items: list[AdjustmentOut]


class AdjustmentFilter(Schema):
    warehouse: Id | None = None
    part: Id | None = None
    store: Store | None = None
    cursor: text(500) | None = None
    size: PageSize = 50


IdempotencyKey = Header(None, alias="Idempotency-Key")


def _lines(user, lines: list[LineIn]) -> list[dict]:
    out = []
    for line in lines:
        row = {"part": part_get_for(user, line.part), "quantity": line.quantity, "lot": line.lot}
        if line.unit_cost is not None:
            row["unit_cost"] = line.unit_cost
        out.append(row)
    return out


@router.get("/parts", response={200: PartPage, **ERRORS}, auth=api_roles(STAFF_ROLES))
def parts_list(request, q: text(100) = "", cursor: text(500) | None = None, size: PageSize = 50):
    qs = part_list_for(request.auth)
    if q:
        qs = qs.filter(code__istartswith=q) | qs.filter(name__icontains=q)
    return page_out(keyset_page(qs, order=["code", "id"], cursor=cursor, size=size))


@router.post("/parts", response={201: PartOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def parts_create(request, payload: PartIn):
    return Reply(201, part_create(actor=request.auth, **payload.dict()))


@router.get("/parts/{part_id}", response={200: PartOut, **ERRORS}, auth=api_roles(STAFF_ROLES))
def parts_get(request, part_id: Id):
    return part_get_for(request.auth, part_id)


@router.get("/warehouses", response={200: list[WarehouseOut], **ERRORS}, auth=api_roles(STAFF_ROLES))
def warehouses_list(request, kind: WarehouseKind | None = None):
    qs = warehouse_list_for(request.auth).order_by("code")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs[:500])


@router.get("/warehouses/{warehouse_id}", response={200: WarehouseOut, **ERRORS}, auth=api_roles(STAFF_ROLES))
def warehouses_get(request, warehouse_id: Id):
    return warehouse_get_for(request.auth, warehouse_id)


@router.get("/levels", response={200: list[LevelOut], **ERRORS}, auth=api_roles(STAFF_ROLES))
def levels_list(request, warehouse: Id | None = None, part: Id | None = None, store: Store | None = None):
    qs = level_list_for(request.auth).exclude(on_hand=0, reserved=0)
    if warehouse:
        qs = qs.filter(warehouse_id=warehouse)
    if part:
        qs = qs.filter(part_id=part)
    if store:
        qs = qs.filter(store=store)
    return list(qs.order_by("warehouse_id", "part_id", "store", "lot")[:1000])


class LowStockOut(Schema):
    """One row of the low-stock list: a part at or below its reorder point at a warehouse."""

    part_id: int
    part_code: str
    part_name: str
    warehouse_id: int
    warehouse_code: str
    available: int = Field(description="On hand − reserved, good store.")
    reorder_point: int
    reorder_quantity: int
    order_quantity: int = Field(description="Enough to bring available back to reorder point + reorder quantity.")
    since: datetime.datetime | None = Field(description="When the open low-stock alert was raised.")


@router.get("/low-stock", response={200: list[LowStockOut], **ERRORS}, auth=api_roles(STAFF_ROLES))
def low_stock(request, warehouse: Id | None = None):
    """Every part at or below its reorder point at the warehouses the caller sees — the same list the
    replenishment page orders from and the overview's low-stock alerts show (one rule: available ≤ the
    rule's reorder point, for an active part at an open warehouse)."""
    target = warehouse_get_for(request.auth, warehouse) if warehouse else None
    return [
        {
            "part_id": row.part.pk,
            "part_code": row.part.code,
            "part_name": row.part.name,
            "warehouse_id": row.warehouse.pk,
            "warehouse_code": row.warehouse.code,
            "available": row.available,
            "reorder_point": row.rule.reorder_point,
            "reorder_quantity": row.rule.reorder_quantity,
            "order_quantity": row.order_quantity,
            "since": row.since,
        }
        for row in low_stock_for(request.auth, warehouse=target)
    ]


class MoveFilter(Schema):
    warehouse: Id | None = None
    part: Id | None = None
    move_type: MoveType | None = None
    request: Id | None = None
    lot: text(64) | None = None
    cursor: text(500) | None = None
    size: PageSize = 50


@router.get("/moves", response={200: MovePage, **ERRORS}, auth=api_roles(STAFF_ROLES))
def moves_list(request, filters: Query[MoveFilter]):
    qs = move_list_for(request.auth)
    for field, value in (
        ("warehouse_id", filters.warehouse),
        ("part_id", filters.part),
        ("move_type", filters.move_type),
        ("request_id", filters.request),
        ("lot", filters.lot),
    ):
        if value:
            qs = qs.filter(**{field: value})
    return page_out(keyset_page(qs, order=["-at", "-id"], cursor=filters.cursor, size=filters.size))


@router.get("/availability", response={200: dict[int, list[CarrierOut]], **ERRORS}, auth=api_roles(READER_ROLES))
def availability(request, part_ids: text(500), region: Id | None = None):
    try:
        ids = [int(x) for x in part_ids.split(",") if x.strip()][:50]
    except ValueError:
        raise ValidationFailed(fields={"part_ids": [_("Comma-separated part ids.")]}) from None
    return part_availability(ids, region=region)


@router.post("/receipts", response={201: DocOut, 200: DocOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def receipts_create(request, payload: ReceiptIn, idempotency_key: str | None = IdempotencyKey):
    wh = warehouse_get_for(request.auth, payload.warehouse)
    lines = _lines(request.auth, payload.lines)
    return idempotent_reply(
        request,
        scope="parts.receipt.create",
        key=idempotency_key,
        payload=payload,
        model=PurchaseReceipt,
        create=lambda: receipt_create(
            actor=request.auth,
            warehouse=wh,
            supplier=payload.supplier,
            supplier_ref=payload.supplier_ref,
            note=payload.note,
            lines=lines,
        ),
    )


@router.get("/transfers", response={200: list[TransferOut], **ERRORS}, auth=api_roles(STAFF_ROLES))
def transfers_list(request, status: text(16) | None = None):
    qs = transfer_list_for(request.auth)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-created_at", "-id")[:200])


@router.post("/transfers", response={201: TransferOut, 200: TransferOut, **ERRORS}, auth=api_roles(TRANSFER_ROLES))
def transfers_create(request, payload: TransferIn, idempotency_key: str | None = IdempotencyKey):
    # A partner may ask for stock from the central warehouses (which he cannot browse).
    src = get_object_or_404(warehouse_source_list_for(request.auth), pk=payload.source)
    dst = warehouse_get_for(request.auth, payload.destination)
    lines = _lines(request.auth, payload.lines)
    return idempotent_reply(
        request,
        scope="parts.transfer.create",
        key=idempotency_key,
        payload=payload,
        model=TransferOrder,
        create=lambda: transfer_create(actor=request.auth, source=src, destination=dst, lines=lines, note=payload.note),
    )


def _transfer_for(user, pk: int) -> TransferOrder:
    obj = transfer_list_for(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@router.get("/transfers/{transfer_id}", response={200: TransferOut, **ERRORS}, auth=api_roles(STAFF_ROLES))
def transfers_get(request, transfer_id: Id):
    return _transfer_for(request.auth, transfer_id)


@router.post(
    "/transfers/{transfer_id}/transition", response={200: TransferOut, **ERRORS}, auth=api_roles(TRANSFER_ROLES)
)
def transfers_transition(request, transfer_id: Id, payload: TransitionIn):
    transfer = _transfer_for(request.auth, transfer_id)
    return transfer_transition(actor=request.auth, transfer=transfer, action=payload.action, reason=payload.reason)


def _job_args(user, payload: JobPartIn) -> dict:
    job = request_get_for(user, pk=payload.request)
    args = {
        "actor": user,
        "request": job,
        "part": part_get_for(user, payload.part),
        "quantity": payload.quantity,
        "lot": payload.lot,
    }
    if payload.warehouse:
        # A technician: his van, or a shared counter of his organization in his regions.
        args["warehouse"] = get_object_or_404(job_warehouse_list_for(user), pk=payload.warehouse)
    return args


@router.post("/consume", response={201: ConsumptionOut, 200: ConsumptionOut, **ERRORS}, auth=api_roles(JOB_ROLES))
def consume(request, payload: JobPartIn, idempotency_key: str | None = IdempotencyKey):
    """Book parts used on a job. A phone resubmitting with the same Idempotency-Key after a lost
    connection gets the first booking back (200) and stock moves once."""
    args = _job_args(request.auth, payload)
    if payload.reservation:
        args["reservation"] = get_object_or_404(
            reservation_list_for(request.auth), pk=payload.reservation, request=args["request"]
        )
    return idempotent_reply(
        request,
        scope="parts.consume",
        key=idempotency_key,
        payload=payload,
        model=Consumption,
        create=lambda: part_consume(
            old_serial=payload.old_serial, expect_return=payload.expect_return, note=payload.note, **args
        ),
    )


@router.post("/reserve", response={201: ReservationOut, 200: ReservationOut, **ERRORS}, auth=api_roles(JOB_ROLES))
def reserve(request, payload: JobPartIn, idempotency_key: str | None = IdempotencyKey):
    args = _job_args(request.auth, payload)
    return idempotent_reply(
        request,
        scope="parts.reserve",
        key=idempotency_key,
        payload=payload,
        model=Reservation,
        create=lambda: part_reserve(**args),
    )


@router.post(
    "/reservations/{reservation_id}/release", response={200: ReservationOut, **ERRORS}, auth=api_roles(JOB_ROLES)
)
def release(request, reservation_id: Id):
    res = get_object_or_404(reservation_list_for(request.auth), pk=reservation_id)
    return reservation_release(actor=request.auth, reservation=res)


@router.get("/defective-returns", response={200: list[DefectiveOut], **ERRORS}, auth=api_roles(DEFECTIVE_ROLES))
def defective_list(request, overdue: bool = False, status: text(16) | None = None):
    from .selectors import defective_overdue_for

    qs = defective_overdue_for(request.auth) if overdue else defective_list_for(request.auth)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("due_date", "id")[:500])


@router.post(
    "/defective-returns/{return_id}/receive", response={200: DefectiveOut, **ERRORS}, auth=api_roles(JOB_ROLES)
)
def defective_receive(request, return_id: Id, payload: ReceiveIn):
    ret = get_object_or_404(defective_list_for(request.auth), pk=return_id)
    wh = warehouse_get_for(request.auth, payload.warehouse)
    return defective_return_receive(actor=request.auth, defective_return=ret, warehouse=wh, note=payload.note)


def _count_for(user, pk: int) -> StockCount:
    return get_object_or_404(count_list_for(user), pk=pk)


@router.post("/counts", response={201: CountOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def counts_create(request, payload: CountIn):
    wh = warehouse_get_for(request.auth, payload.warehouse)
    return Reply(201, count_create(actor=request.auth, warehouse=wh, note=payload.note))


@router.get("/counts/{count_id}", response={200: CountOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def counts_get(request, count_id: Id):
    return _count_for(request.auth, count_id)


@router.post("/counts/{count_id}/enter", response={200: CountOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def counts_enter(request, count_id: Id, payload: CountEnterIn):
    count = _count_for(request.auth, count_id)
    return count_enter(actor=request.auth, count=count, counted=payload.counted)


@router.post("/counts/{count_id}/approve", response={200: CountOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def counts_approve(request, count_id: Id):
    count = _count_for(request.auth, count_id)
    return count_approve(actor=request.auth, count=count)


# --- van issues -----------------------------------------------------------------------


@router.get("/van-issues", response={200: VanIssuePage, **ERRORS}, auth=api_roles(VAN_ISSUE_ROLES))
def van_issues_list(request, filters: Query[VanIssueFilter]):
    """The parts team sees every van issue, a technician those of his own van; newest first. Each line
    says what the source has available now and what the van holds, as the approver sees it."""
    qs = van_issue_list_for(request.auth)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.van:
        qs = qs.filter(van_id=filters.van)
    page = keyset_page(qs, order=["-created_at", "-id"], cursor=filters.cursor, size=filters.size)
    lines = van_issue_lines_with_stock(page.items)  # every page's lines and stock in a fixed number of queries
    for issue in page.items:
        issue.stock_lines = lines[issue.pk]
    return page_out(page)


@router.post("/van-issues", response={201: VanIssueOut, 200: VanIssueOut, **ERRORS}, auth=api_roles(VAN_ISSUE_ROLES))
def van_issues_create(request, payload: VanIssueIn, idempotency_key: str | None = IdempotencyKey):
    """Ask for parts on a van: a technician for his own van (the default), the parts team
    for any. Stock moves when the parts team approves."""
    user = request.auth
    if payload.van:
        van = warehouse_get_for(user, payload.van)
    else:
        van = van_of(user)
        if van is None:
            raise ValidationFailed(fields={"van": [_("Choose the van the parts are for.")]})
    # A technician may ask for stock from warehouses he cannot browse (the central one).
    source = get_object_or_404(warehouse_source_list_for(user), pk=payload.source)
    lines = [
        {"part": part_get_for(user, line.part), "quantity": line.quantity, "lot": line.lot} for line in payload.lines
    ]
    return idempotent_reply(
        request,
        scope="parts.van_issue.create",
        key=idempotency_key,
        payload=payload,
        model=VanIssue,
        create=lambda: van_issue_request(actor=user, van=van, source=source, lines=lines, note=payload.note),
    )


@router.get("/van-issues/{issue_id}", response={200: VanIssueOut, **ERRORS}, auth=api_roles(VAN_ISSUE_ROLES))
def van_issues_get(request, issue_id: Id):
    return van_issue_get_for(request.auth, issue_id)


@router.post("/van-issues/{issue_id}/decide", response={200: VanIssueOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def van_issues_decide(request, issue_id: Id, payload: DecideIn):
    """Approve (the parts leave the source and arrive on the van at once; 409
    ``insufficient_stock`` if the source lacks them) or reject with a reason. Parts team."""
    issue = van_issue_get_for(request.auth, issue_id)
    return van_issue_decide(actor=request.auth, issue=issue, approve=payload.approve, reason=payload.reason)


# --- adjustments ----------------------------------------------------------------------


@router.get("/adjustments", response={200: AdjustmentPage, **ERRORS}, auth=api_roles(STOCK_ROLES))
def adjustments_list(request, filters: Query[AdjustmentFilter]):
    """Stock adjustments, newest first (parts team)."""
    qs = adjustment_list_for(request.auth)
    for field, value in (("warehouse_id", filters.warehouse), ("part_id", filters.part), ("store", filters.store)):
        if value:
            qs = qs.filter(**{field: value})
    return page_out(keyset_page(qs, order=["-created_at", "-id"], cursor=filters.cursor, size=filters.size))


@router.post("/adjustments", response={201: AdjustmentOut, 200: AdjustmentOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def adjustments_create(request, payload: AdjustmentIn, idempotency_key: str | None = IdempotencyKey):
    """Correct stock by ``quantity`` (damage, found, ...) with a reason (parts team)."""
    user = request.auth
    warehouse = warehouse_get_for(user, payload.warehouse)
    part = part_get_for(user, payload.part)
    return idempotent_reply(
        request,
        scope="parts.adjustment.create",
        key=idempotency_key,
        payload=payload,
        model=Adjustment,
        create=lambda: adjustment_create(
            actor=user,
            warehouse=warehouse,
            part=part,
            quantity=payload.quantity,
            reason=payload.reason,
            store=payload.store,
            lot=payload.lot,
        ),
    )


@router.get("/adjustments/{adjustment_id}", response={200: AdjustmentOut, **ERRORS}, auth=api_roles(STOCK_ROLES))
def adjustments_get(request, adjustment_id: Id):
    return get_object_or_404(adjustment_list_for(request.auth), pk=adjustment_id)
