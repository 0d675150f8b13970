"""Quotes and consent: build a quote from its lines, the customer accepts (signs) or declines; a quote
still open from an earlier visit is carried forward."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.system import system_user
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.money import money
from aftersales.core.states import transition_apply
from aftersales.tickets.choices import Action
from aftersales.tickets.choices import Status as RequestStatus
from aftersales.tickets.services import request_transition

from ..choices import (
    QUOTE_TRANSITIONS,
    ChargeReason,
    LineKind,
    Outcome,
    QuoteStatus,
    SignaturePurpose,
    SignedVia,
    SignerRole,
    VisitStep,
)
from ..models import Quote, QuoteLine, Signature, Visit
from ..selectors import quote_may_cover, visit_paid_total
from ..signatures import signature_png
from ._common import IllegalVisitStep, _appointment_close, _lock, _move, _note, _require_technician, _token


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
    _note(actor, visit, "field.quote_continued", now=now, number=previous.number, total=visit.customer_total)


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


def _quote_lines(visit: Visit, lines: list[dict]) -> list[QuoteLine]:
    from aftersales.parts.models import Part

    if not lines:
        raise ValidationFailed(fields={"lines": [_("Add at least one line.")]})
    if len(lines) > 50:
        raise ValidationFailed(fields={"lines": [_("At most 50 lines.")]})
    may_cover = quote_may_cover(visit)
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
    if may_cover and not any(b.customer_amount > 0 for b in built):
        # Extras were the reason for a quote: with every line on the warranty there is nothing to agree to.
        raise ValidationFailed(
            _("The warranty pays for every line: nothing is left for the customer to agree to."),
            fields={"lines": [_("Add the extras the customer asked for, without the warranty tick.")]},
        )
    return built


@transaction.atomic
def quote_create(*, actor, visit: Visit, lines: list[dict], now=None) -> Quote:
    """An itemised quote (parts, labour, call-out fee …) with warranty coverage applied. A new quote
    replaces a pending one. The request waits for the customer's approval."""
    now = now or timezone.now()
    visit = _lock(actor, visit)
    if visit.charge_reason == ChargeReason.NONE:
        raise IllegalVisitStep(_("Nothing is chargeable on this visit: no quote is needed."))
    built = _quote_lines(visit, lines)
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
    _note(actor, visit, "field.quote", now=now, total=total)
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
        return system_user()
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
    transition_apply(quote, QUOTE_TRANSITIONS, "accept")
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
    _note(writer, visit, "field.quote_accepted", now=now, name=signer_name, total=quote.total, via=via)
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
    transition_apply(quote, QUOTE_TRANSITIONS, "decline", reason=reason)
    quote.decided_at = now
    quote.decline_reason = reason[:2000]
    quote.save(update_fields=["status", "decided_at", "decline_reason", "updated_at"])
    request = visit.request
    if request.status == RequestStatus.WAITING_QUOTE:
        request_transition(actor=writer, request=request, action=Action.DECLINE_QUOTE, reason=reason, now=now)
    _appointment_close(writer, visit, now)
    audit_record(actor=writer, action="quote.decline", obj=visit, changes={"quote": [quote.pk, "declined"]})
    return quote
