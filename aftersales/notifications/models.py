"""In-app notifications: one row per recipient, read or not.

A separate app because every capability tells people things (SLA warnings and
escalations now; dispatch, follow-ups and complaints later) and none of them should own
the inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.tickets.models import ServiceRequest


class Verb(models.TextChoices):
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_ESCALATION = "sla_escalation", _("SLA escalation")
    DISPATCH_OFFER = "dispatch_offer", _("New job offer")
    LOW_STOCK = "low_stock", _("Low stock")
    DEFECTIVE_OVERDUE = "defective_overdue", _("Old part overdue")
    INFO = "info", _("Information")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(_("kind"), max_length=24, choices=Verb.choices)
    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_to = models.EmailField(_("e-mailed to"), blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.verb} {self.text[:40]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
