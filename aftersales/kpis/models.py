"""Facts and daily aggregates of the measures (see ``definitions``).

``KpiFact`` is one row's contribution to one measure (a request to the resolution rate, a visit
to first-time fix …): the day, the dimension values, numerator and denominator. It is the
ledger that makes the aggregates incremental: when a row changes, its facts are computed again
and only the difference is added to ``KpiDaily``.

``KpiDaily`` is the sum of the facts per day × measure × dimension values: what the dashboard
reads. "None" in a dimension is 0 (ids) or "" (codes), so the key is unique on every database.

``KpiMonthly`` / ``KpiMonthlyCube`` hold the same sums per month, for long periods.

``KpiPending`` lists the requests and complaints whose facts must be computed again (written in
the transaction that changed them; drained by the worker).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DIMENSION_FIELDS = ("region", "category", "channel", "service_type", "team", "technician", "agent", "partner")


class _Dims(models.Model):
    day = models.DateField(_("day"))
    kpi = models.CharField(_("measure"), max_length=32)
    region = models.BigIntegerField(_("region"), default=0)
    category = models.BigIntegerField(_("product category"), default=0)
    channel = models.CharField(_("channel"), max_length=16, default="", blank=True)
    service_type = models.CharField(_("service type"), max_length=16, default="", blank=True)
    team = models.BigIntegerField(_("team"), default=0)
    technician = models.BigIntegerField(_("technician"), default=0)
    agent = models.BigIntegerField(_("agent"), default=0)
    partner = models.BigIntegerField(_("partner"), default=0)
    num = models.BigIntegerField(_("numerator"), default=0)
    den = models.BigIntegerField(_("denominator"), default=0)

    class Meta:
        abstract = True


def ZERO_ROWS(name: str) -> models.Index:  # noqa: N802 - reads as a constant in Meta
    """The rows a delta brought to 0/0, found by day without reading the table (they are removed
    right after the delta, so this index stays nearly empty)."""
    return models.Index(fields=["day"], name=name, condition=models.Q(num=0, den=0))


class KpiFact(_Dims):
    """One source row's contribution to one measure."""

    source = models.PositiveSmallIntegerField(_("source"))
    subject = models.BigIntegerField(_("row"))
    request = models.BigIntegerField(_("service request"), null=True, blank=True)
    complaint = models.BigIntegerField(_("complaint"), null=True, blank=True)

    class Meta:
        verbose_name = _("measure fact")
        verbose_name_plural = _("measure facts")
        constraints = [models.UniqueConstraint(fields=["kpi", "source", "subject"], name="kpi_fact_subject")]
        indexes = [
            models.Index(fields=["request"], name="kpi_fact_request", condition=models.Q(request__isnull=False)),
            models.Index(fields=["complaint"], name="kpi_fact_complaint", condition=models.Q(complaint__isnull=False)),
        ]

    def __str__(self):
        return f"{self.kpi}:{self.source}:{self.subject}"


class KpiDaily(_Dims):
    """The facts of one day, one measure and one combination of dimension values, added up."""

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "day", *DIMENSION_FIELDS],
                name="kpi_daily_key",
            )
        ]
        indexes = [ZERO_ROWS("kpi_daily_zero")]

    def __str__(self):
        return f"{self.kpi} {self.day}: {self.num}/{self.den}"


CUBE_FIELDS = ("region", "category", "channel", "service_type", "partner")


class _CubeDims(models.Model):
    day = models.DateField(_("day"))
    kpi = models.CharField(_("measure"), max_length=32)
    region = models.BigIntegerField(_("region"), default=0)
    category = models.BigIntegerField(_("product category"), default=0)
    channel = models.CharField(_("channel"), max_length=16, default="", blank=True)
    service_type = models.CharField(_("service type"), max_length=16, default="", blank=True)
    partner = models.BigIntegerField(_("partner"), default=0)
    num = models.BigIntegerField(_("numerator"), default=0)
    den = models.BigIntegerField(_("denominator"), default=0)

    class Meta:
        abstract = True


class KpiDailyCube(_CubeDims):
    """``KpiDaily`` without the person dimensions (team, technician, agent): a few hundred rows a
    day instead of about one per request, so a year of cards, trends and the region / category /
    channel / service type / partner breakdowns adds up few rows. Kept by the same deltas."""

    class Meta:
        verbose_name = _("daily figure without people")
        verbose_name_plural = _("daily figures without people")
        constraints = [models.UniqueConstraint(fields=["kpi", "day", *CUBE_FIELDS], name="kpi_cube_key")]
        indexes = [ZERO_ROWS("kpi_cube_zero")]

    def __str__(self):
        return f"{self.kpi} {self.day}: {self.num}/{self.den}"


class KpiMonthly(_Dims):
    """``KpiDaily`` added up per month (``day`` is the month's first day): a year with a filter and
    a breakdown reads twelve months' rows instead of 365 days'. Valid for a measure and a month
    unless ``KpiMonthStale`` lists them; summed again from ``KpiDaily`` by ``kpi_months_settle``."""

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        constraints = [models.UniqueConstraint(fields=["kpi", "day", *DIMENSION_FIELDS], name="kpi_monthly_key")]

    def __str__(self):
        return f"{self.kpi} {self.day:%Y-%m}: {self.num}/{self.den}"


class KpiMonthlyCube(_CubeDims):
    """``KpiDailyCube`` added up per month, valid like ``KpiMonthly``."""

    class Meta:
        verbose_name = _("monthly figure without people")
        verbose_name_plural = _("monthly figures without people")
        constraints = [models.UniqueConstraint(fields=["kpi", "day", *CUBE_FIELDS], name="kpi_monthly_cube_key")]

    def __str__(self):
        return f"{self.kpi} {self.day:%Y-%m}: {self.num}/{self.den}"


class KpiMonthStale(models.Model):
    """A measure's month whose daily rows changed after its monthly rows were summed: read from the
    daily tables until ``kpi_months_settle`` sums it again (a month is settled once it has ended;
    the current month is read from the daily tables)."""

    pk = models.CompositePrimaryKey("kpi", "month")
    kpi = models.CharField(_("measure"), max_length=32)
    month = models.DateField(_("month"))
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)

    class Meta:
        verbose_name = _("month to sum again")
        verbose_name_plural = _("months to sum again")

    def __str__(self):
        return f"{self.kpi} {self.month:%Y-%m}"


class KpiDailyDim(models.Model):
    """The daily sums of one measure in total (``dim=""``) and per value of each single dimension
    (``dim="region"``, value "12"): what the unfiltered dashboard, and one filter, read — about
    1 + the number of values of each dimension a day, however many requests. Kept by the same
    deltas as ``KpiDaily``. ``value`` is the id or code as text ("0" / "": none)."""

    day = models.DateField(_("day"))
    kpi = models.CharField(_("measure"), max_length=32)
    dim = models.CharField(_("dimension"), max_length=16, blank=True)
    value = models.CharField(_("value"), max_length=32, blank=True)
    num = models.BigIntegerField(_("numerator"), default=0)
    den = models.BigIntegerField(_("denominator"), default=0)

    class Meta:
        verbose_name = _("daily total or one dimension")
        verbose_name_plural = _("daily totals and single dimensions")
        constraints = [models.UniqueConstraint(fields=["kpi", "dim", "value", "day"], name="kpi_dim_key")]
        indexes = [ZERO_ROWS("kpi_dim_zero")]

    def __str__(self):
        return f"{self.kpi} {self.dim}={self.value} {self.day}: {self.num}/{self.den}"


class KpiPending(models.Model):
    """A request or complaint whose facts are to be computed again."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Service request")
        COMPLAINT = "complaint", _("Complaint")

    pk = models.CompositePrimaryKey("kind", "subject")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.BigIntegerField()
    marked_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("pending measure refresh")
        verbose_name_plural = _("pending measure refreshes")

    def __str__(self):
        return f"{self.kind}:{self.subject}"
