"""Customer pages: list/search, detail, edit, add address — success, forbidden, invalid input."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.catalog.services import category_create, product_create, unit_register
from aftersales.core.models import AuditEvent
from aftersales.customers.choices import CustomerTier
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.customers.services import address_create, customer_create, customer_update, region_create
from aftersales.tickets.choices import Action
from aftersales.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db


def web(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def make_customer(actor, n=0, **kwargs):
    return customer_create(actor=actor, name=kwargs.pop("name", f"王客户{n}"), phone=f"1380000{n:04d}", **kwargs)


def make_unit(actor, customer, serial="SN-0001", *, product=None, days_ago=100):
    if product is None:
        category = category_create(actor=actor, code=f"cat-{serial}", name="空调")
        product = product_create(actor=actor, model_code=f"KF-{serial}", name="变频空调", category=category)
    return unit_register(
        actor=actor,
        product=product,
        serial_number=serial,
        owner=customer,
        purchase_date=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


def assigned_request(*, agent, dispatcher, technician, customer, unit=None):
    req = request_create(
        actor=agent, customer=customer, channel="phone", service_type="repair", description="不制冷", unit=unit
    )
    request_transition(actor=agent, request=req, action=Action.ACKNOWLEDGE)
    return request_transition(actor=dispatcher, request=req, action=Action.ASSIGN, technician=technician)


# --- list ------------------------------------------------------------------------------


def test_list_shows_customers_with_stars_newest_first(agent):
    older = make_customer(agent, 1, name="老客户")
    newer = make_customer(agent, 2, name="新客户", tier_override=CustomerTier.VIP)
    r = web(agent).get(reverse("customers:list"))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index("新客户") < html.index("老客户")
    assert "★★★" in html
    assert reverse("customers:detail", args=[older.pk]) in html
    assert reverse("customers:detail", args=[newer.pk]) in html
    assert "138 0000 0001" in html  # phone_display, national format


def test_list_pages_with_a_keyset_cursor(agent):
    for n in range(27):
        make_customer(agent, n)
    first = web(agent).get(reverse("customers:list"))
    page = first.context["page"]
    assert len(page.items) == 25 and page.next_cursor and page.prev_cursor is None
    second = web(agent).get(reverse("customers:list"), {"cursor": page.next_cursor})
    assert second.status_code == 200
    assert len(second.context["page"].items) == 2
    seen = {c.pk for c in page.items} | {c.pk for c in second.context["page"].items}
    assert len(seen) == 27


def test_list_search_by_phone_and_by_name(agent):
    make_customer(agent, 1, name="张三")
    make_customer(agent, 2, name="李四")
    by_phone = web(agent).get(reverse("customers:list"), {"q": "138 0000 0002"})
    assert [row["customer"].name for row in by_phone.context["rows"]] == ["李四"]
    by_tail = web(agent).get(reverse("customers:list"), {"q": "0001"})
    assert [row["customer"].name for row in by_tail.context["rows"]] == ["张三"]
    by_name = web(agent).get(reverse("customers:list"), {"q": "张"})
    assert [row["customer"].name for row in by_name.context["rows"]] == ["张三"]


def test_list_anonymous_is_sent_to_login():
    r = web().get(reverse("customers:list"))
    assert r.status_code == 302
    assert r.url.startswith(reverse("accounts:login"))


def test_list_technician_sees_only_customers_of_his_jobs(agent, dispatcher, technician):
    mine = make_customer(agent, 1, name="我的客户")
    make_customer(agent, 2, name="别人的客户")
    assigned_request(agent=agent, dispatcher=dispatcher, technician=technician, customer=mine)
    r = web(technician).get(reverse("customers:list"))
    assert [row["customer"].pk for row in r.context["rows"]] == [mine.pk]
    r = web(technician).get(reverse("customers:list"), {"q": "别人"})
    assert r.context["rows"] == []


def test_list_bad_cursor_shows_the_error_not_a_500(agent):
    r = web(agent).get(reverse("customers:list"), {"cursor": "not-a-cursor"})
    assert r.status_code == 400
    assert "The page cursor is not valid." in r.content.decode()


def test_list_query_count_is_pinned(agent, django_assert_max_num_queries):
    for n in range(12):
        customer = make_customer(agent, n)
        address_create(actor=agent, customer=customer, province="上海市", city="上海市", street=f"张杨路{n}号")
    client = web(agent)
    # session, user, customers, prefetched addresses: the same for 12 rows as for 1
    with django_assert_max_num_queries(4):
        r = client.get(reverse("customers:list"))
    assert len(r.context["rows"]) == 12


# --- detail ----------------------------------------------------------------------------


def test_detail_shows_everything_about_the_customer(agent, dispatcher, technician):
    region = region_create(
        actor=agent, code="510000", name="四川偏远区", province="四川省", city="甘孜州", region_class="remote"
    )
    customer = make_customer(agent, 1, name="赵六", kind="company", company_name="赵氏家具", tier_override=3)
    customer_update(actor=agent, customer=customer, email="zhao@example.com", phone_alt="+44 20 7946 0958")
    address_create(
        actor=agent,
        customer=customer,
        province="四川省",
        city="甘孜州",
        district="康定市",
        street="炉城镇1号",
        region=region,
        latitude="30.050000",
        longitude="101.960000",
    )
    unit = make_unit(agent, customer, "SN-A1")
    req = assigned_request(agent=agent, dispatcher=dispatcher, technician=technician, customer=customer, unit=unit)
    r = web(agent).get(reverse("customers:detail", args=[customer.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    for text in ("赵六", "赵氏家具", "138 0000 0001", "+44 20 7946 0958", "zhao@example.com", "★★★", "炉城镇1号"):
        assert text in html, text
    assert "四川偏远区" in html and "30.050000" in html and "101.960000" in html
    assert reverse("catalog:unit", args=[unit.pk]) in html
    assert reverse("tickets:detail", args=[req.pk]) in html and req.number in html
    assert r.context["units"][0]["w"]["status"] == "in_warranty"
    assert r.context["can_write"] is True


def test_detail_customer_sees_himself_only(agent, customer_user):
    own = make_customer(agent, 1, user=customer_user)
    other = make_customer(agent, 2)
    client = web(customer_user)
    r = client.get(reverse("customers:detail", args=[own.pk]))
    assert r.status_code == 200
    assert reverse("customers:edit", args=[own.pk]) not in r.content.decode()
    assert client.get(reverse("customers:detail", args=[other.pk])).status_code == 404


def test_detail_foreign_customer_is_404_for_technician_and_partner(agent, technician, partner_user):
    customer = make_customer(agent, 1)
    for user in (technician, partner_user):
        assert web(user).get(reverse("customers:detail", args=[customer.pk])).status_code == 404


def test_detail_technician_sees_only_his_requests_of_the_customer(agent, dispatcher, technician, make_user):
    other_tech = make_user(Role.TECHNICIAN)
    customer = make_customer(agent, 1)
    mine = assigned_request(agent=agent, dispatcher=dispatcher, technician=technician, customer=customer)
    theirs = assigned_request(agent=agent, dispatcher=dispatcher, technician=other_tech, customer=customer)
    r = web(technician).get(reverse("customers:detail", args=[customer.pk]))
    assert r.status_code == 200
    assert [x.pk for x in r.context["service_requests"]] == [mine.pk]
    assert theirs.number not in r.content.decode()


def test_detail_anonymous_is_sent_to_login(agent):
    customer = make_customer(agent, 1)
    r = web().get(reverse("customers:detail", args=[customer.pk]))
    assert r.status_code == 302 and r.url.startswith(reverse("accounts:login"))


def test_detail_query_count_is_pinned(agent, dispatcher, technician, django_assert_max_num_queries):
    customer = make_customer(agent, 1)
    for n in range(3):
        address_create(actor=agent, customer=customer, province="上海市", city="上海市", street=f"张杨路{n}号")
    category = category_create(actor=agent, code="ac", name="空调")
    product = product_create(actor=agent, model_code="KF-35", name="变频空调", category=category)
    for n in range(5):
        unit = make_unit(agent, customer, f"SN-Q{n}", product=product)
        assigned_request(agent=agent, dispatcher=dispatcher, technician=technician, customer=customer, unit=unit)
    client = web(agent)
    # session, user, customer, units, requests, addresses: not one per row
    with django_assert_max_num_queries(6):
        r = client.get(reverse("customers:detail", args=[customer.pk]))
    assert len(r.context["units"]) == 5 and len(r.context["service_requests"]) == 5


# --- edit ------------------------------------------------------------------------------


def edit_data(customer, **changes):
    data = {
        "kind": customer.kind,
        "name": customer.name,
        "company_name": customer.company_name,
        "phone": customer.phone,
        "phone_alt": customer.phone_alt,
        "email": customer.email,
        "tier_override": customer.tier_override or "",
        "notes": customer.notes,
    }
    data.update(changes)
    return data


def test_edit_saves_through_the_service_and_sets_vip(agent):
    customer = make_customer(agent, 1)
    client = web(agent)
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 200
    r = client.post(
        reverse("customers:edit", args=[customer.pk]),
        edit_data(customer, name="王大伟", phone="139 1234 5678", tier_override="3"),
    )
    assert r.status_code == 302 and r.url == reverse("customers:detail", args=[customer.pk])
    customer.refresh_from_db()
    assert customer.name == "王大伟"
    assert customer.phone == "+8613912345678"
    assert customer.tier_override == CustomerTier.VIP and customer.tier == CustomerTier.VIP
    assert AuditEvent.objects.filter(action="customer.update", object_id=str(customer.pk)).exists()
    detail = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "★★★" in detail


def test_edit_clearing_the_override_derives_the_tier_again(agent):
    customer = make_customer(agent, 1, tier_override=CustomerTier.VIP)
    r = web(agent).post(reverse("customers:edit", args=[customer.pk]), edit_data(customer, tier_override=""))
    assert r.status_code == 302
    customer.refresh_from_db()
    assert customer.tier_override is None and customer.tier == CustomerTier.NEW


def test_edit_invalid_phone_shows_the_service_message_at_the_field(agent):
    customer = make_customer(agent, 1)
    events = AuditEvent.objects.count()
    r = web(agent).post(reverse("customers:edit", args=[customer.pk]), edit_data(customer, phone="12", name="改名"))
    assert r.status_code == 400
    form = r.context["form"]
    assert "Enter a mobile or landline number" in " ".join(form.errors["phone"])
    html = r.content.decode()
    assert "is-invalid" in html and "This is not a valid phone number." in html
    customer.refresh_from_db()
    assert customer.name == "王客户1" and customer.phone == "+8613800000001"
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PARTNER])
def test_edit_is_forbidden_to_field_roles_who_can_see_the_customer(role, agent, dispatcher, make_user, partner_org):
    customer = make_customer(agent, 1)
    if role == Role.TECHNICIAN:
        user = make_user(Role.TECHNICIAN)
        assigned_request(agent=agent, dispatcher=dispatcher, technician=user, customer=customer)
    else:
        user = make_user(Role.PARTNER, organization=partner_org)
        tech = make_user(Role.TECHNICIAN, organization=partner_org)
        assigned_request(agent=agent, dispatcher=dispatcher, technician=tech, customer=customer)
    client = web(user)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    r = client.post(reverse("customers:edit", args=[customer.pk]), edit_data(customer, name="黑客"))
    assert r.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "王客户1"


def test_edit_customer_himself_is_forbidden_and_missing_is_404(agent, customer_user):
    own = make_customer(agent, 1, user=customer_user)
    other = make_customer(agent, 2)
    client = web(customer_user)
    assert client.post(reverse("customers:edit", args=[own.pk]), edit_data(own, name="x")).status_code == 403
    # A wrong role is refused before the customer is looked up: 403 whatever the id (nothing learnt about it).
    assert client.post(reverse("customers:edit", args=[other.pk]), edit_data(other, name="x")).status_code == 403
    assert web(agent).get(reverse("customers:edit", args=[999999])).status_code == 404


def test_edit_anonymous_is_sent_to_login(agent):
    customer = make_customer(agent, 1)
    r = web().post(reverse("customers:edit", args=[customer.pk]), edit_data(customer, name="x"))
    assert r.status_code == 302 and r.url.startswith(reverse("accounts:login"))


# --- add address -----------------------------------------------------------------------


def address_data(**changes):
    data = {
        "label": "家",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "张杨路500号",
        "region": "",
        "region_class": "",
        "latitude": "31.230000",
        "longitude": "121.470000",
    }
    data.update(changes)
    return data


def test_address_add_creates_through_the_service(agent):
    customer = make_customer(agent, 1)
    region = region_create(actor=agent, code="310115", name="浦东新区", province="上海市", city="上海市")
    client = web(agent)
    assert client.get(reverse("customers:address_add", args=[customer.pk])).status_code == 200
    r = client.post(reverse("customers:address_add", args=[customer.pk]), address_data(region=region.pk))
    assert r.status_code == 302
    address = CustomerAddress.objects.get(customer=customer)
    assert address.street == "张杨路500号" and address.region == region and address.is_default
    assert AuditEvent.objects.filter(action="address.create").exists()


def test_address_add_missing_street_shows_the_error_at_the_field(agent):
    customer = make_customer(agent, 1)
    r = web(agent).post(reverse("customers:address_add", args=[customer.pk]), address_data(street="  "))
    assert r.status_code == 400
    assert r.context["form"].errors["street"]
    assert not CustomerAddress.objects.exists()


def test_address_add_forbidden_and_foreign(agent, dispatcher, technician):
    customer = make_customer(agent, 1)
    client = web(technician)
    # Refused for his role before the customer is looked up (403 for a foreign one too).
    assert client.post(reverse("customers:address_add", args=[customer.pk]), address_data()).status_code == 403
    assigned_request(agent=agent, dispatcher=dispatcher, technician=technician, customer=customer)
    assert client.post(reverse("customers:address_add", args=[customer.pk]), address_data()).status_code == 403
    assert not CustomerAddress.objects.exists()
    assert Customer.objects.count() == 1
