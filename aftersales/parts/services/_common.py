"""Shared by every parts service: the stock errors, who may touch which warehouse, and the checks of
quantities, lots and document lines."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.core.sequences import sequence_next
from aftersales.core.states import IllegalTransition  # noqa: F401 - one error for every illegal move, re-exported
from aftersales.tickets.choices import Status as RequestStatus

from ..choices import (
    Tracking,
)
from ..models import (
    Part,
    Warehouse,
)
from ..permissions import JOB_ROLES, is_stock_staff, warehouse_usable_by  # noqa: F401  (re-exported)
from ..selectors import job_warehouse_list_for

DEFECTIVE_DUE_DAYS = 7
# Requests on which parts may no longer be booked.
CLOSED_JOB_STATUSES = frozenset({RequestStatus.CANCELLED, RequestStatus.CLOSED})


class InsufficientStock(ConflictError):
    code = "insufficient_stock"
    status = 409
    default_message = _("Not enough stock.")


# --- permissions ----------------------------------------------------------------------


def _require_stock_staff(actor) -> None:
    if not is_stock_staff(actor):
        raise PermissionDeniedError(_("Only the parts team can do this."))


def warehouse_usable_on_job(user, warehouse: Warehouse) -> bool:
    """May ``user`` take parts out of ``warehouse`` for a job (reserve, consume) and put
    the unused ones back? Everything ``warehouse_usable_by`` allows and, for a technician,
    the counter of a shared warehouse (regional or partner outlet) of his own organization
    in a region he serves — never another technician's van, never the central warehouse
    (``selectors.job_warehouse_list_for`` is the rule)."""
    if warehouse_usable_by(user, warehouse):
        return True
    return user.role == Role.TECHNICIAN and job_warehouse_list_for(user).filter(pk=warehouse.pk).exists()


def _require_job_warehouse(actor, warehouse: Warehouse, message) -> None:
    if warehouse_usable_on_job(actor, warehouse):
        return
    if actor.role == Role.TECHNICIAN:
        message = _(
            "A technician takes parts from his own van, or at the counter of a regional warehouse or "
            "partner outlet of his organization in a region he serves."
        )
    raise PermissionDeniedError(message, fields={"warehouse": [message]})


def _positive(quantity, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationFailed(fields={field: [_("Enter a whole number of at least 1.")]})
    return quantity


def _lot_check(part: Part, lot: str, quantity: int, field: str = "lot", *, lot_optional: bool = False) -> str:
    """The batch or serial of a move: none for an untracked part, required for a tracked one — unless
    ``lot_optional`` (a request whose batches or serials are chosen when it is fulfilled)."""
    lot = (lot or "").strip()
    if part.tracking == Tracking.NONE and lot:
        raise ValidationFailed(fields={field: [_("This part is not tracked by batch or serial.")]})
    if part.tracking != Tracking.NONE and not lot:
        if lot_optional:
            return lot
        raise ValidationFailed(fields={field: [_("Give the batch or serial number of this part.")]})
    if part.tracking == Tracking.SERIAL and quantity != 1:
        raise ValidationFailed(fields={"quantity": [_("A serial-tracked part moves one at a time.")]})
    if len(lot) > 64:
        raise ValidationFailed(fields={field: [_("At most 64 characters.")]})
    return lot


def _number(prefix: str, now=None) -> str:
    now = now or timezone.now()
    return f"{prefix}{now:%Y}-{sequence_next(f'parts.{prefix}.{now:%Y}'):06d}"


# --- receipts -------------------------------------------------------------------------


def _lines_clean(lines: list[dict], *, with_cost: bool = False, lot_optional: bool = False) -> list[dict]:
    if not lines:
        raise ValidationFailed(_("Add at least one line."), fields={"lines": [_("Add at least one line.")]})
    clean = []
    for i, line in enumerate(lines):
        part = line.get("part")
        if not isinstance(part, Part):
            raise ValidationFailed(fields={f"lines.{i}.part": [_("Unknown part.")]})
        qty = _positive(line.get("quantity"), f"lines.{i}.quantity")
        lot = _lot_check(part, line.get("lot", ""), qty, f"lines.{i}.lot", lot_optional=lot_optional)
        row = {"part": part, "quantity": qty, "lot": lot}
        if with_cost:
            try:
                cost = Decimal(str(line.get("unit_cost", part.cost))).quantize(Decimal("0.01"))
            except Exception:  # noqa: BLE001
                raise ValidationFailed(fields={f"lines.{i}.unit_cost": [_("Enter a number.")]}) from None
            if cost < 0 or cost >= Decimal("1e10"):
                raise ValidationFailed(fields={f"lines.{i}.unit_cost": [_("Enter an amount from 0 to 9,999,999,999.")]})
            row["unit_cost"] = cost
        clean.append(row)
    return clean
