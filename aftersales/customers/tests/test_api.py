"""/api/customers: auth, scoping, validation, idempotency, pagination."""

import base64
import json

import pytest
from django.test import Client

from aftersales.accounts.choices import Role
from aftersales.accounts.services import api_token_create, api_token_revoke
from aftersales.core.models import AuditEvent
from aftersales.customers.models import Customer
from aftersales.customers.services import customer_create
from aftersales.customers.tests.factories import CustomerFactory, RegionFactory
from aftersales.tickets.choices import Action
from aftersales.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db
URL = "/api/customers"


def api(user=None, **kwargs):
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def assigned_request(*, agent, dispatcher, technician, customer):
    req = request_create(actor=agent, customer=customer, channel="phone", service_type="repair", description="不制冷")
    request_transition(actor=agent, request=req, action=Action.ACKNOWLEDGE)
    return request_transition(actor=dispatcher, request=req, action=Action.ASSIGN, technician=technician)


# --- authentication -------------------------------------------------------------------


def test_anonymous_gets_401_in_the_error_shape():
    r = api().get(URL)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert set(r.json()) >= {"code", "message", "fields"}


def test_bearer_token_authenticates_and_revoked_token_does_not(agent):
    token, secret = api_token_create(actor=agent, user=agent, name="crm")
    CustomerFactory()
    r = api().get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r.status_code == 200
    assert len(r.json()["items"]) == 1
    api_token_revoke(actor=agent, token=token)
    assert api().get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert api().get(URL, HTTP_AUTHORIZATION="Bearer as_not-a-token").status_code == 401


def test_session_post_without_csrf_token_is_refused(agent):
    r = api(agent, enforce_csrf_checks=True).post(
        URL, {"name": "张三", "phone": "13812345678"}, content_type="application/json"
    )
    assert r.status_code == 403
    assert not Customer.objects.exists()


def test_bearer_post_needs_no_csrf_token(agent):
    _, secret = api_token_create(actor=agent, user=agent, name="crm")
    r = api(enforce_csrf_checks=True).post(
        URL,
        {"name": "张三", "phone": "13812345678"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert r.status_code == 201


# --- create ---------------------------------------------------------------------------


def test_agent_creates_a_customer_with_normalized_phone_and_audit(agent):
    r = api(agent).post(
        URL,
        {"name": " 张三 ", "phone": "138 1234 5678", "email": "zs@example.com", "tier_override": 3},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["name"] == "张三"
    assert body["phone"] == "+8613812345678"
    assert body["phone_display"] == "138 1234 5678"
    assert body["tier"] == 3
    assert AuditEvent.objects.filter(action="customer.create", object_id=str(body["id"]), actor=agent).exists()


def test_duplicate_phone_answers_409_with_the_existing_customer(agent):
    existing = customer_create(actor=agent, name="李四", phone="13812345678")
    r = api(agent).post(URL, {"name": "李四2", "phone": "+86 138 1234 5678"}, content_type="application/json")
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate_phone"
    assert r.json()["existing_id"] == existing.pk
    r = api(agent).post(
        URL, {"name": "李四2", "phone": "13812345678", "allow_duplicate_phone": True}, content_type="application/json"
    )
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"name": "王五", "phone": "12345"}, 400, "phone"),
        ({"name": "王五", "phone": "13812345678", "email": "not-an-email"}, 422, "email"),
        ({"name": "", "phone": "13812345678"}, 422, "name"),
        ({"name": "王\x00五", "phone": "13812345678"}, 422, "name"),
        ({"name": "王" * 101, "phone": "13812345678"}, 422, "name"),
        ({"name": "王五", "phone": "13812345678", "kind": "alien"}, 422, "kind"),
        ({"name": "王五", "phone": "13812345678", "tier_override": 9}, 422, "tier_override"),
        ({"phone": "13812345678"}, 422, "name"),
    ],
)
def test_invalid_customer_input_is_a_4xx_naming_the_field(agent, payload, status, field):
    r = api(agent).post(URL, payload, content_type="application/json")
    assert r.status_code == status, r.json()
    assert field in r.json()["fields"]
    assert not Customer.objects.exists()


def test_non_json_body_is_a_4xx(agent):
    r = api(agent).post(URL, "{not json", content_type="application/json")
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PARTS_CLERK, Role.CUSTOMER])
def test_roles_outside_intake_cannot_create_customers(make_user, role):
    r = api(make_user(role)).post(URL, {"name": "张三", "phone": "13812345678"}, content_type="application/json")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert not Customer.objects.exists()


def test_idempotency_key_replays_the_first_result(agent):
    client = api(agent)
    payload = {"name": "张三", "phone": "13812345678"}
    first = client.post(URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Customer.objects.count() == 1
    other = client.post(URL, {**payload, "name": "别人"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


# --- read and scoping -----------------------------------------------------------------


def test_technician_sees_only_customers_of_his_jobs(agent, dispatcher, technician):
    mine, other = CustomerFactory(), CustomerFactory()
    assigned_request(agent=agent, dispatcher=dispatcher, technician=technician, customer=mine)
    client = api(technician)
    assert [c["id"] for c in client.get(URL).json()["items"]] == [mine.pk]
    assert client.get(f"{URL}/{mine.pk}").status_code == 200
    r = client.get(f"{URL}/{other.pk}")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_customer_sees_only_himself(customer_user):
    me = CustomerFactory(user=customer_user)
    someone = CustomerFactory()
    client = api(customer_user)
    assert [c["id"] for c in client.get(URL).json()["items"]] == [me.pk]
    assert client.get(f"{URL}/{someone.pk}").status_code == 404


def test_search_by_last_digits_and_name(agent):
    a = customer_create(actor=agent, name="张三", phone="13812345678")
    b = customer_create(actor=agent, name="李四", phone="13900001111")
    client = api(agent)
    assert [c["id"] for c in client.get(URL, {"q": "5678"}).json()["items"]] == [a.pk]
    assert [c["id"] for c in client.get(URL, {"q": "李"}).json()["items"]] == [b.pk]


def test_keyset_pages_cover_every_row_once(agent):
    ids = {CustomerFactory().pk for _ in range(5)}
    client = api(agent)
    seen, cursor = [], None
    while True:
        params = {"size": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get(URL, params).json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)
    assert seen == sorted(ids, reverse=True)


@pytest.mark.parametrize("params", [{"cursor": "garbage!"}, {"size": 0}, {"size": 1000}, {"size": "x"}])
def test_bad_page_parameters_are_a_4xx(agent, params):
    r = api(agent).get(URL, params)
    assert r.status_code in (400, 422)
    assert r.json()["code"] == "invalid"


def test_huge_id_is_a_404_not_a_500(agent):
    assert api(agent).get(f"{URL}/{2**70}").status_code == 404


# --- update ---------------------------------------------------------------------------


def test_agent_patches_only_the_fields_sent(agent):
    customer = customer_create(actor=agent, name="张三", phone="13812345678", email="a@example.com")
    r = api(agent).patch(f"{URL}/{customer.pk}", {"name": "张三丰"}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["name"] == "张三丰"
    assert r.json()["email"] == "a@example.com"
    assert AuditEvent.objects.filter(action="customer.update", object_id=str(customer.pk)).exists()


def test_patch_can_clear_tier_override_but_not_blank_required_fields(agent):
    customer = customer_create(actor=agent, name="张三", phone="13812345678", tier_override=3)
    client = api(agent)
    r = client.patch(f"{URL}/{customer.pk}", {"tier_override": None}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["tier_override"] is None
    assert r.json()["tier"] == 1
    r = client.patch(f"{URL}/{customer.pk}", {"name": None}, content_type="application/json")
    assert r.status_code == 400
    assert "name" in r.json()["fields"]


def test_technician_may_read_but_not_patch_a_customer_of_his_job(agent, dispatcher, technician):
    customer = CustomerFactory()
    assigned_request(agent=agent, dispatcher=dispatcher, technician=technician, customer=customer)
    r = api(technician).patch(f"{URL}/{customer.pk}", {"name": "改名"}, content_type="application/json")
    assert r.status_code == 403
    customer.refresh_from_db()
    assert customer.name != "改名"


# --- addresses and regions ------------------------------------------------------------


def test_addresses_first_is_default_and_region_sets_the_class(agent):
    customer = customer_create(actor=agent, name="张三", phone="13812345678")
    region = RegionFactory(region_class="remote")
    client = api(agent)
    url = f"{URL}/{customer.pk}/addresses"
    r = client.post(
        url,
        {"province": "上海市", "city": "上海市", "street": "张杨路1号", "region_id": region.pk, "latitude": "31.2304"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["is_default"] is True
    assert r.json()["region_class"] == "remote"
    r = client.post(
        url,
        {"province": "江苏省", "city": "苏州市", "street": "干将路2号", "is_default": True},
        content_type="application/json",
    )
    assert r.status_code == 201
    listed = client.get(url).json()
    assert [a["is_default"] for a in listed] == [True, False]
    assert listed[0]["city"] == "苏州市"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"province": "上海市", "city": "上海市", "street": ""}, 422, "street"),
        ({"province": "上海市", "city": "上海市", "street": "x", "latitude": "91"}, 422, "latitude"),
        ({"province": "上海市", "city": "上海市", "street": "x", "longitude": "1.1234567"}, 422, "longitude"),
        ({"province": "上海市", "city": "上海市", "street": "x", "region_id": 999999}, 400, "region_id"),
    ],
)
def test_invalid_address_input(agent, payload, status, field):
    customer = customer_create(actor=agent, name="张三", phone="13812345678")
    r = api(agent).post(f"{URL}/{customer.pk}/addresses", payload, content_type="application/json")
    assert r.status_code == status, r.json()
    assert field in r.json()["fields"]
    assert not customer.addresses.exists()


def test_address_of_an_invisible_customer_is_404(technician, agent):
    customer = CustomerFactory()
    payload = {"province": "a", "city": "b", "street": "c"}
    # A technician may not write customer records at all: refused for his role before any lookup (403,
    # whatever the id), which tells him nothing about the customer.
    assert (
        api(technician).post(f"{URL}/{customer.pk}/addresses", payload, content_type="application/json").status_code
        == 403
    )
    r = api(agent).post(f"{URL}/999999/addresses", payload, content_type="application/json")
    assert r.status_code == 404


def test_regions_are_created_by_managers_only(manager, agent):
    payload = {"code": "310115", "name": "浦东新区", "province": "上海市", "city": "上海市"}
    assert api(agent).post(f"{URL}/regions", payload, content_type="application/json").status_code == 403
    r = api(manager).post(f"{URL}/regions", payload, content_type="application/json")
    assert r.status_code == 201
    assert api(manager).post(f"{URL}/regions", payload, content_type="application/json").status_code == 409
    assert [x["code"] for x in api(agent).get(f"{URL}/regions").json()] == ["310115"]


def _cursor(values):
    return base64.urlsafe_b64encode(json.dumps({"v": values, "d": "n"}).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("url", "values"),
    [
        (URL, ["abc"]),
        ("/api/requests", ["abc", "x"]),
        ("/api/requests", [{"a": 1}, 1]),
        ("/api/catalog/products", [None, 1]),
        ("/api/catalog/units", [[1]]),
    ],
)
def test_well_formed_cursor_with_wrong_types_is_a_400(agent, url, values):
    CustomerFactory()
    r = api(agent).get(url, {"cursor": _cursor(values)})
    assert r.status_code == 400
    assert "cursor" in r.json()["fields"]
