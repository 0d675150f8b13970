"""Parts on a job: reserve, release, consume (opening the defective return when the old part must come
back) and put unused parts back."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.audit import audit_record
from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.states import transition_apply
from aftersales.tickets.services import can_act_on

from ..choices import (
    RESERVATION_TRANSITIONS,
    DocType,
    MoveType,
    ReservationStatus,
)
from ..models import (
    Consumption,
    DefectiveReturn,
    Part,
    Reservation,
    StockMove,
    Warehouse,
)
from ._common import (
    CLOSED_JOB_STATUSES,
    DEFECTIVE_DUE_DAYS,
    JOB_ROLES,
    IllegalTransition,
    _lot_check,
    _positive,
    _require_job_warehouse,
)
from .ledger import _post

# --- jobs: reservations, consumption, returns ------------------------------------------


def _job_check(actor, request, warehouse: Warehouse) -> None:
    if not can_act_on(actor, request):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES):
        raise PermissionDeniedError(_("Your role cannot book parts on a job."))
    if request.status in CLOSED_JOB_STATUSES:
        raise IllegalTransition(_("Parts cannot be booked on a closed or cancelled request."))
    _require_job_warehouse(actor, warehouse, _("You cannot take parts from this warehouse."))


def _default_warehouse(actor, warehouse):
    if warehouse is not None:
        return warehouse
    van = Warehouse.objects.filter(technician=actor).first() if actor.is_authenticated else None
    if van is None:
        raise ValidationFailed(fields={"warehouse": [_("Choose the warehouse the part comes from.")]})
    return van


@transaction.atomic
def part_reserve(
    *, actor, request, part: Part, quantity: int, warehouse: Warehouse | None = None, lot: str = ""
) -> Reservation:
    """Hold ``quantity`` of ``part`` at ``warehouse`` for the job (reserved += quantity)."""
    warehouse = _default_warehouse(actor, warehouse)
    _job_check(actor, request, warehouse)
    quantity = _positive(quantity)
    lot = _lot_check(part, lot, quantity)
    res = Reservation.objects.create(
        request=request, part=part, warehouse=warehouse, lot=lot, quantity=quantity, created_by=actor
    )
    _post(
        actor=actor,
        move_type=MoveType.RESERVE,
        part=part,
        warehouse=warehouse,
        lot=lot,
        quantity=0,
        reserved_delta=quantity,
        doc_type=DocType.RESERVATION,
        doc_id=res.pk,
        request=request,
    )
    audit_record(actor=actor, action="reservation.create", obj=res, changes={"quantity": [None, quantity]})
    return res


@transaction.atomic
def reservation_release(*, actor, reservation: Reservation, reason: str = "") -> Reservation:
    res = Reservation.objects.select_for_update().select_related("request", "part", "warehouse").get(pk=reservation.pk)
    if not can_act_on(actor, res.request):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES):
        raise PermissionDeniedError(_("You cannot release parts at this warehouse."))
    _require_job_warehouse(actor, res.warehouse, _("You cannot release parts at this warehouse."))
    if res.status != ReservationStatus.ACTIVE:
        raise IllegalTransition(_("This reservation is not active."))
    _post(
        actor=actor,
        move_type=MoveType.UNRESERVE,
        part=res.part,
        warehouse=res.warehouse,
        lot=res.lot,
        quantity=0,
        reserved_delta=-res.quantity,
        doc_type=DocType.RESERVATION,
        doc_id=res.pk,
        request=res.request,
        reason=reason,
    )
    transition_apply(res, RESERVATION_TRANSITIONS, "release")
    Reservation.objects.filter(pk=res.pk).update(status=res.status, updated_at=timezone.now())
    audit_record(actor=actor, action="reservation.release", obj=res, changes={"status": ["active", "released"]})
    return res


@transaction.atomic
def part_consume(
    *,
    actor,
    request,
    part: Part,
    quantity: int,
    warehouse: Warehouse | None = None,
    lot: str = "",
    unit=None,
    reservation: Reservation | None = None,
    old_serial: str = "",
    expect_return: bool | None = None,
    note: str = "",
    now=None,
) -> Consumption:
    """Book ``quantity`` of ``part`` as used on the job ``request`` (R-FLD-3, R-PRT-3).

    - ``warehouse``: where the part comes from; default: the actor's van (technicians).
    - ``lot``: the batch or serial number, required for tracked parts (serial: quantity 1).
    - ``unit``: the customer's product unit it went into; default: ``request.unit``.
    - ``reservation``: consume a reservation of this job (its warehouse and lot are used;
      anything reserved beyond ``quantity`` is released). Without it the part comes out of
      the available (unreserved) stock.
    - ``old_serial`` / ``expect_return``: the old part taken out; when a return is expected
      (default: ``part.return_required``) a ``DefectiveReturn`` due in 7 days is opened.

    Raises ``InsufficientStock`` (409, code "insufficient_stock") when the stock is not
    there — also when concurrent consumers took it first; NotFoundError for a job the actor
    may not see; PermissionDeniedError for a warehouse not his (a technician: only his van).
    Returns the ``Consumption``; its ``unit_cost`` is the moving-average cost at that time.
    """
    now = now or timezone.now()
    quantity = _positive(quantity)
    if reservation is not None:
        reservation = Reservation.objects.select_for_update().select_related("warehouse").get(pk=reservation.pk)
        if reservation.request_id != request.pk or reservation.part_id != part.pk:
            raise ValidationFailed(fields={"reservation": [_("This reservation is for another job or part.")]})
        if reservation.status != ReservationStatus.ACTIVE:
            raise IllegalTransition(_("This reservation is not active."))
        if quantity > reservation.quantity:
            raise ValidationFailed(fields={"quantity": [_("More than was reserved.")]})
        warehouse, lot = reservation.warehouse, reservation.lot
    warehouse = _default_warehouse(actor, warehouse)
    _job_check(actor, request, warehouse)
    lot = _lot_check(part, lot, quantity)
    if unit is not None and request.unit_id and unit.pk != request.unit_id:
        raise ValidationFailed(fields={"unit": [_("The unit of this request is another one.")]})
    unit = unit or request.unit
    consumption = Consumption.objects.create(
        request=request,
        unit=unit,
        part=part,
        warehouse=warehouse,
        lot=lot,
        quantity=quantity,
        unit_cost=part.avg_cost,
        reservation=reservation,
        created_by=actor,
        note=(note or "")[:500],
        created_at=now,
    )
    _post(
        actor=actor,
        move_type=MoveType.CONSUME,
        part=part,
        warehouse=warehouse,
        lot=lot,
        quantity=-quantity,
        reserved_delta=-quantity if reservation is not None else 0,
        doc_type=DocType.CONSUMPTION,
        doc_id=consumption.pk,
        request=request,
        now=now,
    )
    if reservation is not None:
        rest = reservation.quantity - quantity
        if rest:
            _post(
                actor=actor,
                move_type=MoveType.UNRESERVE,
                part=part,
                warehouse=warehouse,
                lot=lot,
                quantity=0,
                reserved_delta=-rest,
                doc_type=DocType.RESERVATION,
                doc_id=reservation.pk,
                request=request,
                now=now,
            )
        Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.CONSUMED, updated_at=now)
    if expect_return is None:
        expect_return = part.return_required
    if expect_return:
        technician = request.assigned_technician or (actor if actor.role == Role.TECHNICIAN else None)
        DefectiveReturn.objects.create(
            consumption=consumption,
            request=request,
            part=part,
            quantity=quantity,
            old_serial=(old_serial or "").strip()[:64],
            technician=technician,
            due_date=timezone.localdate(now) + datetime.timedelta(days=DEFECTIVE_DUE_DAYS),
        )
    audit_record(
        actor=actor,
        action="part.consume",
        obj=consumption,
        changes={"part": [None, part.code], "quantity": [None, quantity], "request": [None, request.number]},
    )
    return consumption


@transaction.atomic
def part_return_unused(
    *, actor, consumption: Consumption, quantity: int, warehouse: Warehouse | None = None
) -> StockMove:
    """Put back parts booked on a job but not used (into ``warehouse``, default where they came from)."""
    consumption = (
        Consumption.objects.select_for_update().select_related("request", "part", "warehouse").get(pk=consumption.pk)
    )
    warehouse = warehouse or consumption.warehouse
    if not can_act_on(actor, consumption.request):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES):
        raise PermissionDeniedError(_("You cannot put parts into this warehouse."))
    _require_job_warehouse(actor, warehouse, _("You cannot put parts into this warehouse."))
    quantity = _positive(quantity)
    if quantity > consumption.quantity - consumption.returned_quantity:
        raise ValidationFailed(fields={"quantity": [_("More than was used on the job and not yet returned.")]})
    Consumption.objects.filter(pk=consumption.pk).update(returned_quantity=F("returned_quantity") + quantity)
    move = _post(
        actor=actor,
        move_type=MoveType.RETURN_UNUSED,
        part=consumption.part,
        warehouse=warehouse,
        lot=consumption.lot,
        quantity=quantity,
        unit_cost=consumption.unit_cost,
        doc_type=DocType.CONSUMPTION,
        doc_id=consumption.pk,
        request=consumption.request,
    )
    audit_record(actor=actor, action="part.return_unused", obj=consumption, changes={"returned": [None, quantity]})
    return move
