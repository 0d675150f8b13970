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

from .choices import CaseKind, CaseStatus


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
