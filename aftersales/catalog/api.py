"""/api/catalog: product categories, products and their manuals, product units and warranty.

Products, categories and manuals are master data every signed-in user may read; managers
and administrators change them. Units are scoped by ``unit_list_for``; intake staff
register and change them.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Header, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_create
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, PageInfo, PageSize, page_out, text
from aftersales.core.uploads import download_response
from aftersales.customers.selectors import address_list_for_customer, customer_list_for

from .choices import PurchaseChannel, WarrantyStatus
from .models import ProductManual, ProductUnit
from .permissions import MASTER_DATA_ROLES, UNIT_WRITE_ROLES
from .selectors import category_list, product_list, unit_find_by_serial, unit_get_for, unit_list_for, unit_warranty
from .services import category_create, manual_add, product_create, product_update, unit_register, unit_update

router = Router(tags=["catalog"])

# --- schemas --------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None


class CategoryIn(InputSchema):
    code: text(32, min_length=1)
    name: text(100, min_length=1)
    parent_id: Id | None = None


class ProductRef(Schema):
    id: int
    model_code: str
    name: str


class ProductOut(Schema):
    id: int
    model_code: str
    name: str
    brand: str
    category: CategoryOut
    warranty_months: int
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ProductPageOut(PageInfo):
    items: list[ProductOut]


class ProductIn(InputSchema):
    model_code: text(64, min_length=1)
    name: text(200, min_length=1)
    category_id: Id
    warranty_months: int = Field(12, ge=0, le=240)
    brand: text(100) = ""


class ProductPatch(InputSchema):
    name: text(200, min_length=1) | None = None
    brand: text(100) | None = None
    category_id: Id | None = None
    warranty_months: int | None = Field(None, ge=0, le=240)
    is_active: bool | None = None


class ProductListQuery(Schema):
    q: text(100) | None = Field(None, description="Start of the model code, or part of the name.")
    category_id: Id | None = None
    active: bool | None = None
    cursor: text(500) | None = None
    size: PageSize = 25


class ManualOut(Schema):
    id: int
    title: str
    content_type: str
    size: int
    created_at: datetime.datetime


class WarrantyOut(Schema):
    status: WarrantyStatus
    status_label: str
    end: datetime.date | None
    days_left: int | None


class UnitOut(Schema):
    id: int
    serial_number: str
    product: ProductRef
    owner_id: int
    owner_name: str
    address_id: int | None
    purchase_date: datetime.date | None
    purchase_channel: PurchaseChannel
    store_name: str
    invoice_number: str
    installation_date: datetime.date | None
    warranty_months: int
    warranty_end: datetime.date | None
    warranty: WarrantyOut
    exchanged_from_id: int | None = Field(None, description="The unit this one replaced (三包 exchange).")
    exchanged_on: datetime.date | None = Field(None, description="Exchange day: the warranty started again then.")
    created_at: datetime.datetime

    @staticmethod
    def resolve_owner_name(obj: ProductUnit) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_warranty(obj: ProductUnit) -> dict:
        info = unit_warranty(obj)
        return {**info, "status_label": str(WarrantyStatus(info["status"]).label)}


class UnitPageOut(PageInfo):
    items: list[UnitOut]


class UnitIn(InputSchema):
    product_id: Id
    serial_number: text(64, min_length=1)
    owner_id: Id
    purchase_date: Day | None = None
    purchase_channel: PurchaseChannel = PurchaseChannel.STORE
    store_name: text(200) = ""
    invoice_number: text(64) = ""
    installation_date: Day | None = None
    address_id: Id | None = None
    warranty_months: int | None = Field(None, ge=0, le=240, description="Defaults to the product's.")


class UnitPatch(InputSchema):
    owner_id: Id | None = None
    address_id: Id | None = Field(None, description="An address of the (new) owner; null clears it.")
    purchase_date: Day | None = None
    purchase_channel: PurchaseChannel | None = None
    store_name: text(200) | None = None
    invoice_number: text(64) | None = None
    installation_date: Day | None = None
    warranty_months: int | None = Field(None, ge=0, le=240)


class UnitListQuery(Schema):
    owner_id: Id | None = None
    product_id: Id | None = None
    serial: text(64) | None = Field(None, description="Exact serial number.")
    cursor: text(500) | None = None
    size: PageSize = 25


# --- lookups for ids in a body: unknown or invisible ids are a field error ---------------


def _ref(qs, pk, field: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed(fields={field: [_("Not found.")]})
    return obj


# --- categories and products ----------------------------------------------------------


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="List product categories")
def category_list_api(request):
    return list(category_list())


@router.post(
    "/categories",
    response={201: CategoryOut, **ERRORS},
    summary="Create a product category",
    auth=api_roles(MASTER_DATA_ROLES),
)
def category_create_api(request, payload: CategoryIn):
    parent = _ref(category_list(), payload.parent_id, "parent_id") if payload.parent_id else None
    return Reply(201, category_create(actor=request.auth, code=payload.code, name=payload.name, parent=parent))


@router.get("/products", response={200: ProductPageOut, **ERRORS}, summary="List products")
def product_list_api(request, query: Query[ProductListQuery]):
    qs = product_list()
    if query.q and query.q.strip():
        text_ = query.q.strip()
        qs = qs.filter(Q(model_code__istartswith=text_) | Q(name__icontains=text_))
    if query.category_id:
        qs = qs.filter(category_id=query.category_id)
    if query.active is not None:
        qs = qs.filter(is_active=query.active)
    return page_out(keyset_page(qs, order=["model_code", "id"], cursor=query.cursor, size=query.size))


@router.post(
    "/products", response={201: ProductOut, **ERRORS}, summary="Create a product", auth=api_roles(MASTER_DATA_ROLES)
)
def product_create_api(request, payload: ProductIn):
    data = payload.dict()
    category = _ref(category_list(), data.pop("category_id"), "category_id")
    return Reply(201, product_create(actor=request.auth, category=category, **data))


@router.get("/products/{int:product_id}", response={200: ProductOut, **ERRORS}, summary="Get a product")
def product_get(request, product_id: int):
    return get_object_or_404(product_list(), pk=product_id)


@router.patch(
    "/products/{int:product_id}",
    response={200: ProductOut, **ERRORS},
    summary="Change a product",
    auth=api_roles(MASTER_DATA_ROLES),
)
def product_patch(request, product_id: int, payload: ProductPatch):
    """Send only the fields to change."""
    product = get_object_or_404(product_list(), pk=product_id)
    data = payload.dict(exclude_unset=True)
    for field, value in data.items():
        if value is None:
            raise ValidationFailed(fields={field: [_("This field cannot be empty.")]})
    if "category_id" in data:
        data["category"] = _ref(category_list(), data.pop("category_id"), "category_id")
    return product_update(actor=request.auth, product=product, **data)


@router.get("/products/{int:product_id}/manuals", response={200: list[ManualOut], **ERRORS}, summary="List manuals")
def manual_list(request, product_id: int):
    product = get_object_or_404(product_list(), pk=product_id)
    return list(product.manuals.order_by("title", "id"))


@router.post(
    "/products/{int:product_id}/manuals",
    response={201: ManualOut, **ERRORS},
    summary="Upload a manual",
    auth=api_roles(MASTER_DATA_ROLES),
)
def manual_upload(request, product_id: int, file: File[UploadedFile], title: text(200) = Form("")):  # noqa: B008 - ninja idiom
    """A PDF, photo or video; the type is read from the file's bytes."""
    product = get_object_or_404(product_list(), pk=product_id)
    return Reply(201, manual_add(actor=request.auth, product=product, title=title, upload=file))


@router.get("/products/{int:product_id}/manuals/{int:manual_id}/file", response={**ERRORS}, summary="Download a manual")
def manual_download(request, product_id: int, manual_id: int):
    product = get_object_or_404(product_list(), pk=product_id)
    manual: ProductManual = get_object_or_404(product.manuals, pk=manual_id)
    ext = manual.file.name.rsplit(".", 1)[-1] if "." in manual.file.name else "bin"
    return download_response(
        manual.file, filename=f"{manual.title}.{ext}", content_type=manual.content_type, inline=True
    )


# --- units ----------------------------------------------------------------------------


@router.get("/units", response={200: UnitPageOut, **ERRORS}, summary="List product units")
def unit_list_api(request, query: Query[UnitListQuery]):
    qs = unit_list_for(request.auth)
    if query.owner_id:
        qs = qs.filter(owner_id=query.owner_id)
    if query.product_id:
        qs = qs.filter(product_id=query.product_id)
    if query.serial and query.serial.strip():
        qs = qs.filter(serial_number=query.serial.strip().upper())
    return page_out(keyset_page(qs, order=["-id"], cursor=query.cursor, size=query.size))


@router.post(
    "/units",
    response={201: UnitOut, 200: UnitOut, **ERRORS},
    summary="Register a product unit",
    auth=api_roles(UNIT_WRITE_ROLES),
)
def unit_register_api(request, payload: UnitIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Warranty runs from the purchase date for the product's warranty months (R-SR-5).
    A serial number already registered answers 409 ``duplicate_serial``."""
    data = payload.dict()
    product = _ref(product_list(), data.pop("product_id"), "product_id")
    owner = _ref(customer_list_for(request.auth), data.pop("owner_id"), "owner_id")
    address_id = data.pop("address_id")
    address = _ref(address_list_for_customer(owner), address_id, "address_id") if address_id else None
    unit, created = idempotent_create(
        user=request.auth,
        scope="unit.register",
        key=idempotency_key,
        payload=payload.dict(),
        model=ProductUnit,
        create=lambda: unit_register(actor=request.auth, product=product, owner=owner, address=address, **data),
    )
    return Reply(201 if created else 200, unit_get_for(request.auth, unit.pk))


@router.get("/units/by-serial/{serial}", response={200: UnitOut, **ERRORS}, summary="Look up a unit by serial")
def unit_by_serial(request, serial: str):
    """Warranty lookup by serial number (R-POR-1); only units the caller may see."""
    unit = unit_find_by_serial(request.auth, serial[:64].replace("\x00", ""))
    if unit is None:
        raise Http404
    return unit


@router.get("/units/{int:unit_id}", response={200: UnitOut, **ERRORS}, summary="Get a product unit")
def unit_get(request, unit_id: int):
    return unit_get_for(request.auth, unit_id)


@router.patch(
    "/units/{int:unit_id}",
    response={200: UnitOut, **ERRORS},
    summary="Change a product unit",
    auth=api_roles(UNIT_WRITE_ROLES),
)
def unit_patch(request, unit_id: int, payload: UnitPatch):
    """Send only the fields to change. A new owner keeps the address only if it is his."""
    unit = unit_get_for(request.auth, unit_id)
    data = payload.dict(exclude_unset=True)
    nullable = {"address_id", "purchase_date", "installation_date"}
    for field, value in data.items():
        if value is None and field not in nullable:
            raise ValidationFailed(fields={field: [_("This field cannot be empty.")]})
    owner = unit.owner
    if "owner_id" in data:
        owner = data["owner"] = _ref(customer_list_for(request.auth), data.pop("owner_id"), "owner_id")
    if "address_id" in data:
        address_id = data.pop("address_id")
        data["address"] = _ref(address_list_for_customer(owner), address_id, "address_id") if address_id else None
    elif "owner" in data and unit.address_id and unit.address.customer_id != owner.pk:
        data["address"] = None
    unit_update(actor=request.auth, unit=unit, **data)
    return unit_get_for(request.auth, unit.pk)
