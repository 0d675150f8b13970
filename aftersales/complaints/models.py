"""Complaints (投诉, R-CMP-1, R-CMP-2): the complaint itself, its timeline, its evidence, the
escalation matrix (configurable levels) and the log of the levels reached.

A complaint is its own record, not a repair. An anonymous complaint has a tracking code
instead of an identity: no customer, no contact name or phone, no request (which would name
the customer) — a database constraint keeps it so.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization
from aftersales.core.messages import render
from aftersales.core.models import ChoiceLabels, ImmutableModel, TimeStampedModel
from aftersales.customers.models import Customer
from aftersales.tickets.choices import Channel
from aftersales.tickets.models import ServiceRequest

from .choices import (
    OPEN_STATUSES,
    Category,
    ClosedBy,
    ComplaintAction,
    EscalationReason,
    Response,
    Severity,
    Source,
    Status,
)


class Complaint(ChoiceLabels, models.Model):
    """One complaint. Status changes only through ``services`` (the table in ``choices``)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    # Told to the complainant (the only handle of an anonymous complaint); staff search by it.
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    # The complainant's link (/complaints/t/<token>/): unguessable, never shown to other people.
    token = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)

    anonymous = models.BooleanField(_("anonymous"), default=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    requests = models.ManyToManyField(
        ServiceRequest, verbose_name=_("service requests"), blank=True, related_name="complaints"
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner = models.ForeignKey(
        Organization,
        verbose_name=_("partner concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("complaint"))
    demand = models.TextField(_("customer's demand"), blank=True)

    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("investigator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    # The reply deadline (by category, from the SLA app) and when it was met.
    due_at = models.DateTimeField(_("reply due"))
    warning_at = models.DateTimeField(_("at risk from"))
    deadline_hours = models.PositiveIntegerField(_("reply within (hours)"))
    deadline_business = models.BooleanField(_("on business time"), default=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The escalation sweep's work list: when it looks at this complaint again (None: nothing pending).
    escalate_at = models.DateTimeField(_("next escalation check"), null=True, blank=True)

    investigation = models.TextField(_("investigation findings"), blank=True)
    solution = models.TextField(_("proposed solution"), blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    response = models.CharField(_("customer's response"), max_length=10, choices=Response.choices, blank=True)
    response_note = models.TextField(_("customer's words"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    rejections = models.PositiveSmallIntegerField(_("rejections"), default=0)
    followup_note = models.TextField(_("follow-up"), blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    closed_by = models.CharField(_("closed by"), max_length=10, choices=ClosedBy.choices, blank=True)
    decision = models.TextField(_("manager's decision"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(customer__isnull=True, contact_name="", contact_phone=""),
                name="complaint_anonymous_has_no_identity",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED) | ~Q(closed_by=""), name="complaint_closed_has_basis"
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="cmp_created"),
            models.Index(fields=["status", "due_at"], name="cmp_status_due"),
            models.Index(fields=["investigator", "status"], name="cmp_investigator"),
            models.Index(fields=["escalation_level", "status"], name="cmp_level"),
            models.Index(fields=["customer", "created_at"], name="cmp_customer"),
            models.Index(
                fields=["escalate_at", "id"], condition=Q(escalate_at__isnull=False), name="cmp_escalate_pending"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    def tracking_url(self) -> str:
        return reverse("complaints:track", args=[self.token])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def complainant(self) -> str:
        """Who complained, as staff see it: never a name for an anonymous complaint."""
        if self.anonymous:
            return str(_("Anonymous (%(code)s)") % {"code": self.tracking_code})
        return self.contact_name or (str(self.customer) if self.customer_id else "")


class ComplaintEvent(ImmutableModel):
    """One line of a complaint's timeline: intake, a step, a note, evidence, an escalation."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Complaint received")
        TRANSITION = "transition", _("Status change")
        NOTE = "note", _("Investigation note")
        EVIDENCE = "evidence", _("Evidence")
        UPDATE = "update", _("Details changed")
        ESCALATION = "escalation", _("Escalation")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=12, choices=ComplaintAction.choices, blank=True)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices, blank=True)
    # A person's words, kept as written; or a system message (key + params, shown in the reader's language).
    note = models.TextField(_("note"), blank=True)
    message = models.CharField(_("message"), max_length=64, blank=True, default="")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Through the complainant's link rather than by staff.
    by_complainant = models.BooleanField(_("by the complainant"), default=False)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at", "id"], name="cmpe_complaint_at")]

    def __str__(self):
        return f"{self.complaint_id} {self.kind} {self.action}"

    @property
    def text(self) -> str:
        if self.message:
            return render(self.message, self.params)
        return self.note


class ComplaintEvidence(ChoiceLabels, models.Model):
    """A file gathered by the investigation (a photo, a recording, a document)."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Photo")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="complaints/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size"))
    note = models.CharField(_("what it shows"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class EscalationLevel(TimeStampedModel):
    """One step of the complaint escalation chain (seed 001 §6.4; configurable).

    Level 0 is the complaint handler (the investigator's level: told of a new complaint with no
    investigator named). Levels 1, 2, … are reached one at a time, each once: when the customer
    rejects a solution (one level per rejection), when the complaint's severity is at least this
    level's ``severity`` (at intake), and when the reply deadline has been missed by
    ``overdue_after`` (the sweep). Default chain: complaint handler → quality manager →
    after-sales manager → director.
    """

    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    notify_role = models.CharField(
        _("notify everyone with role"), max_length=16, choices=Role.choices, blank=True, default=""
    )
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("notify these people"), blank=True, related_name="+"
    )
    notify_investigator = models.BooleanField(_("notify the investigator"), default=True)
    email = models.BooleanField(_("also by e-mail"), default=False)
    severity = models.CharField(
        _("reached at intake by severity"),
        max_length=8,
        choices=Severity.choices,
        blank=True,
        default="",
        help_text=_("A complaint of this severity or worse starts at this level; empty = never by severity."),
    )
    overdue_after = models.DurationField(
        _("reached when the deadline is missed by"),
        null=True,
        blank=True,
        help_text=_("Empty = never by the deadline."),
    )

    class Meta:
        verbose_name = _("complaint escalation level")
        verbose_name_plural = _("complaint escalation chain")
        ordering = ["level"]

    def __str__(self):
        return f"L{self.level} {self.name}"

    @property
    def display_name(self) -> str:
        from .defaults import level_name

        return level_name(self.name)


class ComplaintEscalation(ImmutableModel):
    """A level a complaint reached: once per complaint and level (a unique key makes it so)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(_("level"))
    level_name = models.CharField(_("level name"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=10, choices=EscalationReason.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    notified = models.PositiveIntegerField(_("people notified"), default=0)

    class Meta:
        verbose_name = _("complaint escalation")
        verbose_name_plural = _("complaint escalations")
        ordering = ["complaint", "level"]
        constraints = [models.UniqueConstraint(fields=["complaint", "level"], name="complaint_escalation_once")]
        indexes = [models.Index(fields=["at", "id"], name="cmpx_at")]

    def __str__(self):
        return f"{self.complaint_id} L{self.level}"

    @property
    def level_display(self) -> str:
        from .defaults import level_name

        return level_name(self.level_name)
