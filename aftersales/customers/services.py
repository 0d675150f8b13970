from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.phones import phone_normalize

from .choices import CustomerKind, CustomerTier, RegionClass
from .models import Customer, CustomerAddress, Region
from .slots import HISTORY_COUNT

# A customer with this many service requests (not cancelled) before is "returning".
RETURNING_AFTER_REQUESTS = 1


def _check_choice(value, choices, field):
    if value not in choices.values:
        raise ValidationFailed(fields={field: [_("Choose one of: %(v)s") % {"v": ", ".join(map(str, choices.values))}]})


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A name is required."), fields={"name": [_("A name is required.")]})
    limit = Customer._meta.get_field("name").max_length
    if len(name) > limit:
        raise ValidationFailed(fields={"name": [_("At most %(n)d characters.") % {"n": limit}]})
    return name


@transaction.atomic
def customer_create(
    *,
    actor,
    name: str,
    phone: str,
    kind: str = CustomerKind.PERSON,
    company_name: str = "",
    phone_alt: str = "",
    email: str = "",
    notes: str = "",
    tier_override: int | None = None,
    allow_duplicate_phone: bool = False,
    user=None,
    address: dict | None = None,
) -> Customer:
    """Create a customer. A phone already on file is refused unless ``allow_duplicate_phone``.
    ``user`` links a portal login (role customer) to the record; ``address`` (the keyword
    arguments of ``address_create``) adds the first address in the same transaction."""
    name = _check_name(name)
    _check_choice(kind, CustomerKind, "kind")
    if tier_override is not None:
        _check_choice(tier_override, CustomerTier, "tier_override")
    if user is not None and user.role != "customer":
        raise ValidationFailed(fields={"user": [_("Only a customer login can be linked to a customer.")]})
    e164 = phone_normalize(phone)
    alt = phone_normalize(phone_alt, field="phone_alt") if phone_alt else ""
    if not allow_duplicate_phone:
        _refuse_duplicate_phone(e164)
    customer = Customer.objects.create(
        kind=kind,
        name=name,
        company_name=company_name.strip(),
        phone=e164,
        phone_alt=alt,
        email=email.strip(),
        notes=notes,
        tier_override=tier_override,
        tier=tier_override or CustomerTier.NEW,
        user=user,
    )
    audit_record(
        actor=actor, action="customer.create", obj=customer, changes={"name": [None, name], "phone": [None, e164]}
    )
    if address:
        address_create(actor=actor, customer=customer, **{"is_default": True, **address})
    return customer


def _refuse_duplicate_phone(e164: str, *, exclude_pk: int | None = None) -> None:
    """Duplicate detection on intake: one phone, one customer (unless explicitly allowed)."""
    existing = customer_find_by_phone(e164, exclude_pk=exclude_pk)
    if existing is not None:
        raise ConflictError(
            _("A customer with this phone number already exists: %(name)s.") % {"name": existing},
            code="duplicate_phone",
            fields={"phone": [_("Already used by customer #%(id)s.") % {"id": existing.pk}]},
            extra={"existing_id": existing.pk},
        )


def customer_find_by_phone(e164: str, *, exclude_pk: int | None = None) -> Customer | None:
    qs = Customer.objects.exclude(pk=exclude_pk) if exclude_pk else Customer.objects.all()
    return qs.filter(phone=e164).order_by("id").first() or qs.filter(phone_alt=e164).order_by("id").first()


@transaction.atomic
def customer_update(*, actor, customer: Customer, allow_duplicate_phone: bool = False, **data) -> Customer:
    allowed = {"name", "kind", "company_name", "phone", "phone_alt", "email", "notes", "tier_override"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in unknown})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if "name" in data:
        data["name"] = _check_name(data["name"])
    if "kind" in data:
        _check_choice(data["kind"], CustomerKind, "kind")
    if "phone" in data:
        data["phone"] = phone_normalize(data["phone"])
        if data["phone"] != customer.phone and not allow_duplicate_phone:
            _refuse_duplicate_phone(data["phone"], exclude_pk=customer.pk)
    if data.get("phone_alt"):
        data["phone_alt"] = phone_normalize(data["phone_alt"], field="phone_alt")
    if data.get("tier_override") is not None:
        _check_choice(data["tier_override"], CustomerTier, "tier_override")
    changes = diff_fields(customer, data)
    if changes:
        customer.save()
        audit_record(actor=actor, action="customer.update", obj=customer, changes=changes)
        if "tier_override" in changes:
            customer_refresh_tier(customer=customer)
    return customer


def customer_refresh_tier(*, customer: Customer, grew: bool = False) -> int:
    """Derive ★/★★ from history (what the apps above count for him: ``slots.HISTORY_COUNT``, the
    requests he filed); ★★★ (VIP) and any override come from ``tier_override``.

    ``grew``: the customer has just filed one more request, so a returning customer stays
    returning and nothing needs counting."""
    if customer.tier_override:
        tier = customer.tier_override
    elif grew and customer.tier == CustomerTier.RETURNING:
        return customer.tier
    else:
        counted = sum(HISTORY_COUNT.call(customer))
        tier = CustomerTier.RETURNING if counted > RETURNING_AFTER_REQUESTS else CustomerTier.NEW
    if tier != customer.tier:
        Customer.objects.filter(pk=customer.pk).update(tier=tier)
        customer.tier = tier
    return tier


@transaction.atomic
def address_create(
    *,
    actor,
    customer: Customer,
    province: str,
    city: str,
    street: str,
    district: str = "",
    label: str = "",
    region: Region | None = None,
    region_class: str | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    is_default: bool = False,
) -> CustomerAddress:
    errors = {}
    for field, value in (("province", province), ("city", city), ("street", street)):
        if not (value or "").strip():
            errors[field] = [_("This field is required.")]
    if latitude is not None and not (-90 <= Decimal(latitude) <= 90):
        errors["latitude"] = [_("Between -90 and 90.")]
    if longitude is not None and not (-180 <= Decimal(longitude) <= 180):
        errors["longitude"] = [_("Between -180 and 180.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if region_class is None:
        region_class = region.region_class if region else RegionClass.URBAN
    _check_choice(region_class, RegionClass, "region_class")
    first = not customer.addresses.exists()
    if is_default and not first:
        CustomerAddress.objects.filter(customer=customer, is_default=True).update(is_default=False)
    address = CustomerAddress.objects.create(
        customer=customer,
        label=label,
        province=province.strip(),
        city=city.strip(),
        district=district.strip(),
        street=street.strip(),
        region=region,
        region_class=region_class,
        latitude=latitude,
        longitude=longitude,
        is_default=is_default or first,
    )
    audit_record(actor=actor, action="address.create", obj=address, changes={"address": [None, str(address)]})
    return address


@transaction.atomic
def region_create(
    *, actor, code: str, name: str, province: str, city: str, region_class: str = RegionClass.URBAN
) -> Region:
    _check_choice(region_class, RegionClass, "region_class")
    if Region.objects.filter(code=code).exists():
        raise ConflictError(fields={"code": [_("This code is already used.")]})
    region = Region.objects.create(code=code, name=name, province=province, city=city, region_class=region_class)
    audit_record(actor=actor, action="region.create", obj=region, changes={"name": [None, name]})
    return region
