"""/api/returns: returns and exchanges (R-RET-1) — the worklist, every step of an RMA, the pure
eligibility check, and the return policies.

Every read starts from ``rma_list_for`` (R-ROLE-1): an RMA the caller may not see answers 404.
Every write is one service call: an illegal step answers 409, a step the role may not take 403.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Reply

from aftersales.accounts.choices import OrganizationKind
from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory
from aftersales.catalog.selectors import product_list, unit_list_for
from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_create
from aftersales.core.messages import render
from aftersales.core.permissions import api_roles, user_has_role
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, Money, text
from aftersales.field.selectors import fault_list
from aftersales.tickets.selectors import request_list_for

from . import services
from .choices import (
    Exclusion,
    FaultFinding,
    GoodsCondition,
    OldUnitFate,
    Reason,
    RefundMethod,
    Remedy,
    Resolution,
    RmaAction,
    Rule,
    Status,
)
from .display import date_rows, trace_rows
from .eligibility import Facts, evaluate
from .models import EligibilityCheck, ReturnPolicy, Rma
from .permissions import (
    EXCHANGE_ROLES,
    INSPECT_ROLES,
    OFFICE_ROLES,
    POLICY_EDIT_ROLES,
    POLICY_VIEW_ROLES,
    VIEW_ROLES,
)
from .selectors import (
    VIEWS,
    policy_get,
    policy_list,
    rma_actions,
    rma_get_for,
    rma_refund_state,
    rma_timeline,
    rma_worklist,
)

router = Router(tags=["returns"])
VIEW_NAMES = tuple(VIEWS)


# --- schemas ------------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class UnitRef(Schema):
    id: int
    serial_number: str
    model_code: str
    warranty_start: datetime.date | None
    warranty_end: datetime.date | None

    @staticmethod
    def resolve_model_code(obj) -> str:
        return obj.product.model_code


class CheckOut(Schema):
    """One run of the 三包 check: the rule that applied, its text, the remedies and the dates used."""

    stage: str
    at: datetime.datetime
    policy_id: int
    rule: Rule
    rule_label: str
    message: str = Field(description="The rule's message key (text in ``text``).")
    params: dict
    text: str
    remedies: list[Remedy]
    rules: list[Rule] = Field(description="Every rule that applies.")
    provisional: bool = Field(description="On the claim, before the inspection.")
    dates: dict = Field(description="The dates and counts the check used.")
    dates_shown: list[list[str]] = Field(description="The same as [label, value] in the caller's language.")
    trace: list[dict] = Field(description="Each rule checked: applies, what was found, the limit.")

    @staticmethod
    def resolve_rule_label(obj: EligibilityCheck) -> str:
        return obj.get_rule_display()

    @staticmethod
    def resolve_dates_shown(obj: EligibilityCheck) -> list[list[str]]:
        return [list(row) for row in date_rows(obj.dates)]

    @staticmethod
    def resolve_trace(obj: EligibilityCheck) -> list[dict]:
        return trace_rows(obj.trace)


class RmaOut(Schema):
    id: int
    number: str
    status: Status
    status_label: str
    reason: Reason
    customer: Ref
    unit: UnitRef
    organization_id: int | None
    requested_on: datetime.date
    sale_date: datetime.date
    rule: Rule | None
    remedies: list[Remedy]
    customer_choice: str
    resolution: str
    refund_due: datetime.date | None
    refund_state: str = Field(description="For a refund awaited: waiting_goods, on_time, at_risk or overdue.")
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_status_label(obj: Rma) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_rule(obj: Rma) -> str | None:
        return obj.eligibility.rule if obj.eligibility_id else None

    @staticmethod
    def resolve_remedies(obj: Rma) -> list[str]:
        return obj.eligibility.remedies if obj.eligibility_id else []

    @staticmethod
    def resolve_refund_state(obj: Rma) -> str:
        return rma_refund_state(obj) if obj.status == Status.AWAITING_REFUND else ""


class DecisionOut(Schema):
    resolution: Resolution
    rule: Rule
    message: str
    params: dict
    text: str
    dates: dict
    reason: str
    decided_at: datetime.datetime
    decided_by_id: int | None


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    action: str
    from_status: str
    to_status: str
    message: str
    params: dict
    text: str
    reason: str
    actor_id: int | None


class RmaDetailOut(RmaOut):
    description: str
    fault_id: int | None
    request_id: int | None
    distance_sale: bool
    delivered_on: datetime.date | None
    exclusion: str
    eligibility: CheckOut | None
    returned_on: datetime.date | None
    fault_finding: str
    goods_condition: str
    inspection_notes: str
    decision: DecisionOut | None
    refund_amount: Decimal | None
    refund_method: str
    refund_reference: str
    refunded_on: datetime.date | None
    new_unit: UnitRef | None
    exchanged_on: datetime.date | None
    old_unit_fate: str
    old_unit_note: str
    repair_request_id: int | None
    allowed_actions: list[RmaAction] = Field(description="Steps the caller may take now.")
    public_url: str = Field(description="The customer's link (office staff only; else empty).")

    @staticmethod
    def resolve_decision(obj: Rma) -> dict | None:
        if not obj.decided_at:
            return None
        return {
            "resolution": obj.resolution,
            "rule": obj.decision_rule,
            "message": obj.decision_message,
            "params": obj.decision_params,
            "text": obj.decision_text,
            "dates": obj.decision_dates,
            "reason": obj.decision_reason,
            "decided_at": obj.decided_at,
            "decided_by_id": obj.decided_by_id,
        }

    @staticmethod
    def resolve_allowed_actions(obj: Rma, context) -> list[str]:
        return rma_actions(context["request"].auth, obj)

    @staticmethod
    def resolve_public_url(obj: Rma, context) -> str:
        return services.public_url(obj) if user_has_role(context["request"].auth, OFFICE_ROLES) else ""


class ListQuery(Schema):
    view: text(20) = Field(
        "open", description="One of: " + ", ".join(VIEW_NAMES), json_schema_extra={"enum": list(VIEW_NAMES)}
    )
    q: text(100) = Field("", description="Number, serial number, phone (last digits) or customer name.")


class RmaIn(InputSchema):
    unit_id: Id
    reason: Reason
    description: text(4000, min_length=1)
    requested_on: Day | None = Field(None, description="Default: today.")
    sale_date: Day | None = Field(None, description="Default: the unit's warranty start (purchase, or exchange).")
    distance_sale: bool | None = Field(None, description="Default: bought online.")
    delivered_on: Day | None = None
    exclusion: Exclusion | None = None
    fault_id: Id | None = None
    request_id: Id | None = None
    organization_id: Id | None = Field(None, description="The service partner that receives and inspects the unit.")


class ReceiveIn(InputSchema):
    returned_on: Day | None = Field(None, description="Default: today.")


class InspectIn(InputSchema):
    fault_finding: FaultFinding
    goods_condition: GoodsCondition
    notes: text(4000) = ""
    fault_id: Id | None = None
    returned_on: Day | None = None


class DecideIn(InputSchema):
    resolution: Resolution
    reason: text(4000) = Field("", description="Required to refuse.")


class ChoiceIn(InputSchema):
    remedy: Remedy


class RefundIn(InputSchema):
    amount: Money
    method: RefundMethod
    reference: text(64) = ""
    refunded_on: Day | None = Field(None, description="Default: today.")
    old_unit_fate: OldUnitFate
    old_unit_note: text(300) = ""


class ExchangeIn(InputSchema):
    serial_number: text(64, min_length=1)
    exchanged_on: Day | None = Field(None, description="Default: today. The new unit's warranty starts then.")
    product_id: Id | None = Field(None, description="Default: the same product (another must be of its category).")
    old_unit_fate: OldUnitFate
    old_unit_note: text(300) = ""


class CancelIn(InputSchema):
    reason: text(4000, min_length=1)


class FactsIn(InputSchema):
    """The pure check: dates in, decision out (nothing is stored)."""

    sale_date: Day
    request_date: Day
    warranty_end: Day | None = None
    fault: bool = True
    no_reason: bool = False
    distance_sale: bool = False
    delivered_on: Day | None = None
    exclusion: Exclusion | None = None
    goods_intact: bool | None = None
    inspected: bool = False
    repairs_same_fault: int = Field(0, ge=0, le=1000)
    days_in_repair: int = Field(0, ge=0, le=36500)
    days_waiting_parts: int = Field(0, ge=0, le=36500)
    exchanged: bool = False
    policy_id: Id | None = Field(None, description="Default: China's defaults (the policy for every product).")


class EvaluationOut(Schema):
    rule: Rule
    rule_label: str
    message: str
    params: dict
    text: str
    remedies: list[Remedy]
    rules: list[Rule]
    provisional: bool
    dates: dict
    trace: list[dict]


class PolicyOut(Schema):
    id: int
    name: str
    display_name: str
    product_category_id: int | None
    return_days: int
    exchange_days: int
    repeat_repairs: int
    repair_days: int
    parts_wait_days: int
    extend_by_repair: bool
    no_reason_return: bool
    no_reason_days: int
    refund_days: int
    at_risk_days: int


def _days(default: int | None = None):
    return Field(default, ge=0, le=365)


class PolicyPatch(InputSchema):
    name: text(100, min_length=1) | None = None
    return_days: int | None = _days()
    exchange_days: int | None = _days()
    repeat_repairs: int | None = Field(None, ge=1, le=20)
    repair_days: int | None = _days()
    parts_wait_days: int | None = _days()
    extend_by_repair: bool | None = None
    no_reason_return: bool | None = None
    no_reason_days: int | None = _days()
    refund_days: int | None = _days()
    at_risk_days: int | None = _days()


class PolicyIn(PolicyPatch):
    name: text(100, min_length=1)
    product_category_id: Id


# --- helpers --------------------------------------------------------------------------------------------


def _ref(qs, pk, field: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed(fields={field: [_("Not found.")]})
    return obj


def _rma(request, rma_id: int) -> Rma:
    return rma_get_for(request.auth, rma_id)


# --- the worklist and filing -------------------------------------------------------------------------------


@router.get("", response={200: list[RmaOut], **ERRORS}, summary="The returns worklist", auth=api_roles(VIEW_ROLES))
def rma_list(request, query: Query[ListQuery]):
    """One view of the worklist (at most 200 rows): ``open``, ``check``, ``inspect``, ``decide``, ``refunds``
    (awaiting refund, most urgent first, each with its ``refund_state``), ``exchanges``, ``closed``, ``all``."""
    if query.view not in VIEWS:
        raise ValidationFailed(fields={"view": [_("Unknown view.")]})
    return rma_worklist(request.auth, view=query.view, q=query.q)


@router.post(
    "",
    response={201: RmaDetailOut, 200: RmaDetailOut, **ERRORS},
    summary="File a return/exchange",
    auth=api_roles(OFFICE_ROLES),
)
def rma_create_api(request, payload: RmaIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """A retry with the same ``Idempotency-Key`` returns the first RMA (200) instead of a copy."""
    user = request.auth
    data = payload.dict()
    unit = _ref(unit_list_for(user), data.pop("unit_id"), "unit_id")
    fault_id, request_id, org_id = data.pop("fault_id"), data.pop("request_id"), data.pop("organization_id")
    fault = _ref(fault_list(), fault_id, "fault_id") if fault_id else None
    sr = _ref(request_list_for(user), request_id, "request_id") if request_id else None
    org = (
        _ref(Organization.objects.filter(kind=OrganizationKind.PARTNER, is_active=True), org_id, "organization_id")
        if org_id
        else None
    )
    data["exclusion"] = data["exclusion"] or ""
    obj, created = idempotent_create(
        user=user,
        scope="rma.create",
        key=idempotency_key,
        payload=payload.dict(),
        model=Rma,
        create=lambda: services.rma_create(actor=user, unit=unit, fault=fault, request=sr, organization=org, **data),
    )
    return Reply(201 if created else 200, _rma(request, obj.pk))


@router.post(
    "/eligibility",
    response={200: EvaluationOut, **ERRORS},
    summary="Check 三包 eligibility (dates in, decision out)",
    auth=api_roles(OFFICE_ROLES),
)
def eligibility_evaluate(request, payload: FactsIn):
    """The pure check, for any dates and counts: nothing is stored. Useful to answer a customer on the phone."""
    data = payload.dict()
    policy_id = data.pop("policy_id")
    policy = (
        _ref(policy_list(), policy_id, "policy_id")
        if policy_id
        else policy_list().filter(product_category=None).first()
    )
    data["exclusion"] = data["exclusion"] or ""
    if data["request_date"] < data["sale_date"]:
        raise ValidationFailed(fields={"request_date": [_("The request cannot be before the sale.")]})
    if data["days_waiting_parts"] > data["days_in_repair"]:
        raise ValidationFailed(fields={"days_waiting_parts": [_("Part of the days in repair: not more.")]})
    decision = evaluate(Facts(**data), policy.terms() if policy else ReturnPolicy().terms())
    return {
        "rule": decision.rule,
        "rule_label": str(Rule(decision.rule).label),
        "message": decision.key,
        "params": decision.params,
        "text": render(decision.key, decision.params),
        "remedies": list(decision.remedies),
        "rules": list(decision.rules),
        "provisional": decision.provisional,
        "dates": decision.dates,
        "trace": trace_rows(decision.as_dict()["trace"]),
    }


# --- policies -------------------------------------------------------------------------------------------------


@router.get(
    "/policies", response={200: list[PolicyOut], **ERRORS}, summary="Return policies", auth=api_roles(POLICY_VIEW_ROLES)
)
def policy_list_api(request):
    return list(policy_list())


@router.post(
    "/policies",
    response={201: PolicyOut, **ERRORS},
    summary="Add a category's policy",
    auth=api_roles(POLICY_EDIT_ROLES),
)
def policy_create_api(request, payload: PolicyIn):
    data = payload.dict(exclude_unset=True)
    category = _ref(ProductCategory.objects.all(), data.pop("product_category_id"), "product_category_id")
    data = {k: v for k, v in data.items() if v is not None}
    return Reply(201, services.policy_create(actor=request.auth, product_category=category, **data))


@router.patch(
    "/policies/{int:policy_id}",
    response={200: PolicyOut, **ERRORS},
    summary="Change a policy",
    auth=api_roles(POLICY_EDIT_ROLES),
)
def policy_patch_api(request, policy_id: int, payload: PolicyPatch):
    """Send only the numbers to change; new checks use them, decisions already made keep theirs."""
    data = payload.dict(exclude_unset=True)
    for field, value in data.items():
        if value is None:
            raise ValidationFailed(fields={field: [_("This field cannot be empty.")]})
    return services.policy_update(actor=request.auth, policy=policy_get(policy_id), **data)


# --- one RMA ---------------------------------------------------------------------------------------------------


@router.get(
    "/{int:rma_id}", response={200: RmaDetailOut, **ERRORS}, summary="A return/exchange", auth=api_roles(VIEW_ROLES)
)
def rma_get(request, rma_id: int):
    return _rma(request, rma_id)


@router.get(
    "/{int:rma_id}/timeline",
    response={200: list[EventOut], **ERRORS},
    summary="Its timeline",
    auth=api_roles(VIEW_ROLES),
)
def rma_timeline_api(request, rma_id: int):
    return [
        {
            **{
                f: getattr(e, f)
                for f in ("at", "kind", "action", "from_status", "to_status", "message", "params", "reason")
            },
            "text": e.text,
            "actor_id": e.actor_id,
        }
        for e in rma_timeline(_rma(request, rma_id))
    ]


def _done(request, rma: Rma) -> Rma:
    return _rma(request, rma.pk)


@router.post(
    "/{int:rma_id}/check",
    response={200: RmaDetailOut, **ERRORS},
    summary="Check eligibility",
    auth=api_roles(OFFICE_ROLES),
)
def rma_check_api(request, rma_id: int):
    """Run the 三包 check on the claim: the rule, remedies and dates are kept on the RMA."""
    return _done(request, services.rma_check(actor=request.auth, rma=_rma(request, rma_id)))


@router.post(
    "/{int:rma_id}/receive",
    response={200: RmaDetailOut, **ERRORS},
    summary="Book the returned unit in",
    auth=api_roles(INSPECT_ROLES),
)
def rma_receive_api(request, rma_id: int, payload: ReceiveIn):
    return _done(
        request, services.rma_receive(actor=request.auth, rma=_rma(request, rma_id), returned_on=payload.returned_on)
    )


@router.post(
    "/{int:rma_id}/inspect",
    response={200: RmaDetailOut, **ERRORS},
    summary="Record the inspection",
    auth=api_roles(INSPECT_ROLES),
)
def rma_inspect_api(request, rma_id: int, payload: InspectIn):
    fault = _ref(fault_list(), payload.fault_id, "fault_id") if payload.fault_id else None
    rma = services.rma_inspect(
        actor=request.auth,
        rma=_rma(request, rma_id),
        fault_finding=payload.fault_finding,
        goods_condition=payload.goods_condition,
        notes=payload.notes,
        fault=fault,
        returned_on=payload.returned_on,
    )
    return _done(request, rma)


@router.post(
    "/{int:rma_id}/choice",
    response={200: RmaDetailOut, **ERRORS},
    summary="Record the customer's choice",
    auth=api_roles(OFFICE_ROLES),
)
def rma_choice_api(request, rma_id: int, payload: ChoiceIn):
    """What the customer chose among the remedies offered (told on the phone; on his link he chooses himself)."""
    return _done(
        request, services.rma_customer_choose(rma=_rma(request, rma_id), remedy=payload.remedy, actor=request.auth)
    )


@router.post(
    "/{int:rma_id}/decide", response={200: RmaDetailOut, **ERRORS}, summary="Decide", auth=api_roles(OFFICE_ROLES)
)
def rma_decide_api(request, rma_id: int, payload: DecideIn):
    """A remedy the rule allows, or ``refuse`` with a reason. The decision keeps the rule, its text and dates."""
    rma = services.rma_decide(
        actor=request.auth, rma=_rma(request, rma_id), resolution=payload.resolution, reason=payload.reason
    )
    return _done(request, rma)


@router.post(
    "/{int:rma_id}/refund",
    response={200: RmaDetailOut, **ERRORS},
    summary="Record the refund",
    auth=api_roles(OFFICE_ROLES),
)
def rma_refund_api(request, rma_id: int, payload: RefundIn):
    rma = services.rma_refund(actor=request.auth, rma=_rma(request, rma_id), **payload.dict())
    return _done(request, rma)


@router.post(
    "/{int:rma_id}/exchange",
    response={200: RmaDetailOut, **ERRORS},
    summary="Record the exchange",
    auth=api_roles(EXCHANGE_ROLES),
)
def rma_exchange_api(request, rma_id: int, payload: ExchangeIn):
    """Registers the new unit (warranty from the exchange day) and the old unit's fate."""
    rma = _rma(request, rma_id)
    data = payload.dict()
    product_id = data.pop("product_id")
    product = _ref(product_list(), product_id, "product_id") if product_id else None
    return _done(request, services.rma_exchange(actor=request.auth, rma=rma, product=product, **data))


@router.post(
    "/{int:rma_id}/cancel", response={200: RmaDetailOut, **ERRORS}, summary="Cancel", auth=api_roles(OFFICE_ROLES)
)
def rma_cancel_api(request, rma_id: int, payload: CancelIn):
    return _done(request, services.rma_cancel(actor=request.auth, rma=_rma(request, rma_id), reason=payload.reason))
