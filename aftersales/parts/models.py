"""Spare parts (备件): catalogue, warehouses with a good and a defective store, the stock
ledger and the documents that post to it (R-PRT-1..3).

The ledger (``StockMove``) is the truth: rows are written once and never changed.
``StockLevel`` is a running total per part × warehouse × store × lot, updated with F()
expressions in the same transaction as the ledger row, so on-hand and reserved always
equal what the ledger sums to (``manage.py parts_check`` proves it). CheckConstraints keep
on-hand, reserved and available (on-hand − reserved) from going below zero.

Stores: one ``store`` column (good / defective) on levels and moves instead of two
location rows per warehouse — a warehouse stays one row everybody refers to, and "the
defective store of the van" is simply ``(van, defective)``.

Lots: one ``lot`` column holds the batch number or the serial number (the part's
tracking mode says which); "" for untracked parts, so the unique key never has NULLs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.models import ImmutableModel, TimeStampedModel

from .choices import (
    AlertKind,
    CountStatus,
    DefectiveStatus,
    DocType,
    MoveType,
    ReservationStatus,
    Store,
    Tracking,
    TransferStatus,
    VanIssueStatus,
    WarehouseKind,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
COST = {"max_digits": 14, "decimal_places": 4}
USER = settings.AUTH_USER_MODEL


class Part(TimeStampedModel):
    code = models.CharField(_("part code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=16, default="件")
    compatible_products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("compatible products"), blank=True, related_name="parts"
    )
    cost = models.DecimalField(_("standard cost"), default=0, **MONEY)
    price = models.DecimalField(_("price"), default=0, **MONEY)
    avg_cost = models.DecimalField(
        _("moving-average cost"), default=0, editable=False, help_text=_("Updated on every receipt."), **COST
    )
    tracking = models.CharField(_("tracking"), max_length=8, choices=Tracking.choices, default=Tracking.NONE)
    warranty_months = models.PositiveSmallIntegerField(_("parts warranty (months)"), default=6)
    return_required = models.BooleanField(
        _("old part must be returned"), default=False, help_text=_("旧件返还: a defective return is expected.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0) & Q(price__gte=0), name="part_money_not_negative")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Warehouse(TimeStampedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=WarehouseKind.choices)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="warehouses"
    )
    technician = models.OneToOneField(
        USER,
        verbose_name=_("technician (van)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="van",
    )
    region = models.ForeignKey(
        "customers.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=WarehouseKind.VAN, technician__isnull=False) | ~Q(kind=WarehouseKind.VAN),
                name="van_has_technician",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class StockLevel(models.Model):
    """Running totals; written only by ``services.ledger._post`` with F() expressions."""

    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="levels")
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="levels"
    )
    store = models.CharField(_("store"), max_length=10, choices=Store.choices, default=Store.GOOD)
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True, default="")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["part", "warehouse", "store", "lot"], name="stocklevel_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklevel_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_gte_0"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stocklevel_reserved_lte_on_hand"),
        ]
        indexes = [models.Index(fields=["warehouse", "store", "part", "lot"], name="stocklevel_wh_store_part")]

    def __str__(self):
        return f"{self.part_id}@{self.warehouse_id}/{self.store}/{self.lot}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMove(ImmutableModel):
    """One ledger row. ``quantity`` changes on-hand, ``reserved_delta`` changes reserved."""

    at = models.DateTimeField(_("at"), default=timezone.now)
    move_type = models.CharField(_("type"), max_length=16, choices=MoveType.choices)
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="moves")
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="moves"
    )
    store = models.CharField(_("store"), max_length=10, choices=Store.choices, default=Store.GOOD)
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True, default="")
    quantity = models.IntegerField(_("quantity"))
    reserved_delta = models.IntegerField(_("reserved change"), default=0)
    unit_cost = models.DecimalField(_("unit cost"), default=0, **COST)
    actor = models.ForeignKey(USER, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+")
    doc_type = models.CharField(_("document type"), max_length=16, choices=DocType.choices)
    doc_id = models.BigIntegerField(_("document id"))
    request = models.ForeignKey(
        "tickets.ServiceRequest",
        verbose_name=_("service request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="part_moves",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        indexes = [
            models.Index(fields=["warehouse", "part", "at"], name="move_wh_part_at"),
            models.Index(fields=["part", "move_type", "at"], name="move_part_type_at"),
            models.Index(fields=["doc_type", "doc_id"], name="move_doc"),
            models.Index(fields=["request"], name="move_request"),
            models.Index(fields=["lot"], name="move_lot", condition=~Q(lot="")),
            models.Index(fields=["at", "id"], name="move_at"),
        ]

    def __str__(self):
        return f"{self.move_type} {self.part_id} {self.quantity:+d}"


class _Doc(TimeStampedModel):
    number = models.CharField(pgettext_lazy("stock document", "number"), max_length=24, unique=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number


class PurchaseReceipt(_Doc):
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    supplier = models.CharField(_("supplier"), max_length=200)
    supplier_ref = models.CharField(_("supplier's delivery note"), max_length=64, blank=True)

    class Meta(_Doc.Meta):
        verbose_name = _("purchase receipt")
        verbose_name_plural = _("purchase receipts")


class PurchaseReceiptLine(models.Model):
    receipt = models.ForeignKey(PurchaseReceipt, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)


class TransferOrder(_Doc):
    source = models.ForeignKey(
        Warehouse, verbose_name=pgettext_lazy("warehouse", "from"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        Warehouse, verbose_name=pgettext_lazy("warehouse", "to"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta(_Doc.Meta):
        verbose_name = _("transfer order")
        verbose_name_plural = _("transfer orders")
        indexes = [models.Index(fields=["status", "created_at"], name="transfer_status")]


class TransferLine(models.Model):
    transfer = models.ForeignKey(TransferOrder, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))


class VanIssue(_Doc):
    """A technician asks for parts on his van; a clerk approves and the stock moves."""

    source = models.ForeignKey(
        Warehouse, verbose_name=pgettext_lazy("warehouse", "from"), on_delete=models.PROTECT, related_name="+"
    )
    van = models.ForeignKey(Warehouse, verbose_name=_("van"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=VanIssueStatus.choices, default=VanIssueStatus.REQUESTED
    )
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta(_Doc.Meta):
        verbose_name = _("van issue")
        verbose_name_plural = _("van issues")


class VanIssueLine(models.Model):
    issue = models.ForeignKey(VanIssue, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))


class Reservation(TimeStampedModel):
    request = models.ForeignKey(
        "tickets.ServiceRequest",
        verbose_name=_("service request"),
        on_delete=models.PROTECT,
        related_name="part_reservations",
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE
    )
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"R{self.pk}"


class Consumption(TimeStampedModel):
    """Parts used on a job (R-FLD-3). Cost is the moving average at the time of use."""

    request = models.ForeignKey(
        "tickets.ServiceRequest",
        verbose_name=_("service request"),
        on_delete=models.PROTECT,
        related_name="part_consumptions",
    )
    unit = models.ForeignKey(
        "catalog.ProductUnit",
        verbose_name=_("customer unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="consumptions")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    returned_quantity = models.PositiveIntegerField(_("returned unused"), default=0)
    unit_cost = models.DecimalField(_("unit cost"), **COST)
    reservation = models.ForeignKey(Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("consumption")
        verbose_name_plural = _("consumptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=F("quantity")), name="consumption_returned_lte_qty"
            )
        ]

    def __str__(self):
        return f"C{self.pk}"


class DefectiveReturn(TimeStampedModel):
    """旧件返还: the old part taken out on a job must come back by ``due_date``."""

    consumption = models.OneToOneField(
        Consumption,
        verbose_name=_("consumption"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="defective_return",
    )
    request = models.ForeignKey(
        "tickets.ServiceRequest",
        verbose_name=_("service request"),
        on_delete=models.PROTECT,
        related_name="defective_returns",
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    old_serial = models.CharField(_("old part serial / batch"), max_length=64, blank=True)
    technician = models.ForeignKey(
        USER, verbose_name=_("technician"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=DefectiveStatus.choices, default=DefectiveStatus.PENDING
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_into = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("defective return")
        verbose_name_plural = _("defective returns")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="defret_status_due")]

    def __str__(self):
        return f"D{self.pk}"


class Adjustment(TimeStampedModel):
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    store = models.CharField(_("store"), max_length=10, choices=Store.choices, default=Store.GOOD)
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True)
    quantity = models.IntegerField(_("change"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"A{self.pk}"


class StockCount(_Doc):
    """盘点: a sheet of expected quantities, then counted ones, then approved variances."""

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=CountStatus.choices, default=CountStatus.OPEN)
    approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta(_Doc.Meta):
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+")
    store = models.CharField(_("store"), max_length=10, choices=Store.choices, default=Store.GOOD)
    lot = models.CharField(_("batch / serial"), max_length=64, blank=True)
    expected = models.IntegerField(_("expected"))
    counted = models.IntegerField(_("counted"), null=True, blank=True)

    class Meta:
        ordering = ["part__code", "store", "lot", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0) | Q(counted__isnull=True), name="count_not_negative")
        ]

    @property
    def variance(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


class ReorderRule(TimeStampedModel):
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.CASCADE, related_name="reorder_rules")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="+")
    reorder_point = models.PositiveIntegerField(_("reorder point"))
    reorder_quantity = models.PositiveIntegerField(_("reorder quantity"))
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=7)
    safety_stock = models.PositiveIntegerField(_("safety stock"), default=0)

    class Meta:
        verbose_name = _("reorder rule")
        verbose_name_plural = _("reorder rules")
        constraints = [models.UniqueConstraint(fields=["part", "warehouse"], name="reorder_rule_unique")]


class StockAlert(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    available = models.IntegerField(_("available"), default=0)
    threshold = models.IntegerField(_("reorder point"), default=0)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock alert")
        verbose_name_plural = _("stock alerts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["resolved_at", "kind"], name="alert_open")]
