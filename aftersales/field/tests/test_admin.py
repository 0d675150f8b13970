"""Admins configure the fault tree and checklists; visits, quotes, payments and 三包 flags are read-only."""

import pytest
from django.urls import reverse

from aftersales.field.models import FaultCategory, FunctionCheck
from aftersales.field.tests.factories import ensure_document_urls, field_job, visit_complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls(settings):
    ensure_document_urls(settings)


@pytest.fixture
def visit(manager, technician):
    return visit_complete(field_job(technician, manager))


@pytest.mark.parametrize("model", ["faultcategory", "fault", "functioncheck", "visit", "quote", "payment", "unitflag"])
def test_changelists_open(client, admin_user, visit, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:field_{model}_changelist")).status_code == 200


def test_changelists_filter(client, admin_user, visit):
    client.force_login(admin_user)
    category = visit.fault.category
    url = reverse("admin:field_functioncheck_changelist")
    assert client.get(url, {"kind__exact": "care"}).status_code == 200
    response = client.get(url, {"product_category__id__exact": category.product_category_id})
    assert response.status_code == 200
    assert "制冷测试 30 分钟" in response.content.decode()
    assert client.get(reverse("admin:field_visit_changelist"), {"q": visit.number}).status_code == 200


def test_fault_tree_pages_show_their_children(client, admin_user, visit):
    client.force_login(admin_user)
    category = FaultCategory.objects.get(pk=visit.fault.category_id)
    html = client.get(reverse("admin:field_faultcategory_change", args=[category.pk])).content.decode()
    assert "不制冷" in html
    html = client.get(reverse("admin:field_fault_change", args=[visit.fault_id])).content.decode()
    assert "压缩机故障" in html and "冷媒泄漏" in html
    check = FunctionCheck.objects.first()
    assert client.get(reverse("admin:field_functioncheck_change", args=[check.pk])).status_code == 200


def test_records_are_read_only(client, admin_user, visit):
    client.force_login(admin_user)
    payment = visit.payments.get()
    quote = visit.quotes.get()
    html = client.get(reverse("admin:field_visit_change", args=[visit.pk])).content.decode()
    assert reverse("field:form_pdf", args=[visit.pk]) in html
    assert visit.public_token not in html  # the customer's link is never shown
    assert 'name="_save"' not in html
    html = client.get(reverse("admin:field_payment_change", args=[payment.pk])).content.decode()
    assert reverse("field:receipt_pdf", args=[payment.pk]) in html
    assert client.get(reverse("admin:field_quote_change", args=[quote.pk])).status_code == 200
    assert client.get(reverse("admin:field_visit_add")).status_code == 403
    assert client.post(reverse("admin:field_visit_delete", args=[visit.pk])).status_code == 403


def test_admin_only(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:field_visit_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]
