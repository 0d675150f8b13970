"""Scorecards (R-KPI-3), improvement plans (R-QA-3) and the monthly management report.

Every figure here is read from the measures (``kpis.selectors.kpi_value``) by the services and
stored when it must not change any more: an approved run keeps each person's values and points,
a plan keeps the baseline measured when it started and the value measured after it was done, a
report keeps its content and its files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.complaints.models import Complaint
from aftersales.core.models import ChoiceLabels, TimeStampedModel
from aftersales.quality.models import Inspection

from .choices import Method, PlanOrigin, PlanStatus, ReportStatus, RunStatus, SchemeRole


class Scheme(TimeStampedModel):
    """A weighted scorecard for one role: lines of (measure, weight, how a value maps to points)
    whose weights add up to 100 %."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    role = models.CharField(_("assesses"), max_length=16, choices=SchemeRole.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scorecard scheme")
        verbose_name_plural = _("scorecard schemes")
        ordering = ["role", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=SchemeRole.values), name="mgmt_scheme_role_valid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("management:scheme_detail", args=[self.pk])


class SchemeLine(ChoiceLabels, models.Model):
    """One line of a scheme. ``linear``: 0 points at the floor (or worse), all of the weight at the
    target (or better), in proportion between; ``threshold``: all or nothing at the target. For a
    measure where lower is better the floor lies above the target."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="lines", verbose_name=_("scheme"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kpi = models.CharField(_("measure"), max_length=32)
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    method = models.CharField(_("scoring"), max_length=12, choices=Method.choices, default=Method.LINEAR)
    floor = models.DecimalField(_("floor"), max_digits=10, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("scheme line")
        verbose_name_plural = _("scheme lines")
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1, weight__lte=100), name="mgmt_line_weight_range"),
            models.CheckConstraint(condition=models.Q(method__in=Method.values), name="mgmt_line_method_valid"),
            models.UniqueConstraint(fields=["scheme", "kpi"], name="mgmt_line_kpi_once"),
        ]

    def __str__(self):
        return f"{self.kpi} {self.weight}%"


class Run(TimeStampedModel):
    """A monthly assessment: one scheme, one month. ``lines`` is the scheme as it was computed
    (kept, so editing the scheme later changes no run). A draft may be computed again; an
    approved run never is."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="runs", verbose_name=_("scheme"))
    month = models.DateField(_("month"))  # the first day of the month
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.DRAFT)
    lines = models.JSONField(_("lines"), default=list)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["-month", "scheme__role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "month"], name="mgmt_run_scheme_month"),
            models.CheckConstraint(condition=models.Q(status__in=RunStatus.values), name="mgmt_run_status_valid"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="mgmt_run_month_first_day"),
        ]

    def __str__(self):
        return f"{self.scheme} {self.month:%Y-%m}"

    def get_absolute_url(self):
        return reverse("management:run_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status == RunStatus.APPROVED


class Score(models.Model):
    """One person's result in a run: the total (0–100, None without any figure) and, per line, the
    measured numerator, denominator, value and points (``parts``)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="scores", verbose_name=_("run"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    parts = models.JSONField(_("lines"), default=list)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["run", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="mgmt_score_run_person")]
        indexes = [models.Index(fields=["person", "run"], name="mgmt_score_person")]

    def __str__(self):
        return f"{self.run}: {self.person_id} {self.total}"


class Plan(TimeStampedModel):
    """An improvement plan (R-QA-3): the problem, what will be done, by whom and when, and the
    measure it should move (with its filters). The baseline is measured when the plan starts
    (``period_days`` before it), the after value once the same length has passed after it was
    done; both by the system, never typed."""

    problem = models.TextField(_("problem"))
    measure = models.TextField(_("what will be done"))
    department = models.CharField(_("department"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    kpi = models.CharField(_("measure to move"), max_length=32)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    period_days = models.PositiveSmallIntegerField(_("comparison period (days)"), default=30)
    origin = models.CharField(_("raised from"), max_length=12, choices=PlanOrigin.choices, default=PlanOrigin.MANUAL)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("complaint")
    )
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("inspection")
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    baseline_num = models.BigIntegerField(null=True, blank=True)
    baseline_den = models.BigIntegerField(null=True, blank=True)
    baseline_value = models.FloatField(_("baseline"), null=True, blank=True)
    after_num = models.BigIntegerField(null=True, blank=True)
    after_den = models.BigIntegerField(null=True, blank=True)
    after_value = models.FloatField(_("after"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=PlanStatus.values), name="mgmt_plan_status_valid"),
            models.CheckConstraint(condition=models.Q(origin__in=PlanOrigin.values), name="mgmt_plan_origin_valid"),
            models.CheckConstraint(
                condition=models.Q(period_days__gte=7, period_days__lte=365), name="mgmt_plan_period_range"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="mgmt_plan_status_deadline")]

    def __str__(self):
        return self.problem[:60]

    def get_absolute_url(self):
        return reverse("management:plan_detail", args=[self.pk])


class Report(TimeStampedModel):
    """A monthly management report, made by the worker (``status``, ``progress`` in %), kept with
    its content and its PDF and Excel files."""

    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    content = models.JSONField(_("content"), default=dict, blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    xlsx = models.BinaryField(_("Excel"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("management report")
        verbose_name_plural = _("management reports")
        ordering = ["-month", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ReportStatus.values), name="mgmt_report_status_valid"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="mgmt_report_progress_range"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="mgmt_report_month_first_day"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}"

    def get_absolute_url(self):
        return reverse("management:report_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)

    @property
    def error_text(self) -> str:
        """The failure as the reader should see it: the worker's own error, or (``stalled``) why
        the report was given up, in the reader's language."""
        if self.error == "stalled":
            return str(_("The worker stopped while making it (restarted or out of memory)."))
        return self.error
