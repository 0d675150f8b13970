"""三包 counters and exchange/refund flags per unit, and the unit page that shows them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.field import sanbao, services
from aftersales.field.choices import UnitFlagReason
from aftersales.field.models import UnitFlag
from aftersales.field.tests.factories import ensure_document_urls, field_job, visit_complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls(settings):
    ensure_document_urls(settings)


def again(job):
    """Another request for the same unit and fault (the technician's van restocked)."""
    return field_job(job.technician, job.office, unit=job.unit, cause=job.cause, part=job.part)


def diagnose(job):
    t = job.technician
    visit = services.visit_check_in(actor=t, request=job.request)
    return services.visit_diagnose(
        actor=t, visit=visit, cause=job.cause, inspection_result="又不制冷了", solution="更换压缩机"
    )


@pytest.fixture
def twice_repaired(manager, technician):
    """An in-warranty unit whose compressor fault was repaired twice (two completed visits)."""
    first = field_job(technician, manager, in_warranty=True)
    visits = [visit_complete(first)]
    second = again(first)
    visits.append(visit_complete(second))
    return first, visits


def test_counters_count_completed_in_warranty_repairs_per_fault(twice_repaired):
    job, visits = twice_repaired
    counters = sanbao.unit_counters(job.unit)
    assert counters.repairs_by_fault == {"不制冷": 2}
    assert counters.max_same_fault == 2
    assert counters.days_in_repair < 1
    assert counters.flags == [] and not counters.eligible
    assert all(v.in_warranty for v in visits)


def test_third_diagnosis_of_the_same_fault_flags_the_unit_exactly_once(twice_repaired):
    job, _ = twice_repaired
    third = again(job)
    visit = diagnose(third)
    flags = list(UnitFlag.objects.filter(unit=job.unit))
    assert [(f.reason, f.visit_id) for f in flags] == [(UnitFlagReason.SAME_FAULT_REPEATED, visit.pk)]
    assert flags[0].facts["fault"] == "不制冷" and "不制冷" in flags[0].detail
    assert sanbao.unit_counters(job.unit).eligible
    # Diagnosed again on the same visit, and the same fault on another request: still one flag.
    services.visit_diagnose(
        actor=job.technician, visit=visit, cause=job.cause, inspection_result="复查", solution="更换压缩机"
    )
    diagnose(again(job))
    assert UnitFlag.objects.filter(unit=job.unit).count() == 1


def test_completing_the_third_repair_does_not_flag_again(twice_repaired):
    job, _ = twice_repaired
    visit_complete(again(job))
    assert UnitFlag.objects.filter(unit=job.unit, reason=UnitFlagReason.SAME_FAULT_REPEATED).count() == 1
    visit = diagnose(again(job))  # a fourth failure
    assert UnitFlag.objects.filter(unit=job.unit).count() == 1
    assert sanbao.unit_counters(job.unit).max_same_fault == 3
    assert visit.fault_id == job.cause.fault_id


def test_out_of_warranty_repairs_do_not_count(manager, technician):
    job = field_job(technician, manager)  # out of warranty
    visit_complete(job)
    visit_complete(again(job))
    diagnose(again(job))
    counters = sanbao.unit_counters(job.unit)
    assert counters.repairs_by_fault == {} and counters.max_same_fault == 0
    assert counters.days_in_repair == 0
    assert not UnitFlag.objects.exists()


def test_more_than_30_days_in_repair_flags_the_unit(manager, technician):
    filed = timezone.now() - datetime.timedelta(days=40)
    job = field_job(technician, manager, in_warranty=True, created_at=filed)
    visit = visit_complete(job)
    counters = sanbao.unit_counters(job.unit)
    assert counters.days_in_repair > sanbao.DAYS_LIMIT
    flags = list(UnitFlag.objects.filter(unit=job.unit))
    assert [f.reason for f in flags] == [UnitFlagReason.DAYS_IN_REPAIR]
    assert flags[0].visit_id == visit.pk
    # Another in-warranty repair later: the flag is not repeated.
    visit_complete(again(job))
    assert UnitFlag.objects.filter(unit=job.unit).count() == 1


def test_30_days_or_less_is_not_flagged(manager, technician):
    filed = timezone.now() - datetime.timedelta(days=29)
    job = field_job(technician, manager, in_warranty=True, created_at=filed)
    visit_complete(job)
    assert 28 < sanbao.unit_counters(job.unit).days_in_repair <= sanbao.DAYS_LIMIT
    assert not UnitFlag.objects.exists()


def test_days_waiting_for_parts_are_counted_from_the_request_timeline(manager, technician):
    """Waiting for parts: from the check-out "needs a second visit (waiting for parts)" to the next step."""
    from aftersales.field.choices import Outcome, SecondVisitReason
    from aftersales.tickets.choices import Action
    from aftersales.tickets.services import request_transition

    now = timezone.now()
    filed = now - datetime.timedelta(days=20)
    job = field_job(technician, manager, in_warranty=True, created_at=filed)
    t = job.technician
    visit = services.visit_check_in(actor=t, request=job.request, now=filed + datetime.timedelta(hours=1))
    services.visit_diagnose(
        actor=t,
        visit=visit,
        cause=job.cause,
        inspection_result="压缩机坏",
        solution="换压缩机",
        now=filed + datetime.timedelta(hours=2),
    )
    services.visit_check_out(
        actor=t,
        visit=visit,
        outcome=Outcome.SECOND_VISIT,
        second_visit_reason=SecondVisitReason.WAITING_PARTS,
        reason="等压缩机到货",
        now=filed + datetime.timedelta(days=2),
    )
    # Still waiting: counted up to now (18 days).
    assert sanbao.days_waiting_parts(job.unit, now=now) == pytest.approx(18, abs=0.1)
    request_transition(actor=t, request=job.request, action=Action.SCHEDULE, now=filed + datetime.timedelta(days=12))
    facts = sanbao.unit_sanbao_facts(job.unit, now=now)
    assert facts.days_waiting_parts == pytest.approx(10, abs=0.1)
    assert facts.days_in_repair == pytest.approx(20, abs=0.1)  # still open: filing to now
    assert facts.repairs_by_fault == {} and facts.repairs_of(None) == 0
    assert sanbao.unit_counters(job.unit, now=now).days_waiting_parts == pytest.approx(10, abs=0.1)


def test_out_of_warranty_waiting_is_not_counted(manager, technician):
    job = field_job(technician, manager)
    assert sanbao.days_waiting_parts(job.unit) == 0


# --- the unit page -------------------------------------------------------------------------------


def test_unit_page_shows_history_forms_and_counters(client, twice_repaired):
    job, visits = twice_repaired
    diagnose(again(job))  # flagged
    client.force_login(job.office)
    response = client.get(reverse("catalog:unit", args=[job.unit.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for v in visits:
        assert v.number in html
        assert reverse("field:form_pdf", args=[v.pk]) in html
    assert "不制冷 / 压缩机故障" in html
    assert "Repaired / done" in html
    assert job.technician.display_name in html
    # The counters and the red badge with the reason.
    assert "Repairs of the same fault in warranty" in html and "Days in repair in warranty" in html
    assert "Eligible for exchange or refund" in html
    assert "badge text-bg-danger" in html
    assert str(UnitFlagReason.SAME_FAULT_REPEATED.label) in html


def test_unit_page_without_flags_has_no_red_badge(client, manager, technician):
    job = field_job(technician, manager, in_warranty=True)
    visit = visit_complete(job)
    client.force_login(manager)
    html = client.get(reverse("catalog:unit", args=[job.unit.pk])).content.decode()
    assert visit.number in html
    assert "Eligible for exchange or refund" not in html


def test_unit_page_form_links_follow_the_scoping(client, make_user, twice_repaired):
    job, visits = twice_repaired
    client.force_login(job.technician)  # his jobs: he sees the unit and its forms
    html = client.get(reverse("catalog:unit", args=[job.unit.pk])).content.decode()
    assert all(v.number in html for v in visits)
    assert client.get(reverse("field:form_pdf", args=[visits[0].pk])).status_code == 200
    client.force_login(make_user(Role.TECHNICIAN))  # not his: neither the unit nor the forms
    assert client.get(reverse("catalog:unit", args=[job.unit.pk])).status_code == 404
    assert client.get(reverse("field:form_pdf", args=[visits[0].pk])).status_code == 404


def test_unit_page_query_count_does_not_grow_with_the_history(client, manager, technician):
    job = field_job(technician, manager, in_warranty=True)
    visit_complete(job)
    client.force_login(manager)
    url = reverse("catalog:unit", args=[job.unit.pk])
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    visit_complete(again(job))
    diagnose(again(job))
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]
