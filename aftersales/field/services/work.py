"""The work on site: parts used, photos, the checklist and the customer's signature of the service form."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record
from aftersales.core.errors import ValidationFailed
from aftersales.core.uploads import upload_check
from aftersales.tickets.services import attachments_add

from ..choices import (
    ChargeReason,
    CheckKind,
    CheckResult,
    OldPart,
    PhotoPhase,
    SignaturePurpose,
    SignedVia,
    SignerRole,
    VisitStatus,
    VisitStep,
)
from ..models import CheckRecord, Signature, Visit, VisitPart, VisitPhoto
from ..selectors import checks_for
from ..signatures import signature_png
from ._common import ConsentRequired, IllegalVisitStep, _lock, _move, _note, _require_open

# --- work ----------------------------------------------------------------------------------------


def _work_allowed(visit: Visit, now) -> None:
    """Work may start once diagnosed and, if anything is chargeable, once the customer accepted."""
    if visit.status == VisitStatus.WORKING:
        return
    if visit.status == VisitStatus.DIAGNOSED and visit.charge_reason == ChargeReason.NONE:
        _move(visit, VisitStep.START_WORK)
        visit.work_started_at = now
        visit.save(update_fields=["status", "work_started_at", "updated_at"])
        return
    if visit.status in (VisitStatus.DIAGNOSED, VisitStatus.AWAITING_CONSENT):
        raise ConsentRequired()
    if visit.status == VisitStatus.ON_SITE:
        raise IllegalVisitStep(_("Record the diagnosis first."))
    _require_open(visit)


@transaction.atomic
def visit_part_use(
    *,
    actor,
    visit: Visit,
    part,
    quantity: int,
    old_part: str,
    lot: str = "",
    old_serial: str = "",
    warehouse=None,
    note: str = "",
    now=None,
) -> VisitPart:
    """A part fitted on the visit comes out of stock (the technician's van by default) through
    ``parts.services.part_consume``; the old part's fate is the customer's choice (R-FLD-3)."""
    from aftersales.parts.services import part_consume

    now = now or timezone.now()
    visit = _lock(actor, visit)
    if old_part not in OldPart.values:
        raise ValidationFailed(fields={"old_part": [_("Record what happens to the old part.")]})
    _work_allowed(visit, now)
    consumption = part_consume(
        actor=actor,
        request=visit.request,
        part=part,
        quantity=quantity,
        warehouse=warehouse,
        lot=lot,
        old_serial=(old_serial or "").strip()[:64],
        expect_return=old_part == OldPart.RETURNED,
        note=note,
        now=now,
    )
    used = VisitPart.objects.create(
        visit=visit, consumption=consumption, old_part=old_part, old_serial=(old_serial or "").strip()[:64]
    )
    _note(actor, visit, "field.part_used", now=now, code=part.code, name=part.name, qty=quantity, old=old_part)
    audit_record(actor=actor, action="visit.part_use", obj=visit, changes={"consumption": [None, consumption.pk]})
    return used


@transaction.atomic
def visit_photos_add(*, actor, visit: Visit, uploads, phase: str) -> list[VisitPhoto]:
    """Before / after photos, stored as the request's attachments (same checks as any upload)."""
    visit = _lock(actor, visit)
    _require_open(visit)
    if phase not in PhotoPhase.values:
        raise ValidationFailed(fields={"phase": [_("Before or after?")]})
    if not uploads:
        raise ValidationFailed(fields={"photos": [_("Choose at least one photo.")]})
    for upload in uploads:  # photos only, checked before any file is stored
        if upload_check(upload, allowed=("image", "video"), field="photos").kind != "image":
            raise ValidationFailed(fields={"photos": [_("Only photos here.")]})
    attachments = attachments_add(actor=actor, request=visit.request, uploads=uploads, field="photos")
    photos = VisitPhoto.objects.bulk_create([VisitPhoto(visit=visit, attachment=a, phase=phase) for a in attachments])
    audit_record(actor=actor, action="visit.photos", obj=visit, changes={phase: [None, len(photos)]})
    return photos


@transaction.atomic
def visit_checks_record(*, actor, visit: Visit, results: dict, care_instructions: str = "", now=None) -> Visit:
    """The function test and the use-and-care explanation of the product's category: every line answered
    (pass / fail / not applicable; a failure needs a note)."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    _work_allowed(visit, now)
    checks = list(checks_for(visit))
    errors: dict[str, list] = {}
    records = []
    for check in checks:
        answer = results.get(check.pk) or results.get(str(check.pk)) or {}
        if isinstance(answer, str):
            answer = {"result": answer}
        result = answer.get("result")
        note = (answer.get("note") or "").strip()[:300]
        if result not in CheckResult.values:
            errors[f"check_{check.pk}"] = [_("Answer this line.")]
            continue
        if result == CheckResult.FAIL and not note:
            errors[f"check_{check.pk}"] = [_("Say what failed.")]
            continue
        records.append(
            CheckRecord(visit=visit, check_item=check, kind=check.kind, text=check.text, result=result, note=note)
        )
    if not checks:
        errors["checks"] = [_("No checklist is set up for this product; ask an administrator.")]
    if errors:
        raise ValidationFailed(fields=errors)
    visit.checks.all().delete()
    CheckRecord.objects.bulk_create(records)
    visit.tested_at = now
    visit.care_instructions = (care_instructions or "").strip()[:2000]
    visit.save(update_fields=["tested_at", "care_instructions", "updated_at"])
    failed = sum(1 for r in records if r.result == CheckResult.FAIL and r.kind == CheckKind.TEST)
    passed = sum(1 for r in records if r.result == CheckResult.PASS)
    _note(actor, visit, "field.checks", now=now, ok=passed, failed=failed)
    audit_record(actor=actor, action="visit.checks", obj=visit, changes={"failed": [None, failed]})
    return visit


@transaction.atomic
def visit_sign(*, actor, visit: Visit, signer_name: str, signature: str, now=None) -> Signature:
    """The customer signs the service form on the technician's phone (a new signature replaces none: all kept)."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    _work_allowed(visit, now)
    signer_name = (signer_name or "").strip()[:100]
    if not signer_name:
        raise ValidationFailed(fields={"signer_name": [_("Who signs?")]})
    image = signature_png(signature)
    sig = Signature.objects.create(
        visit=visit,
        purpose=SignaturePurpose.FORM,
        role=SignerRole.CUSTOMER,
        signer_name=signer_name,
        image=image,
        via=SignedVia.PHONE,
        signed_at=now,
        user=actor,
    )
    _note(actor, visit, "field.signed", now=now, name=signer_name)
    audit_record(actor=actor, action="visit.sign", obj=visit, changes={"signature": [None, sig.pk]})
    return sig
