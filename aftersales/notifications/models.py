"""Telling people: the outbox (every message to a person, on any channel) and the in-app
inbox it fills.

A separate app because every capability tells people things (SLA warnings and
escalations, dispatch offers, stock alerts, customers' visit times…) and none of them
should own the channels. Producers register their message kinds in their own
``messages.py`` (see ``aftersales.core.messages``) and write messages with
``services.message_send``; nothing here names a producer."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import kind_icon, kind_label, render


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Given up")


# Rows the worker looks at; ``next_attempt_at`` is also the lease of a row being sent.
DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.SENDING)


class LinkedQuerySet(models.QuerySet):
    def linked_to(self, obj):
        return self.filter(link_type=ContentType.objects.get_for_model(obj), link_id=str(obj.pk))


class Linked(models.Model):
    """What a message is about: any object (content type + id), with its link and label."""

    link_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_id = models.CharField(_("about (id)"), max_length=64, blank=True)
    link_label = models.CharField(_("about"), max_length=100, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)

    objects = LinkedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def href(self) -> str:
        """The link, if it is one the page may show (site-relative or http(s))."""
        url = self.url or ""
        if (url.startswith("/") and not url.startswith("//")) or url.startswith(("https://", "http://")):
            return url
        return ""

    @property
    def text(self) -> str:
        """The message in the active language (the reader's)."""
        return render(self.key, self.params)

    @property
    def kind_label(self) -> str:
        return kind_label(self.key)

    @property
    def icon(self) -> str:
        return kind_icon(self.key)


class OutboxMessage(Linked):
    """One message to one person on one channel, written in the transaction of the event
    that caused it and delivered by the worker (retries with backoff; nothing lost)."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=254, blank=True, help_text=_("E-mail address, phone, …"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    key = models.CharField(_("kind"), max_length=64)
    language = models.CharField(_("language"), max_length=16)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status__in=["pending", "failed", "sending"]),
                name="outbox_due",
            ),
            models.Index(fields=["status", "-created_at"], name="outbox_status"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.channel} {self.key} → {self.recipient_id or self.address}"

    @property
    def rendered(self) -> str:
        """The text in the recipient's language (what the channel sends)."""
        return render(self.key, self.params, self.language)


class Notification(Linked):
    """The in-app inbox: one row per recipient, read or not, written by the outbox's
    in-app channel. The text is rendered in the reader's language when shown."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    outbox = models.OneToOneField(
        OutboxMessage,
        verbose_name=_("outgoing message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notification",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["link_type", "link_id"], name="notification_link"),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.key}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
