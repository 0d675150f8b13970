"""Field-service vocabulary and the visit's lifecycle (R-FLD-1..5).

``VISIT_TRANSITIONS`` is the whole visit state machine; only ``services._common._move``
assigns ``Visit.status``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.states import Transition, transitions


class VisitStatus(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    DIAGNOSED = "diagnosed", _("Diagnosed")
    AWAITING_CONSENT = "awaiting_consent", _("Waiting for the customer's consent")
    WORKING = "working", _("Working")
    DONE = "done", _("Checked out")


class VisitStep(models.TextChoices):
    DIAGNOSE = "diagnose", _("Diagnose")
    QUOTE = "quote", _("Quote")
    CONSENT = "consent", _("Customer accepts the quote")
    DECLINE = "decline", _("Customer declines the quote")
    START_WORK = "start_work", _("Start the work")
    CONTINUE = "continue", _("Continue the earlier visit's accepted quote")
    CHECK_OUT = "check_out", _("Check out")


S = VisitStatus
# step -> statuses it may start from, and where it goes (applied with ``core.states.transition_apply``).
VISIT_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(VisitStep.DIAGNOSE, {S.ON_SITE, S.DIAGNOSED}, S.DIAGNOSED),
    Transition(VisitStep.QUOTE, {S.DIAGNOSED, S.AWAITING_CONSENT}, S.AWAITING_CONSENT),
    Transition(VisitStep.CONSENT, {S.AWAITING_CONSENT}, S.WORKING),
    Transition(VisitStep.DECLINE, {S.AWAITING_CONSENT}, S.DONE),
    Transition(VisitStep.START_WORK, {S.DIAGNOSED}, S.WORKING),
    Transition(VisitStep.CONTINUE, {S.ON_SITE}, S.WORKING),
    Transition(VisitStep.CHECK_OUT, {S.ON_SITE, S.DIAGNOSED, S.AWAITING_CONSENT, S.WORKING}, S.DONE),
)


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Repaired / done")
    SECOND_VISIT = "second_visit", _("Needs a second visit")
    QUOTE_DECLINED = "quote_declined", _("Customer declined the quote")


class SecondVisitReason(models.TextChoices):
    WAITING_PARTS = "waiting_parts", _("Waiting for parts")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")


class ChargeReason(models.TextChoices):
    NONE = "none", _("Nothing chargeable (warranty)")
    OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")
    CUSTOMER_DAMAGE = "customer_damage", _("Damage caused by use")
    EXTRA_ITEMS = "extra_items", _("Extra items the customer asked for")


class LineKind(models.TextChoices):
    PART = "part", _("Part")
    LABOUR = "labour", _("Labour")
    CALL_OUT = "call_out", _("Call-out fee")
    OTHER = "other", _("Other")


class QuoteStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Replaced by a new quote")


QUOTE_TRANSITIONS = transitions(
    Transition("accept", {QuoteStatus.PENDING}, QuoteStatus.ACCEPTED),
    Transition("decline", {QuoteStatus.PENDING}, QuoteStatus.DECLINED, reason_required=True),
    Transition("supersede", {QuoteStatus.PENDING}, QuoteStatus.SUPERSEDED),
)


class SignedVia(models.TextChoices):
    PHONE = "phone", _("On the technician's phone")
    LINK = "link", _("Through a link")
    LOGIN = "login", _("Electronically, when logged in")


class SignerRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    TECHNICIAN = "technician", _("Technician")


class SignaturePurpose(models.TextChoices):
    QUOTE = "quote", _("Quote consent")
    FORM = "form", _("Service form")


class OldPart(models.TextChoices):
    CUSTOMER_KEEPS = "customer_keeps", _("Customer keeps it")
    DISPOSED = "disposed", _("Disposed of")
    RETURNED = "returned", _("Returned to the defective store")


class CheckKind(models.TextChoices):
    TEST = "test", _("Function test")
    CARE = "care", _("Use and care explained")


class CheckResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "na", _("Not applicable")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CARD = "card", _("Bank card")
    INVOICE_LATER = "invoice_later", _("Invoice later")


class PhotoPhase(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class UnitFlagReason(models.TextChoices):
    SAME_FAULT_REPEATED = "same_fault", _("Same fault repaired twice in warranty and failing again")
    DAYS_IN_REPAIR = "days_in_repair", _("More than 30 days in repair in warranty")
