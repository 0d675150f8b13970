from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel
from aftersales.customers.models import Customer, CustomerAddress

from .choices import PurchaseChannel
from .warranty import add_months


class ProductCategory(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Product(TimeStampedModel):
    model_code = models.CharField(_("model code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=12)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["model_code"]

    def __str__(self):
        return f"{self.model_code} {self.name}"


class ProductManual(TimeStampedModel):
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="manuals")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="manuals/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("product manual")
        verbose_name_plural = _("product manuals")

    def __str__(self):
        return self.title


class ProductUnit(TimeStampedModel):
    """One physical unit a customer owns, identified by its serial number."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="units")
    serial_number = models.CharField(_("serial number"), max_length=64, unique=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_channel = models.CharField(
        _("purchase channel"), max_length=16, choices=PurchaseChannel.choices, default=PurchaseChannel.STORE
    )
    store_name = models.CharField(_("store / seller"), max_length=200, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=64, blank=True)
    installation_date = models.DateField(_("installation date"), null=True, blank=True)
    owner = models.ForeignKey(Customer, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="units")
    address = models.ForeignKey(
        CustomerAddress,
        verbose_name=_("address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), help_text=_("Copied from the product when the unit is registered; may be extended.")
    )
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True, editable=False)
    # A unit given in exchange for another (三包): its warranty starts afresh on the exchange day.
    exchanged_from = models.OneToOneField(
        "self",
        verbose_name=_("exchanged for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacement",
        editable=False,
    )
    exchanged_on = models.DateField(
        _("exchanged on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("A unit given in exchange: its warranty starts again on this day."),
    )

    class Meta:
        verbose_name = _("product unit")
        verbose_name_plural = _("product units")
        indexes = [models.Index(fields=["owner", "product"])]

    def __str__(self):
        return f"{self.product.model_code} #{self.serial_number}"

    @property
    def warranty_start(self) -> datetime.date | None:
        """The first covered day: the exchange day for a unit given in exchange, else the purchase date."""
        return self.exchanged_on or self.purchase_date

    def compute_warranty_end(self) -> datetime.date | None:
        """Warranty runs from its start (purchase, or exchange) for ``warranty_months``; last covered day."""
        start = self.warranty_start
        if start is None:
            return None
        return add_months(start, self.warranty_months) - datetime.timedelta(days=1)

    def save(self, *args, **kwargs):
        self.warranty_end = self.compute_warranty_end()
        super().save(*args, **kwargs)
