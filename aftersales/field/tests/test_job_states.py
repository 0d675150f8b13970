"""Issue 11, item 3 on the job page: "Leaving now" pre-fills an arrival estimate the service accepts, and a saved
signature is shown as saved (who, when, the drawn image) instead of an empty pad."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from aftersales.dispatch.models import Appointment
from aftersales.dispatch.services import appointment_create
from aftersales.field import services
from aftersales.field.selectors import form_signature

from .factories import field_job, signature_data_url

pytestmark = pytest.mark.django_db


def _book(job, start, end):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return appointment_create(actor=job.technician, request=job.request, window_start=start, window_end=end)


def _eta(html: str) -> str:
    return re.search(r'name="eta" id="eta" value="([^"]+)"', html).group(1)


def test_leaving_now_default_on_the_job_page_is_accepted(client, technician, manager):
    job = field_job(technician, manager)
    start = (timezone.localtime() + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    appt = _book(job, start, start + dt.timedelta(hours=2))
    client.force_login(technician)
    html = client.get(reverse("field:job", args=[job.request.pk])).content.decode()
    eta = _eta(html)
    assert eta == start.strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("dispatch:appointment_depart", args=[appt.pk]),
        {"eta": eta, "reason": "", "next": reverse("field:job", args=[job.request.pk])},
        follow=True,
    )
    html = r.content.decode()
    assert "Have a safe trip" in html and 'id="departed"' in html and 'id="eta"' not in html
    appt.refresh_from_db()
    assert appt.departed_at is not None


def test_a_visit_beyond_the_horizon_is_not_left_for_yet(client, technician, manager):
    job = field_job(technician, manager)
    start = timezone.localtime() + dt.timedelta(days=2)
    _book(job, start, start + dt.timedelta(hours=2))
    client.force_login(technician)
    html = client.get(reverse("field:job", args=[job.request.pk])).content.decode()
    assert 'id="eta"' not in html and "You can leave for this visit on" in html
    assert Appointment.objects.get(request=job.request).departed_at is None


def _working(job):
    t = job.technician
    visit = services.visit_check_in(actor=t, request=job.request)
    return services.visit_diagnose(
        actor=t, visit=visit, cause=job.cause, inspection_result="排水泵堵塞", solution="清理排水泵"
    )


def test_saved_signature_is_shown_as_saved(client, technician, manager):
    job = field_job(technician, manager, in_warranty=True, customer_name="李秀英")
    visit = _working(job)
    client.force_login(technician)
    url = reverse("field:job", args=[job.request.pk])
    html = client.get(url).content.decode()
    assert 'data-signed="0"' in html and "Signed by" not in html
    r = client.post(
        reverse("field:sign", args=[visit.pk]),
        {"signer_name": "李秀英", "signature": signature_data_url()},
        follow=True,
    )
    html = r.content.decode()
    assert 'data-signed="1"' in html
    sig = form_signature(visit)
    at = timezone.localtime(sig.signed_at).strftime("%m-%d %H:%M")
    assert f"Signed by 李秀英 at {at}: saved." in html
    assert 'class="border rounded bg-white mt-1 signature-image"' in html and 'src="data:image/png;base64,' in html
    # signing again stays possible, folded away, and keeps the first signature
    assert "Sign again (the saved signature is kept)" in html


def test_form_signature_is_none_before_signing_and_the_latest_after(technician, manager):
    job = field_job(technician, manager, in_warranty=True)
    visit = _working(job)
    assert form_signature(visit) is None
    services.visit_sign(actor=technician, visit=visit, signer_name="甲", signature=signature_data_url(seed=1))
    services.visit_sign(actor=technician, visit=visit, signer_name="乙", signature=signature_data_url(seed=2))
    sig = form_signature(visit)
    assert sig.signer_name == "乙" and sig.data_uri.startswith("data:image/png;base64,")
