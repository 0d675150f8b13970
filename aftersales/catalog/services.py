from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.uploads import upload_check
from aftersales.customers.models import Customer, CustomerAddress

from .choices import PurchaseChannel
from .models import Product, ProductCategory, ProductManual, ProductUnit


@transaction.atomic
def category_create(*, actor, code: str, name: str, parent: ProductCategory | None = None) -> ProductCategory:
    if not code.strip() or not name.strip():
        raise ValidationFailed(fields={"code" if not code.strip() else "name": [_("This field is required.")]})
    if ProductCategory.objects.filter(code=code).exists():
        raise ConflictError(fields={"code": [_("This code is already used.")]})
    category = ProductCategory.objects.create(code=code.strip(), name=name.strip(), parent=parent)
    audit_record(actor=actor, action="category.create", obj=category, changes={"name": [None, name]})
    return category


@transaction.atomic
def product_create(
    *, actor, model_code: str, name: str, category: ProductCategory, warranty_months: int = 12, brand: str = ""
) -> Product:
    errors = {}
    if not (model_code or "").strip():
        errors["model_code"] = [_("This field is required.")]
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if not (0 <= int(warranty_months) <= 240):
        errors["warranty_months"] = [_("Between 0 and 240 months.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if Product.objects.filter(model_code=model_code.strip()).exists():
        raise ConflictError(
            _("This model code already exists."), fields={"model_code": [_("This model code already exists.")]}
        )
    product = Product.objects.create(
        model_code=model_code.strip(),
        name=name.strip(),
        category=category,
        warranty_months=warranty_months,
        brand=brand,
    )
    audit_record(actor=actor, action="product.create", obj=product, changes={"model_code": [None, model_code]})
    return product


PRODUCT_UPDATE_FIELDS = ("name", "brand", "category", "warranty_months", "is_active")
UNIT_UPDATE_FIELDS = (
    "purchase_date",
    "purchase_channel",
    "store_name",
    "invoice_number",
    "installation_date",
    "address",
    "warranty_months",
    "owner",
)


@transaction.atomic
def product_update(*, actor, product: Product, **data) -> Product:
    unknown = set(data) - set(PRODUCT_UPDATE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in unknown})
    if "warranty_months" in data and not (0 <= int(data["warranty_months"]) <= 240):
        raise ValidationFailed(fields={"warranty_months": [_("Between 0 and 240 months.")]})
    product = Product.objects.select_for_update().get(pk=product.pk)
    changes = diff_fields(product, data)
    if changes:
        product.save()
        audit_record(actor=actor, action="product.update", obj=product, changes=changes)
    return product


@transaction.atomic
def manual_add(*, actor, product: Product, title: str, upload) -> ProductManual:
    checked = upload_check(upload, allowed=("document", "image", "video"))
    manual = ProductManual.objects.create(
        product=product,
        title=title.strip() or checked.original_name,
        file=checked.file,
        content_type=checked.content_type,
        size=checked.size,
    )
    audit_record(actor=actor, action="manual.add", obj=manual, changes={"title": [None, manual.title]})
    return manual


def _check_unit_fields(*, owner, address, purchase_channel, warranty_months):
    """What register and update both require of a unit (no database error on bad input)."""
    errors = {}
    if purchase_channel not in PurchaseChannel.values:
        errors["purchase_channel"] = [_("Unknown purchase channel.")]
    if address is not None and address.customer_id != owner.pk:
        errors["address"] = [_("The address must belong to the owner.")]
    if warranty_months is not None and not (0 <= int(warranty_months) <= 240):
        errors["warranty_months"] = [_("Between 0 and 240 months.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _check_unit_dates(purchase_date, installation_date):
    today = timezone.localdate()
    errors = {}
    if purchase_date and purchase_date > today:
        errors["purchase_date"] = [_("The purchase date cannot be in the future.")]
    if installation_date and purchase_date and installation_date < purchase_date:
        errors["installation_date"] = [_("Installation cannot be before purchase.")]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def unit_register(
    *,
    actor,
    product: Product,
    serial_number: str,
    owner: Customer,
    purchase_date: datetime.date | None = None,
    purchase_channel: str = PurchaseChannel.STORE,
    store_name: str = "",
    invoice_number: str = "",
    installation_date: datetime.date | None = None,
    address: CustomerAddress | None = None,
    warranty_months: int | None = None,
) -> ProductUnit:
    serial = (serial_number or "").strip().upper()
    if not serial:
        raise ValidationFailed(
            _("A serial number is required."), fields={"serial_number": [_("This field is required.")]}
        )
    _check_unit_fields(owner=owner, address=address, purchase_channel=purchase_channel, warranty_months=warranty_months)
    _check_unit_dates(purchase_date, installation_date)
    if ProductUnit.objects.filter(serial_number=serial).exists():
        raise ConflictError(
            _("A unit with this serial number is already registered."),
            code="duplicate_serial",
            fields={"serial_number": [_("Already registered.")]},
        )
    unit = ProductUnit.objects.create(
        product=product,
        serial_number=serial,
        owner=owner,
        purchase_date=purchase_date,
        purchase_channel=purchase_channel,
        store_name=store_name,
        invoice_number=invoice_number,
        installation_date=installation_date,
        address=address,
        warranty_months=product.warranty_months if warranty_months is None else warranty_months,
    )
    audit_record(actor=actor, action="unit.register", obj=unit, changes={"serial_number": [None, serial]})
    return unit


@transaction.atomic
def unit_update(*, actor, unit: ProductUnit, **data) -> ProductUnit:
    unknown = set(data) - set(UNIT_UPDATE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in unknown})
    unit = ProductUnit.objects.select_for_update().get(pk=unit.pk)
    _check_unit_fields(
        owner=data.get("owner", unit.owner),
        address=data.get("address", unit.address),
        purchase_channel=data.get("purchase_channel", unit.purchase_channel),
        warranty_months=data.get("warranty_months"),
    )
    _check_unit_dates(
        data.get("purchase_date", unit.purchase_date), data.get("installation_date", unit.installation_date)
    )
    changes = diff_fields(unit, data)
    if changes:
        unit.save()
        audit_record(actor=actor, action="unit.update", obj=unit, changes=changes)
    return unit


@transaction.atomic
def unit_exchange(
    *,
    actor,
    unit: ProductUnit,
    serial_number: str,
    exchanged_on: datetime.date,
    product: Product | None = None,
) -> ProductUnit:
    """Register the unit given to the customer in exchange for ``unit`` (三包 exchange, R-RET-1).

    The new unit has the same owner, address and purchase details (the sale is the same; it is
    installed anew, so no installation date), the
    product's warranty term, and a warranty that starts afresh on ``exchanged_on``; it records which
    unit it replaced. A unit is exchanged once; the new serial must be free."""
    unit = ProductUnit.objects.select_for_update(of=("self",)).select_related("product").get(pk=unit.pk)
    product = product or unit.product
    serial = (serial_number or "").strip().upper()
    errors: dict[str, list] = {}
    if not serial:
        errors["serial_number"] = [_("This field is required.")]
    if exchanged_on is None:
        errors["exchanged_on"] = [_("This field is required.")]
    elif exchanged_on > timezone.localdate():
        errors["exchanged_on"] = [_("The exchange date cannot be in the future.")]
    elif unit.warranty_start and exchanged_on < unit.warranty_start:
        errors["exchanged_on"] = [_("The exchange cannot be before the unit's warranty started.")]
    if product.category_id != unit.product.category_id:
        errors["product"] = [_("The new unit must be a product of the same category.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if ProductUnit.objects.filter(exchanged_from=unit).exists():
        raise ConflictError(_("This unit has already been exchanged."), code="already_exchanged")
    if ProductUnit.objects.filter(serial_number=serial).exists():
        raise ConflictError(
            _("A unit with this serial number is already registered."),
            code="duplicate_serial",
            fields={"serial_number": [_("Already registered.")]},
        )
    new = ProductUnit.objects.create(
        product=product,
        serial_number=serial,
        owner_id=unit.owner_id,
        address_id=unit.address_id,
        purchase_date=unit.purchase_date,
        purchase_channel=unit.purchase_channel,
        store_name=unit.store_name,
        invoice_number=unit.invoice_number,
        warranty_months=product.warranty_months,
        exchanged_from=unit,
        exchanged_on=exchanged_on,
    )
    audit_record(
        actor=actor,
        action="unit.exchange",
        obj=new,
        changes={
            "serial_number": [None, serial],
            "exchanged_from": [None, unit.pk],
            "exchanged_on": [None, exchanged_on],
        },
    )
    return new
