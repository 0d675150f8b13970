from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.catalog.models import Product, ProductUnit
from aftersales.core.messages import render
from aftersales.core.models import ChoiceLabels, ImmutableModel
from aftersales.customers.choices import RegionClass
from aftersales.customers.models import Customer, CustomerAddress, Region

from .choices import OPEN_STATUSES, Action, Channel, Priority, ServiceType, Status


class ServiceRequest(ChoiceLabels, models.Model):
    """A service request (工单). Status changes only through services.request_transition."""

    # Unique through ``sr_number`` (Meta.constraints): one index for lookups and prefixes.
    number = models.CharField(_("number"), max_length=20)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    priority_rank = models.PositiveSmallIntegerField(default=3, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)

    # Foreign keys without an index of their own are covered by a composite index below
    # (customer, region, technician, organization) or never searched by (product,
    # address, created_by: only a rare delete of the parent checks them).
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    unit = models.ForeignKey(
        ProductUnit,
        verbose_name=_("product unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    address = models.ForeignKey(
        CustomerAddress,
        verbose_name=_("address"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("service region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    region_class = models.CharField(
        _("region class"), max_length=8, choices=RegionClass.choices, default=RegionClass.URBAN
    )
    description = models.TextField(_("problem description"))
    in_warranty = models.BooleanField(_("in warranty"), null=True, help_text=_("Known at intake; empty if unknown."))
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)

    assigned_organization = models.ForeignKey(
        Organization,
        verbose_name=_("assigned organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    assigned_technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
        db_index=False,
    )
    first_contact_resolution = models.BooleanField(_("resolved at first contact"), default=False)
    resolution = models.TextField(_("resolution"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["created_at", "id"], name="sr_created"),
            models.Index(fields=["status", "created_at", "id"], name="sr_status_created"),
            models.Index(fields=["priority_rank", "created_at", "id"], name="sr_priority_created"),
            models.Index(fields=["status", "priority_rank", "created_at", "id"], name="sr_status_priority"),
            # The working queue: open requests, most urgent first. Partial, so it stays
            # small however much history piles up, and the planner walks it in order.
            models.Index(
                fields=["priority_rank", "created_at", "id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="sr_open_priority",
            ),
            models.Index(fields=["updated_at", "id"], name="sr_updated"),
            models.Index(fields=["customer", "created_at"], name="sr_customer"),
            models.Index(fields=["contact_phone"], name="sr_contact_phone"),
            models.Index(fields=["region", "created_at"], name="sr_region"),
            models.Index(fields=["region", "priority_rank", "created_at", "id"], name="sr_region_priority"),
            models.Index(fields=["assigned_technician", "status"], name="sr_technician"),
            models.Index(fields=["assigned_organization", "status"], name="sr_organization"),
        ]
        constraints = [
            # One index serves the exact number and its prefixes (SR2611-00…): on
            # PostgreSQL the pattern operator class answers both = and LIKE 'prefix%',
            # where ``unique=True`` made a second, ``_like`` index of the same column.
            models.UniqueConstraint(fields=["number"], name="sr_number", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", args=[self.pk])


class ServiceRequestEvent(ImmutableModel):
    """One line of a request's timeline: a transition, a note, an attachment, an edit."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status change")
        NOTE = "note", _("Note")
        ATTACHMENT = "attachment", _("Attachment")
        UPDATE = "update", _("Details changed")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices, blank=True)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    reason = models.TextField(_("reason / note"), blank=True)
    # Text written by the system: a message key and its params (``core.messages``),
    # rendered in the reader's language; ``reason`` then stays empty. People's words
    # (notes, reasons they type) stay in ``reason``.
    message = models.CharField(_("message"), max_length=64, blank=True, default="")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at", "id"], name="sre_request_at")]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.action}"

    @property
    def text(self) -> str:
        """The note or reason in the reader's (active) language."""
        if self.message:
            return render(self.message, self.params)
        return self.reason

    def changes_shown(self) -> list[tuple[str, str, str]]:
        """An "update" event's changes as (field name, before, after) in the reader's
        language: choice values through their labels."""
        out = []
        for name, change in (self.data.get("changes") or {}).items():
            before, after = (list(change) + ["", ""])[:2] if isinstance(change, list | tuple) else ("", change)
            try:
                field = ServiceRequest._meta.get_field(name)
            except FieldDoesNotExist:
                out.append((name, before or "", after or ""))
                continue
            labels = dict(field.flatchoices) if field.choices else {}
            out.append(
                (
                    force_str(field.verbose_name),
                    force_str(labels.get(before, before or "")),
                    force_str(labels.get(after, after or "")),
                )
            )
        return out


class Attachment(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Photo")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="requests/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class RequestSearchTerm(models.Model):
    """One word of a request's problem description (see ``tickets.search``): a Chinese
    character bigram or a lower-cased Latin/digit token, with the request's status.

    The key (term, status, request) is the one index a description search reads: a
    term within the statuses the dispatcher filters on is a few index ranges, so a
    common word among the open requests costs what its open matches cost, not what all
    its matches in the history cost. ``request_transition`` moves the rows along with
    the status (their key is known, so that is a few index lookups)."""

    pk = models.CompositePrimaryKey("term", "status", "request")
    term = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=Status.choices)
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self):
        return self.term
