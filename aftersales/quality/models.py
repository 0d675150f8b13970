"""Quality management (R-QA-1..4). The case library: good and bad cases with their lessons,
linked to service requests and complaints, tagged and searchable in Chinese."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.complaints.models import Complaint
from aftersales.core.models import TimeStampedModel
from aftersales.tickets.models import ServiceRequest

from .choices import CaseKind, CaseStatus, CorrectiveStatus, InspectionMethod, InspectionStatus


class Case(TimeStampedModel):
    """One case of the library. Status changes only through ``services`` (``CASE_TRANSITIONS``).
    A case made from a complaint carries its lessons, never the complainant's identity."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=CaseKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    summary = models.TextField(_("what happened"))
    analysis = models.TextField(_("analysis"), blank=True)
    lessons = models.TextField(_("lessons"))
    # Normalised: lower case, de-duplicated, separated by single commas (",a,b," for exact matching).
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_cases",
    )
    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_case",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=CaseKind.values), name="quality_case_kind_valid"),
            models.CheckConstraint(condition=models.Q(status__in=CaseStatus.values), name="quality_case_status_valid"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("quality:case_detail", args=[self.pk])

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class ChecklistTemplate(TimeStampedModel):
    """A checklist of norms an inspection checks (the default: seed 001 §3.4)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self):
        from .defaults import DEFAULT_TEMPLATE_NAME

        return str(DEFAULT_TEMPLATE_NAME) if self.code == "default" else self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("norm"), max_length=200)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="quality_item_code_unique")]

    def __str__(self):
        from .defaults import DEFAULT_NORMS

        return str(DEFAULT_NORMS.get(self.code, self.text))


class SamplingRate(models.Model):
    """The share of a technician's completed jobs sampled for inspection (no technician: everybody
    else's rate)."""

    technician = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rate_percent = models.PositiveSmallIntegerField(_("sampling rate (%)"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(rate_percent__lte=100), name="quality_rate_max_100"),
        ]


class Inspection(TimeStampedModel):
    """An inspection of one job (a visit) against a checklist, by call or on site. Status changes
    only through ``services`` (``INSPECTION_TRANSITIONS``)."""

    visit = models.ForeignKey("field.Visit", verbose_name=_("visit"), on_delete=models.PROTECT, related_name="+")
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT)
    sampled = models.BooleanField(_("randomly sampled"), default=False)
    method = models.CharField(_("method"), max_length=8, choices=InspectionMethod.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    passed_count = models.PositiveSmallIntegerField(default=0)
    item_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["technician", "status"])]

    def __str__(self):
        """The inspected visit's service form number (a notification's link shows it)."""
        return self.visit.number

    def get_absolute_url(self):
        return reverse("quality:inspection_detail", args=[self.pk])

    @property
    def compliance(self):
        return None if not self.item_count else round(100 * self.passed_count / self.item_count)


class InspectionResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["item__position", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="quality_result_once")]


class CorrectiveAction(TimeStampedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("corrective action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=8, choices=CorrectiveStatus.choices, default=CorrectiveStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
