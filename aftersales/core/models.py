"""Shared models: the immutable audit trail, named sequences and idempotency keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

_DISPLAY_MAPS: dict = {}


class ChoiceLabels:
    """A cheaper ``get_FOO_display()``: Django rebuilds a hashable copy of every choice
    (hashing each lazy label, i.e. translating it) on each call, which made a page of
    25 requests spend more time naming statuses than querying them. The value → label
    map is built once per field; the label is translated when it is shown."""

    def _get_FIELD_display(self, field):
        labels = _DISPLAY_MAPS.get(field)
        if labels is None:
            labels = _DISPLAY_MAPS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        return force_str(labels.get(value, value), strings_only=True)


class TimeStampedModel(ChoiceLabels, models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit rows are immutable.")

    def delete(self):
        raise TypeError("Audit rows are immutable.")


class ImmutableModel(ChoiceLabels, models.Model):
    """A row written once and never changed or deleted by the application."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are immutable.")


class AuditEvent(ImmutableModel):
    """Who changed what and when (R-SR-7). Written by core.audit.audit_record only."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class Sequence(models.Model):
    """A named counter for human-friendly numbers (e.g. SR2026-000123)."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")


class IdempotencyKey(models.Model):
    """Remembers which object an Idempotency-Key created, per user and scope."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="uniq_idempotency_key")]
