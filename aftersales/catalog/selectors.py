from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from aftersales.core.compiled import CompiledLookup

from .models import Product, ProductCategory, ProductUnit
from .permissions import unit_can_see, unit_list_for
from .warranty import warranty_status


def product_list() -> QuerySet[Product]:
    """Products are master data every signed-in user may read."""
    return Product.objects.select_related("category")


def model_codes_parse(text: str) -> list[str]:
    """Model codes typed as a list ("KFR-35GW, XQG100，BCD-520"): upper-cased, in order, no repeats."""
    codes = [c.strip().upper() for c in (text or "").replace("，", ",").replace("\n", ",").split(",")]
    return list(dict.fromkeys(c for c in codes if c))


def products_by_model_codes(text: str) -> tuple[list[Product], list[str]]:
    """The products named by ``text`` and the codes that name none."""
    codes = model_codes_parse(text)
    found = {p.model_code.upper(): p for p in Product.objects.filter(model_code__in=codes)}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


def category_list() -> QuerySet[ProductCategory]:
    return ProductCategory.objects.all()


def unit_get_for(user, pk: int) -> ProductUnit:
    return get_object_or_404(unit_list_for(user), pk=pk)


# A unit for a new request: its product, its owner (the customer, when it is the request's) and its
# address with the region (the request's default address), in one query compiled once.
_UNIT_FOR_INTAKE = CompiledLookup(
    lambda pk: ProductUnit.objects.select_related("product", "owner", "address__region").filter(pk=pk).order_by()
)


def unit_for_intake(user, pk: int) -> ProductUnit | None:
    """The unit ``pk`` with its product, owner and address, if ``user`` may see it (else None)."""
    unit = _UNIT_FOR_INTAKE.first(int(pk))
    return unit if unit is not None and unit_can_see(user, unit) else None


def unit_find_by_serial(user, serial: str) -> ProductUnit | None:
    serial = (serial or "").strip().upper()
    if not serial:
        return None
    return unit_list_for(user).filter(serial_number=serial).first()


def unit_warranty(unit: ProductUnit, on: datetime.date | None = None) -> dict:
    """{"status", "end", "days_left"} for display wherever a unit is shown."""
    on = on or timezone.localdate()
    status = warranty_status(unit.warranty_end, on)
    days_left = (unit.warranty_end - on).days if unit.warranty_end else None
    return {"status": status, "end": unit.warranty_end, "days_left": days_left}


def unit_exchange_links(user, unit: ProductUnit) -> dict:
    """The unit it replaced and the unit that replaced it (三包 exchanges), those the user may see; one query."""
    links = {"exchanged_from_visible": False, "replacement": None}
    rows = (
        unit_list_for(user)
        .select_related(None)
        .filter(Q(pk=unit.exchanged_from_id) | Q(exchanged_from=unit))
        .only("pk", "serial_number", "exchanged_on", "exchanged_from_id")
    )
    for row in rows:
        if row.pk == unit.exchanged_from_id:
            links["exchanged_from_visible"] = True
        else:
            links["replacement"] = row
    return links
