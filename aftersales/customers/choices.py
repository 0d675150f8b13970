from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class CustomerTier(models.IntegerChoices):
    """Service level by relationship (R-SR-6): ★ new, ★★ returning, ★★★ VIP."""

    NEW = 1, _("★ New customer")
    RETURNING = 2, _("★★ Returning customer")
    VIP = 3, _("★★★ VIP")


class RegionClass(models.TextChoices):
    URBAN = "urban", _("Urban")
    REMOTE = "remote", _("Remote")
