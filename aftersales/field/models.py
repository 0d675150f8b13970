"""Field service (上门服务): the visit and its service form (服务单) (R-FLD-1..5).

A ``Visit`` is one trip to the customer and carries the service form's number. Its parts
are the diagnosis (against a configurable fault tree), the quote and the customer's
consent, the parts used (booked through ``parts.services.part_consume``), before/after
photos, the function-test and care checklist, the signatures and the payments. The form
is complete by construction: ``services.visit_check_out`` refuses to close a visit that
misses a required part, so every closed visit prints a complete form.

Money is Decimal (CNY); signatures are PNG files kept beside the attachments and only
served through checked views.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import ChoiceLabels, ImmutableModel, TimeStampedModel

from .choices import (
    ChargeReason,
    CheckKind,
    CheckResult,
    LineKind,
    OldPart,
    Outcome,
    PaymentMethod,
    PhotoPhase,
    QuoteStatus,
    SignaturePurpose,
    SignedVia,
    SignerRole,
    UnitFlagReason,
    VisitStatus,
)

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2}


# --- configuration: fault tree and checklists -------------------------------------------------


class FaultCategory(models.Model):
    """Top of the fault tree (e.g. 制冷 / 电气 / 外观), optionally for one product category."""

    product_category = models.ForeignKey(
        "catalog.ProductCategory",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: for every product."),
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fault category")
        verbose_name_plural = _("fault categories")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class Fault(models.Model):
    category = models.ForeignKey(
        FaultCategory, verbose_name=_("fault category"), on_delete=models.CASCADE, related_name="faults"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fault")
        verbose_name_plural = _("faults")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class FaultCause(models.Model):
    fault = models.ForeignKey(Fault, verbose_name=_("fault"), on_delete=models.CASCADE, related_name="causes")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    solution_hint = models.CharField(_("usual solution"), max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fault cause")
        verbose_name_plural = _("fault causes")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class FunctionCheck(ChoiceLabels, models.Model):
    """One line of the function-test or use-and-care checklist of a product category."""

    product_category = models.ForeignKey(
        "catalog.ProductCategory",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: for every product."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=CheckKind.choices, default=CheckKind.TEST)
    text = models.CharField(_("check"), max_length=200)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("function check")
        verbose_name_plural = _("function checks")
        ordering = ["kind", "sort", "id"]

    def __str__(self):
        return self.text


# --- the visit ---------------------------------------------------------------------------------


class Visit(TimeStampedModel):
    number = models.CharField(_("service form number"), max_length=24, unique=True)
    request = models.ForeignKey(
        "tickets.ServiceRequest", verbose_name=_("service request"), on_delete=models.PROTECT, related_name="visits"
    )
    sequence = models.PositiveSmallIntegerField(_("visit number"), default=1)
    technician = models.ForeignKey(USER, verbose_name=_("technician"), on_delete=models.PROTECT, related_name="visits")
    appointment = models.ForeignKey(
        "dispatch.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    status = models.CharField(_("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.ON_SITE)
    in_warranty = models.BooleanField(_("in warranty"), default=False)
    # check-in
    checked_in_at = models.DateTimeField(_("checked in at"))
    check_in_lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    check_in_lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # diagnosis
    fault = models.ForeignKey(Fault, verbose_name=_("fault"), null=True, blank=True, on_delete=models.PROTECT)
    fault_cause = models.ForeignKey(
        FaultCause, verbose_name=_("cause"), null=True, blank=True, on_delete=models.PROTECT
    )
    inspection_result = models.TextField(_("inspection result"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    charge_reason = models.CharField(
        _("chargeable because"), max_length=16, choices=ChargeReason.choices, default=ChargeReason.NONE
    )
    diagnosed_at = models.DateTimeField(_("diagnosed at"), null=True, blank=True)
    work_started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    # test, care
    tested_at = models.DateTimeField(_("tested at"), null=True, blank=True)
    care_instructions = models.TextField(_("use and care explained"), blank=True)
    # check-out
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("reason"), blank=True)
    first_time_fix = models.BooleanField(_("fixed on the first visit"), null=True, blank=True)
    customer_total = models.DecimalField(_("customer pays"), default=0, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    public_token = models.CharField(max_length=43, unique=True, editable=False)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-checked_in_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "sequence"], name="visit_sequence_unique"),
            models.UniqueConstraint(
                fields=["request"], condition=~Q(status=VisitStatus.DONE), name="visit_one_open_per_request"
            ),
            models.CheckConstraint(condition=Q(customer_total__gte=0), name="visit_total_not_negative"),
        ]
        indexes = [models.Index(fields=["technician", "status"]), models.Index(fields=["fault", "checked_out_at"])]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != VisitStatus.DONE


class Quote(TimeStampedModel):
    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="quotes")
    status = models.CharField(_("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.PENDING)
    charge_reason = models.CharField(_("chargeable because"), max_length=16, choices=ChargeReason.choices)
    subtotal = models.DecimalField(_("list price"), default=0, **MONEY)
    covered = models.DecimalField(_("covered by warranty"), default=0, **MONEY)
    total = models.DecimalField(_("customer pays"), default=0, **MONEY)
    token = models.CharField(max_length=43, unique=True, editable=False)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(status__in=[QuoteStatus.PENDING, QuoteStatus.ACCEPTED]),
                name="quote_one_live_per_visit",
            ),
            models.CheckConstraint(condition=Q(total__gte=0) & Q(covered__gte=0), name="quote_money_not_negative"),
        ]

    def __str__(self):
        return f"{self.visit.number} · {self.total}"


class QuoteLine(ChoiceLabels, models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    part = models.ForeignKey(
        "parts.Part", verbose_name=_("part"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    covered = models.BooleanField(_("covered by warranty"), default=False)
    customer_amount = models.DecimalField(_("customer pays"), **MONEY)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_price_not_negative"),
        ]


class Signature(ImmutableModel):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="signatures")
    quote = models.ForeignKey(Quote, null=True, blank=True, on_delete=models.CASCADE, related_name="signatures")
    purpose = models.CharField(_("purpose"), max_length=8, choices=SignaturePurpose.choices)
    role = models.CharField(_("signed by"), max_length=12, choices=SignerRole.choices)
    signer_name = models.CharField(_("name"), max_length=100)
    image = models.FileField(upload_to="signatures/%Y/%m/", blank=True)
    via = models.CharField(_("signed"), max_length=8, choices=SignedVia.choices)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]


class VisitPart(ChoiceLabels, models.Model):
    """A part used on the visit: the stock move is the parts app's ``Consumption``."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="parts_used")
    consumption = models.OneToOneField("parts.Consumption", on_delete=models.PROTECT, related_name="visit_part")
    old_part = models.CharField(_("old part"), max_length=16, choices=OldPart.choices)
    old_serial = models.CharField(_("old part's serial"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["created_at", "id"]


class VisitPhoto(ChoiceLabels, models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    attachment = models.OneToOneField("tickets.Attachment", on_delete=models.CASCADE, related_name="visit_photo")
    phase = models.CharField(_("phase"), max_length=8, choices=PhotoPhase.choices)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["id"]


class CheckRecord(ChoiceLabels, models.Model):
    """A function-test / care line as done on the visit (the check's text is kept as it was)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="checks")
    check_item = models.ForeignKey(FunctionCheck, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=CheckKind.choices)
    text = models.CharField(_("check"), max_length=200)
    result = models.CharField(_("result"), max_length=4, choices=CheckResult.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "check_item"], name="check_once_per_visit")]


class Payment(ImmutableModel):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="payments")
    receipt_number = models.CharField(_("receipt number"), max_length=24, unique=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    method = models.CharField(_("payment method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    received_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["received_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self):
        return self.receipt_number


class UnitFlag(ChoiceLabels, models.Model):
    """A unit that became eligible for exchange or refund under 三包 (for the returns capability)."""

    unit = models.ForeignKey("catalog.ProductUnit", on_delete=models.PROTECT, related_name="sanbao_flags")
    reason = models.CharField(_("reason"), max_length=16, choices=UnitFlagReason.choices)
    visit = models.ForeignKey(Visit, null=True, on_delete=models.SET_NULL, related_name="+")
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)

    class Meta:
        verbose_name = _("exchange or refund flag")
        verbose_name_plural = _("exchange or refund flags")
        ordering = ["-flagged_at"]
        constraints = [models.UniqueConstraint(fields=["unit", "reason"], name="unit_flag_once")]

    @property
    def detail(self) -> str:
        """The reason in the reader's language, from the facts kept when the unit was flagged."""
        from django.utils.translation import gettext

        if self.reason == UnitFlagReason.SAME_FAULT_REPEATED:
            return gettext("%(fault)s repaired %(n)s times in warranty and failing again.") % {
                "fault": self.facts.get("fault", ""),
                "n": self.facts.get("repairs", ""),
            }
        return gettext("%(days)s days in repair in warranty.") % {"days": self.facts.get("days", "")}
