"""customers.services and customers.selectors against the database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.customers.choices import CustomerKind, CustomerTier
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.customers.selectors import customer_list_for, customer_search
from aftersales.customers.services import address_create, customer_create, customer_update, region_create
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.choices import Action, Channel, ServiceType
from aftersales.tickets.services import request_create, request_transition


@pytest.fixture
def wang(agent):
    return customer_create(actor=agent, name="王芳", phone="138-1234-5678")


def _audits(obj):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")


def _file(actor, customer, **kwargs):
    kwargs.setdefault("service_type", ServiceType.REPAIR)
    return request_create(actor=actor, customer=customer, channel=Channel.PHONE, description="坏了", **kwargs)


# --- create / update ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_normalises_and_audits(agent):
    customer = customer_create(
        actor=agent,
        name=" 华信公司联系人 ",
        phone="+86 138 1234 5678",
        phone_alt="021-12345678",
        kind=CustomerKind.COMPANY,
        company_name=" 华信家居 ",
    )
    assert (customer.name, customer.phone, customer.phone_alt) == ("华信公司联系人", "+8613812345678", "+862112345678")
    assert customer.company_name == "华信家居"
    assert customer.tier == CustomerTier.NEW
    assert str(customer) == "华信家居（华信公司联系人）"
    audit = _audits(customer).get()
    assert (audit.action, audit.actor, audit.changes["phone"]) == ("customer.create", agent, [None, "+8613812345678"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("name", {"name": "  "}),
        ("name", {"name": "名" * 101}),
        ("phone", {"phone": "12345"}),
        ("phone_alt", {"phone_alt": "abc"}),
        ("kind", {"kind": "alien"}),
        ("tier_override", {"tier_override": 7}),
    ],
)
def test_create_refuses_bad_fields(agent, field, kwargs):
    data = {"name": "王芳", "phone": "13812345678", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        customer_create(actor=agent, **data)
    assert field in caught.value.fields
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("same_phone", ["13812345678", "+86 138 1234 5678", "138-1234-5678"])
def test_a_phone_on_file_is_a_conflict(agent, wang, same_phone):
    with pytest.raises(ConflictError) as caught:
        customer_create(actor=agent, name="王芳的丈夫", phone=same_phone)
    assert caught.value.code == "duplicate_phone"
    assert caught.value.as_dict()["existing_id"] == wang.pk
    assert "phone" in caught.value.fields
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_the_other_phone_counts_as_on_file_too(agent):
    first = customer_create(actor=agent, name="甲", phone="13900000001", phone_alt="13812345678")
    with pytest.raises(ConflictError) as caught:
        customer_create(actor=agent, name="乙", phone="13812345678")
    assert caught.value.extra["existing_id"] == first.pk


@pytest.mark.django_db
def test_duplicate_phone_allowed_on_request(agent, wang):
    twin = customer_create(actor=agent, name="王芳的丈夫", phone="13812345678", allow_duplicate_phone=True)
    assert twin.pk != wang.pk and twin.phone == wang.phone


@pytest.mark.django_db
def test_update_records_a_diff(agent, dispatcher, wang):
    customer = customer_update(actor=dispatcher, customer=wang, name="王芳芳", phone="+86 139 0000 1111", notes="")
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("王芳芳", "+8613900001111")
    audit = _audits(customer).last()
    assert (audit.action, audit.actor) == ("customer.update", dispatcher)
    assert audit.changes == {"name": ["王芳", "王芳芳"], "phone": ["+8613812345678", "+8613900001111"]}


@pytest.mark.django_db
def test_update_without_changes_writes_no_audit(agent, wang):
    customer_update(actor=agent, customer=wang, name="王芳", phone="13812345678")
    assert _audits(wang).count() == 1


@pytest.mark.django_db
def test_update_refusals(agent, wang):
    for data, field in [
        ({"tier": 3}, "tier"),
        ({"user": None}, "user"),
        ({"name": ""}, "name"),
        ({"phone": "x"}, "phone"),
        ({"kind": "x"}, "kind"),
        ({"tier_override": 9}, "tier_override"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            customer_update(actor=agent, customer=wang, **data)
        assert field in caught.value.fields
    wang.refresh_from_db()
    assert wang.name == "王芳"
    assert _audits(wang).count() == 1


# --- tiers ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tier_new_then_returning(agent, wang):
    _file(agent, wang)
    wang.refresh_from_db()
    assert (wang.tier, wang.stars) == (CustomerTier.NEW, "★")
    _file(agent, wang)
    wang.refresh_from_db()
    assert (wang.tier, wang.stars) == (CustomerTier.RETURNING, "★★")


@pytest.mark.django_db
def test_cancelled_requests_do_not_count(agent, manager, wang):
    request_transition(actor=manager, request=_file(agent, wang), action=Action.CANCEL, reason="wrong number")
    _file(agent, wang)
    wang.refresh_from_db()
    assert wang.tier == CustomerTier.NEW


@pytest.mark.django_db
def test_override_wins_and_can_be_lifted(agent, wang):
    customer_update(actor=agent, customer=wang, tier_override=CustomerTier.VIP)
    wang.refresh_from_db()
    assert (wang.tier, wang.stars) == (CustomerTier.VIP, "★★★")
    _file(agent, wang)
    _file(agent, wang)
    wang.refresh_from_db()
    assert wang.tier == CustomerTier.VIP
    customer_update(actor=agent, customer=wang, tier_override=None)
    wang.refresh_from_db()
    assert wang.tier == CustomerTier.RETURNING


@pytest.mark.django_db
def test_vip_from_creation(agent):
    vip = customer_create(actor=agent, name="赵总", phone="13700000000", tier_override=CustomerTier.VIP)
    assert vip.tier == CustomerTier.VIP
    _file(agent, vip)
    vip.refresh_from_db()
    assert vip.tier == CustomerTier.VIP


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_first_address_is_default_and_a_new_default_replaces_it(agent, wang):
    region = region_create(
        actor=agent, code="440305", name="南山区", province="广东省", city="深圳市", region_class="remote"
    )
    home = address_create(actor=agent, customer=wang, province="上海市", city="上海市", street="张杨路1号")
    office = address_create(
        actor=agent, customer=wang, province="广东省", city="深圳市", street="科技园2号", region=region
    )
    assert home.is_default and not office.is_default
    assert office.region_class == "remote"  # taken from the region
    third = address_create(
        actor=agent,
        customer=wang,
        province="北京市",
        city="北京市",
        street="长安街3号",
        is_default=True,
        latitude=Decimal("39.9042"),
        longitude=Decimal("116.4074"),
    )
    assert list(CustomerAddress.objects.filter(customer=wang, is_default=True)) == [third]
    assert list(wang.addresses.all())[0] == third
    assert _audits(third).get().action == "address.create"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"latitude": Decimal("90.5")}, {"latitude"}),
        ({"latitude": Decimal("-91")}, {"latitude"}),
        ({"longitude": Decimal("180.000001")}, {"longitude"}),
        ({"latitude": Decimal("91"), "longitude": Decimal("-181")}, {"latitude", "longitude"}),
        ({"street": " ", "city": ""}, {"street", "city"}),
        ({"region_class": "moon"}, {"region_class"}),
    ],
)
def test_address_refusals(agent, wang, kwargs, fields):
    data = {"province": "上海市", "city": "上海市", "street": "张杨路1号", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        address_create(actor=agent, customer=wang, **data)
    assert set(caught.value.fields) == fields
    assert not CustomerAddress.objects.exists()


@pytest.mark.django_db
def test_address_edges_are_allowed(agent, wang):
    address = address_create(
        actor=agent,
        customer=wang,
        province="x",
        city="y",
        street="z",
        latitude=Decimal("-90"),
        longitude=Decimal("180"),
    )
    address.refresh_from_db()
    assert (address.latitude, address.longitude) == (Decimal("-90"), Decimal("180"))


@pytest.mark.django_db
def test_region_code_is_unique(agent):
    region_create(actor=agent, code="310115", name="浦东新区", province="上海市", city="上海市")
    with pytest.raises(ConflictError) as caught:
        region_create(actor=agent, code="310115", name="又一个", province="上海市", city="上海市")
    assert "code" in caught.value.fields


# --- search and scoping ---------------------------------------------------------------------------


@pytest.fixture
def people(agent):
    return [
        customer_create(actor=agent, name="王芳", phone="13812345678"),
        customer_create(actor=agent, name="王小明", phone="13900005678"),
        customer_create(actor=agent, name="李雷", phone="13700001111", phone_alt="021-87654321"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("13812345678", ["王芳"]),
        ("+86 138 1234 5678", ["王芳"]),
        ("138-1234-5678", ["王芳"]),
        ("021-87654321", ["李雷"]),
        ("5678", ["王小明", "王芳"]),
        ("45678", ["王芳"]),
        ("1111", ["李雷"]),
        ("4321", ["李雷"]),
        ("王", ["王小明", "王芳"]),
        ("王芳", ["王芳"]),
        ("芳", []),
        ("123", []),
        ("", []),
    ],
)
def test_customer_search(agent, people, text, names):
    assert sorted(c.name for c in customer_search(agent, text)) == sorted(names)


@pytest.mark.django_db
def test_search_is_scoped(agent, dispatcher, technician, make_user, people):
    wang, ming, li = people
    request = _file(agent, wang, acknowledge=True)
    request_transition(actor=dispatcher, request=request, action=Action.ASSIGN, technician=technician)
    _file(agent, ming)
    assert [c.name for c in customer_search(technician, "王")] == ["王芳"]
    assert customer_search(technician, "5678") == [wang]
    assert customer_search(technician, "13900005678") == []
    assert list(customer_list_for(technician)) == [wang]
    assert customer_search(make_user(Role.TECHNICIAN), "王") == []
    assert len(customer_search(agent, "王")) == 2


@pytest.mark.django_db
def test_a_customer_sees_only_himself(make_user, people):
    me = make_user(Role.CUSTOMER)
    mine = CustomerFactory(user=me, name="王自己", phone="+8613600000000")
    assert list(customer_list_for(me)) == [mine]
    assert customer_search(me, "王") == [mine]


def test_update_refuses_a_phone_of_another_customer(agent):
    from aftersales.core.errors import ConflictError
    from aftersales.customers.services import customer_create, customer_update

    first = customer_create(actor=agent, name="甲", phone="13900000001")
    second = customer_create(actor=agent, name="乙", phone="13900000002")
    with pytest.raises(ConflictError) as exc:
        customer_update(actor=agent, customer=second, phone="139 0000 0001")
    assert exc.value.code == "duplicate_phone" and exc.value.extra["existing_id"] == first.pk
    second.refresh_from_db()
    assert second.phone == "+8613900000002"
    # Keeping one's own number, or an explicit override, is fine.
    customer_update(actor=agent, customer=second, phone="13900000002", name="乙二")
    customer_update(actor=agent, customer=second, phone="13900000001", allow_duplicate_phone=True)
    second.refresh_from_db()
    assert second.phone == "+8613900000001"


def test_create_with_address_is_one_transaction(agent):
    from aftersales.core.errors import ValidationFailed
    from aftersales.customers.models import Customer
    from aftersales.customers.services import customer_create

    with pytest.raises(ValidationFailed):
        customer_create(
            actor=agent, name="丙", phone="13900000003", address={"province": "上海市", "city": "", "street": ""}
        )
    assert not Customer.objects.filter(phone="+8613900000003").exists()
    customer = customer_create(
        actor=agent,
        name="丙",
        phone="13900000003",
        address={"province": "上海市", "city": "上海市", "street": "长乐路1号"},
    )
    assert [a.is_default for a in customer.addresses.all()] == [True]
