"""Diagnosis: fault cause, findings and whether the work is chargeable."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record
from aftersales.core.errors import ValidationFailed

from .. import sanbao
from ..choices import (
    ChargeReason,
    QuoteStatus,
    VisitStep,
)
from ..models import FaultCause, Visit
from ..selectors import cause_applies
from ._common import IllegalVisitStep, _lock, _move, _note

# --- diagnosis -----------------------------------------------------------------------------------


@transaction.atomic
def visit_diagnose(
    *,
    actor,
    visit: Visit,
    cause: FaultCause | None,
    inspection_result: str,
    solution: str,
    charge_reason: str = ChargeReason.NONE,
    now=None,
) -> Visit:
    """Fault (from the tree: category → fault → cause), what was found, the solution offered and whether
    anything is chargeable. Out of warranty is always chargeable."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    errors: dict[str, list] = {}
    if cause is None:
        errors["cause"] = [_("Choose the fault and its cause.")]
    elif not (cause.is_active and cause.fault.is_active and cause.fault.category.is_active):
        errors["cause"] = [_("This cause is no longer in use.")]
    elif not cause_applies(visit.request, cause):
        errors["cause"] = [_("This cause is not in the fault tree of this product.")]
    inspection_result = (inspection_result or "").strip()
    solution = (solution or "").strip()
    if not inspection_result:
        errors["inspection_result"] = [_("Write what you found.")]
    if not solution:
        errors["solution"] = [_("Write at least one solution.")]
    if charge_reason not in ChargeReason.values:
        errors["charge_reason"] = [_("Choose whether anything is chargeable.")]
    elif not visit.in_warranty and charge_reason == ChargeReason.NONE:
        charge_reason = ChargeReason.OUT_OF_WARRANTY
    elif visit.in_warranty and charge_reason == ChargeReason.OUT_OF_WARRANTY:
        errors["charge_reason"] = [_("The unit is in warranty.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = visit.status
    if visit.quotes.filter(status__in=[QuoteStatus.PENDING, QuoteStatus.ACCEPTED]).exists():
        raise IllegalVisitStep(_("A quote was already made on this diagnosis."))
    _move(visit, VisitStep.DIAGNOSE)
    visit.fault_cause = cause
    visit.fault = cause.fault
    visit.inspection_result = inspection_result[:4000]
    visit.solution = solution[:4000]
    visit.charge_reason = charge_reason
    visit.diagnosed_at = now
    visit.save()
    _note(
        actor,
        visit,
        "field.diagnosed",
        now=now,
        fault=cause.fault.name,
        cause=cause.name,
        solution=visit.solution[:300],
    )
    audit_record(
        actor=actor,
        action="visit.diagnose",
        obj=visit,
        changes={"status": [before, visit.status], "cause": [None, cause.code], "charge_reason": [None, charge_reason]},
    )
    sanbao.flags_update(visit=visit, now=now)
    return visit
