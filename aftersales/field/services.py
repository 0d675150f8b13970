"""Every write of a visit (R-FLD-2..4). Each service is atomic, attributed and audited,
and leaves a line on the request's timeline.

The order on site: ``visit_check_in`` → ``visit_diagnose`` → (if anything is chargeable)
``quote_create`` → ``quote_accept`` (the customer signs) → work: ``visit_part_use``,
``visit_photos_add`` → ``visit_checks_record`` → ``visit_sign`` → ``payment_record`` (when
the customer pays) → ``visit_check_out``. Work cannot start before the customer accepted
a quote when something is chargeable (``ConsentRequired``), and check-out refuses a form
that misses a required part (``FormIncomplete``), so every closed visit has a complete
service form.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.catalog.choices import WarrantyStatus
from aftersales.catalog.selectors import unit_warranty
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.money import money
from aftersales.core.permissions import user_is_partner
from aftersales.core.sequences import sequence_next
from aftersales.core.uploads import upload_check
from aftersales.tickets.choices import Action
from aftersales.tickets.choices import Status as RequestStatus
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import attachments_add, request_add_note, request_transition

from . import sanbao
from .choices import (
    VISIT_TRANSITIONS,
    ChargeReason,
    CheckKind,
    CheckResult,
    LineKind,
    OldPart,
    Outcome,
    PaymentMethod,
    PhotoPhase,
    QuoteStatus,
    SecondVisitReason,
    SignaturePurpose,
    SignedVia,
    SignerRole,
    VisitStatus,
    VisitStep,
)
from .models import CheckRecord, FaultCause, Payment, Quote, QuoteLine, Signature, Visit, VisitPart, VisitPhoto
from .selectors import cause_applies, checks_for, visit_paid_total
from .signatures import signature_png


class ConsentRequired(ConflictError):
    code = "consent_required"
    default_message = _("Something is chargeable: the customer has to accept the quote before the work starts.")


class FormIncomplete(ValidationFailed):
    code = "form_incomplete"
    default_message = _("The service form is not complete yet.")


class IllegalVisitStep(ConflictError):
    code = "illegal_visit_step"


def _token() -> str:
    return secrets.token_urlsafe(32)


def _visit_number(now) -> str:
    local = timezone.localtime(now)
    return f"SF{local:%Y}-{sequence_next(f'field.SF.{local:%Y}'):06d}"


def _require_technician(actor, request: ServiceRequest) -> None:
    """Only the job's own technician works on its visit (a partner's technician: only his
    organization's jobs). Others who may not see the job get 404, the rest 403."""
    if not actor.is_authenticated or request.assigned_technician_id != actor.pk:
        if actor.is_authenticated and (actor.is_back_office or user_is_partner(actor)):
            from aftersales.tickets.permissions import request_can_act

            if request_can_act(actor, request):
                raise PermissionDeniedError(_("Only the technician of this job records the visit."))
        raise NotFoundError()
    if actor.role != Role.TECHNICIAN:
        raise PermissionDeniedError(_("Only the technician of this job records the visit."))
    if request.assigned_organization_id and actor.organization_id != request.assigned_organization_id:
        raise NotFoundError()


def _lock(actor, visit: Visit) -> Visit:
    visit = Visit.objects.select_for_update(of=("self",)).select_related("request", "request__unit").get(pk=visit.pk)
    _require_technician(actor, visit.request)
    return visit


def _move(visit: Visit, step: str) -> None:
    sources, target = VISIT_TRANSITIONS[step]
    if visit.status not in sources:
        raise IllegalVisitStep(
            _("A visit that is “%(status)s” cannot go on with “%(step)s”.")
            % {"status": VisitStatus(visit.status).label, "step": VisitStep(step).label},
            extra={"status": visit.status, "step": step},
        )
    visit.status = target


def _note(actor, visit: Visit, text, now=None) -> None:
    request_add_note(actor=actor, request=visit.request, text=f"{visit.number}: {text}", now=now)


def _require_open(visit: Visit) -> None:
    if visit.status == VisitStatus.DONE:
        raise IllegalVisitStep(_("This visit is checked out; nothing can be added."))


# --- check-in ------------------------------------------------------------------------------------


def _coordinate(value, low, high, field):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={field: [_("Not a coordinate.")]}) from None
    if not number.is_finite() or not (low <= number <= high):
        raise ValidationFailed(fields={field: [_("Not a coordinate.")]})
    return number


def _in_warranty(request: ServiceRequest, now) -> bool:
    if request.unit_id:
        return unit_warranty(request.unit, on=timezone.localtime(now).date())["status"] == WarrantyStatus.IN_WARRANTY
    return bool(request.in_warranty)


@transaction.atomic
def visit_check_in(*, actor, request: ServiceRequest, latitude=None, longitude=None, now=None) -> Visit:
    """The technician arrives: a new visit (the service form's number), the request goes in progress
    (the SLA arrival clock stops there). One open visit per request."""
    from aftersales.dispatch.selectors import appointment_open

    now = now or timezone.now()
    request = ServiceRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
    _require_technician(actor, request)
    lat = _coordinate(latitude, -90, 90, "latitude")
    lng = _coordinate(longitude, -180, 180, "longitude")
    if request.visits.exclude(status=VisitStatus.DONE).exists():
        raise ConflictError(_("You are already checked in on this job."), code="visit_open")
    if request.status in (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED):
        request = request_transition(actor=actor, request=request, action=Action.START, now=now)
    elif request.status != RequestStatus.IN_PROGRESS:
        raise ConflictError(
            _("A request that is “%(status)s” cannot be visited now.")
            % {"status": RequestStatus(request.status).label},
            code="request_state",
        )
    sequence = (request.visits.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                number=_visit_number(now),
                request=request,
                sequence=sequence,
                technician=actor,
                appointment=appointment_open(request),
                in_warranty=_in_warranty(request, now),
                checked_in_at=now,
                check_in_lat=lat,
                check_in_lng=lng,
                public_token=_token(),
            )
    except IntegrityError:
        raise ConflictError(_("You are already checked in on this job."), code="visit_open") from None
    _note(actor, visit, gettext("checked in (visit %(n)s).") % {"n": sequence}, now=now)
    audit_record(actor=actor, action="visit.check_in", obj=visit, changes={"status": [None, visit.status]})
    _quote_carry_forward(actor, visit, now)
    return visit


def _quote_carry_forward(actor, visit: Visit, now) -> None:
    """The customer accepted a quote on the previous visit, which ended as "needs a second visit": that
    consent still holds. The new visit continues the work — same diagnosis, the same accepted quote
    (with its signature) and what is left to pay — instead of asking the customer to sign again."""
    previous = (
        Visit.objects.filter(request_id=visit.request_id, sequence__lt=visit.sequence).order_by("-sequence").first()
    )
    if previous is None or previous.outcome != Outcome.SECOND_VISIT:
        return
    accepted = previous.quotes.filter(status=QuoteStatus.ACCEPTED).prefetch_related("lines").first()
    if accepted is None:
        return
    carried = Quote.objects.create(
        visit=visit,
        status=QuoteStatus.ACCEPTED,
        charge_reason=accepted.charge_reason,
        subtotal=accepted.subtotal,
        covered=accepted.covered,
        total=accepted.total,
        token=_token(),
        created_by=actor,
        created_at=now,
        decided_at=accepted.decided_at,
    )
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=carried,
                kind=line.kind,
                part=line.part,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                covered=line.covered,
                customer_amount=line.customer_amount,
            )
            for line in accepted.lines.all()
        ]
    )
    consent = accepted.signatures.filter(purpose=SignaturePurpose.QUOTE).first()
    if consent is not None:  # the same signed consent, shown on this visit's form too
        Signature.objects.create(
            visit=visit,
            quote=carried,
            purpose=SignaturePurpose.QUOTE,
            role=consent.role,
            signer_name=consent.signer_name,
            image=consent.image.name,
            via=consent.via,
            signed_at=consent.signed_at,
            user=consent.user,
        )
    visit.fault, visit.fault_cause = previous.fault, previous.fault_cause
    visit.inspection_result, visit.solution = previous.inspection_result, previous.solution
    visit.charge_reason = accepted.charge_reason
    visit.diagnosed_at = visit.work_started_at = now
    _move(visit, VisitStep.CONTINUE)
    visit.customer_total = accepted.total - visit_paid_total(previous)
    visit.save()
    _note(
        actor,
        visit,
        gettext("continues the accepted quote of %(number)s; %(total)s CNY left to pay.")
        % {"number": previous.number, "total": visit.customer_total},
        now=now,
    )


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
        gettext("diagnosis: %(fault)s / %(cause)s. %(solution)s")
        % {"fault": cause.fault.name, "cause": cause.name, "solution": visit.solution[:300]},
        now=now,
    )
    audit_record(
        actor=actor,
        action="visit.diagnose",
        obj=visit,
        changes={"status": [before, visit.status], "cause": [None, cause.code], "charge_reason": [None, charge_reason]},
    )
    sanbao.flags_update(visit=visit, now=now)
    return visit


# --- quote and consent ---------------------------------------------------------------------------


MONEY_MAX = Decimal("9999999999.99")


def _decimal(value, field, index, *, places="0.01"):
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError(value)
        return number.quantize(Decimal(places))  # too many digits (1e30) is InvalidOperation too
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(fields={f"lines.{index}.{field}": [_("Not a number.")]}) from None


def _quote_lines(visit: Visit, charge_reason: str, lines: list[dict]) -> list[QuoteLine]:
    from aftersales.parts.models import Part

    if not lines:
        raise ValidationFailed(fields={"lines": [_("Add at least one line.")]})
    if len(lines) > 50:
        raise ValidationFailed(fields={"lines": [_("At most 50 lines.")]})
    may_cover = visit.in_warranty and charge_reason == ChargeReason.EXTRA_ITEMS
    built = []
    for i, raw in enumerate(lines):
        kind = raw.get("kind")
        if kind not in LineKind.values:
            raise ValidationFailed(fields={f"lines.{i}.kind": [_("Choose a kind.")]})
        part = raw.get("part")
        if part is not None and not isinstance(part, Part):
            part = Part.objects.filter(pk=part, is_active=True).first()
            if part is None:
                raise ValidationFailed(fields={f"lines.{i}.part": [_("Unknown part.")]})
        if kind == LineKind.PART and part is None:
            raise ValidationFailed(fields={f"lines.{i}.part": [_("Choose the part.")]})
        quantity = _decimal(raw.get("quantity", 1), "quantity", i)
        if quantity <= 0 or quantity > 1000:
            raise ValidationFailed(fields={f"lines.{i}.quantity": [_("Between 0 and 1000.")]})
        price = raw.get("unit_price")
        if price in (None, "") and part is not None:
            price = part.price
        price = _decimal(price if price not in (None, "") else "x", "unit_price", i)
        if price < 0 or price > Decimal("1000000"):
            raise ValidationFailed(fields={f"lines.{i}.unit_price": [_("Not a valid price.")]})
        description = (raw.get("description") or (part.name if part else "")).strip()[:200]
        if not description:
            raise ValidationFailed(fields={f"lines.{i}.description": [_("Describe the line.")]})
        covered = bool(raw.get("covered"))
        if covered and not may_cover:
            raise ValidationFailed(
                fields={f"lines.{i}.covered": [_("Only the warranty repair of an in-warranty unit is covered.")]}
            )
        amount = money(quantity * price)
        built.append(
            QuoteLine(
                kind=kind,
                part=part,
                description=description,
                quantity=quantity,
                unit_price=price,
                amount=amount,
                covered=covered,
                customer_amount=Decimal("0.00") if covered else amount,
            )
        )
    if sum((b.amount for b in built), Decimal(0)) > MONEY_MAX:  # the money columns hold 12 digits
        raise ValidationFailed(fields={"lines": [_("The quote's total is too large.")]})
    return built


@transaction.atomic
def quote_create(*, actor, visit: Visit, lines: list[dict], now=None) -> Quote:
    """An itemised quote (parts, labour, call-out fee …) with warranty coverage applied. A new quote
    replaces a pending one. The request waits for the customer's approval."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    if visit.charge_reason == ChargeReason.NONE:
        raise IllegalVisitStep(_("Nothing is chargeable on this visit: no quote is needed."))
    built = _quote_lines(visit, visit.charge_reason, lines)
    _move(visit, VisitStep.QUOTE)
    replaced = list(visit.quotes.filter(status=QuoteStatus.PENDING).values_list("pk", flat=True))
    Quote.objects.filter(pk__in=replaced).update(status=QuoteStatus.SUPERSEDED, decided_at=now)
    subtotal = money(sum((b.amount for b in built), Decimal(0)))
    total = money(sum((b.customer_amount for b in built), Decimal(0)))
    quote = Quote.objects.create(
        visit=visit,
        charge_reason=visit.charge_reason,
        subtotal=subtotal,
        covered=subtotal - total,
        total=total,
        token=_token(),
        created_by=actor,
        created_at=now,
    )
    for b in built:
        b.quote = quote
    QuoteLine.objects.bulk_create(built)
    visit.save(update_fields=["status", "updated_at"])
    request = visit.request
    if request.status == RequestStatus.IN_PROGRESS:
        request_transition(actor=actor, request=request, action=Action.REQUEST_QUOTE, now=now)
    _note(actor, visit, gettext("quote: customer pays %(total)s CNY.") % {"total": total}, now=now)
    audit_record(
        actor=actor,
        action="quote.create",
        obj=visit,
        changes={"quote": [replaced[-1] if replaced else None, quote.pk], "total": [None, str(total)]},
    )
    return quote


def _quote_lock(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("visit", "visit__request").get(pk=quote.pk)


def _signer(actor, quote: Quote, via: str):
    """Who records the customer's answer: on the phone the technician; through the link nobody is logged
    in and the system account writes the timeline."""
    if via not in (SignedVia.PHONE, SignedVia.LINK):
        raise ValidationFailed(fields={"via": [_("On the phone or through the link.")]})
    if via == SignedVia.LINK:
        from aftersales.dispatch.services import system_actor

        return system_actor()
    _require_technician(actor, quote.visit.request)
    return actor


@transaction.atomic
def quote_accept(*, actor, quote: Quote, signer_name: str, signature: str, via: str = SignedVia.PHONE, now=None):
    """The customer accepts the quote and signs it (on the technician's phone, or through the link)."""
    now = now or timezone.now()
    quote = _quote_lock(quote)
    writer = _signer(actor, quote, via)
    signer_name = (signer_name or "").strip()[:100]
    if not signer_name:
        raise ValidationFailed(fields={"signer_name": [_("Who signs?")]})
    image = signature_png(signature)
    if quote.status != QuoteStatus.PENDING:
        raise ConflictError(_("This quote is no longer waiting for an answer."), code="quote_state")
    visit = Visit.objects.select_for_update().get(pk=quote.visit_id)
    _move(visit, VisitStep.CONSENT)
    visit.work_started_at = now
    visit.customer_total = quote.total
    visit.save(update_fields=["status", "work_started_at", "customer_total", "updated_at"])
    quote.status = QuoteStatus.ACCEPTED
    quote.decided_at = now
    quote.save(update_fields=["status", "decided_at", "updated_at"])
    Signature.objects.create(
        visit=visit,
        quote=quote,
        purpose=SignaturePurpose.QUOTE,
        role=SignerRole.CUSTOMER,
        signer_name=signer_name,
        image=image,
        via=via,
        signed_at=now,
        user=actor if via != SignedVia.LINK else None,
    )
    request = visit.request
    if request.status == RequestStatus.WAITING_QUOTE:
        request_transition(actor=writer, request=request, action=Action.APPROVE_QUOTE, now=now)
    _note(
        writer,
        visit,
        gettext("%(name)s accepted the quote (%(total)s CNY) %(via)s.")
        % {"name": signer_name, "total": quote.total, "via": SignedVia(via).label},
        now=now,
    )
    audit_record(actor=writer, action="quote.accept", obj=visit, changes={"quote": [quote.pk, "accepted"]})
    return quote


@transaction.atomic
def quote_decline(*, actor, quote: Quote, reason: str, via: str = SignedVia.PHONE, now=None) -> Quote:
    """The customer declines: nothing is repaired, the visit ends and the request is cancelled with the reason."""
    now = now or timezone.now()
    quote = _quote_lock(quote)
    writer = _signer(actor, quote, via)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Give the customer's reason.")]})
    if quote.status != QuoteStatus.PENDING:
        raise ConflictError(_("This quote is no longer waiting for an answer."), code="quote_state")
    visit = Visit.objects.select_for_update().get(pk=quote.visit_id)
    _move(visit, VisitStep.DECLINE)
    visit.outcome = Outcome.QUOTE_DECLINED
    visit.outcome_reason = reason[:2000]
    visit.checked_out_at = now
    visit.save()
    quote.status = QuoteStatus.DECLINED
    quote.decided_at = now
    quote.decline_reason = reason[:2000]
    quote.save(update_fields=["status", "decided_at", "decline_reason", "updated_at"])
    request = visit.request
    if request.status == RequestStatus.WAITING_QUOTE:
        request_transition(actor=writer, request=request, action=Action.DECLINE_QUOTE, reason=reason, now=now)
    _appointment_close(writer, visit, now)
    audit_record(actor=writer, action="quote.decline", obj=visit, changes={"quote": [quote.pk, "declined"]})
    return quote


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
    _note(
        actor,
        visit,
        gettext("part used: %(code)s %(name)s × %(qty)s; old part: %(old)s.")
        % {"code": part.code, "name": part.name, "qty": quantity, "old": OldPart(old_part).label},
        now=now,
    )
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
    _note(
        actor,
        visit,
        gettext("function test: %(ok)s passed, %(failed)s failed.")
        % {"ok": sum(1 for r in records if r.result == CheckResult.PASS), "failed": failed},
        now=now,
    )
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
    _note(actor, visit, gettext("%(name)s signed the service form.") % {"name": signer_name}, now=now)
    audit_record(actor=actor, action="visit.sign", obj=visit, changes={"signature": [None, sig.pk]})
    return sig


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
    _note(
        actor,
        visit,
        gettext("%(amount)s CNY by %(method)s, receipt %(receipt)s.")
        % {"amount": amount, "method": PaymentMethod(method).label, "receipt": payment.receipt_number},
        now=now,
    )
    audit_record(actor=actor, action="visit.payment", obj=visit, changes={"payment": [None, str(amount)]})
    return payment


# --- check-out -----------------------------------------------------------------------------------


def form_missing(visit: Visit) -> list[str]:
    """What the service form still misses before a visit may close as completed (empty: complete)."""
    missing = []
    if not (visit.fault_cause_id and visit.inspection_result and visit.solution):
        missing.append(gettext("diagnosis (fault, cause, what was found, solution)"))
    if visit.status != VisitStatus.WORKING and not (
        visit.status == VisitStatus.DIAGNOSED and visit.charge_reason == ChargeReason.NONE
    ):
        missing.append(gettext("the customer's consent to the quote"))
    checks = {r.result for r in visit.checks.all() if r.kind == CheckKind.TEST}
    if not visit.tested_at:
        missing.append(gettext("function test"))
    elif CheckResult.FAIL in checks:
        missing.append(gettext("a passed function test"))
    if not visit.signatures.filter(purpose=SignaturePurpose.FORM, role=SignerRole.CUSTOMER).exists():
        missing.append(gettext("the customer's signature"))
    if visit_paid_total(visit) != visit.customer_total:
        missing.append(gettext("payment of %(total)s CNY") % {"total": visit.customer_total})
    return missing


@transaction.atomic
def visit_check_out(*, actor, visit: Visit, outcome: str, reason: str = "", second_visit_reason: str = "", now=None):
    """Leave the customer. ``completed``: the form must be complete; the request is completed, the
    technician signs electronically and the customer gets the form. ``second_visit``: with a reason
    (waiting for parts / for the customer), the request waits accordingly."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    if outcome not in (Outcome.COMPLETED, Outcome.SECOND_VISIT):
        raise ValidationFailed(fields={"outcome": [_("Completed, or a second visit is needed.")]})
    reason = (reason or "").strip()[:2000]
    request = visit.request
    if outcome == Outcome.COMPLETED:
        _require_open(visit)
        missing = form_missing(visit)
        if missing:
            raise FormIncomplete(
                _("The service form is not complete: %(missing)s.") % {"missing": "; ".join(missing)},
                fields={"form": missing},
            )
    else:
        if second_visit_reason not in SecondVisitReason.values:
            raise ValidationFailed(fields={"second_visit_reason": [_("Why is a second visit needed?")]})
        if not reason:
            raise ValidationFailed(fields={"reason": [_("Give a reason.")]})
        if visit.status == VisitStatus.AWAITING_CONSENT:
            raise IllegalVisitStep(_("Record the customer's answer to the quote first."))
    _move(visit, VisitStep.CHECK_OUT)
    if outcome == Outcome.SECOND_VISIT:
        # What is not paid yet is owed on the next visit, which continues this one's accepted quote.
        visit.customer_total = visit_paid_total(visit)
    visit.outcome = outcome
    visit.outcome_reason = reason
    visit.checked_out_at = now
    visit.first_time_fix = outcome == Outcome.COMPLETED and visit.sequence == 1
    visit.save()
    if outcome == Outcome.COMPLETED:
        Signature.objects.create(
            visit=visit,
            purpose=SignaturePurpose.FORM,
            role=SignerRole.TECHNICIAN,
            signer_name=actor.display_name,
            via=SignedVia.LOGIN,
            signed_at=now,
            user=actor,
        )
        request_transition(
            actor=actor, request=request, action=Action.COMPLETE, reason=reason or visit.solution, now=now
        )
        _form_send_on_commit(visit)
    else:
        action = Action.WAIT_PARTS if second_visit_reason == SecondVisitReason.WAITING_PARTS else Action.WAIT_CUSTOMER
        request_transition(actor=actor, request=request, action=action, reason=reason, now=now)
    _appointment_close(actor, visit, now)
    _note(actor, visit, gettext("checked out: %(outcome)s.") % {"outcome": Outcome(outcome).label}, now=now)
    audit_record(
        actor=actor, action="visit.check_out", obj=visit, changes={"outcome": [None, outcome], "status": [None, "done"]}
    )
    sanbao.flags_update(visit=visit, now=now)
    return visit


def _appointment_close(actor, visit: Visit, now) -> None:
    """The booked visit happened: close the booking (the next visit, if any, is booked afresh)."""
    if visit.appointment_id:
        from aftersales.dispatch.services import appointment_visited

        appointment_visited(actor=actor, appointment=visit.appointment, now=now)


def _form_send_on_commit(visit: Visit) -> None:
    """Tell the customer the form is ready, with the unguessable link to its PDF."""
    from django.conf import settings
    from django.urls import reverse

    from aftersales.dispatch import notify

    url = settings.SITE_URL.rstrip("/") + reverse("field:public_form", args=[visit.public_token])
    notify.on_commit_customer(
        visit.request_id,
        gettext("Your service form %(number)s") % {"number": visit.number},
        gettext("Thank you. Service request %(request)s is done. Your service form: %(url)s")
        % {"request": visit.request.number, "url": url},
    )
