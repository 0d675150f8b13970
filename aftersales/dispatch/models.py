"""Technicians, dispatch policies, offers (who holds a job), appointments and day route plans (R-DSP-1..5)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory
from aftersales.core.models import ChoiceLabels, TimeStampedModel
from aftersales.customers.models import Region
from aftersales.sla.models import Calendar
from aftersales.tickets.choices import ServiceType
from aftersales.tickets.models import ServiceRequest

from .choices import (
    ACTIVE_OFFER_STATUSES,
    AbsenceReason,
    AppointmentStatus,
    AskedBy,
    DispatchMode,
    OfferStatus,
    OfferVia,
)


class TechnicianProfile(TimeStampedModel):
    """Dispatch facts about a technician (own company or partner); the organization is the user's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.CASCADE,
        related_name="technician_profile",
    )
    regions = models.ManyToManyField(Region, verbose_name=_("regions served"), blank=True, related_name="+")
    home_label = models.CharField(_("home base"), max_length=200, blank=True)
    home_latitude = models.DecimalField(
        _("home latitude"), max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    home_longitude = models.DecimalField(
        _("home longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("working calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Working days (holidays, make-up days). Empty: every day is a working day."),
    )
    shift_start = models.TimeField(_("shift starts"), default=dt.time(8, 30))
    shift_end = models.TimeField(_("shift ends"), default=dt.time(17, 30))
    break_earliest = models.TimeField(_("break not before"), default=dt.time(11, 30))
    break_latest = models.TimeField(_("break over by"), default=dt.time(14, 0))
    break_minutes = models.PositiveSmallIntegerField(
        _("break (minutes)"), default=60, validators=[MaxValueValidator(240)]
    )
    capacity_jobs = models.PositiveSmallIntegerField(
        _("jobs per day"), default=6, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    capacity_minutes = models.PositiveSmallIntegerField(
        _("on-site minutes per day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(1440)],
        help_text=_("Empty: limited by the shift only."),
    )
    rating = models.DecimalField(
        _("rating"),
        max_digits=3,
        decimal_places=2,
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 to 5."),
    )
    is_dispatchable = models.BooleanField(_("receives jobs"), default=True)

    class Meta:
        verbose_name = _("technician profile")
        verbose_name_plural = _("technician profiles")
        constraints = [
            models.CheckConstraint(condition=Q(shift_end__gt=models.F("shift_start")), name="tech_shift_order"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="tech_rating_range"),
            models.CheckConstraint(
                condition=Q(home_latitude__gte=-90, home_latitude__lte=90)
                & Q(home_longitude__gte=-180, home_longitude__lte=180),
                name="tech_home_range",
            ),
        ]

    def __str__(self):
        return self.user.display_name


def skill_label(service_type: str, category: ProductCategory | None, level: int) -> str:
    """A technician's skill in words, in the reader's language: "空调维修 · 高级",
    "Repair, 空调 · Expert"; without a category "全品类维修 · 初级" / "Repair, any product · Basic".
    The one way skills are shown (technicians list, profile page, admin)."""
    from django.utils.translation import gettext, pgettext

    service = str(ServiceType(service_type).label) if service_type in ServiceType.values else service_type
    if category is not None:
        what = pgettext("skill", "%(service)s, %(category)s") % {"service": service, "category": category.name}
    else:
        what = pgettext("skill", "%(service)s, any product") % {"service": service}
    levels = dict(TechnicianSkill.Level.choices)
    return gettext("%(skill)s · %(level)s") % {"skill": what, "level": levels.get(level, level)}


class TechnicianSkill(models.Model):
    """Can do ``service_type`` on products of ``category`` (empty: any category) at ``level`` 1–3."""

    class Level(models.IntegerChoices):
        BASIC = 1, pgettext_lazy("skill level", "Basic")
        SKILLED = 2, pgettext_lazy("skill level", "Skilled")
        EXPERT = 3, pgettext_lazy("skill level", "Expert")

    profile = models.ForeignKey(TechnicianProfile, on_delete=models.CASCADE, related_name="skills")
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every category."),
    )
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.SKILLED)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["service_type", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "category", "service_type"], name="tech_skill_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="tech_skill_level"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """In words: "空调维修 · 高级" (load ``category`` with the skill)."""
        return skill_label(self.service_type, self.category, self.level)


class TechnicianAbsence(models.Model):
    profile = models.ForeignKey(TechnicianProfile, on_delete=models.CASCADE, related_name="absences")
    start = models.DateField(_("from"))
    end = models.DateField(_("until (inclusive)"))
    reason = models.CharField(_("reason"), max_length=16, choices=AbsenceReason.choices, default=AbsenceReason.LEAVE)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="tech_absence_order")]
        indexes = [models.Index(fields=["profile", "start", "end"], name="tech_absence_span")]

    def __str__(self):
        return f"{self.start}–{self.end} {self.get_reason_display()}"


class DispatchPolicy(TimeStampedModel):
    """How jobs of a region and service type are dispatched; the most specific row wins (empty = any)."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service_type = models.CharField(
        _("service type"), max_length=16, choices=ServiceType.choices, null=True, blank=True
    )
    mode = models.CharField(_("mode"), max_length=8, choices=DispatchMode.choices, default=DispatchMode.SUGGEST)
    accept_minutes = models.PositiveSmallIntegerField(
        _("answer within (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text=_("An offer not accepted in time goes to the next candidate."),
    )

    class Meta:
        verbose_name = _("dispatch policy")
        verbose_name_plural = _("dispatch policies")
        ordering = ["region_id", "service_type"]

    def __str__(self):
        return f"{self.region or _('any region')} · {self.get_service_type_display() or _('any type')}: {self.mode}"


class DispatchOffer(ChoiceLabels, models.Model):
    """Who holds a job. A pending or accepted offer holds it; at most one per request (constraint)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="dispatch_offers")
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatch_offers",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    via = models.CharField(_("how"), max_length=10, choices=OfferVia.choices, default=OfferVia.DISPATCHER)
    score = models.JSONField(_("score"), default=dict, blank=True)
    override_reason = models.TextField(_("why not the top suggestion"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    expires_at = models.DateTimeField(_("answer by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("dispatch offer")
        verbose_name_plural = _("dispatch offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=[s.value for s in ACTIVE_OFFER_STATUSES]),
                name="dispatch_one_active_offer",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="dispatch_offer_due"),
            models.Index(fields=["technician", "status"], name="dispatch_offer_tech"),
            models.Index(fields=["request", "created_at"], name="dispatch_offer_request"),
        ]

    def __str__(self):
        return f"{self.request_id} → {self.technician_id or self.organization_id} ({self.status})"


class Appointment(ChoiceLabels, models.Model):
    """A visit window agreed with the customer. A move keeps the old row (status moved) and links the new one."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="appointments")
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.PROPOSED
    )
    agreed_with = models.CharField(
        _("agreed with"), max_length=100, blank=True, help_text=_("Who on the customer side.")
    )
    asked_by = models.CharField(_("asked by"), max_length=10, choices=AskedBy.choices, blank=True)
    named_technician = models.BooleanField(
        _("technician promised by name"),
        default=False,
        help_text=_("The customer was promised this technician: route optimisation never gives the visit to another."),
    )
    reason = models.TextField(_("reason"), blank=True)
    previous = models.OneToOneField(
        "self", verbose_name=_("moved from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="next"
    )
    departed_at = models.DateTimeField(_("technician left at"), null=True, blank=True)
    eta = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["window_start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")), name="appointment_window"),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=[AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED]),
                name="appointment_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["technician", "window_start"], name="appointment_tech_day"),
            models.Index(fields=["request", "created_at"], name="appointment_request"),
        ]

    def __str__(self):
        return f"{self.request_id} {self.window_start:%Y-%m-%d %H:%M} ({self.status})"


class RoutePlan(models.Model):
    """A technician's planned day, as last optimised. Times on stops are absolute."""

    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.CASCADE, related_name="route_plans"
    )
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("planned at"), default=timezone.now)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    method = models.CharField(_("method"), max_length=16, default="optimise")
    departure = models.DateTimeField(_("leaves home"), null=True, blank=True)
    return_at = models.DateTimeField(_("back home"), null=True, blank=True)
    break_start = models.DateTimeField(_("break from"), null=True, blank=True)
    break_end = models.DateTimeField(_("break until"), null=True, blank=True)
    break_after = models.PositiveSmallIntegerField(null=True, blank=True)
    travel_seconds = models.PositiveIntegerField(_("travel (seconds)"), default=0)
    travel_metres = models.PositiveIntegerField(_("travel (metres)"), default=0)
    return_travel_seconds = models.PositiveIntegerField(default=0)
    return_travel_metres = models.PositiveIntegerField(default=0)
    unplanned = models.JSONField(_("not in the plan"), default=list, blank=True)

    class Meta:
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")
        ordering = ["-day", "technician_id"]
        constraints = [models.UniqueConstraint(fields=["technician", "day"], name="route_plan_tech_day")]

    def __str__(self):
        return f"{self.technician_id} {self.day}"


class RouteStop(models.Model):
    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="stops")
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="route_stops")
    order = models.PositiveSmallIntegerField(_("order"))
    arrival = models.DateTimeField(_("arrives"))
    start = models.DateTimeField(_("starts work"))
    end = models.DateTimeField(_("ends work"))
    travel_seconds = models.PositiveIntegerField(_("travel (seconds)"), default=0)
    travel_metres = models.PositiveIntegerField(_("travel (metres)"), default=0)

    class Meta:
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="route_stop_order"),
            models.UniqueConstraint(fields=["plan", "request"], name="route_stop_request"),
        ]

    def __str__(self):
        return f"{self.plan_id}#{self.order} {self.request_id}"
