"""catalog.services and catalog.selectors against the database."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.catalog.choices import WarrantyStatus
from aftersales.catalog.models import ProductUnit
from aftersales.catalog.selectors import unit_find_by_serial, unit_list_for, unit_warranty
from aftersales.catalog.services import category_create, product_create, product_update, unit_register, unit_update
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.customers.services import address_create, customer_create
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.choices import Action, Channel, ServiceType
from aftersales.tickets.services import request_create, request_transition

D = datetime.date


@pytest.fixture
def product(agent):
    category = category_create(actor=agent, code="ac", name="空调")
    return product_create(actor=agent, model_code="KFR-35", name="挂式空调", category=category, warranty_months=12)


@pytest.fixture
def owner(agent):
    return customer_create(actor=agent, name="王芳", phone="13812345678")


@pytest.fixture
def other(agent):
    return customer_create(actor=agent, name="李雷", phone="13900001111")


@pytest.mark.django_db
def test_register_normalises_the_serial_and_computes_the_warranty(agent, product, owner):
    unit = unit_register(
        actor=agent, product=product, serial_number="  ab-123x ", owner=owner, purchase_date=D(2024, 1, 15)
    )
    unit.refresh_from_db()
    assert unit.serial_number == "AB-123X"
    assert unit.warranty_months == 12
    assert unit.warranty_end == D(2025, 1, 14)
    audit = AuditEvent.objects.get(object_type="catalog.productunit", object_id=str(unit.pk))
    assert (audit.action, audit.changes) == ("unit.register", {"serial_number": [None, "AB-123X"]})
    assert unit_find_by_serial(agent, "ab-123x") == unit


@pytest.mark.django_db
def test_register_with_extended_warranty(agent, product, owner):
    unit = unit_register(
        actor=agent, product=product, serial_number="X1", owner=owner, purchase_date=D(2024, 2, 29), warranty_months=36
    )
    assert unit.warranty_end == D(2027, 2, 27)


@pytest.mark.django_db
def test_register_refusals(agent, product, owner, other):
    today = timezone.localdate()
    foreign = address_create(actor=agent, customer=other, province="上海市", city="上海市", street="淮海路1号")
    cases = [
        ({"serial_number": "  "}, "serial_number"),
        ({"purchase_date": today + datetime.timedelta(days=1)}, "purchase_date"),
        ({"purchase_date": D(2024, 5, 2), "installation_date": D(2024, 5, 1)}, "installation_date"),
        ({"address": foreign}, "address"),
        ({"purchase_channel": "black_market"}, "purchase_channel"),
        ({"warranty_months": -1}, "warranty_months"),
    ]
    for kwargs, field in cases:
        data = {"serial_number": "SN-1", **kwargs}
        with pytest.raises(ValidationFailed) as caught:
            unit_register(actor=agent, product=product, owner=owner, **data)
        assert field in caught.value.fields, field
    assert not ProductUnit.objects.exists()


@pytest.mark.django_db
def test_install_on_purchase_day_and_purchase_today_are_fine(agent, product, owner):
    today = timezone.localdate()
    unit = unit_register(
        actor=agent, product=product, serial_number="SN-2", owner=owner, purchase_date=today, installation_date=today
    )
    assert unit_warranty(unit)["status"] == WarrantyStatus.IN_WARRANTY


@pytest.mark.django_db
@pytest.mark.parametrize("again", ["SN-1", "sn-1", " SN-1 "])
def test_duplicate_serial_is_a_conflict(agent, product, owner, other, again):
    unit_register(actor=agent, product=product, serial_number="SN-1", owner=owner)
    with pytest.raises(ConflictError) as caught:
        unit_register(actor=agent, product=product, serial_number=again, owner=other)
    assert caught.value.code == "duplicate_serial"
    assert "serial_number" in caught.value.fields
    assert ProductUnit.objects.count() == 1


@pytest.mark.django_db
def test_unit_warranty_summary(agent, product, owner):
    unit = unit_register(actor=agent, product=product, serial_number="W1", owner=owner, purchase_date=D(2024, 1, 15))
    assert unit_warranty(unit, on=D(2025, 1, 4)) == {"status": "in_warranty", "end": D(2025, 1, 14), "days_left": 10}
    assert unit_warranty(unit, on=D(2025, 1, 15))["status"] == WarrantyStatus.EXPIRED
    undated = unit_register(actor=agent, product=product, serial_number="W2", owner=owner)
    assert unit_warranty(undated) == {"status": "unknown", "end": None, "days_left": None}


@pytest.mark.django_db
def test_update_recomputes_the_warranty_and_checks_dates(agent, product, owner):
    unit = unit_register(actor=agent, product=product, serial_number="U1", owner=owner, purchase_date=D(2024, 1, 15))
    unit = unit_update(actor=agent, unit=unit, warranty_months=24)
    assert unit.warranty_end == D(2026, 1, 14)
    with pytest.raises(ValidationFailed) as caught:
        unit_update(actor=agent, unit=unit, installation_date=D(2024, 1, 1))
    assert "installation_date" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        unit_update(actor=agent, unit=unit, serial_number="NEW")
    assert "serial_number" in caught.value.fields


@pytest.mark.django_db
def test_update_keeps_the_address_with_the_owner(agent, product, owner, other):
    unit = unit_register(actor=agent, product=product, serial_number="U2", owner=owner)
    foreign = address_create(actor=agent, customer=other, province="上海市", city="上海市", street="淮海路1号")
    with pytest.raises(ValidationFailed) as caught:
        unit_update(actor=agent, unit=unit, address=foreign)
    assert "address" in caught.value.fields
    home = address_create(actor=agent, customer=owner, province="上海市", city="上海市", street="张杨路1号")
    unit = unit_update(actor=agent, unit=unit, address=home)
    with pytest.raises(ValidationFailed) as caught:
        unit_update(actor=agent, unit=unit, owner=other)  # the address would stay with the old owner
    assert "address" in caught.value.fields
    moved = unit_update(actor=agent, unit=unit, owner=other, address=foreign)
    assert (moved.owner, moved.address) == (other, foreign)
    with pytest.raises(ValidationFailed) as caught:
        unit_update(actor=agent, unit=unit, purchase_channel="nowhere")
    assert "purchase_channel" in caught.value.fields


@pytest.mark.django_db
def test_product_rules(agent, product):
    with pytest.raises(ConflictError):
        product_create(actor=agent, model_code="KFR-35", name="again", category=product.category)
    with pytest.raises(ValidationFailed) as caught:
        product_create(actor=agent, model_code=" ", name="", category=product.category, warranty_months=999)
    assert set(caught.value.fields) == {"model_code", "name", "warranty_months"}
    updated = product_update(actor=agent, product=product, warranty_months=24, is_active=False)
    assert (updated.warranty_months, updated.is_active) == (24, False)
    with pytest.raises(ValidationFailed):
        product_update(actor=agent, product=product, model_code="X")
    with pytest.raises(ConflictError):
        category_create(actor=agent, code="ac", name="dup")


@pytest.mark.django_db
def test_unit_list_for_scoping(agent, dispatcher, technician, make_user, partner_user, product, owner, other):
    me = make_user(Role.CUSTOMER)
    mine = CustomerFactory(user=me, phone="+8613600000000")
    mine_unit = unit_register(actor=agent, product=product, serial_number="M1", owner=mine)
    owner_unit = unit_register(actor=agent, product=product, serial_number="O1", owner=owner)
    other_unit = unit_register(actor=agent, product=product, serial_number="T1", owner=other)

    request = request_create(
        actor=agent,
        customer=owner,
        channel=Channel.PHONE,
        service_type=ServiceType.REPAIR,
        description="不制冷",
        unit=owner_unit,
        acknowledge=True,
    )
    request_transition(actor=dispatcher, request=request, action=Action.ASSIGN, technician=technician)

    assert set(unit_list_for(agent)) == {mine_unit, owner_unit, other_unit}
    assert list(unit_list_for(me)) == [mine_unit]
    assert list(unit_list_for(technician)) == [owner_unit]
    assert list(unit_list_for(make_user(Role.TECHNICIAN))) == []
    assert list(unit_list_for(partner_user)) == []
    assert unit_find_by_serial(technician, "t1") is None
    assert unit_find_by_serial(technician, "") is None
