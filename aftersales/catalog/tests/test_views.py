"""Catalog pages: products, manuals, unit detail — success, forbidden, invalid input."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.catalog.models import Product, ProductManual
from aftersales.catalog.services import category_create, manual_add, product_create, unit_register
from aftersales.core.models import AuditEvent
from aftersales.customers.services import address_create, customer_create
from aftersales.tickets.choices import Action
from aftersales.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def web(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def category(manager):
    return category_create(actor=manager, code="ac", name="空调")


@pytest.fixture
def product(manager, category):
    return product_create(actor=manager, model_code="KF-35GW", name="变频空调", category=category, warranty_months=36)


@pytest.fixture
def customer(agent):
    return customer_create(actor=agent, name="王先生", phone="13800000001")


def register(actor, product, owner, serial="SN-0001", days_ago=100, **kwargs):
    return unit_register(
        actor=actor,
        product=product,
        serial_number=serial,
        owner=owner,
        purchase_date=timezone.localdate() - datetime.timedelta(days=days_ago),
        **kwargs,
    )


def pdf(name="manual.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- products --------------------------------------------------------------------------


def test_product_list_filters_by_category(agent, manager, product):
    other = category_create(actor=manager, code="sofa", name="沙发")
    product_create(actor=manager, model_code="SF-01", name="三人沙发", category=other)
    client = web(agent)
    r = client.get(reverse("catalog:products"))
    assert r.status_code == 200
    assert {p.model_code for p in r.context["products"]} == {"KF-35GW", "SF-01"}
    r = client.get(reverse("catalog:products"), {"category": other.pk})
    assert [p.model_code for p in r.context["products"]] == ["SF-01"]
    assert "KF-35GW" not in r.content.decode()
    assert reverse("catalog:product_create") not in r.content.decode()  # agents do not edit the catalog


def test_product_list_unknown_category_is_a_form_error(agent, product):
    r = web(agent).get(reverse("catalog:products"), {"category": "999999"})
    assert r.status_code == 400
    assert r.context["form"].errors["category"]
    assert list(r.context["products"]) == []


def test_product_list_anonymous_is_sent_to_login():
    r = web().get(reverse("catalog:products"))
    assert r.status_code == 302 and r.url.startswith(reverse("accounts:login"))


def test_product_detail_shows_warranty_and_manuals(customer_user, manager, product):
    manual = manual_add(actor=manager, product=product, title="安装说明书", upload=pdf())
    r = web(customer_user).get(reverse("catalog:product", args=[product.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "36 months" in html and "安装说明书" in html
    assert reverse("catalog:manual", args=[manual.pk]) in html
    assert reverse("catalog:product_edit", args=[product.pk]) not in html


def test_product_detail_missing_is_404(agent):
    assert web(agent).get(reverse("catalog:product", args=[4242])).status_code == 404


def test_product_create_by_manager(manager, category):
    client = web(manager)
    assert client.get(reverse("catalog:product_create")).status_code == 200
    r = client.post(
        reverse("catalog:product_create"),
        {
            "model_code": "BCD-520",
            "name": "对开门冰箱",
            "brand": "华信",
            "category": category.pk,
            "warranty_months": 24,
        },
    )
    product = Product.objects.get(model_code="BCD-520")
    assert r.status_code == 302 and r.url == reverse("catalog:product", args=[product.pk])
    assert product.warranty_months == 24 and product.brand == "华信"
    assert AuditEvent.objects.filter(action="product.create", object_id=str(product.pk)).exists()


def test_product_create_duplicate_model_code_is_shown_at_the_field(admin_user, product, category):
    r = web(admin_user).post(
        reverse("catalog:product_create"),
        {"model_code": "KF-35GW", "name": "重复", "category": category.pk, "warranty_months": 12},
    )
    assert r.status_code == 400
    assert "This model code already exists." in r.context["form"].errors["model_code"]
    assert Product.objects.count() == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.TECHNICIAN, Role.CUSTOMER])
def test_product_create_forbidden_to_other_roles(role, make_user, category):
    r = web(make_user(role)).post(
        reverse("catalog:product_create"),
        {"model_code": "X-1", "name": "x", "category": category.pk, "warranty_months": 12},
    )
    assert r.status_code == 403
    assert not Product.objects.filter(model_code="X-1").exists()


def test_product_edit_through_the_service(manager, product):
    r = web(manager).post(
        reverse("catalog:product_edit", args=[product.pk]),
        {"name": "变频空调 新款", "brand": "", "category": product.category_id, "warranty_months": 60},
    )
    assert r.status_code == 302
    product.refresh_from_db()
    assert product.name == "变频空调 新款" and product.warranty_months == 60 and product.is_active is False
    assert AuditEvent.objects.filter(action="product.update", object_id=str(product.pk)).exists()


def test_product_edit_out_of_range_warranty_is_refused(manager, product):
    r = web(manager).post(
        reverse("catalog:product_edit", args=[product.pk]),
        {"name": "x", "category": product.category_id, "warranty_months": 999, "is_active": "on"},
    )
    assert r.status_code == 400
    assert "Between 0 and 240 months." in r.context["form"].errors["warranty_months"]
    product.refresh_from_db()
    assert product.warranty_months == 36 and product.name == "变频空调"


def test_product_edit_forbidden_to_agent(agent, product):
    r = web(agent).post(
        reverse("catalog:product_edit", args=[product.pk]),
        {"name": "x", "category": product.category_id, "warranty_months": 1},
    )
    assert r.status_code == 403


# --- manuals ---------------------------------------------------------------------------


def test_manual_upload_and_download_as_attachment(manager, technician, product):
    client = web(manager)
    assert client.get(reverse("catalog:manual_add", args=[product.pk])).status_code == 200
    r = client.post(reverse("catalog:manual_add", args=[product.pk]), {"title": "维修手册", "file": pdf()})
    assert r.status_code == 302
    manual = ProductManual.objects.get(product=product)
    assert manual.content_type == "application/pdf"
    download = web(technician).get(reverse("catalog:manual", args=[manual.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


def test_manual_upload_refuses_a_disguised_file(manager, product):
    fake = SimpleUploadedFile("manual.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    r = web(manager).post(reverse("catalog:manual_add", args=[product.pk]), {"title": "x", "file": fake})
    assert r.status_code == 400
    form = r.context["form"]
    assert form.errors["file"] and "This file type is not allowed." in form.non_field_errors()
    assert not ProductManual.objects.exists()


def test_manual_upload_forbidden_and_download_needs_login(agent, manager, product):
    r = web(agent).post(reverse("catalog:manual_add", args=[product.pk]), {"title": "x", "file": pdf()})
    assert r.status_code == 403
    assert not ProductManual.objects.exists()
    manual = manual_add(actor=manager, product=product, title="说明书", upload=pdf())
    r = web().get(reverse("catalog:manual", args=[manual.pk]))
    assert r.status_code == 302 and r.url.startswith(reverse("accounts:login"))
    assert web(agent).get(reverse("catalog:manual", args=[manual.pk + 100])).status_code == 404


# --- units -----------------------------------------------------------------------------


def test_unit_detail_shows_purchase_warranty_and_history(agent, dispatcher, technician, product, customer):
    address = address_create(actor=agent, customer=customer, province="上海市", city="上海市", street="张杨路500号")
    unit = register(
        agent,
        product,
        customer,
        "kf-0001",
        days_ago=100,
        purchase_channel="online",
        store_name="京东自营",
        invoice_number="INV-778",
        installation_date=timezone.localdate() - datetime.timedelta(days=95),
        address=address,
    )
    req = request_create(
        actor=agent, customer=customer, channel="phone", service_type="repair", description="不制冷", unit=unit
    )
    r = web(agent).get(reverse("catalog:unit", args=[unit.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    for text in ("KF-0001", "KF-35GW", "Online shop", "京东自营", "INV-778", "张杨路500号", "In warranty", req.number):
        assert text in html, text
    w = r.context["w"]
    assert w["status"] == "in_warranty" and w["end"] == unit.warranty_end
    assert w["days_left"] == (unit.warranty_end - timezone.localdate()).days
    assert unit.warranty_end.strftime("%Y-%m-%d") in html
    assert reverse("customers:detail", args=[customer.pk]) in html
    assert reverse("tickets:detail", args=[req.pk]) in html


def test_unit_detail_expired_warranty(agent, manager, category, customer):
    short = product_create(actor=manager, model_code="FAN-1", name="电风扇", category=category, warranty_months=12)
    unit = register(agent, short, customer, "FAN-OLD", days_ago=800)
    r = web(agent).get(reverse("catalog:unit", args=[unit.pk]))
    assert r.context["w"]["status"] == "expired"
    assert "Out of warranty" in r.content.decode()


def test_unit_detail_scoping(agent, dispatcher, technician, customer_user, product, customer):
    unit = register(agent, product, customer, "SN-SCOPE")
    # Not his job, not his unit: it does not exist for them.
    assert web(technician).get(reverse("catalog:unit", args=[unit.pk])).status_code == 404
    assert web(customer_user).get(reverse("catalog:unit", args=[unit.pk])).status_code == 404
    req = request_create(
        actor=agent, customer=customer, channel="phone", service_type="repair", description="坏了", unit=unit
    )
    request_transition(actor=agent, request=req, action=Action.ACKNOWLEDGE)
    request_transition(actor=dispatcher, request=req, action=Action.ASSIGN, technician=technician)
    assert web(technician).get(reverse("catalog:unit", args=[unit.pk])).status_code == 200
    own = customer_create(actor=agent, name="自己", phone="13900000009", user=customer_user)
    own_unit = register(agent, product, own, "SN-OWN")
    assert web(customer_user).get(reverse("catalog:unit", args=[own_unit.pk])).status_code == 200


def test_unit_detail_anonymous_is_sent_to_login(agent, product, customer):
    unit = register(agent, product, customer, "SN-ANON")
    r = web().get(reverse("catalog:unit", args=[unit.pk]))
    assert r.status_code == 302 and r.url.startswith(reverse("accounts:login"))
