"""Payment taken on site, with its receipt number."""

from __future__ import annotations

from decimal import InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record
from aftersales.core.errors import ValidationFailed
from aftersales.core.money import money
from aftersales.core.sequences import sequence_next

from ..choices import (
    PaymentMethod,
)
from ..models import Payment, Visit
from ..selectors import visit_paid_total
from ._common import _lock, _note, _require_open

# --- money ---------------------------------------------------------------------------------------


def _receipt_number(now) -> str:
    local = timezone.localtime(now)
    return f"RC{local:%Y}-{sequence_next(f'field.RC.{local:%Y}'):06d}"


@transaction.atomic
def payment_record(*, actor, visit: Visit, method: str, amount, reference: str = "", now=None) -> Payment:
    """What the customer paid, and how (no gateway: a receipt is issued). Never more than is owed."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    _require_open(visit)
    if method not in PaymentMethod.values:
        raise ValidationFailed(fields={"method": [_("Choose how the customer pays.")]})
    try:
        amount = money(amount)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(fields={"amount": [_("Not an amount.")]}) from None
    if not amount.is_finite():
        raise ValidationFailed(fields={"amount": [_("Not an amount.")]})
    owed = visit.customer_total - visit_paid_total(visit)
    if owed <= 0:
        raise ValidationFailed(fields={"amount": [_("Nothing is owed on this visit.")]})
    if amount <= 0 or amount > owed:
        raise ValidationFailed(fields={"amount": [_("Between 0.01 and %(owed)s.") % {"owed": owed}]})
    payment = Payment.objects.create(
        visit=visit,
        receipt_number=_receipt_number(now),
        amount=amount,
        currency=visit.currency,
        method=method,
        reference=(reference or "").strip()[:64],
        received_by=actor,
        received_at=now,
    )
    _note(actor, visit, "field.paid", now=now, amount=amount, method=method, receipt=payment.receipt_number)
    audit_record(actor=actor, action="visit.payment", obj=visit, changes={"payment": [None, str(amount)]})
    return payment
