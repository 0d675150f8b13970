"""The service form and receipts as PDF (R-FLD-4): content in both languages, embedded
signatures, the scoped downloads and the customer's public link."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse

from aftersales.accounts.choices import Role
from aftersales.field import services
from aftersales.field.pdf import pdf_language, receipt_pdf, service_form_document, service_form_pdf, yuan
from aftersales.field.tests.factories import ensure_document_urls, field_job, visit_complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls(settings):
    ensure_document_urls(settings)


def pdf_text(content: bytes, tmp_path, name="doc.pdf") -> str:
    assert content.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_image_count(content: bytes, tmp_path) -> int:
    path = tmp_path / "images.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.strip().splitlines()[2:]]  # after two header lines
    return sum(1 for row in rows if row[2] == "image")  # not the alpha masks ("smask")


@pytest.fixture
def done(manager, technician):
    """An out-of-warranty repair checked out: compressor fitted, quote accepted and paid by WeChat."""
    job = field_job(technician, manager)
    return job, visit_complete(job)


def test_yuan_and_language():
    assert yuan("1730") == "¥1,730.00"
    assert yuan("0.5") == "¥0.50"
    assert pdf_language("en") == "en"
    assert pdf_language("zh-CN") == "zh-hans"
    assert pdf_language("fr", default="en") == "en"
    assert pdf_language("") in ("zh-hans", "en")


def test_service_form_in_chinese_and_english(done, tmp_path):
    job, visit = done
    payment = visit.payments.get()
    zh = pdf_text(service_form_pdf(visit, language="zh-hans"), tmp_path, "zh.pdf")
    en = pdf_text(service_form_pdf(visit, language="en"), tmp_path, "en.pdf")
    for text in (zh, en):
        assert visit.number in text
        assert job.request.number in text
        assert "张伟" in text
        assert "变频压缩机 R32" in text  # the part used (and quoted)
        assert "B202607" in text  # its lot
        assert "¥1,730.00" in text  # the customer's total
        assert "¥1,500.00" in text and "¥180.00" in text and "¥50.00" in text  # the quote lines
        assert payment.receipt_number in text
        assert job.unit.serial_number in text
        assert "压缩机故障" in text  # the cause
        assert "制冷测试 30 分钟" in text  # the function test
        assert "空调不制冷" in text  # the complaint
    # Headings follow the language.
    assert "Customer" in en and "Out of warranty" in en
    assert "客户" in zh and "已过保" in zh


def test_service_form_embeds_both_customer_signatures_and_the_technicians_sign_off(done, tmp_path):
    _, visit = done
    content = service_form_pdf(visit, language="en")
    assert pdf_image_count(content, tmp_path) == 2  # consent to the quote, signature on the form
    text = pdf_text(content, tmp_path)
    assert "Signed electronically" in text
    assert visit.technician.display_name in text


def test_times_are_shanghai(done, tmp_path):
    from django.utils import timezone

    _, visit = done
    text = pdf_text(service_form_pdf(visit, language="en"), tmp_path)
    local = timezone.localtime(visit.checked_out_at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in text


def test_form_is_read_with_a_fixed_number_of_queries(done, django_assert_max_num_queries):
    _, visit = done
    with django_assert_max_num_queries(8):
        doc = service_form_document(visit)
    assert len(doc.parts) == 1 and len(doc.quote_lines) == 3 and len(doc.payments) == 1


def test_missing_signature_file_still_renders(done, tmp_path):
    _, visit = done
    for sig in visit.signatures.exclude(image=""):
        sig.image.storage.delete(sig.image.name)
    content = service_form_pdf(visit, language="en")
    assert pdf_image_count(content, tmp_path) == 0
    assert "张伟" in pdf_text(content, tmp_path)


def test_in_warranty_form_has_nothing_to_pay(manager, technician, tmp_path):
    job = field_job(technician, manager, in_warranty=True, customer_name="李娜")
    visit = visit_complete(job)
    assert visit.customer_total == 0 and not visit.payments.exists()
    text = pdf_text(service_form_pdf(visit, language="en"), tmp_path)
    assert "李娜" in text and "In warranty" in text
    assert "Nothing chargeable" in text and "¥0.00" in text


def test_declined_quote_shows_on_the_form(manager, technician, tmp_path):
    from .factories import quote_lines

    job = field_job(technician, manager)
    t = technician
    visit = services.visit_check_in(actor=t, request=job.request)
    visit = services.visit_diagnose(
        actor=t, visit=visit, cause=job.cause, inspection_result="压缩机不启动", solution="更换压缩机"
    )
    quote = services.quote_create(actor=t, visit=visit, lines=quote_lines(job))
    services.quote_decline(actor=t, quote=quote, reason="价格太高，不修了")
    visit.refresh_from_db()
    text = pdf_text(service_form_pdf(visit, language="en"), tmp_path)
    assert "declined" in text and "价格太高，不修了" in text


def test_receipt(done, tmp_path):
    _, visit = done
    payment = visit.payments.get()
    for language in ("zh-hans", "en"):
        text = pdf_text(receipt_pdf(payment, language=language), tmp_path)
        assert payment.receipt_number in text
        assert "¥1,730.00" in text
        assert visit.number in text and "张伟" in text


# --- views ---------------------------------------------------------------------------------------


def _assert_pdf(response, filename):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")


def test_form_pdf_view_for_the_technician_and_the_office(client, done, manager, tmp_path):
    job, visit = done
    url = reverse("field:form_pdf", args=[visit.pk])
    client.force_login(job.technician)
    response = client.get(url, {"lang": "en"})
    _assert_pdf(response, f"{visit.number}.pdf")
    assert "Service form" in pdf_text(response.content, tmp_path)
    client.force_login(manager)
    response = client.get(url, {"lang": "zh-hans"})
    _assert_pdf(response, f"{visit.number}.pdf")
    assert "客户" in pdf_text(response.content, tmp_path)


def test_form_pdf_language_defaults_to_the_request_language(client, done, tmp_path):
    job, visit = done
    client.force_login(job.technician)
    url = reverse("field:form_pdf", args=[visit.pk])
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "客户" in pdf_text(zh.content, tmp_path)
    # Not a language the forms are made in: the request's language (English in tests).
    en = client.get(url, {"lang": "xx"})
    _assert_pdf(en, f"{visit.number}.pdf")
    assert "Customer" in pdf_text(en.content, tmp_path)


def test_form_pdf_is_404_for_another_technician_and_needs_a_login(client, done, make_user):
    _, visit = done
    url = reverse("field:form_pdf", args=[visit.pk])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(make_user(Role.TECHNICIAN))
    assert client.get(url).status_code == 404
    client.force_login(make_user(Role.CUSTOMER))
    assert client.get(url).status_code == 404
    client.force_login(done[0].technician)
    assert client.get(reverse("field:form_pdf", args=[visit.pk + 999])).status_code == 404
    assert client.post(url).status_code == 405


def test_receipt_pdf_view(client, done, make_user, tmp_path):
    job, visit = done
    payment = visit.payments.get()
    url = reverse("field:receipt_pdf", args=[payment.pk])
    client.force_login(job.technician)
    response = client.get(url, {"lang": "en"})
    _assert_pdf(response, f"{payment.receipt_number}.pdf")
    text = pdf_text(response.content, tmp_path)
    assert payment.receipt_number in text and "¥1,730.00" in text
    client.force_login(make_user(Role.TECHNICIAN))
    assert client.get(url).status_code == 404
    client.force_login(job.technician)
    assert client.get(reverse("field:receipt_pdf", args=[payment.pk + 999])).status_code == 404


def test_public_form_only_with_the_token_and_only_after_check_out(client, manager, technician, tmp_path):
    job = field_job(technician, manager)
    visit = services.visit_check_in(actor=technician, request=job.request)
    url = reverse("field:public_form", args=[visit.public_token])
    assert client.get(url).status_code == 404  # still on site: no form yet
    visit = visit_complete(field_job(technician, manager, unit=job.unit, cause=job.cause, part=job.part))
    url = reverse("field:public_form", args=[visit.public_token])
    response = client.get(url)  # no login
    _assert_pdf(response, f"{visit.number}.pdf")
    assert response["Cache-Control"] == "private, no-store"
    assert "¥1,730.00" in pdf_text(response.content, tmp_path)
    assert client.get(reverse("field:public_form", args=[visit.public_token[:-1] + "x"])).status_code == 404
    assert client.get(reverse("field:public_form", args=["-"])).status_code == 404
    assert client.post(url).status_code == 405


def test_check_out_sends_a_link_that_opens_the_public_form(client, manager, technician, monkeypatch, tmp_path):
    import re

    from django.conf import settings

    from aftersales.dispatch import notify

    sent = []
    monkeypatch.setattr(notify, "customer_tell", lambda request, key, **params: sent.append(params["url"]))
    visit = visit_complete(field_job(technician, manager))
    (body,) = sent
    url = re.search(r"https?://\S+", body).group(0)
    assert url.startswith(settings.SITE_URL.rstrip("/")) and visit.public_token in url
    response = client.get(url.removeprefix(settings.SITE_URL.rstrip("/")))
    _assert_pdf(response, f"{visit.number}.pdf")
    assert visit.number in pdf_text(response.content, tmp_path)


# --- demo ----------------------------------------------------------------------------------------


def test_demo_fault_tree_checklists_and_visits_are_idempotent_and_print(tmp_path):
    import random

    from aftersales.core.demos import DemoContext, demo_run
    from aftersales.field.demo import demo_field
    from aftersales.field.models import Fault, FaultCategory, FaultCause, FunctionCheck, Visit

    demo_run(
        DemoContext(seed=7, options={"customers": 30, "requests": 80}),
        only={"accounts", "customers", "catalog", "tickets", "dispatch", "parts"},
    )
    made = demo_field(rng=random.Random(7))
    assert made["categories"] > 10 and made["causes"] > 40 and made["checks"] > 20
    assert FaultCause.objects.filter(fault__category__code="AC-COOL", name="冷媒泄漏").exists()
    assert FunctionCheck.objects.filter(product_category__code="AC", kind="care").exists()
    visits = list(Visit.objects.select_related("request").order_by("number"))
    assert made["visits"] + made["history"] == len(visits)
    history = visits[: made["history"]]  # numbered first, in time order
    assert all(v.checked_in_at < today.checked_in_at for v in history for today in visits[made["history"] :])
    assert all(v.first_time_fix and v.signatures.filter(purpose="form").exists() for v in history)
    done = [v for v in visits[made["history"] :] if v.outcome == "completed"]
    if done:
        text = pdf_text(service_form_pdf(done[0], language="zh-hans"), tmp_path)
        assert done[0].number in text and done[0].request.customer.name in text
    else:
        # The demo holds today's visits so far: before the first window (08:30) plus a visit's
        # length no visit has finished yet, and there is nothing to print.
        from django.utils import timezone

        assert timezone.localtime().hour < 12, "no demo visit finished by noon"
    counts = (FaultCategory.objects.count(), Fault.objects.count(), FaultCause.objects.count())
    again = demo_field(rng=random.Random(8))
    assert again == {"categories": 0, "faults": 0, "causes": 0, "checks": 0, "history": 0, "visits": 0}
    assert (FaultCategory.objects.count(), Fault.objects.count(), FaultCause.objects.count()) == counts
