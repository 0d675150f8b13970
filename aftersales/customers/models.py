from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import ChoiceLabels, TimeStampedModel

from .choices import CustomerKind, CustomerTier, RegionClass


class Region(ChoiceLabels, models.Model):
    """A service region (usually a city or a district of one), used for routing work."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    region_class = models.CharField(
        _("region class"), max_length=8, choices=RegionClass.choices, default=RegionClass.URBAN
    )

    class Meta:
        verbose_name = _("service region")
        verbose_name_plural = _("service regions")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Customer(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=8, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    # db_index on a CharField also gives PostgreSQL a varchar_pattern_ops index, so the
    # name-prefix search (LIKE 'x%') is an index scan there too.
    name = models.CharField(
        _("name"), max_length=100, db_index=True, help_text=_("Person's name, or the company's contact.")
    )
    company_name = models.CharField(_("company name"), max_length=200, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164, e.g. +8613812345678"))
    phone_alt = models.CharField(_("other phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=CustomerTier.choices, default=CustomerTier.NEW)
    tier_override = models.PositiveSmallIntegerField(
        _("tier override"), choices=CustomerTier.choices, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["phone"]),
            models.Index(fields=["phone_alt"]),
        ]

    def __str__(self):
        if self.kind == CustomerKind.COMPANY and self.company_name:
            return f"{self.company_name}（{self.name}）"
        return self.name

    @property
    def stars(self) -> str:
        return "★" * int(self.tier)


class CustomerAddress(TimeStampedModel):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(_("label"), max_length=50, blank=True, help_text=_("e.g. home, office"))
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50, blank=True)
    street = models.CharField(_("street address"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("service region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_class = models.CharField(
        _("region class"), max_length=8, choices=RegionClass.choices, default=RegionClass.URBAN
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="address_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="address_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.province}{self.city}{self.district}{self.street}"
