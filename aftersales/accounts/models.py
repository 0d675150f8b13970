from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel

from .choices import BACK_OFFICE_ROLES, OrganizationKind, Role


class Organization(TimeStampedModel):
    """The own company or an authorized service partner (授权服务商)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name


# The accounts automatic work acts as (they cannot log in): named in the reader's language.
SYSTEM_ACCOUNT_NAMES = {
    "system": _("System"),
    "sla-system": _("SLA system"),
    "dispatch-system": _("Dispatch system"),
}


class User(AbstractUser):
    """Every person who logs in: staff of an organization, or a customer."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The language of messages sent to this person (e-mail…); blank: the site's default.
    language = models.CharField(
        _("language of messages"), max_length=16, blank=True, choices=settings.LANGUAGES, default=""
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        if self.username in SYSTEM_ACCOUNT_NAMES and not self.is_active:
            return str(SYSTEM_ACCOUNT_NAMES[self.username])
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @property
    def is_back_office(self) -> bool:
        """Own-company office staff: they see all requests."""
        return self.is_authenticated and (self.is_superuser or self.role in BACK_OFFICE_ROLES)

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and (self.is_superuser or self.role in roles)


class ApiToken(TimeStampedModel):
    """A bearer token for integrations. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_valid(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
