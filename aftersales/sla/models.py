"""Service standards (R-SLA-1..4): business calendars, policies (rules) and clocks."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory
from aftersales.core.models import TimeStampedModel
from aftersales.customers.choices import CustomerTier, RegionClass
from aftersales.tickets.choices import Channel, Priority, ServiceType, Status
from aftersales.tickets.models import ServiceRequest


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    APPOINTMENT_CONTACT = "appointment_contact", _("Appointment contact")
    ARRIVAL = "arrival", _("On-site arrival")
    RESOLUTION = "resolution", _("Resolution")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Stopped: request cancelled")


def default_pause_statuses() -> list[str]:
    return [Status.WAITING_CUSTOMER.value]


class Calendar(TimeStampedModel):
    """A business calendar: weekly hours plus per-date overrides, in one time zone."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    is_24x7 = models.BooleanField(_("24×7"), default=False, help_text=_("Every hour of every day counts."))
    is_default = models.BooleanField(
        _("default calendar"), default=False, help_text=_("Used by rules that name no calendar.")
    )
    make_up_weekday = models.PositiveSmallIntegerField(
        _("make-up days work like"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("A make-up working day (调休) without its own hours uses this weekday's hours."),
    )
    revision = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Bumped on every change; keys the in-memory cache.")
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_one_default_calendar"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language while it is still the seeded default."""
        from .defaults import calendar_name

        return calendar_name(self.name)


class _Period(models.Model):
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class WorkingPeriod(_Period):
    """One shift of a weekday; several rows per weekday make split shifts."""

    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")) | Q(end=datetime.time(0)), name="sla_period_order"
            ),
        ]


class CalendarDay(TimeStampedModel):
    """A date that differs from the weekly pattern: a holiday or a (make-up) working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKDAY = "workday", _("Working day (e.g. make-up day 调休)")

    class Source(models.TextChoices):
        STATUTORY = "statutory", _("Statutory (seeded)")
        MANUAL = "manual", _("Entered by hand")

    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    follow_weekday = models.PositiveSmallIntegerField(
        _("hours like"),
        choices=Weekday.choices,
        null=True,
        blank=True,
        help_text=_("A working day without its own hours works like this weekday (default: the calendar's)."),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_calendar_day_unique")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class CalendarDayPeriod(_Period):
    """Explicit hours of one working day (replace the weekday pattern)."""

    day = models.ForeignKey(CalendarDay, verbose_name=_("day"), on_delete=models.CASCADE, related_name="periods")

    class Meta:
        verbose_name = _("hours of the day")
        verbose_name_plural = _("hours of the day")
        ordering = ["day", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")) | Q(end=datetime.time(0)), name="sla_day_period_order"
            ),
        ]


class SlaPolicy(TimeStampedModel):
    """A rule: criteria (empty = any) and the targets it sets (empty = not set here).

    For each target the most specific active rule that sets it wins: most non-empty
    criteria first, then the lower ``precedence``, then the lower id.
    """

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    precedence = models.PositiveIntegerField(
        _("precedence"), default=100, help_text=_("Among equally specific rules, the lower number wins.")
    )
    service_type = models.CharField(
        _("service type"), max_length=16, choices=ServiceType.choices, null=True, blank=True
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, null=True, blank=True)
    customer_tier = models.PositiveSmallIntegerField(
        _("customer tier"), choices=CustomerTier.choices, null=True, blank=True
    )
    region_class = models.CharField(_("region class"), max_length=8, choices=RegionClass.choices, null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, null=True, blank=True)
    product_category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text=_("For targets on business time; empty = the default calendar."),
    )
    first_response = models.DurationField(_("first response within"), null=True, blank=True)
    first_response_business = models.BooleanField(_("first response on business time"), default=False)
    appointment_contact = models.DurationField(_("appointment contact within"), null=True, blank=True)
    appointment_contact_business = models.BooleanField(_("appointment contact on business time"), default=False)
    arrival = models.DurationField(_("on site within"), null=True, blank=True)
    arrival_business = models.BooleanField(_("arrival on business time"), default=False)
    resolution = models.DurationField(_("resolved within"), null=True, blank=True)
    resolution_business = models.BooleanField(_("resolution on business time"), default=False)
    pause_statuses = models.JSONField(
        _("pause in statuses"),
        default=default_pause_statuses,
        blank=True,
        help_text=_("Clocks stop counting while the request is in one of these statuses."),
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at % of target"), default=80, help_text=_("A warning is due when this share of the target is used.")
    )

    class Meta:
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        ordering = ["precedence", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1) & Q(warning_percent__lte=100), name="sla_policy_warning_percent"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language when it is still a seeded default."""
        from .defaults import rule_name

        return rule_name(self.name)


class ComplaintCategory(models.Model):
    """Complaint reply deadlines by category (R-SLA-1, seed 002); used by complaints."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    reply_hours = models.PositiveIntegerField(_("reply within (hours)"))
    business_time = models.BooleanField(_("on business time"), default=False)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["reply_hours", "code"]

    def __str__(self):
        return self.name


class FollowUpWindow(models.Model):
    """When the follow-up call is due after completion (R-SLA-1, seed 001 §3.6.1)."""

    service_type = models.CharField(
        _("service type"),
        max_length=16,
        choices=ServiceType.choices,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Empty = every service type without its own row."),
    )
    earliest_hours = models.PositiveIntegerField(_("not before (hours)"), default=24)
    latest_hours = models.PositiveIntegerField(_("not later than (hours)"), default=72)

    class Meta:
        verbose_name = _("follow-up window")
        verbose_name_plural = _("follow-up windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_hours__gte=models.F("earliest_hours")), name="sla_followup_window_order"
            )
        ]

    def __str__(self):
        return f"{self.earliest_hours}–{self.latest_hours} h"


class SlaClock(models.Model):
    """One target of one request, as last computed from its status history.

    Written only by ``services.sla_refresh``; the escalation sweep claims rows with
    conditional updates on ``warned_at`` / ``escalated_at`` / ``escalation_level``.
    """

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="sla_clocks"
    )
    kind = models.CharField(_("target"), max_length=24, choices=TargetKind.choices)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("rule"), null=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    # Why this rule: stored messages, shown in the reader's language (rules.reason_text).
    policy_why = models.JSONField(_("why this rule"), default=list, blank=True)
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty = 24×7."),
    )
    target_seconds = models.PositiveIntegerField(_("target (seconds)"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warning_at = models.DateTimeField(_("warning at"))
    paused_seconds = models.PositiveIntegerField(_("paused (seconds)"), default=0)
    remaining_seconds = models.IntegerField(
        _("time left when computed (seconds)"), default=0, help_text=_("Business time; frozen while paused.")
    )
    state = models.CharField(_("state"), max_length=10, choices=ClockState.choices)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    breach_by_seconds = models.PositiveIntegerField(_("breached by (seconds)"), default=0)
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1, help_text=_("Restarts after a reopen."))
    pauses = models.JSONField(_("pauses"), default=list, blank=True)
    history = models.JSONField(_("earlier cycles"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    # Escalation bookkeeping (owned by the escalation sweep; kept across recomputes).
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    warn_at = models.DateTimeField(
        _("warning pending at"),
        null=True,
        blank=True,
        help_text=_("The warning time while a warning is still to be sent; empty otherwise (the sweep's work list)."),
    )
    escalation_anchor_at = models.DateTimeField(
        _("escalation counted from"),
        null=True,
        blank=True,
        help_text=_("The breach the escalation delays count from; kept while the clock stays breached."),
    )
    escalate_at = models.DateTimeField(
        _("next escalation check"),
        null=True,
        blank=True,
        help_text=_("When the sweep looks at this clock again; empty = nothing pending."),
    )

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["request", "kind"]
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="sla_clock_request_kind")]
        indexes = [
            models.Index(fields=["state", "warning_at"], name="sla_clock_state_warning"),
            models.Index(fields=["state", "due_at"], name="sla_clock_state_due"),
            # The sweep's work lists: only rows with something pending are in them, so a
            # sweep never walks the clocks already warned or fully escalated (a filter on
            # warned_at IS NULL over (state, warning_at) would walk every warned clock).
            models.Index(fields=["warn_at", "id"], condition=Q(warn_at__isnull=False), name="sla_clock_warn_pending"),
            models.Index(
                fields=["escalate_at", "id"], condition=Q(escalate_at__isnull=False), name="sla_clock_escalate_pending"
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.state}"

    @property
    def policy_reason(self) -> str:
        """Why this rule, in the reader's (active) language."""
        from .rules import reason_text

        return reason_text(self.policy_why)


class EscalationLevel(TimeStampedModel):
    """One row of the escalation matrix (R-SLA-4, seed 001 §6.4).

    Level 0 is the warning (at the rule's warning share of the target): only its
    notification settings apply. Levels 1, 2, … act once each after a breach, when
    ``delay`` has passed since the breach. Rows naming a target apply to that target's
    clocks; rows without one apply to every target that has no rows of its own.
    """

    WARNING = 0

    level = models.PositiveSmallIntegerField(_("level"), help_text=_("0 = the warning before the breach."))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("target"),
        max_length=24,
        choices=TargetKind.choices,
        blank=True,
        default="",
        help_text=_("Empty = every target without its own rows."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    delay = models.DurationField(
        _("after the breach"), default=datetime.timedelta(0), help_text=_("Ignored for the warning (level 0).")
    )
    # Who is told.
    notify_role = models.CharField(
        _("notify everyone with role"), max_length=16, choices=Role.choices, blank=True, default=""
    )
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("notify these people"), blank=True, related_name="+"
    )
    notify_assignee = models.BooleanField(_("notify the assigned technician"), default=False)
    notify_creator = models.BooleanField(_("notify who filed the request"), default=False)
    in_app = models.BooleanField(_("in-app notification"), default=True)
    email = models.BooleanField(_("e-mail"), default=False)
    # What is done.
    raise_priority_to = models.CharField(
        _("raise priority to at least"),
        max_length=8,
        choices=Priority.choices,
        blank=True,
        default="",
        help_text=_("Empty = leave the priority."),
    )
    reassign_technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reassign to technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"role": Role.TECHNICIAN, "is_active": True},
    )
    reassign_organization = models.ForeignKey(
        Organization,
        verbose_name=_("or move to organization's queue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A service partner or the own company; used when no technician is named."),
    )
    act_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("act as"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Whose name the priority change and reassignment carry; empty = the SLA system user."),
    )

    class Meta:
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation matrix")
        ordering = ["kind", "level"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "level"], name="sla_escalation_level_unique"),
        ]

    def __str__(self):
        return f"L{self.level} {self.name}"

    @property
    def display_name(self) -> str:
        from .defaults import level_name

        return level_name(self.name)

    @property
    def is_warning(self) -> bool:
        return self.level == self.WARNING


class SlaEscalation(models.Model):
    """What the sweep did, once per clock and level (level 0: the warning). Kept for KPIs."""

    clock = models.ForeignKey(
        SlaClock, verbose_name=_("clock"), null=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="sla_escalations"
    )
    kind = models.CharField(_("target"), max_length=24, choices=TargetKind.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    level_name = models.CharField(_("level name"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    breach_by_seconds = models.PositiveIntegerField(_("breached by (seconds)"), default=0)
    actions = models.JSONField(_("actions taken"), default=list, blank=True)
    notified = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("SLA escalation")
        verbose_name_plural = _("SLA escalations")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at", "id"], name="sla_escalation_at"),
            models.Index(fields=["level", "at"], name="sla_escalation_level_at"),
            models.Index(fields=["request", "at"], name="sla_escalation_request"),
        ]

    def __str__(self):
        return f"{self.request_id} {self.kind} L{self.level}"

    @property
    def level_display(self) -> str:
        from .defaults import level_name

        return level_name(self.level_name)


class SlaRefreshPending(models.Model):
    """A request whose clocks the worker must recompute (``services.sla_refresh_mark``).

    A set, not a queue of messages: a burst of changes is refreshed in a few batches
    (``sla_refresh_pending``), each request once, however often it changed."""

    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE, primary_key=True, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("pending SLA refresh")
        verbose_name_plural = _("pending SLA refreshes")

    def __str__(self):
        return str(self.request_id)
