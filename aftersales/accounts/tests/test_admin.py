"""The admin site: every registered model's pages load; writes go through services;
the audit trail cannot be changed; API tokens are shown once; logins lock after failures."""

import io
import re

import axes.utils
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from aftersales.accounts.choices import Role
from aftersales.accounts.models import ApiToken, User
from aftersales.accounts.selectors import api_token_authenticate
from aftersales.accounts.services import api_token_create, user_create
from aftersales.catalog.models import Product, ProductUnit
from aftersales.catalog.services import category_create, product_create
from aftersales.core.models import AuditEvent, Sequence
from aftersales.customers.models import Customer
from aftersales.customers.services import customer_create
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_create

pytestmark = pytest.mark.django_db


def web(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def some_of_everything(admin_user, agent):
    """At least one row of every registered model, built through services."""
    customer = customer_create(actor=agent, name="王先生", phone="13800000001")
    category = category_create(actor=admin_user, code="ac", name="空调")
    product = product_create(actor=admin_user, model_code="KF-35", name="变频空调", category=category)
    request_create(actor=agent, customer=customer, channel="phone", service_type="repair", description="不制冷")
    api_token_create(actor=admin_user, user=agent, name="crm")
    return {"customer": customer, "product": product}


def model_urls(suffix):
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield model, model_admin, reverse(f"admin:{opts.app_label}_{opts.model_name}_{suffix}")


def test_every_changelist_and_add_page_loads(admin_user, some_of_everything):
    client = web(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    checked = 0
    for model, model_admin, url in model_urls("changelist"):
        r = client.get(url)
        assert r.status_code == 200, url
        checked += 1
        request = r.wsgi_request
        if model_admin.has_add_permission(request):
            assert client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")).status_code == 200
    assert checked >= 12
    # and a search, which each list offers
    for _model, _admin, url in model_urls("changelist"):
        assert client.get(url, {"q": "138"}).status_code == 200, url


def test_every_change_page_of_an_existing_row_loads(admin_user, some_of_everything):
    client = web(admin_user)
    for model, _model_admin, _url in model_urls("changelist"):
        obj = model._default_manager.first()
        if obj is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200, url


def test_admin_refuses_non_staff(agent):
    r = web(agent).get(reverse("admin:index"))
    assert r.status_code == 302 and "/admin/login/" in r.url


# --- read-only records -----------------------------------------------------------------


def test_audit_event_admin_refuses_add_change_and_delete(admin_user, agent):
    customer = customer_create(actor=agent, name="王先生", phone="13800000001")
    event = AuditEvent.objects.get(action="customer.create")
    client = web(admin_user)
    change_url = reverse("admin:core_auditevent_change", args=[event.pk])
    r = client.get(change_url)
    assert r.status_code == 200
    assert b'name="_save"' not in r.content  # view only
    r = client.post(change_url, {"action": "tampered", "actor_label": "x"})
    assert r.status_code == 403
    r = client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert r.status_code == 403
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    r = client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    event.refresh_from_db()
    assert event.action == "customer.create"
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert customer.pk


def test_sequence_and_service_request_are_read_only(admin_user, agent, some_of_everything):
    client = web(admin_user)
    # On PostgreSQL numbers come from native sequences; the table is the SQLite counter.
    seq = Sequence.objects.first() or Sequence.objects.create(name="sr-test", value=1)
    assert client.post(reverse("admin:core_sequence_change", args=[seq.pk]), {"value": 0}).status_code == 403
    req = ServiceRequest.objects.get()
    url = reverse("admin:tickets_servicerequest_change", args=[req.pk])
    r = client.get(url)
    assert r.status_code == 200 and req.number.encode() in r.content
    assert client.post(url, {"status": "closed"}).status_code == 403
    req.refresh_from_db()
    assert req.status == "new"
    r = client.get(reverse("admin:tickets_servicerequest_changelist"), {"q": req.number.lower()})
    assert r.status_code == 200 and req.number.encode() in r.content


# --- writes through services -----------------------------------------------------------


def test_admin_customer_add_normalises_the_phone_and_audits(admin_user):
    r = web(admin_user).post(
        reverse("admin:customers_customer_add"),
        {
            "kind": "person",
            "name": "李女士",
            "company_name": "",
            "phone": "139 1234 5678",
            "phone_alt": "",
            "email": "",
            "tier_override": "",
            "notes": "",
            "user": "",
            "addresses-TOTAL_FORMS": "1",
            "addresses-INITIAL_FORMS": "0",
            "addresses-MIN_NUM_FORMS": "0",
            "addresses-MAX_NUM_FORMS": "1000",
            "addresses-0-label": "家",
            "addresses-0-province": "上海市",
            "addresses-0-city": "上海市",
            "addresses-0-district": "浦东新区",
            "addresses-0-street": "张杨路500号",
            "addresses-0-region": "",
            "addresses-0-region_class": "urban",
            "addresses-0-latitude": "",
            "addresses-0-longitude": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    customer = Customer.objects.get()
    assert customer.phone == "+8613912345678"
    address = customer.addresses.get()
    assert address.street == "张杨路500号" and address.is_default  # address_create makes the first the default
    assert AuditEvent.objects.filter(action="customer.create", object_id=str(customer.pk)).exists()
    assert AuditEvent.objects.filter(action="address.create").exists()


def test_admin_customer_add_bad_or_duplicate_phone_is_a_form_error(admin_user, agent):
    customer_create(actor=agent, name="已有", phone="13800000001")
    base = {
        "kind": "person",
        "name": "新客户",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
        "addresses-MIN_NUM_FORMS": "0",
        "addresses-MAX_NUM_FORMS": "1000",
    }
    client = web(admin_user)
    for phone in ("12", "138 0000 0001"):
        r = client.post(reverse("admin:customers_customer_add"), {**base, "phone": phone})
        assert r.status_code == 200
        assert r.context["adminform"].form.errors["phone"]
    assert Customer.objects.count() == 1


def test_admin_customer_search_finds_a_typed_phone(admin_user, agent):
    customer_create(actor=agent, name="王先生", phone="13800000001")
    r = web(admin_user).get(reverse("admin:customers_customer_changelist"), {"q": "138 0000 0001"})
    assert "王先生" in r.content.decode()


def test_admin_unit_add_registers_through_the_service(admin_user, agent):
    customer = customer_create(actor=agent, name="王先生", phone="13800000001")
    category = category_create(actor=admin_user, code="ac", name="空调")
    product = product_create(
        actor=admin_user, model_code="KF-35", name="变频空调", category=category, warranty_months=24
    )
    r = web(admin_user).post(
        reverse("admin:catalog_productunit_add"),
        {
            "product": product.pk,
            "serial_number": " kf-0099 ",
            "owner": customer.pk,
            "address": "",
            "purchase_date": "2025-01-31",
            "purchase_channel": "store",
            "store_name": "国美",
            "invoice_number": "",
            "installation_date": "",
            "warranty_months": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    unit = ProductUnit.objects.get()
    assert unit.serial_number == "KF-0099"
    assert unit.warranty_months == 24
    assert str(unit.warranty_end) == "2027-01-30"
    assert AuditEvent.objects.filter(action="unit.register", object_id=str(unit.pk)).exists()
    r = web(admin_user).get(reverse("admin:catalog_productunit_changelist"), {"q": "kf-0099"})
    assert b"KF-0099" in r.content


def test_admin_unit_add_future_purchase_is_a_form_error(admin_user, agent):
    customer = customer_create(actor=agent, name="王先生", phone="13800000001")
    category = category_create(actor=admin_user, code="ac", name="空调")
    product = product_create(actor=admin_user, model_code="KF-35", name="变频空调", category=category)
    r = web(admin_user).post(
        reverse("admin:catalog_productunit_add"),
        {
            "product": product.pk,
            "serial_number": "SN-1",
            "owner": customer.pk,
            "purchase_date": "2999-01-01",
            "purchase_channel": "store",
        },
    )
    assert r.status_code == 200
    assert r.context["adminform"].form.errors["purchase_date"]
    assert not ProductUnit.objects.exists()


def test_admin_product_add_goes_through_the_service(admin_user):
    category = category_create(actor=admin_user, code="ac", name="空调")
    r = web(admin_user).post(
        reverse("admin:catalog_product_add"),
        {
            "model_code": "KF-72",
            "name": "柜机",
            "brand": "",
            "category": category.pk,
            "warranty_months": "36",
            "is_active": "on",
            "manuals-TOTAL_FORMS": "0",
            "manuals-INITIAL_FORMS": "0",
            "manuals-MIN_NUM_FORMS": "0",
            "manuals-MAX_NUM_FORMS": "1000",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    product = Product.objects.get()
    assert AuditEvent.objects.filter(action="product.create", object_id=str(product.pk)).exists()


def test_admin_user_add_goes_through_the_service(admin_user, own_org):
    r = web(admin_user).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newtech",
            "usable_password": "true",
            "password1": "Sehr-geheim-2026",
            "password2": "Sehr-geheim-2026",
            "role": Role.TECHNICIAN,
            "organization": own_org.pk,
            "last_name": "张",
            "first_name": "师傅",
            "email": "",
            "phone": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    user = User.objects.get(username="newtech")
    assert user.role == Role.TECHNICIAN and user.check_password("Sehr-geheim-2026")
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


def test_admin_user_add_staff_without_organization_is_a_form_error(admin_user):
    r = web(admin_user).post(
        reverse("admin:accounts_user_add"),
        {"username": "orphan", "usable_password": "false", "role": Role.AGENT, "organization": ""},
    )
    assert r.status_code == 200
    assert r.context["adminform"].form.errors["organization"]
    assert not User.objects.filter(username="orphan").exists()


# --- API tokens ------------------------------------------------------------------------


def test_admin_token_add_shows_the_secret_once(admin_user, agent):
    client = web(admin_user)
    r = client.post(reverse("admin:accounts_apitoken_add"), {"user": agent.pk, "name": "ERP", "expires_at_0": ""})
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    secret = re.search(r'value="(as_[^"]+)"', r.content.decode()).group(1)
    assert api_token_authenticate(secret) == agent
    token = ApiToken.objects.get()
    assert token.digest == ApiToken.digest_of(secret)
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in page and token.prefix in page
    assert AuditEvent.objects.filter(action="api_token.create").exists()


def test_admin_token_revoke_action(admin_user, agent):
    token, secret = api_token_create(actor=admin_user, user=agent, name="crm")
    r = web(admin_user).post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert r.status_code == 302
    assert api_token_authenticate(secret) is None


def test_token_admin_add_refused_to_staff_who_are_not_administrators(admin_user, own_org):
    staff = user_create(
        actor=admin_user,
        username="boss",
        password="pw-Test-123",
        role=Role.MANAGER,
        organization=own_org,
        is_staff=True,
    )
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="apitoken"))
    assert web(staff).get(reverse("admin:accounts_apitoken_add")).status_code == 403


# --- create_api_token command ----------------------------------------------------------


def test_create_api_token_command_prints_a_working_secret(agent):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", agent.username, "--name", "ERP sync", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("as_")
    assert api_token_authenticate(secret) == agent
    assert ApiToken.objects.get().name == "ERP sync"
    assert secret not in err.getvalue()


def test_create_api_token_command_unknown_user():
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "--name", "x", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


# --- login lockout (django-axes) -------------------------------------------------------


@pytest.fixture
def axes_reset():
    yield
    axes.utils.reset()


def test_login_locks_out_after_five_failures(agent, settings, axes_reset):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("accounts:login")
    for _ in range(4):
        r = client.post(url, {"username": agent.username, "password": "wrong"})
        assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated
    r = client.post(url, {"username": agent.username, "password": "wrong"})
    r = client.post(url, {"username": agent.username, "password": "pw-Test-123"})
    assert r.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in r.templates]
    assert "_auth_user_id" not in client.session


def test_login_right_password_before_the_limit_works(agent, axes_reset):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("accounts:login")
    for _ in range(3):
        client.post(url, {"username": agent.username, "password": "wrong"})
    r = client.post(url, {"username": agent.username, "password": "pw-Test-123"})
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)
