"""Returns and exchanges (退换货, R-RET-1): the policies, the RMAs, their eligibility checks and timeline."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from aftersales.core.messages import known_name, render
from aftersales.core.models import ChoiceLabels, ImmutableModel

from .choices import (
    OPEN_STATUSES,
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
    Stage,
    Status,
)
from .eligibility import Terms

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2}
DEFAULT_POLICY_NAME = gettext_noop("China 三包 (default)")
POLICY_NAMES = (DEFAULT_POLICY_NAME,)


def _token() -> str:
    return secrets.token_urlsafe(32)


class ReturnPolicy(models.Model):
    """The numbers of the 三包 rules for a product category (none: every product). The most specific
    policy of a unit's category chain applies. Seeded with China's defaults (migration 0002)."""

    name = models.CharField(_("name"), max_length=100)
    product_category = models.ForeignKey(
        "catalog.ProductCategory",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every product without a policy of its own."),
    )
    return_days = models.PositiveSmallIntegerField(
        _("performance fault: return within (days)"), default=7, help_text=_("Return, exchange or repair.")
    )
    exchange_days = models.PositiveSmallIntegerField(
        _("performance fault: exchange within (days)"), default=15, help_text=_("Exchange or repair.")
    )
    repeat_repairs = models.PositiveSmallIntegerField(
        _("repairs of the same fault before exchange or return"), default=2
    )
    repair_days = models.PositiveSmallIntegerField(_("days in repair before exchange"), default=30)
    parts_wait_days = models.PositiveSmallIntegerField(_("days waiting for parts before exchange"), default=90)
    extend_by_repair = models.BooleanField(_("days in repair extend the 三包 period"), default=True)
    no_reason_return = models.BooleanField(_("7-day no-reason return for distance sales"), default=True)
    no_reason_days = models.PositiveSmallIntegerField(_("no-reason return within (days of receipt)"), default=7)
    refund_days = models.PositiveSmallIntegerField(_("refund within (days of receiving the return)"), default=7)
    at_risk_days = models.PositiveSmallIntegerField(_("refund at risk (days before due)"), default=2)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("return policy")
        verbose_name_plural = _("return policies")
        ordering = ["product_category__code", "id"]
        constraints = [
            # One policy per category, and one for every product (no category).
            models.UniqueConstraint(Coalesce(F("product_category"), Value(0)), name="ret_policy_one_per_category"),
            models.CheckConstraint(condition=Q(exchange_days__gte=F("return_days")), name="ret_policy_15_after_7"),
            models.CheckConstraint(condition=Q(repeat_repairs__gte=1), name="ret_policy_repeat_positive"),
            models.CheckConstraint(
                condition=Q(
                    return_days__lte=365,
                    exchange_days__lte=365,
                    repeat_repairs__lte=20,
                    repair_days__lte=365,
                    parts_wait_days__lte=365,
                    no_reason_days__lte=365,
                    refund_days__lte=365,
                    at_risk_days__lte=365,
                ),
                name="ret_policy_bounded",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return known_name(self.name, POLICY_NAMES)

    def terms(self) -> Terms:
        return Terms(
            return_days=self.return_days,
            exchange_days=self.exchange_days,
            repeat_repairs=self.repeat_repairs,
            repair_days=self.repair_days,
            parts_wait_days=self.parts_wait_days,
            extend_by_repair=self.extend_by_repair,
            no_reason_return=self.no_reason_return,
            no_reason_days=self.no_reason_days,
            refund_days=self.refund_days,
            at_risk_days=self.at_risk_days,
        )


class Rma(ChoiceLabels, models.Model):
    """A return / exchange case (RMA, 退换货单). Status changes only through ``services``."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    public_token = models.CharField(max_length=43, unique=True, editable=False, default=_token)

    unit = models.ForeignKey(
        "catalog.ProductUnit", verbose_name=_("product unit"), on_delete=models.PROTECT, related_name="rmas"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="rmas"
    )
    request = models.ForeignKey(
        "tickets.ServiceRequest",
        verbose_name=_("service request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rmas",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The service partner that receives and inspects the unit (empty: our own staff)."),
    )

    # The claim.
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    description = models.TextField(_("what the customer says"))
    fault = models.ForeignKey(
        "field.Fault", verbose_name=_("fault"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sale_date = models.DateField(
        _("sale date"), help_text=_("Of the exchange, for a unit given in exchange: its 三包 dates start again.")
    )
    requested_on = models.DateField(_("requested on"))
    distance_sale = models.BooleanField(_("distance sale"), default=False)
    delivered_on = models.DateField(_("goods received by the customer on"), null=True, blank=True)
    exclusion = models.CharField(
        _("excluded from no-reason return"), max_length=16, choices=Exclusion.choices, blank=True
    )

    # The latest eligibility check (its rule, remedies and dates are on the check).
    policy = models.ForeignKey(
        ReturnPolicy, verbose_name=_("policy"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    eligibility = models.ForeignKey(
        "EligibilityCheck", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    customer_choice = models.CharField(_("customer's choice"), max_length=12, choices=Remedy.choices, blank=True)
    customer_chose_at = models.DateTimeField(_("customer chose at"), null=True, blank=True)

    # Receipt and inspection.
    returned_on = models.DateField(_("returned unit received on"), null=True, blank=True)
    fault_finding = models.CharField(_("finding"), max_length=12, choices=FaultFinding.choices, blank=True)
    goods_condition = models.CharField(_("goods"), max_length=12, choices=GoodsCondition.choices, blank=True)
    inspection_notes = models.TextField(_("inspection notes"), blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        USER, verbose_name=_("inspected by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The decision: the rule that applied, its text (message key + params) and the dates it used.
    resolution = models.CharField(_("decision"), max_length=12, choices=Resolution.choices, blank=True)
    decision_rule = models.CharField(_("rule applied"), max_length=24, choices=Rule.choices, blank=True)
    decision_message = models.CharField(max_length=64, blank=True)
    decision_params = models.JSONField(default=dict, blank=True)
    decision_dates = models.JSONField(default=dict, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Refund.
    refund_due = models.DateField(_("refund due"), null=True, blank=True)
    refund_amount = models.DecimalField(_("refund amount"), null=True, blank=True, **MONEY)
    refund_method = models.CharField(_("refund method"), max_length=12, choices=RefundMethod.choices, blank=True)
    refund_reference = models.CharField(_("refund reference"), max_length=64, blank=True)
    refunded_on = models.DateField(_("refunded on"), null=True, blank=True)
    # The refund state staff were last reminded of ("at_risk", "overdue"): each is told once.
    refund_reminded = models.CharField(_("refund reminder sent"), max_length=12, blank=True)

    # Exchange.
    new_unit = models.OneToOneField(
        "catalog.ProductUnit",
        verbose_name=_("new unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rma_given",
    )
    exchanged_on = models.DateField(_("exchanged on"), null=True, blank=True)

    # The old unit, after a refund or an exchange; and the repair request after a "repair" decision.
    old_unit_fate = models.CharField(_("old unit"), max_length=16, choices=OldUnitFate.choices, blank=True)
    old_unit_note = models.CharField(_("note on the old unit"), max_length=300, blank=True)
    repair_request = models.ForeignKey(
        "tickets.ServiceRequest",
        verbose_name=_("repair request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("return / exchange")
        verbose_name_plural = _("returns and exchanges")
        indexes = [
            models.Index(fields=["status", "created_at", "id"], name="rma_status_created"),
            models.Index(fields=["created_at", "id"], name="rma_created"),
            # The refunds list: awaiting refund, by due date.
            models.Index(fields=["status", "refund_due"], name="rma_refund_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gt=0), name="rma_refund_positive"
            ),
            # One open RMA per unit (``rma_create`` locks the unit and says so with a 409).
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status__in=sorted(OPEN_STATUSES)), name="rma_one_open_per_unit"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("returns:detail", args=[self.pk])

    @property
    def decision_text(self) -> str:
        return render(self.decision_message, self.decision_params) if self.decision_message else ""


class EligibilityCheck(ImmutableModel):
    """One run of the 三包 check for an RMA: the facts and terms in, the decision out (never changed)."""

    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="checks")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(USER, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    policy = models.ForeignKey(ReturnPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+")
    terms = models.JSONField(default=dict)
    facts = models.JSONField(default=dict)
    rule = models.CharField(_("rule"), max_length=24, choices=Rule.choices)
    message = models.CharField(max_length=64)
    params = models.JSONField(default=dict)
    remedies = models.JSONField(default=list)
    rules = models.JSONField(default=list)
    provisional = models.BooleanField(default=True)
    dates = models.JSONField(default=dict)
    trace = models.JSONField(default=list)

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.rma_id} {self.rule}"

    @property
    def text(self) -> str:
        return render(self.message, self.params)

    def remedy_labels(self) -> list[str]:
        return [str(Remedy(r).label) for r in self.remedies if r in Remedy.values]


class RmaEvent(ImmutableModel):
    """One line of an RMA's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status change")
        RECEIVED = "received", _("Unit received")
        CHOSEN = "chosen", _("Customer's choice")

    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(USER, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=20, choices=RmaAction.choices, blank=True)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    message = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("RMA event")
        verbose_name_plural = _("RMA events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["rma", "at", "id"], name="rma_event_at")]

    def __str__(self):
        return f"{self.rma_id} {self.kind} {self.action}"

    @property
    def text(self) -> str:
        return render(self.message, self.params) if self.message else ""
