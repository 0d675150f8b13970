"""Returns and exchanges (退换货, R-RET-1): the vocabulary and the RMA lifecycle.

``TRANSITIONS`` is the whole state machine; only ``services`` applies it (through
``core.states.transition_apply``)::

    requested ─check→ checked ─inspect→ inspected ─decide→ awaiting refund ─refund→ refunded
                 ↺ check       ↺ inspect            ├────→ awaiting exchange ─exchange→ exchanged
                                                     ├────→ sent to repair
                                                     └────→ refused
    requested / checked / inspected ─cancel→ cancelled
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions


class Status(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CHECKED = "checked", _("Eligibility checked")
    INSPECTED = "inspected", _("Inspected")
    AWAITING_REFUND = "awaiting_refund", _("Awaiting refund")
    AWAITING_EXCHANGE = "awaiting_exchange", _("Awaiting exchange")
    REPAIR = "repair", _("Sent to repair")
    REFUNDED = "refunded", _("Refunded")
    EXCHANGED = "exchanged", _("Exchanged")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(
    {Status.REQUESTED, Status.CHECKED, Status.INSPECTED, Status.AWAITING_REFUND, Status.AWAITING_EXCHANGE}
)
CLOSED_STATUSES = frozenset(Status) - OPEN_STATUSES
# When the returned unit may be booked in as received (before or after the decision).
RECEIVE_STATUSES = frozenset({Status.CHECKED, Status.INSPECTED, Status.AWAITING_REFUND, Status.AWAITING_EXCHANGE})
# When the customer may tell us which remedy he wants (through his link).
CHOICE_STATUSES = frozenset({Status.REQUESTED, Status.CHECKED, Status.INSPECTED})


class Reason(models.TextChoices):
    FAULT = "fault", _("Performance fault")
    NO_REASON = "no_reason", _("No-reason return (distance sale)")


class Remedy(models.TextChoices):
    """What 三包 gives the customer; he chooses among those the rule allows."""

    RETURN = "return", _("Return with refund")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")


class Resolution(models.TextChoices):
    """The decision: one of the remedies, or a refusal."""

    RETURN = "return", _("Return with refund")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")
    REFUSE = "refuse", _("Refuse")


class Exclusion(models.TextChoices):
    """Goods without the 7-day no-reason return (消费者权益保护法 Art. 25)."""

    CUSTOM_MADE = "custom_made", _("Custom-made to the customer's order")
    PERISHABLE = "perishable", _("Fresh or perishable goods")
    DIGITAL = "digital", _("Downloaded, or unsealed audio-visual or software goods")
    PERIODICALS = "periodicals", _("Newspapers and periodicals delivered")
    CONFIRMED = "confirmed", _("Confirmed at purchase as not returnable by its nature")


class Rule(models.TextChoices):
    """The rules of the eligibility check (``eligibility.evaluate``), in the order they are tried."""

    NO_REASON_7D = "no_reason_7d", _("7-day no-reason return (distance sale)")
    FAULT_7D = "fault_7d", _("Performance fault within 7 days of sale")
    FAULT_15D = "fault_15d", _("Performance fault within 15 days of sale")
    REPEAT_FAULT = "repeat_fault", _("Same fault after two repairs")
    PARTS_WAIT = "parts_wait", _("Too long waiting for parts")
    REPAIR_TIME = "repair_time", _("Too long in repair")
    IN_PERIOD = "in_period", _("Repair within the 三包 period")
    # No remedy: why.
    OUT_OF_PERIOD = "out_of_period", _("Outside the 三包 period")
    NO_FAULT = "no_fault", _("No performance fault")
    NO_REASON_REFUSED = "no_reason_refused", _("No-reason return not available")


class FaultFinding(models.TextChoices):
    CONFIRMED = "confirmed", _("Performance fault confirmed")
    NOT_FOUND = "not_found", _("No performance fault found")


class GoodsCondition(models.TextChoices):
    INTACT = "intact", _("Goods intact (complete, unused, packaging kept)")
    NOT_INTACT = "not_intact", _("Goods not intact (used, damaged or incomplete)")


class Stage(models.TextChoices):
    CLAIM = "claim", _("On the customer's claim")
    INSPECTION = "inspection", _("After inspection")


class OldUnitFate(models.TextChoices):
    REFURBISH = "refurbish", _("Back to stock for refurbishing")
    MANUFACTURER = "manufacturer", _("Returned to the manufacturer")
    SCRAP = "scrap", _("Scrapped")
    OTHER = "other", _("Other")


class RefundMethod(models.TextChoices):
    ORIGINAL = "original", _("To the original payment")
    BANK = "bank", _("Bank transfer")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CASH = "cash", _("Cash")


class RefundState(models.TextChoices):
    WAITING_GOODS = "waiting_goods", _("Waiting for the returned unit")
    ON_TIME = "on_time", _("Due")
    AT_RISK = "at_risk", _("At risk")
    OVERDUE = "overdue", _("Overdue")


class RmaAction(models.TextChoices):
    CHECK = "check", _("Check eligibility")
    INSPECT = "inspect", _("Record inspection")
    DECIDE_RETURN = "decide_return", _("Decide: return with refund")
    DECIDE_EXCHANGE = "decide_exchange", _("Decide: exchange")
    DECIDE_REPAIR = "decide_repair", _("Decide: repair")
    REFUSE = "refuse", _("Refuse")
    REFUND = "refund", _("Record refund")
    EXCHANGE = "exchange", _("Record exchange")
    CANCEL = "cancel", _("Cancel")


DECIDE_ACTIONS = {
    Resolution.RETURN: RmaAction.DECIDE_RETURN,
    Resolution.EXCHANGE: RmaAction.DECIDE_EXCHANGE,
    Resolution.REPAIR: RmaAction.DECIDE_REPAIR,
    Resolution.REFUSE: RmaAction.REFUSE,
}

# Office staff (agents, managers) run the case; parts clerks and partner staff receive and inspect the unit.
OFFICE = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})
INSPECTORS = OFFICE | {Role.PARTS_CLERK, Role.PARTNER}
S = Status

TRANSITIONS: dict[str, Transition] = transitions(
    Transition(RmaAction.CHECK, {S.REQUESTED, S.CHECKED}, S.CHECKED, OFFICE),
    Transition(RmaAction.INSPECT, {S.CHECKED, S.INSPECTED}, S.INSPECTED, INSPECTORS),
    Transition(RmaAction.DECIDE_RETURN, {S.INSPECTED}, S.AWAITING_REFUND, OFFICE),
    Transition(RmaAction.DECIDE_EXCHANGE, {S.INSPECTED}, S.AWAITING_EXCHANGE, OFFICE),
    Transition(RmaAction.DECIDE_REPAIR, {S.INSPECTED}, S.REPAIR, OFFICE),
    Transition(RmaAction.REFUSE, {S.CHECKED, S.INSPECTED}, S.REFUSED, OFFICE, reason_required=True),
    Transition(RmaAction.REFUND, {S.AWAITING_REFUND}, S.REFUNDED, OFFICE),
    Transition(RmaAction.EXCHANGE, {S.AWAITING_EXCHANGE}, S.EXCHANGED, OFFICE | {Role.PARTS_CLERK}),
    Transition(RmaAction.CANCEL, {S.REQUESTED, S.CHECKED, S.INSPECTED}, S.CANCELLED, OFFICE, reason_required=True),
)
