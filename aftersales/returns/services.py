"""Every write of returns and exchanges (R-RET-1). Each is atomic, attributed, audited and leaves a
line on the RMA's timeline (and a note on the linked service request); messages to the customer go
through the outbox in the same transaction. Statuses move only through ``choices.TRANSITIONS``."""

from __future__ import annotations

import datetime
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import OrganizationKind, Role
from aftersales.accounts.selectors import user_list_with_role
from aftersales.accounts.system import system_user
from aftersales.catalog.models import Product, ProductUnit
from aftersales.catalog.services import unit_exchange
from aftersales.catalog.warranty import add_months
from aftersales.core.audit import audit_record, diff_fields, person
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import msg
from aftersales.core.money import money
from aftersales.core.permissions import user_has_role
from aftersales.core.ranges import MAX_MONEY
from aftersales.core.sequences import sequence_next
from aftersales.core.states import IllegalTransition, transition_apply
from aftersales.field.selectors import unit_sanbao_facts
from aftersales.notifications.models import Channel
from aftersales.notifications.services import message_send
from aftersales.tickets.choices import Channel as RequestChannel
from aftersales.tickets.choices import ServiceType
from aftersales.tickets.permissions import request_can_act
from aftersales.tickets.services import request_add_note, request_create

from .choices import (
    CHOICE_STATUSES,
    DECIDE_ACTIONS,
    OPEN_STATUSES,
    RECEIVE_STATUSES,
    TRANSITIONS,
    Exclusion,
    FaultFinding,
    GoodsCondition,
    OldUnitFate,
    Reason,
    RefundMethod,
    Remedy,
    Resolution,
    RmaAction,
    Stage,
    Status,
)
from .eligibility import Facts, evaluate, refund_due
from .models import DEFAULT_POLICY_NAME, EligibilityCheck, ReturnPolicy, Rma, RmaEvent
from .permissions import EXCHANGE_ROLES, INSPECT_ROLES, OFFICE_ROLES, POLICY_EDIT_ROLES, rma_can_act
from .selectors import policy_for_unit, rma_refund_state

ILLEGAL = _("A return/exchange that is “%(status)s” cannot be moved with “%(action)s”.")
DESCRIPTION_MAX = 4000


# --- helpers -------------------------------------------------------------------------------------------


def rma_number_next(now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"RM{now:%y%m}-{sequence_next(f'rma-{now:%y%m}'):06d}"


def public_url(rma: Rma) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("returns:public", args=[rma.public_token])


def _event(rma: Rma, *, actor, kind, at, action="", before="", after="", key="", params=None, reason=""):
    return RmaEvent.objects.create(
        rma=rma,
        at=at,
        actor=person(actor),
        kind=kind,
        action=action,
        from_status=before,
        to_status=after,
        message=key,
        params=params or {},
        reason=reason,
    )


def _request_note(rma: Rma, actor, now) -> None:
    """A line on the linked service request's timeline: the RMA's new status."""
    if rma.request_id is None:
        return
    by = actor if person(actor) is not None and request_can_act(actor, rma.request) else system_user()
    request_add_note(
        actor=by, request=rma.request, text=msg("returns.request_note", number=rma.number, status=rma.status), now=now
    )


def _tell_customer(rma: Rma, key: str, **params) -> None:
    """E-mail to the customer (when there is an address) and his in-app inbox (when he has a login),
    linking to his RMA's page."""
    url = public_url(rma)
    params = {"number": rma.number, "url": url, **params}
    customer = rma.customer
    if (customer.email or "").strip():
        message_send(key=key, params=params, to=[customer.email.strip()], channels=(Channel.EMAIL,), link=rma, url="")
    if customer.user_id:
        message_send(key=key, params=params, to=[customer.user], channels=(Channel.IN_APP,), link=rma, url=url)


def _lock(actor, rma: Rma) -> Rma:
    rma = (
        Rma.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__product", "customer", "request")
        .get(pk=rma.pk)
    )
    if not rma_can_act(actor, rma):
        raise NotFoundError()
    return rma


def _move(actor, rma: Rma, action: str, *, now, reason="", key="", params=None) -> tuple[str, str]:
    before, after = transition_apply(
        rma, TRANSITIONS, action, actor=actor, reason=reason, check_roles=True, illegal_message=ILLEGAL
    )
    rma.updated_at = now
    if after in (Status.REFUNDED, Status.EXCHANGED, Status.REPAIR, Status.REFUSED, Status.CANCELLED):
        rma.closed_at = now
    return before, after


def _after_move(actor, rma: Rma, action, before, after, *, now, key="", params=None, reason="", changes=None):
    _event(
        rma,
        actor=actor,
        kind=RmaEvent.Kind.TRANSITION,
        at=now,
        action=action,
        before=before,
        after=after,
        key=key,
        params=params,
        reason=reason,
    )
    audit_record(actor=actor, action=f"rma.{action}", obj=rma, changes={"status": [before, after], **(changes or {})})
    if before != after:
        _request_note(rma, actor, now)


def _today(now) -> datetime.date:
    return timezone.localtime(now).date()


def _day_check(errors: dict, field: str, value, *, now, not_before=None, required=False) -> None:
    if value is None:
        if required:
            errors[field] = [_("This field is required.")]
        return
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors[field] = [_("Enter a valid date.")]
    elif value > _today(now):
        errors[field] = [_("The date cannot be in the future.")]
    elif not_before is not None and value < not_before:
        errors[field] = [_("The date cannot be before %(day)s.") % {"day": not_before.isoformat()}]


# --- create ----------------------------------------------------------------------------------------------


@transaction.atomic
def rma_create(
    *,
    actor,
    unit: ProductUnit,
    reason: str,
    description: str,
    requested_on: datetime.date | None = None,
    fault=None,
    request=None,
    organization=None,
    sale_date: datetime.date | None = None,
    distance_sale: bool | None = None,
    delivered_on: datetime.date | None = None,
    exclusion: str = "",
    now=None,
) -> Rma:
    """File a return/exchange for ``unit`` (its owner is the customer). ``sale_date`` defaults to the
    unit's warranty start (its purchase, or its exchange); ``distance_sale`` to "bought online"."""
    if not user_has_role(actor, OFFICE_ROLES):
        raise PermissionDeniedError()
    now = now or timezone.now()
    requested_on = requested_on or _today(now)
    sale_date = sale_date or unit.warranty_start
    errors: dict[str, list] = {}
    if reason not in Reason.values:
        errors["reason"] = [_("Choose a reason.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Write what the customer says.")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}]
    if exclusion and exclusion not in Exclusion.values:
        errors["exclusion"] = [_("Unknown exclusion.")]
    if sale_date is None:
        errors["sale_date"] = [_("The unit has no purchase date: give the sale date.")]
    _day_check(errors, "requested_on", requested_on, now=now, not_before=sale_date, required=True)
    _day_check(errors, "sale_date", sale_date, now=now)
    _day_check(errors, "delivered_on", delivered_on, now=now, not_before=sale_date)
    if delivered_on and requested_on and delivered_on > requested_on:
        errors["delivered_on"] = [_("The goods cannot arrive after the request.")]
    if request is not None and request.unit_id not in (None, unit.pk):
        errors["request"] = [_("This request is about another unit.")]
    if request is not None and request.customer_id != unit.owner_id:
        errors["request"] = [_("This request belongs to another customer.")]
    if organization is not None and organization.kind != OrganizationKind.PARTNER:
        organization = None  # our own staff: no partner organization
    if errors:
        raise ValidationFailed(fields=errors)
    # One open RMA per unit: the unit's row is the lock (a second desk waits, then sees the first RMA).
    ProductUnit.objects.select_for_update().filter(pk=unit.pk).first()
    if Rma.objects.filter(unit=unit, status__in=sorted(OPEN_STATUSES)).exists():
        raise ConflictError(_("This unit already has an open return/exchange."), code="rma_open")
    if organization is None and request is not None and request.assigned_organization_id:
        assigned = request.assigned_organization
        organization = assigned if assigned.kind == OrganizationKind.PARTNER else None
    rma = Rma.objects.create(
        number=rma_number_next(now),
        status=Status.REQUESTED,
        unit=unit,
        customer_id=unit.owner_id,
        request=request,
        organization=organization,
        reason=reason,
        description=description,
        fault=fault,
        sale_date=sale_date,
        requested_on=requested_on,
        distance_sale=(unit.purchase_channel == "online") if distance_sale is None else bool(distance_sale),
        delivered_on=delivered_on,
        exclusion=exclusion or "",
        policy=policy_for_unit(unit),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _event(
        rma,
        actor=actor,
        kind=RmaEvent.Kind.CREATED,
        at=now,
        after=Status.REQUESTED,
        key="returns.requested",
        params={"reason": reason},
    )
    audit_record(actor=actor, action="rma.create", obj=rma, changes={"status": [None, Status.REQUESTED]})
    _request_note(rma, actor, now)
    _tell_customer(rma, "returns.customer_requested", product=str(unit.product.name), serial=unit.serial_number)
    return rma


# --- eligibility -------------------------------------------------------------------------------------------


def rma_facts(rma: Rma, *, now=None) -> Facts:
    """What the 三包 check reads for ``rma``: the claim, the inspection (once recorded) and field's counters
    for the unit (repairs of the fault, days in repair and waiting for parts, in warranty)."""
    now = now or timezone.now()
    unit = rma.unit
    counters = unit_sanbao_facts(unit, now=now)
    inspected = bool(rma.fault_finding)
    warranty_end = add_months(rma.sale_date, unit.warranty_months) - datetime.timedelta(days=1)
    return Facts(
        sale_date=rma.sale_date,
        request_date=rma.requested_on,
        warranty_end=warranty_end,
        fault=(rma.fault_finding == FaultFinding.CONFIRMED) if inspected else rma.reason == Reason.FAULT,
        no_reason=rma.reason == Reason.NO_REASON,
        distance_sale=rma.distance_sale,
        delivered_on=rma.delivered_on,
        exclusion=rma.exclusion,
        goods_intact=(rma.goods_condition == GoodsCondition.INTACT) if rma.goods_condition else None,
        inspected=inspected,
        repairs_same_fault=counters.repairs_of(rma.fault_id),
        days_in_repair=int(counters.days_in_repair),
        days_waiting_parts=int(counters.days_waiting_parts),
        exchanged=unit.exchanged_from_id is not None,
    )


def _check_store(actor, rma: Rma, *, stage: str, now) -> EligibilityCheck:
    # The default policy is seeded (migration 0002); should someone delete it, China's numbers come back.
    policy = (
        policy_for_unit(rma.unit)
        or ReturnPolicy.objects.get_or_create(product_category=None, defaults={"name": DEFAULT_POLICY_NAME})[0]
    )
    facts = rma_facts(rma, now=now)
    decision = evaluate(facts, policy.terms())
    check = EligibilityCheck.objects.create(
        rma=rma,
        at=now,
        actor=person(actor),
        stage=stage,
        policy=policy,
        terms=asdict(policy.terms()),
        facts={k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in asdict(facts).items()},
        rule=decision.rule,
        message=decision.key,
        params=decision.params,
        remedies=list(decision.remedies),
        rules=list(decision.rules),
        provisional=decision.provisional,
        dates=decision.dates,
        trace=decision.as_dict()["trace"],
    )
    rma.policy = policy
    rma.eligibility = check
    if rma.customer_choice and rma.customer_choice not in check.remedies:
        rma.customer_choice = ""  # no longer on offer
    return check


@transaction.atomic
def rma_check(*, actor, rma: Rma, now=None) -> Rma:
    """Run the 三包 check on the claim (again, if the facts changed): the rule, remedies and dates are kept."""
    now = now or timezone.now()
    rma = _lock(actor, rma)
    before, after = _move(actor, rma, RmaAction.CHECK, now=now)
    check = _check_store(actor, rma, stage=Stage.CLAIM, now=now)
    rma.save()
    _after_move(
        actor,
        rma,
        RmaAction.CHECK,
        before,
        after,
        now=now,
        key="returns.checked",
        params={"rule": {"key": check.message, "params": check.params}},
        changes={"rule": [None, check.rule], "remedies": [None, check.remedies]},
    )
    return rma


# --- receipt and inspection -----------------------------------------------------------------------------


def _refund_due_set(rma: Rma) -> None:
    if rma.status == Status.AWAITING_REFUND and rma.returned_on:
        terms = rma.policy.terms() if rma.policy_id else None
        rma.refund_due = refund_due(rma.returned_on, terms) if terms else refund_due(rma.returned_on)


@transaction.atomic
def rma_receive(*, actor, rma: Rma, returned_on: datetime.date | None = None, now=None) -> Rma:
    """Book the returned unit in (the refund falls due ``refund_days`` after this day)."""
    now = now or timezone.now()
    rma = _lock(actor, rma)
    if not user_has_role(actor, INSPECT_ROLES):
        raise PermissionDeniedError()
    if rma.status not in RECEIVE_STATUSES:
        raise IllegalTransition(_("The returned unit cannot be booked in now."))
    returned_on = returned_on or _today(now)
    errors: dict[str, list] = {}
    _day_check(errors, "returned_on", returned_on, now=now, not_before=rma.requested_on)
    if errors:
        raise ValidationFailed(fields=errors)
    changes = diff_fields(rma, {"returned_on": returned_on})
    _refund_due_set(rma)
    rma.updated_at = now
    rma.save()
    _event(
        rma,
        actor=actor,
        kind=RmaEvent.Kind.RECEIVED,
        at=now,
        key="returns.received",
        params={"day": returned_on.isoformat()},
    )
    audit_record(actor=actor, action="rma.receive", obj=rma, changes={**changes, "refund_due": [None, rma.refund_due]})
    return rma


@transaction.atomic
def rma_inspect(
    *,
    actor,
    rma: Rma,
    fault_finding: str,
    goods_condition: str,
    notes: str = "",
    fault=None,
    returned_on: datetime.date | None = None,
    now=None,
) -> Rma:
    """Record what the inspection found; the 三包 check runs again on it (no longer provisional)."""
    now = now or timezone.now()
    rma = _lock(actor, rma)
    errors: dict[str, list] = {}
    if fault_finding not in FaultFinding.values:
        errors["fault_finding"] = [_("Was a performance fault found?")]
    if goods_condition not in GoodsCondition.values:
        errors["goods_condition"] = [_("Are the goods intact?")]
    notes = (notes or "").strip()
    if len(notes) > DESCRIPTION_MAX:
        errors["notes"] = [_("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}]
    _day_check(errors, "returned_on", returned_on, now=now, not_before=rma.requested_on)
    if errors:
        raise ValidationFailed(fields=errors)
    before, after = _move(actor, rma, RmaAction.INSPECT, now=now)
    data: dict[str, Any] = {
        "fault_finding": fault_finding,
        "goods_condition": goods_condition,
        "inspection_notes": notes,
        "inspected_at": now,
        "inspected_by": person(actor),
    }
    if fault is not None:
        data["fault"] = fault
    if returned_on is not None:
        data["returned_on"] = returned_on
    changes = diff_fields(rma, data)
    check = _check_store(actor, rma, stage=Stage.INSPECTION, now=now)
    rma.save()
    _after_move(
        actor,
        rma,
        RmaAction.INSPECT,
        before,
        after,
        now=now,
        key="returns.inspected",
        params={"finding": fault_finding, "condition": goods_condition},
        reason=notes,
        changes={k: v for k, v in changes.items() if k not in ("inspected_at", "inspected_by")}
        | {"rule": [None, check.rule]},
    )
    return rma


# --- decision ---------------------------------------------------------------------------------------------


@transaction.atomic
def rma_decide(*, actor, rma: Rma, resolution: str, reason: str = "", now=None) -> Rma:
    """Decide after the inspection: one of the remedies the rule allows (the customer's choice), or a
    refusal with a reason. The decision keeps the rule, its text and the dates it used. A repair
    opens a repair request; a return's refund falls due once the unit is back."""
    now = now or timezone.now()
    rma = _lock(actor, rma)
    if resolution not in Resolution.values:
        raise ValidationFailed(fields={"resolution": [_("Choose a decision.")]})
    reason = (reason or "").strip()
    if len(reason) > DESCRIPTION_MAX:
        raise ValidationFailed(fields={"reason": [_("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}]})
    before, after = _move(actor, rma, DECIDE_ACTIONS[resolution], now=now, reason=reason)
    check = rma.eligibility
    if check is None:
        raise ConflictError(_("Check eligibility first."), code="not_checked")
    if resolution != Resolution.REFUSE and resolution not in check.remedies:
        allowed = ", ".join(str(Remedy(r).label) for r in check.remedies) or "—"
        raise ValidationFailed(
            _("The rule that applies does not allow this. Allowed: %(allowed)s.") % {"allowed": allowed},
            fields={"resolution": [_("Not allowed by the rule that applies.")]},
        )
    rma.resolution = resolution
    rma.decision_rule = check.rule
    rma.decision_message = check.message
    rma.decision_params = check.params
    rma.decision_dates = check.dates
    rma.decision_reason = reason
    rma.decided_at = now
    rma.decided_by = actor
    _refund_due_set(rma)
    if resolution == Resolution.REPAIR:
        rma.repair_request = request_create(
            actor=actor,
            customer=rma.customer,
            channel=rma.request.channel if rma.request_id else RequestChannel.PHONE,
            service_type=ServiceType.REPAIR,
            description=f"{rma.number}: {rma.description}",
            unit=rma.unit,
            acknowledge=True,
            now=now,
        )
    rma.save()
    _after_move(
        actor,
        rma,
        DECIDE_ACTIONS[resolution],
        before,
        after,
        now=now,
        key="returns.decided",
        params={"resolution": resolution},
        reason=reason,
        changes={"resolution": [None, resolution], "rule": [None, check.rule]},
    )
    _tell_customer(rma, "returns.customer_decided", resolution=resolution)
    return rma


# --- refund and exchange ------------------------------------------------------------------------------------


def _fate_check(errors: dict, fate: str, note: str) -> str:
    if fate not in OldUnitFate.values:
        errors["old_unit_fate"] = [_("What happens to the old unit?")]
    note = (note or "").strip()
    if len(note) > 300:
        errors["old_unit_note"] = [_("At most %(n)d characters.") % {"n": 300}]
    return note


@transaction.atomic
def rma_refund(
    *,
    actor,
    rma: Rma,
    amount,
    method: str,
    old_unit_fate: str,
    reference: str = "",
    refunded_on: datetime.date | None = None,
    old_unit_note: str = "",
    now=None,
) -> Rma:
    """Record the refund of a return (the returned unit must have been received) and the old unit's fate."""
    now = now or timezone.now()
    rma = _lock(actor, rma)
    refunded_on = refunded_on or _today(now)
    errors: dict[str, list] = {}
    try:
        amount = money(amount)
        if amount <= 0 or amount > MAX_MONEY:
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors["amount"] = [_("Enter an amount above zero.")]
    if method not in RefundMethod.values:
        errors["method"] = [_("Choose how the money goes back.")]
    reference = (reference or "").strip()
    if len(reference) > 64:
        errors["reference"] = [_("At most %(n)d characters.") % {"n": 64}]
    note = _fate_check(errors, old_unit_fate, old_unit_note)
    _day_check(errors, "refunded_on", refunded_on, now=now, not_before=rma.returned_on or rma.requested_on)
    if errors:
        raise ValidationFailed(fields=errors)
    before, after = _move(actor, rma, RmaAction.REFUND, now=now)
    if rma.returned_on is None:
        raise ConflictError(
            _("Book the returned unit in before refunding."),
            code="not_received",
            fields={"returned_on": [_("Not received yet.")]},
        )
    changes = diff_fields(
        rma,
        {
            "refund_amount": Decimal(amount),
            "refund_method": method,
            "refund_reference": reference,
            "refunded_on": refunded_on,
            "old_unit_fate": old_unit_fate,
            "old_unit_note": note,
        },
    )
    rma.save()
    params = {
        "amount": str(amount),
        "method": method,
        "reference": reference or "—",
        "day": refunded_on.isoformat(),
        "fate": old_unit_fate,
    }
    _after_move(
        actor, rma, RmaAction.REFUND, before, after, now=now, key="returns.refunded", params=params, changes=changes
    )
    _tell_customer(rma, "returns.customer_refunded", amount=str(amount), day=refunded_on.isoformat())
    return rma


@transaction.atomic
def rma_exchange(
    *,
    actor,
    rma: Rma,
    serial_number: str,
    old_unit_fate: str,
    exchanged_on: datetime.date | None = None,
    product: Product | None = None,
    old_unit_note: str = "",
    now=None,
) -> Rma:
    """Hand over the new unit: registered through catalog with a warranty that starts afresh on the
    exchange day (its 三包 period restarts); the old unit's fate is recorded."""
    now = now or timezone.now()
    rma = _lock(actor, rma)
    if not user_has_role(actor, EXCHANGE_ROLES):
        raise PermissionDeniedError()
    exchanged_on = exchanged_on or _today(now)
    errors: dict[str, list] = {}
    if not (serial_number or "").strip():
        errors["serial_number"] = [_("This field is required.")]
    note = _fate_check(errors, old_unit_fate, old_unit_note)
    _day_check(errors, "exchanged_on", exchanged_on, now=now, not_before=rma.requested_on)
    if errors:
        raise ValidationFailed(fields=errors)
    before, after = _move(actor, rma, RmaAction.EXCHANGE, now=now)
    new_unit = unit_exchange(
        actor=actor, unit=rma.unit, serial_number=serial_number, exchanged_on=exchanged_on, product=product
    )
    changes = diff_fields(
        rma,
        {"new_unit": new_unit, "exchanged_on": exchanged_on, "old_unit_fate": old_unit_fate, "old_unit_note": note},
    )
    rma.save()
    params = {
        "day": exchanged_on.isoformat(),
        "serial": new_unit.serial_number,
        "warranty_end": new_unit.warranty_end.isoformat() if new_unit.warranty_end else "—",
        "fate": old_unit_fate,
    }
    _after_move(
        actor, rma, RmaAction.EXCHANGE, before, after, now=now, key="returns.exchanged", params=params, changes=changes
    )
    _tell_customer(
        rma,
        "returns.customer_exchanged",
        serial=new_unit.serial_number,
        start=exchanged_on.isoformat(),
        end=params["warranty_end"],
    )
    return rma


@transaction.atomic
def rma_cancel(*, actor, rma: Rma, reason: str, now=None) -> Rma:
    """Withdraw a return/exchange before the decision (the customer changed his mind, filed twice ...)."""
    now = now or timezone.now()
    rma = _lock(actor, rma)
    reason = (reason or "").strip()[:DESCRIPTION_MAX]
    before, after = _move(actor, rma, RmaAction.CANCEL, now=now, reason=reason)
    rma.save()
    _after_move(actor, rma, RmaAction.CANCEL, before, after, now=now, reason=reason)
    return rma


# --- the customer's side ------------------------------------------------------------------------------------


@transaction.atomic
def rma_customer_choose(*, rma: Rma, remedy: str, actor=None, now=None) -> Rma:
    """The customer's choice among the remedies the rule allows: on his link (no ``actor``: no login), or
    told on the phone and recorded by office staff (``actor``). A choice made on the link is told to the
    agent who filed the RMA."""
    now = now or timezone.now()
    if person(actor) is not None:
        if not user_has_role(actor, OFFICE_ROLES):
            raise PermissionDeniedError()
        rma = _lock(actor, rma)
    rma = Rma.objects.select_for_update(of=("self",)).select_related("eligibility", "created_by").get(pk=rma.pk)
    if rma.status not in CHOICE_STATUSES or rma.eligibility is None:
        raise IllegalTransition(_("There is nothing to choose at this stage."))
    if remedy not in rma.eligibility.remedies:
        raise ValidationFailed(fields={"remedy": [_("Choose one of the options offered.")]})
    changes = diff_fields(rma, {"customer_choice": remedy, "customer_chose_at": now})
    rma.updated_at = now
    rma.save()
    _event(rma, actor=actor, kind=RmaEvent.Kind.CHOSEN, at=now, key="returns.customer_chose", params={"remedy": remedy})
    audit_record(actor=actor, action="rma.customer_choose", obj=rma, changes=changes)
    if person(actor) is None and rma.created_by_id and rma.created_by.is_active:
        message_send(
            key="returns.customer_chose",
            params={"remedy": remedy},
            to=[rma.created_by],
            channels=(Channel.IN_APP,),
            link=rma,
        )
    return rma


# --- refund reminders ---------------------------------------------------------------------------------------

REMINDED_STATES = ("at_risk", "overdue")


def refund_reminders_send(*, now=None) -> int:
    """Tell staff once when a refund awaiting payment becomes at risk and once when it is overdue
    (R-RET-1: refund within 7 days of receiving the return): the agent who filed the RMA, and the
    after-sales managers when it is overdue or nobody filed it. Periodic (``returns.tasks``).
    Returns how many RMAs were reminded."""
    today = timezone.localdate(now or timezone.now())
    candidates = Rma.objects.filter(status=Status.AWAITING_REFUND, refund_due__isnull=False).exclude(
        refund_reminded="overdue"
    )
    sent = 0
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            rma = (
                Rma.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("policy", "created_by")
                .filter(pk=pk, status=Status.AWAITING_REFUND)
                .first()
            )
            if rma is None:
                continue
            state = rma_refund_state(rma, today)
            if state not in REMINDED_STATES or state == rma.refund_reminded:
                continue
            to = [rma.created_by] if rma.created_by_id and rma.created_by.is_active else []
            if state == "overdue" or not to:
                to += [u for u in user_list_with_role(Role.MANAGER) if u not in to]
            message_send(
                key=f"returns.refund_{state}",
                params={
                    "number": rma.number,
                    "due": rma.refund_due.isoformat(),
                    "amount": str(rma.refund_amount or ""),
                },
                to=to,
                channels=(Channel.IN_APP,),
                link=rma,
            )
            audit_record(
                actor=None,
                action="rma.refund_reminder",
                obj=rma,
                changes={"refund_reminded": [rma.refund_reminded, state]},
            )
            Rma.objects.filter(pk=rma.pk).update(refund_reminded=state)
            sent += 1
    return sent


# --- policies -------------------------------------------------------------------------------------------------

POLICY_NUMBERS = (
    "return_days",
    "exchange_days",
    "repeat_repairs",
    "repair_days",
    "parts_wait_days",
    "no_reason_days",
    "refund_days",
    "at_risk_days",
)
POLICY_FLAGS = ("extend_by_repair", "no_reason_return")


def _policy_check(data: dict, current: ReturnPolicy | None = None) -> dict:
    errors: dict[str, list] = {}
    values = {name: data.get(name, getattr(current, name, None)) for name in POLICY_NUMBERS}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
            errors[name] = [_("A whole number of days from 0 to 365.")]
    if (
        "repeat_repairs" not in errors
        and values["repeat_repairs"] is not None
        and not 1 <= values["repeat_repairs"] <= 20
    ):
        errors["repeat_repairs"] = [_("From 1 to 20.")]
    r, e = values["return_days"], values["exchange_days"]
    if r is not None and e is not None and not errors.get("exchange_days") and e < r:
        errors["exchange_days"] = [_("The exchange window cannot be shorter than the return window.")]
    if "name" in data and not (data["name"] or "").strip():
        errors["name"] = [_("This field is required.")]
    if "name" in data and len(data["name"] or "") > 100:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 100}]
    return errors


@transaction.atomic
def policy_create(*, actor, name: str, product_category=None, **numbers) -> ReturnPolicy:
    """A policy for a product category (the defaults are China's, change what differs)."""
    if not user_has_role(actor, POLICY_EDIT_ROLES):
        raise PermissionDeniedError()
    unknown = set(numbers) - set(POLICY_NUMBERS) - set(POLICY_FLAGS)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in unknown})
    defaults = ReturnPolicy()
    errors = _policy_check({"name": name, **numbers}, defaults)
    if errors:
        raise ValidationFailed(fields=errors)
    if ReturnPolicy.objects.filter(product_category=product_category).exists():
        raise ConflictError(
            _("This product category already has a policy."), fields={"product_category": [_("Already has a policy.")]}
        )
    policy = ReturnPolicy.objects.create(name=name.strip(), product_category=product_category, **numbers)
    audit_record(actor=actor, action="return_policy.create", obj=policy, changes={"name": [None, policy.name]})
    return policy


@transaction.atomic
def policy_update(*, actor, policy: ReturnPolicy, **data) -> ReturnPolicy:
    """Change a policy's numbers (new checks use them; decisions already made keep theirs)."""
    if not user_has_role(actor, POLICY_EDIT_ROLES):
        raise PermissionDeniedError()
    unknown = set(data) - set(POLICY_NUMBERS) - set(POLICY_FLAGS) - {"name"}
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in unknown})
    policy = ReturnPolicy.objects.select_for_update().get(pk=policy.pk)
    errors = _policy_check(data, policy)
    if errors:
        raise ValidationFailed(fields=errors)
    if "name" in data:
        data["name"] = data["name"].strip()
    changes = diff_fields(policy, data)
    if changes:
        policy.save()
        audit_record(actor=actor, action="return_policy.update", obj=policy, changes=changes)
    return policy
