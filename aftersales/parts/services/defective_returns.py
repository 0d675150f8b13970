"""Defective parts owed back by the field: open, receive into the defective store, waive, daily reminders."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.states import transition_apply
from aftersales.tickets.services import can_act_on

from ..choices import (
    DEFECTIVE_TRANSITIONS,
    AlertKind,
    DefectiveStatus,
    DocType,
    MoveType,
    Store,
)
from ..models import (
    DefectiveReturn,
    Warehouse,
)
from ..signals import parts_event
from ._common import (
    JOB_ROLES,
    IllegalTransition,
    _require_stock_staff,
    is_stock_staff,
    warehouse_usable_by,
)
from .ledger import _post


@transaction.atomic
def defective_return_receive(
    *, actor, defective_return: DefectiveReturn, warehouse: Warehouse, note: str = "", now=None
) -> DefectiveReturn:
    """The old part is handed in: it enters the defective store of ``warehouse``."""
    ret = DefectiveReturn.objects.select_for_update().select_related("request", "part").get(pk=defective_return.pk)
    if not can_act_on(actor, ret.request) and not is_stock_staff(actor):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES) or not warehouse_usable_by(actor, warehouse):
        raise PermissionDeniedError(_("You cannot put parts into this warehouse."))
    if ret.status != DefectiveStatus.PENDING:
        raise IllegalTransition(_("This old part is not awaited any more."))
    now = now or timezone.now()
    _post(
        actor=actor,
        move_type=MoveType.DEFECTIVE_IN,
        part=ret.part,
        warehouse=warehouse,
        store=Store.DEFECTIVE,
        lot=ret.old_serial,
        quantity=ret.quantity,
        unit_cost=Decimal("0"),
        doc_type=DocType.DEFECTIVE_RETURN,
        doc_id=ret.pk,
        request=ret.request,
        now=now,
    )
    transition_apply(ret, DEFECTIVE_TRANSITIONS, "receive")
    diff_fields(
        ret,
        {
            "received_at": now,
            "received_into": warehouse,
            "note": (note or ret.note)[:500],
        },
    )
    ret.save()
    audit_record(
        actor=actor,
        action="defective_return.receive",
        obj=ret,
        changes={"status": ["pending", "received"], "warehouse": [None, warehouse.code]},
    )
    return ret


@transaction.atomic
def defective_return_waive(*, actor, defective_return: DefectiveReturn, reason: str) -> DefectiveReturn:
    _require_stock_staff(actor)
    ret = DefectiveReturn.objects.select_for_update().get(pk=defective_return.pk)
    if ret.status != DefectiveStatus.PENDING:
        raise IllegalTransition(_("This old part is not awaited any more."))
    if not (reason or "").strip():
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
    transition_apply(ret, DEFECTIVE_TRANSITIONS, "waive", reason=reason)
    diff_fields(ret, {"note": reason.strip()[:500]})
    ret.save()
    audit_record(
        actor=actor,
        action="defective_return.waive",
        obj=ret,
        changes={"status": ["pending", "waived"], "reason": reason},
    )
    return ret


@transaction.atomic
def defective_return_remind(*, now=None) -> list[int]:
    """Remind about every overdue old part once a day (Huey periodic task / command).

    Marks ``reminded_at`` and counts reminders; each reminder is sent on commit as
    ``parts_event(kind="defective_overdue")`` for the notifications app to deliver."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    overdue = list(
        DefectiveReturn.objects.select_for_update(skip_locked=True)
        .filter(status=DefectiveStatus.PENDING, due_date__lt=today)
        .exclude(reminded_at__gte=start_of_day)
        .order_by("due_date", "id")
        .values_list("pk", "technician_id", "request_id", "due_date")
    )
    ids = [row[0] for row in overdue]
    if ids:
        DefectiveReturn.objects.filter(pk__in=ids).update(reminded_at=now, reminders=F("reminders") + 1)
    for pk, tech, req, due in overdue:
        data = {"technician": tech, "request": req, "due_date": due.isoformat()}
        transaction.on_commit(
            lambda pk=pk, data=data: parts_event.send(
                sender=DefectiveReturn, kind=AlertKind.DEFECTIVE_OVERDUE, object_id=pk, data=data
            )
        )
    return ids
