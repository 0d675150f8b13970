"""The job page and its step posts: success, forbidden and invalid input for each, idempotent
resubmission, consent by link, and the panels on My day and the request detail page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.field import services
from aftersales.field.models import Payment, Quote, Visit, VisitPart
from aftersales.parts.models import StockLevel
from aftersales.tickets.models import ServiceRequest

from .factories import blank_signature_data_url, field_job, passing_results, quote_lines, signature_data_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(technician, manager):
    return field_job(technician, manager, customer_name="李秀英")


def _on_hand(job) -> int:
    return sum(StockLevel.objects.filter(warehouse=job.van, part=job.part).values_list("on_hand", flat=True))


def _diagnosed(job):
    t = job.technician
    visit = services.visit_check_in(actor=t, request=job.request)
    return services.visit_diagnose(
        actor=t, visit=visit, cause=job.cause, inspection_result="压缩机不启动", solution="更换压缩机"
    )


def _accepted(job):
    visit = _diagnosed(job)
    quote = services.quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    services.quote_accept(actor=job.technician, quote=quote, signer_name="李秀英", signature=signature_data_url())
    visit.refresh_from_db()
    return visit


# --- the job page --------------------------------------------------------------------------------


def test_job_page_shows_what_the_technician_needs(client, job):
    client.force_login(job.technician)
    response = client.get(reverse("field:job", args=[job.request.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "李秀英" in html and "uri.amap.com" in html
    assert job.part.name in html  # likely parts, with the van's quantity
    assert reverse("field:check_in", args=[job.request.pk]) in html


def test_job_page_of_another_technicians_job_is_404(client, job, make_user):
    from aftersales.accounts.choices import Role

    client.force_login(make_user(Role.TECHNICIAN))
    assert client.get(reverse("field:job", args=[job.request.pk])).status_code == 404


def test_office_sees_the_job_without_the_step_forms(client, job, dispatcher):
    client.force_login(dispatcher)
    response = client.get(reverse("field:job", args=[job.request.pk]))
    assert response.status_code == 200
    assert reverse("field:check_in", args=[job.request.pk]) not in response.content.decode()


def test_job_page_needs_login(client, job):
    response = client.get(reverse("field:job", args=[job.request.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- check-in --------------------------------------------------------------------------------------


def test_check_in_post(client, job):
    client.force_login(job.technician)
    url = reverse("field:check_in", args=[job.request.pk])
    response = client.post(url, {"idem": "k1", "latitude": "31.2304", "longitude": "121.4737"})
    assert response.status_code == 302
    visit = Visit.objects.get(request=job.request)
    assert visit.check_in_lat == Decimal("31.230400")
    assert ServiceRequest.objects.get(pk=job.request.pk).status == "in_progress"


def test_check_in_with_bad_coordinates_changes_nothing(client, job):
    client.force_login(job.technician)
    response = client.post(reverse("field:check_in", args=[job.request.pk]), {"latitude": "123", "longitude": "x"})
    assert response.status_code == 400
    assert "Not a coordinate" in response.content.decode()
    assert not Visit.objects.exists()
    assert ServiceRequest.objects.get(pk=job.request.pk).status == "accepted"


def test_check_in_by_a_dispatcher_is_refused(client, job, dispatcher):
    client.force_login(dispatcher)
    response = client.post(reverse("field:check_in", args=[job.request.pk]), {})
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_check_in_resubmitted_with_the_same_key_happens_once(client, job):
    client.force_login(job.technician)
    url = reverse("field:check_in", args=[job.request.pk])
    first = client.post(url, {"idem": "same"}, HTTP_IDEMPOTENCY_KEY="same")
    again = client.post(url, {"idem": "same"}, HTTP_IDEMPOTENCY_KEY="same")
    assert first.status_code == again.status_code == 302
    assert Visit.objects.filter(request=job.request).count() == 1
    # a new key is a new attempt: the open visit answers with a clear conflict
    third = client.post(url, {"idem": "other"})
    assert third.status_code == 409 and "already checked in" in third.content.decode()


# --- diagnosis, quote, consent --------------------------------------------------------------------


def test_diagnose_post_and_invalid_input(client, job):
    t = job.technician
    visit = services.visit_check_in(actor=t, request=job.request)
    client.force_login(t)
    url = reverse("field:diagnose", args=[visit.pk])
    bad = client.post(url, {"cause": "", "inspection_result": "", "solution": "x"})
    assert bad.status_code == 400
    visit.refresh_from_db()
    assert visit.status == "on_site" and visit.fault_cause_id is None
    ok = client.post(url, {"cause": job.cause.pk, "inspection_result": "压缩机不启动", "solution": "更换压缩机"})
    assert ok.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "diagnosed" and visit.charge_reason == "out_of_warranty"


def test_quote_post_builds_lines_and_total(client, job):
    visit = _diagnosed(job)
    client.force_login(job.technician)
    data = {
        "kind_0": "call_out", "description_0": "上门费", "quantity_0": "1", "unit_price_0": "50",
        "kind_1": "part", "part_1": str(job.part.pk), "quantity_1": "1", "unit_price_1": "1500.00",
    }  # fmt: skip
    response = client.post(reverse("field:quote", args=[visit.pk]), data)
    assert response.status_code == 302
    quote = Quote.objects.get(visit=visit)
    assert quote.total == Decimal("1550.00") and quote.lines.count() == 2
    assert ServiceRequest.objects.get(pk=job.request.pk).status == "waiting_quote"


def test_in_warranty_quote_starts_with_the_repair_on_the_warranty(client, technician, manager):
    """In warranty with extras: call-out, labour and the likely part are ticked, the customer pays ¥0."""
    job = field_job(technician, manager, in_warranty=True)
    t = job.technician
    visit = services.visit_check_in(actor=t, request=job.request)
    services.visit_diagnose(
        actor=t,
        visit=visit,
        cause=job.cause,
        inspection_result="不制冷",
        solution="更换压缩机",
        charge_reason="extra_items",
    )
    client.force_login(t)
    html = client.get(reverse("field:job", args=[job.request.pk])).content.decode()
    assert 'id="quote-cover-hint"' in html
    for i in range(3):
        assert f'name="covered_{i}" id="covered_{i}" checked' in html
    assert 'name="covered_3" id="covered_3">' in html  # the extras' lines start unticked
    assert "data-quote-total>¥0.00<" in html
    assert f"data-quote-covered>¥{Decimal('130.00') + job.part.price}<" in html


def test_out_of_warranty_quote_has_no_warranty_tick(client, job):
    _diagnosed(job)
    client.force_login(job.technician)
    html = client.get(reverse("field:job", args=[job.request.pk])).content.decode()
    assert "covered_0" not in html and "quote-cover-hint" not in html
    assert f"data-quote-total>¥{Decimal('130.00') + job.part.price}<" in html


def test_quote_post_with_a_bad_price_changes_nothing(client, job):
    visit = _diagnosed(job)
    client.force_login(job.technician)
    response = client.post(
        reverse("field:quote", args=[visit.pk]), {"kind_0": "labour", "description_0": "工时", "unit_price_0": "abc"}
    )
    assert response.status_code == 400
    assert not Quote.objects.exists()


def test_consent_on_the_phone_with_a_blank_signature_is_refused(client, job):
    visit = _diagnosed(job)
    services.quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    client.force_login(job.technician)
    url = reverse("field:quote_answer", args=[visit.pk, "accept"])
    response = client.post(url, {"signer_name": "李秀英", "signature": blank_signature_data_url()})
    assert response.status_code == 400
    assert Quote.objects.get().status == "pending"
    ok = client.post(url, {"signer_name": "李秀英", "signature": signature_data_url()})
    assert ok.status_code == 302
    assert Quote.objects.get().status == "accepted"


def test_part_before_consent_is_refused_and_stock_unchanged(client, job):
    visit = _diagnosed(job)
    services.quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    before = _on_hand(job)
    client.force_login(job.technician)
    response = client.post(
        reverse("field:part_use", args=[visit.pk]),
        {"stock": f"{job.part.pk}|B202607", "quantity": "1", "old_part": "returned"},
    )
    assert response.status_code == 409
    assert _on_hand(job) == before and not VisitPart.objects.exists()


def test_consent_link_lets_the_customer_sign_without_login(client, job):
    visit = _diagnosed(job)
    quote = services.quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    url = reverse("field:consent", args=[quote.token])
    page = client.get(url)
    assert page.status_code == 200 and "1730.00" in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert client.get(reverse("field:consent", args=["not-the-token"])).status_code == 404
    bad = client.post(url, {"answer": "accept", "signer_name": "李秀英", "signature": "data:image/png;base64,AAAA"})
    assert bad.status_code == 400 and Quote.objects.get().status == "pending"
    ok = client.post(url, {"answer": "accept", "signer_name": "李秀英", "signature": signature_data_url()})
    assert ok.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.signatures.get().via == "link"
    assert ServiceRequest.objects.get(pk=job.request.pk).status == "in_progress"


# --- work, money, check-out --------------------------------------------------------------------


def test_part_post_resubmitted_books_the_part_once(client, job):
    visit = _accepted(job)
    before = _on_hand(job)
    client.force_login(job.technician)
    url = reverse("field:part_use", args=[visit.pk])
    data = {"idem": "p1", "stock": f"{job.part.pk}|B202607", "quantity": "1", "old_part": "customer_keeps"}
    assert client.post(url, data, HTTP_IDEMPOTENCY_KEY="p1").status_code == 302
    assert client.post(url, data, HTTP_IDEMPOTENCY_KEY="p1").status_code == 302
    assert _on_hand(job) == before - 1
    assert VisitPart.objects.filter(visit=visit).count() == 1


def test_part_post_without_a_part_is_invalid(client, job):
    visit = _accepted(job)
    client.force_login(job.technician)
    response = client.post(reverse("field:part_use", args=[visit.pk]), {"stock": "", "old_part": "disposed"})
    assert response.status_code == 400 and not VisitPart.objects.exists()


def test_payment_and_check_out_posts(client, job):
    visit = _accepted(job)
    t = job.technician
    services.visit_checks_record(actor=t, visit=visit, results=passing_results(visit))
    client.force_login(t)
    early = client.post(reverse("field:check_out", args=[visit.pk]), {"outcome": "completed"})
    assert early.status_code == 400 and "signature" in early.content.decode()
    sign = client.post(
        reverse("field:sign", args=[visit.pk]), {"signer_name": "李秀英", "signature": signature_data_url()}
    )
    assert sign.status_code == 302
    too_much = client.post(reverse("field:payment", args=[visit.pk]), {"method": "cash", "amount": "99999"})
    assert too_much.status_code == 400 and not Payment.objects.exists()
    paid = client.post(reverse("field:payment", args=[visit.pk]), {"method": "alipay", "amount": "1730.00"})
    assert paid.status_code == 302 and Payment.objects.get().amount == Decimal("1730.00")
    done = client.post(reverse("field:check_out", args=[visit.pk]), {"outcome": "completed"})
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.outcome == "completed" and visit.first_time_fix
    assert ServiceRequest.objects.get(pk=job.request.pk).status == "completed"


def test_second_visit_post_needs_a_reason(client, job):
    visit = _diagnosed(job)
    client.force_login(job.technician)
    url = reverse("field:check_out", args=[visit.pk])
    assert client.post(url, {"outcome": "second_visit", "second_visit_reason": "waiting_parts"}).status_code == 400
    ok = client.post(url, {"outcome": "second_visit", "second_visit_reason": "waiting_parts", "reason": "压缩机缺货"})
    assert ok.status_code == 302
    assert ServiceRequest.objects.get(pk=job.request.pk).status == "waiting_parts"


def test_step_posts_on_another_technicians_visit_are_404(client, job, make_user):
    from aftersales.accounts.choices import Role

    visit = _diagnosed(job)
    client.force_login(make_user(Role.TECHNICIAN))
    for name in ("diagnose", "quote", "part_use", "checks", "sign", "payment", "check_out"):
        assert client.post(reverse(f"field:{name}", args=[visit.pk]), {}).status_code == 404, name


# --- panels elsewhere ----------------------------------------------------------------------------


def test_request_detail_lists_the_visits(client, job, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    visit = _diagnosed(job)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("tickets:detail", args=[job.request.pk])).content.decode()
    assert visit.number in html and str(visit.fault) in html and job.technician.display_name in html
    # The card reads its visits' shown columns only (VISIT_CARD_FIELDS), and none later, one by one.
    assert len([q for q in queries.captured_queries if 'FROM "field_visit"' in q["sql"]]) == 1


def test_my_day_links_to_the_job_page(client, job):
    client.force_login(job.technician)
    response = client.get(reverse("dispatch:my_day"))
    assert response.status_code == 200


def test_customers_do_not_get_the_technicians_page(client, job, customer_user):
    from aftersales.customers.models import Customer
    from aftersales.tickets.selectors import request_list_for

    Customer.objects.filter(pk=job.customer.pk).update(user=customer_user)  # his own request
    assert request_list_for(customer_user).filter(pk=job.request.pk).exists()
    client.force_login(customer_user)
    # Not a page for his role: 403, the same answer as every other wrong-role page (was 404).
    assert client.get(reverse("field:job", args=[job.request.pk])).status_code == 403


def test_leaving_for_the_visit_from_the_job_page(client, job):
    import datetime

    from django.utils import timezone

    from aftersales.dispatch.services import appointment_create

    start = timezone.now() + datetime.timedelta(hours=1)
    appt = appointment_create(
        actor=job.office, request=job.request, window_start=start, window_end=start + datetime.timedelta(hours=2)
    )
    client.force_login(job.technician)
    url = reverse("field:job", args=[job.request.pk])
    assert 'id="depart"' in client.get(url).content.decode()
    eta = timezone.localtime(start).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("dispatch:appointment_depart", args=[appt.pk]), {"eta": eta, "next": url})
    assert response.status_code == 302 and response["Location"] == url
    appt.refresh_from_db()
    assert appt.departed_at is not None
    assert 'id="depart"' not in client.get(url).content.decode()


def test_prep_fragment_for_my_day(client, job, make_user, dispatcher):
    from aftersales.accounts.choices import Role

    url = reverse("field:prep", args=[job.request.pk])
    client.force_login(job.technician)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert job.product.name in html and job.part.name in html and "in your van" in html
    client.force_login(dispatcher)
    assert client.get(url).status_code == 200
    client.force_login(make_user(Role.TECHNICIAN))
    assert client.get(url).status_code == 404
    client.force_login(make_user(Role.CUSTOMER))
    assert client.get(url).status_code == 403  # a wrong role: 403 everywhere
    assert client.post(url).status_code == 405
