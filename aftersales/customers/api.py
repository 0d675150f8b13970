"""/api/customers: customers, their addresses, and service regions.

Reads are scoped by ``customer_list_for`` (a technician or partner sees the customers of
the requests he holds, a customer himself). Writes are for intake staff; regions for
managers and administrators.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as Reply

from aftersales.core.errors import ValidationFailed
from aftersales.core.idempotency import idempotent_reply
from aftersales.core.pagination import Page, keyset_page
from aftersales.core.permissions import api_roles
from aftersales.core.phones import phone_display
from aftersales.core.schemas import (
    ERRORS,
    Email,
    Id,
    InputSchema,
    Latitude,
    Longitude,
    PageInfo,
    PageSize,
    page_out,
    text,
)

from .choices import CustomerKind, CustomerTier, RegionClass
from .models import Customer, CustomerAddress
from .permissions import REGION_WRITE_ROLES, WRITE_ROLES
from .selectors import address_list_for_customer, customer_get_for, customer_list_for, customer_search, region_list
from .services import address_create, customer_create, customer_update, region_create

router = Router(tags=["customers"])

# --- schemas --------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    kind: CustomerKind
    name: str
    company_name: str
    phone: str = Field(description="E.164, e.g. +8613812345678")
    phone_display: str
    phone_alt: str
    email: str
    tier: CustomerTier
    tier_label: str
    tier_override: CustomerTier | None
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_phone_display(obj: Customer) -> str:
        return phone_display(obj.phone)

    @staticmethod
    def resolve_tier_label(obj: Customer) -> str:
        return obj.get_tier_display()


class CustomerPageOut(PageInfo):
    items: list[CustomerOut]


class CustomerIn(InputSchema):
    name: text(100, min_length=1)
    phone: text(32, min_length=1) = Field(description="Mobile or landline; +country prefix for abroad.")
    kind: CustomerKind = CustomerKind.PERSON
    company_name: text(200) = ""
    phone_alt: text(32) = ""
    email: Email = ""
    notes: text(5000) = ""
    tier_override: CustomerTier | None = None
    allow_duplicate_phone: bool = Field(False, description="Create even if the phone is already on file.")


class CustomerPatch(InputSchema):
    name: text(100, min_length=1) | None = None
    phone: text(32, min_length=1) | None = None
    kind: CustomerKind | None = None
    company_name: text(200) | None = None
    phone_alt: text(32) | None = None
    email: Email | None = None
    notes: text(5000) | None = None
    tier_override: CustomerTier | None = Field(None, description="null clears the override.")


class AddressOut(Schema):
    id: int
    label: str
    province: str
    city: str
    district: str
    street: str
    full: str
    region_id: int | None
    region_class: RegionClass
    latitude: Decimal | None
    longitude: Decimal | None
    is_default: bool

    @staticmethod
    def resolve_full(obj: CustomerAddress) -> str:
        return str(obj)


class AddressIn(InputSchema):
    province: text(50, min_length=1)
    city: text(50, min_length=1)
    street: text(200, min_length=1)
    district: text(50) = ""
    label: text(50) = ""
    region_id: Id | None = None
    region_class: RegionClass | None = Field(None, description="Defaults to the region's class, else urban.")
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    is_default: bool = False


class RegionOut(Schema):
    id: int
    code: str
    name: str
    province: str
    city: str
    region_class: RegionClass


class RegionIn(InputSchema):
    code: text(32, min_length=1)
    name: text(100, min_length=1)
    province: text(50, min_length=1)
    city: text(50, min_length=1)
    region_class: RegionClass = RegionClass.URBAN


class CustomerListQuery(Schema):
    q: text(100) | None = Field(None, description="Phone (full or last 4+ digits) or the start of a name.")
    cursor: text(500) | None = None
    size: PageSize = 25


# --- customers ------------------------------------------------------------------------


@router.get("", response={200: CustomerPageOut, **ERRORS}, summary="List customers")
def customer_list(request, query: Query[CustomerListQuery]):
    """Newest first, keyset-paginated. With ``q``: the best matches (one page, no cursor)."""
    if query.q and query.q.strip():
        return page_out(Page(items=customer_search(request.auth, query.q, limit=query.size)))
    page = keyset_page(customer_list_for(request.auth), order=["-id"], cursor=query.cursor, size=query.size)
    return page_out(page)


@router.post(
    "",
    response={201: CustomerOut, 200: CustomerOut, **ERRORS},
    summary="Create a customer",
    auth=api_roles(WRITE_ROLES),
)
def customer_create_api(
    request, payload: CustomerIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    """A phone already on file answers 409 ``duplicate_phone`` with ``existing_id`` unless
    ``allow_duplicate_phone``. A retry with the same ``Idempotency-Key`` returns the first result (200)."""
    return idempotent_reply(
        request,
        scope="customer.create",
        key=idempotency_key,
        payload=payload,
        model=Customer,
        create=lambda: customer_create(actor=request.auth, **payload.dict()),
    )


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="List service regions")
def region_list_api(request):
    return list(region_list())


@router.post(
    "/regions",
    response={201: RegionOut, **ERRORS},
    summary="Create a service region",
    auth=api_roles(REGION_WRITE_ROLES),
)
def region_create_api(request, payload: RegionIn):
    return Reply(201, region_create(actor=request.auth, **payload.dict()))


@router.get("/{int:customer_id}", response={200: CustomerOut, **ERRORS}, summary="Get a customer")
def customer_get(request, customer_id: int):
    return customer_get_for(request.auth, customer_id)


@router.patch(
    "/{int:customer_id}",
    response={200: CustomerOut, **ERRORS},
    summary="Change a customer",
    auth=api_roles(WRITE_ROLES),
)
def customer_patch(request, customer_id: int, payload: CustomerPatch):
    """Send only the fields to change."""
    customer = customer_get_for(request.auth, customer_id)
    data = payload.dict(exclude_unset=True)
    for field, value in data.items():
        if value is None and field != "tier_override":
            raise ValidationFailed(fields={field: [_("This field cannot be empty.")]})
    return customer_update(actor=request.auth, customer=customer, **data)


@router.get("/{int:customer_id}/addresses", response={200: list[AddressOut], **ERRORS}, summary="List addresses")
def address_list(request, customer_id: int):
    return list(address_list_for_customer(customer_get_for(request.auth, customer_id)))


@router.post(
    "/{int:customer_id}/addresses",
    response={201: AddressOut, **ERRORS},
    summary="Add an address",
    auth=api_roles(WRITE_ROLES),
)
def address_create_api(request, customer_id: int, payload: AddressIn):
    """The first address becomes the default; ``is_default`` moves the default here."""
    customer = customer_get_for(request.auth, customer_id)
    data = payload.dict()
    region_id = data.pop("region_id")
    region = None
    if region_id is not None:
        region = region_list().filter(pk=region_id).first()
        if region is None:
            raise ValidationFailed(fields={"region_id": [_("Unknown region.")]})
    return Reply(201, address_create(actor=request.auth, customer=customer, region=region, **data))
