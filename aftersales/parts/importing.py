"""Excel import (openpyxl) of the catalogue and of opening stock, and the stock export.

Import is two-phase: every row is validated first and a report of row errors (row
number, column, message) is returned; only when no row fails — and not on a dry run —
is everything written, in one transaction. Nothing is imported when any row fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import load_workbook

from aftersales.catalog.selectors import model_codes_parse
from aftersales.core.errors import ValidationFailed
from aftersales.core.exports import XlsxWriter
from aftersales.core.sequences import sequence_next

from .choices import Store, Tracking
from .models import Part, Warehouse
from .services import PART_FIELDS, _require_stock_staff, opening_stock_post, part_create

CATALOGUE_COLUMNS = [*(f for f in PART_FIELDS if f != "is_active"), "compatible_models"]
OPENING_COLUMNS = ["warehouse", "part", "quantity", "unit_cost", "lot"]
MAX_ROWS = 20_000


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    imported: int = 0
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows(upload, required: list[str]):
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is the same answer
        raise ValidationFailed(
            _("This is not an Excel (.xlsx) file."), fields={"file": [_("Upload an .xlsx file.")]}
        ) from None
    ws = wb.active
    it = ws.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(it, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationFailed(
            _("Missing columns: %(c)s") % {"c": ", ".join(missing)},
            fields={"file": [_("The first row must name the columns.")]},
        )
    for n, values in enumerate(it, start=2):
        if n > MAX_ROWS + 1:
            raise ValidationFailed(fields={"file": [_("At most %(n)s rows.") % {"n": MAX_ROWS}]})
        if values is None or all(v in (None, "") for v in values):
            continue
        yield n, {h: values[i] if i < len(values) else None for i, h in enumerate(header) if h}


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _int(v, report, n, col, *, minimum=0):
    try:
        if isinstance(v, float) and not v.is_integer():
            raise ValueError
        value = int(v)
    except (TypeError, ValueError):
        report.errors.append((n, col, _("Enter a whole number.")))
        return None
    if value < minimum or value > 1_000_000:
        report.errors.append((n, col, _("Enter a whole number from %(a)s to 1,000,000.") % {"a": minimum}))
        return None
    return value


def _money(v, report, n, col):
    try:
        value = Decimal(str(v if v not in (None, "") else 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        report.errors.append((n, col, _("Enter an amount.")))
        return None
    if value < 0 or value >= Decimal("1e10"):
        report.errors.append((n, col, _("Enter an amount from 0 to 9,999,999,999.")))
        return None
    return value


def catalogue_import(*, actor, upload, dry_run: bool) -> ImportReport:
    from aftersales.catalog.models import Product

    _require_stock_staff(actor)
    report = ImportReport(dry_run=dry_run)
    clean = []
    seen = set()
    existing = set(Part.objects.values_list("code", flat=True))
    products = {p.model_code.upper(): p for p in Product.objects.all()}
    for n, row in _rows(upload, ["code", "name"]):
        report.rows += 1
        code = _text(row.get("code")).upper()
        if not code or len(code) > 64:
            report.errors.append((n, "code", _("Give a code of at most 64 characters.")))
        elif code in existing or code in seen:
            report.errors.append((n, "code", _("A part with this code exists already.")))
        seen.add(code)
        name = _text(row.get("name"))
        if not name or len(name) > 200:
            report.errors.append((n, "name", _("Give a name of at most 200 characters.")))
        tracking = _text(row.get("tracking")).lower() or Tracking.NONE
        if tracking not in Tracking.values:
            report.errors.append((n, "tracking", _("Choose one of: %(v)s") % {"v": ", ".join(Tracking.values)}))
        cost = _money(row.get("cost"), report, n, "cost")
        price = _money(row.get("price"), report, n, "price")
        months = _int(
            row.get("warranty_months") if row.get("warranty_months") not in (None, "") else 6,
            report,
            n,
            "warranty_months",
        )
        compatible = []
        for model in model_codes_parse(_text(row.get("compatible_models"))):
            if model not in products:
                report.errors.append((n, "compatible_models", _("Unknown product model %(m)s.") % {"m": model}))
            else:
                compatible.append(products[model])
        clean.append(
            {
                "code": code,
                "name": name,
                "specification": _text(row.get("specification"))[:200],
                "unit_of_measure": (_text(row.get("unit_of_measure")) or "件")[:16],
                "cost": cost,
                "price": price,
                "tracking": tracking,
                "warranty_months": months,
                "return_required": _text(row.get("return_required")).lower() in ("1", "true", "yes", "y", "是"),
                "compatible_products": compatible,
            }
        )
    if report.ok and not dry_run:
        with transaction.atomic():
            for data in clean:
                part_create(actor=actor, **data)
        report.imported = len(clean)
    return report


def opening_stock_import(*, actor, upload, dry_run: bool) -> ImportReport:
    _require_stock_staff(actor)
    report = ImportReport(dry_run=dry_run)
    parts = {p.code: p for p in Part.objects.all()}
    whs = {w.code: w for w in Warehouse.objects.all()}
    clean = []
    for n, row in _rows(upload, ["warehouse", "part", "quantity"]):
        report.rows += 1
        wh = whs.get(_text(row.get("warehouse")).upper())
        if wh is None:
            report.errors.append((n, "warehouse", _("Unknown warehouse code.")))
        part = parts.get(_text(row.get("part")).upper())
        if part is None:
            report.errors.append((n, "part", _("Unknown part code.")))
        qty = _int(row.get("quantity"), report, n, "quantity", minimum=1)
        cost = _money(
            row.get("unit_cost") if row.get("unit_cost") not in (None, "") else (part.cost if part else 0),
            report,
            n,
            "unit_cost",
        )
        lot = _text(row.get("lot"))
        if part is not None and qty is not None:
            if part.tracking == Tracking.NONE and lot:
                report.errors.append((n, "lot", _("This part is not tracked by batch or serial.")))
            elif part.tracking != Tracking.NONE and not lot:
                report.errors.append((n, "lot", _("Give the batch or serial number of this part.")))
            elif part.tracking == Tracking.SERIAL and qty != 1:
                report.errors.append((n, "quantity", _("A serial-tracked part moves one at a time.")))
        clean.append((wh, part, qty, cost, lot))
    if report.ok and not dry_run:
        with transaction.atomic():
            batch = sequence_next("parts.import")
            for wh, part, qty, cost, lot in clean:
                opening_stock_post(
                    actor=actor, warehouse=wh, part=part, quantity=qty, unit_cost=cost, lot=lot, batch_id=batch
                )
        report.imported = len(clean)
    return report


def levels_export(levels) -> bytes:
    """Stock levels (a scoped queryset) as an .xlsx workbook (text cells made formula-safe)."""
    wb = XlsxWriter()
    ws = wb.sheet(_("Stock levels"))
    ws.append(
        [
            _("Warehouse"),
            _("Part"),
            _("Name"),
            pgettext("stock", "Store"),
            _("Batch / serial"),
            _("On hand"),
            _("Reserved"),
            _("Available"),
            _("Average cost"),
            _("Value"),
        ]
    )
    stores = dict(Store.choices)
    for lv in (
        levels.select_related("part", "warehouse")
        .order_by("warehouse__code", "part__code", "store", "lot")
        .iterator(chunk_size=2000)
    ):
        value = lv.on_hand * lv.part.avg_cost if lv.store == Store.GOOD else Decimal("0")
        ws.append(
            [
                lv.warehouse.code,
                lv.part.code,
                lv.part.name,
                str(stores[lv.store]),
                lv.lot,
                lv.on_hand,
                lv.reserved,
                lv.on_hand - lv.reserved,
                float(lv.part.avg_cost),
                float(value.quantize(Decimal("0.01"))),
            ]
        )
    return wb.to_bytes()
