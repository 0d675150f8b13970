"""Inspections (R-QA-1): the default checklist, random sampling per technician, recording,
corrective actions, compliance per technician, pages and API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.states import IllegalTransition
from aftersales.field.tests.factories import field_job, visit_complete
from aftersales.notifications.models import OutboxMessage
from aftersales.quality.defaults import DEFAULT_NORMS
from aftersales.quality.models import Inspection, InspectionResult
from aftersales.quality.selectors import compliance_by_technician
from aftersales.quality.services import (
    corrective_action_add,
    corrective_action_complete,
    inspection_record,
    inspection_sample,
    sampling_rate_set,
    template_default,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_visits(technician, make_user, manager):
    """Three completed jobs of ``technician`` and one of another technician, checked out now."""
    from aftersales.accounts.choices import Role

    other = make_user(Role.TECHNICIAN, username="t-other")
    at = timezone.now() - dt.timedelta(hours=3)
    visits = [visit_complete(field_job(technician, manager), now=at) for _ in range(3)]
    visits.append(visit_complete(field_job(other, manager), now=at))
    return visits


def _window():
    now = timezone.now()
    return {"start": now - dt.timedelta(days=1), "end": now + dt.timedelta(days=1)}


def test_default_checklist_has_the_on_site_norms():
    template = template_default()
    assert [i.code for i in template.items.all()] == list(DEFAULT_NORMS)
    assert template_default().pk == template.pk  # created once


def test_sampling_takes_the_rate_per_technician_and_is_repeatable(done_visits, technician, qm):
    sampling_rate_set(actor=qm, rate_percent=50)
    first = inspection_sample(seed=7, **_window())
    # 50 % of 3 rounds up to 2; 50 % of 1 is 1
    assert sorted(i.technician_id for i in first).count(technician.pk) == 2
    assert len(first) == 3 and all(i.sampled and i.status == "planned" for i in first)
    picked = sorted(i.visit_id for i in first)
    Inspection.objects.all().delete()
    assert sorted(i.visit_id for i in inspection_sample(seed=7, **_window())) == picked
    # already inspected jobs are not drawn again
    sampling_rate_set(actor=qm, rate_percent=100, technician=technician)
    again = inspection_sample(seed=7, **_window())
    assert [i.technician_id for i in again] == [technician.pk]  # the third job only
    sampling_rate_set(actor=qm, rate_percent=0)
    assert inspection_sample(seed=1, **_window()) == []


def test_sampling_rate_refusals(qm, quality_user, technician, agent):
    with pytest.raises(PermissionDeniedError):
        sampling_rate_set(actor=quality_user, rate_percent=10)
    with pytest.raises(ValidationFailed):
        sampling_rate_set(actor=qm, rate_percent=101)
    with pytest.raises(ValidationFailed):
        sampling_rate_set(actor=qm, rate_percent=10, technician=agent)


def test_sample_command(done_visits):
    call_command("inspection_sample", "--seed", "3", stdout=open("/dev/null", "w"))
    assert Inspection.objects.filter(sampled=True).count() == 2  # 10 % rounds up to one each


def _all(inspection, passed=True, fail=()):
    return {i.pk: (passed and i.code not in fail) for i in inspection.template.items.all()}


def test_record_compliance_and_corrective_actions(done_visits, technician, quality_user):
    inspections = [i for i in inspection_sample(seed=1, **_window()) if i.technician_id == technician.pk]
    one = inspections[0]
    with pytest.raises(ValidationFailed):
        inspection_record(actor=quality_user, inspection=one, method="call", results={})
    with pytest.raises(ValidationFailed):
        inspection_record(actor=quality_user, inspection=one, method="fax", results=_all(one))
    assert not InspectionResult.objects.exists()
    one = inspection_record(
        actor=quality_user,
        inspection=one,
        method="onsite",
        results=_all(one, fail=("shoe_covers",)),
        findings="未穿鞋套",
    )
    assert (one.status, one.passed_count, one.item_count) == ("done", 10, 11)
    with pytest.raises(IllegalTransition):
        inspection_record(actor=quality_user, inspection=one, method="call", results=_all(one))
    action = corrective_action_add(
        actor=quality_user, inspection=one, text="鞋套培训", owner=technician, due_date=dt.date(2026, 12, 31)
    )
    assert OutboxMessage.objects.filter(key="quality.corrective_assigned").exists()
    with pytest.raises(ValidationFailed):
        corrective_action_add(actor=quality_user, inspection=one, text="", owner=None, due_date=None)
    row = compliance_by_technician(quality_user)
    assert len(row) == 1 and row[0]["rate"] == round(100 * 10 / 11, 1) and row[0]["open_actions"] == 1
    assert corrective_action_complete(actor=technician, action=action).status == "done"
    with pytest.raises(IllegalTransition):
        corrective_action_complete(actor=technician, action=action)


def test_technician_reads_only_his_own(client, done_visits, technician):
    inspection_sample(seed=1, **_window())
    own = Inspection.objects.filter(technician=technician).first()
    foreign = Inspection.objects.exclude(technician=technician).first()
    client.force_login(technician)
    assert client.get(reverse("quality:inspection_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("quality:inspection_detail", args=[foreign.pk])).status_code == 404
    assert [r["id"] for r in client.get("/api/quality/inspections").json()] == [own.pk]
    assert client.post(reverse("quality:inspection_record", args=[own.pk])).status_code == 403


def test_pages_record_and_api(client, done_visits, quality_user, technician):
    inspection_sample(seed=1, **_window())
    inspection = Inspection.objects.filter(technician=technician).first()
    client.force_login(quality_user)
    assert client.get(reverse("quality:inspection_list")).status_code == 200
    page = client.get(reverse("quality:inspection_detail", args=[inspection.pk]))
    assert page.status_code == 200
    data = {"method": "call", "findings": "ok"}
    data.update({f"item_{pk}": "1" for pk in _all(inspection)})
    assert (
        client.post(reverse("quality:inspection_record", args=[inspection.pk]), {"method": "call"}).status_code == 302
    )
    inspection.refresh_from_db()
    assert inspection.status == "planned"  # an incomplete form changes nothing
    client.post(reverse("quality:inspection_record", args=[inspection.pk]), data)
    inspection.refresh_from_db()
    assert inspection.status == "done" and inspection.compliance == 100
    listing = client.get(reverse("quality:inspection_list")).content.decode()
    assert "100" in listing and "compliance-table" in listing
    body = {"text": "复训", "owner_id": technician.pk, "due_date": "2026-12-31"}
    url = f"/api/quality/inspections/{inspection.pk}/actions"
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 201
    compliance = client.get("/api/quality/inspections/compliance").json()
    assert compliance[0]["rate"] == 100.0 and compliance[0]["open_actions"] == 1
    other = Inspection.objects.filter(status="planned").first()
    results = {str(pk): True for pk in _all(other)}
    ok = client.post(
        f"/api/quality/inspections/{other.pk}/record",
        json.dumps({"method": "onsite", "results": results}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["compliance"] == 100
