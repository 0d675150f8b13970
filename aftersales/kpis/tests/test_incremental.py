"""The daily aggregates kept incrementally equal a full recomputation from the raw rows, after
every step of a scripted history (creates, transitions, visits, follow-ups, surveys, complaints,
inspections, a reopen, a repeat repair, a cancellation, SLA clocks)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.feedback.tests.factories import GOOD, LOW
from aftersales.field.tests.factories import field_job, visit_complete
from aftersales.kpis.models import KpiDaily, KpiFact, KpiMonthStale, KpiPending
from aftersales.kpis.services import facts_in_days, kpi_check, kpi_months_settle, kpi_rebuild
from aftersales.tickets.choices import Action, ServiceType, Status
from aftersales.tickets.services import request_transition
from aftersales.tickets.tests.paths import drive_to


@pytest.fixture
def sla_defaults(db):
    from aftersales.sla.models import FollowUpWindow
    from aftersales.sla.tests.calendars import seed_migration_data

    if not FollowUpWindow.objects.exists():
        seed_migration_data()


def _daily():
    return {
        (r.day, r.kpi, r.region, r.category, r.channel, r.service_type, r.team, r.technician, r.agent, r.partner): (
            r.num,
            r.den,
        )
        for r in KpiDaily.objects.all()
    }


def _cube():
    from aftersales.kpis.models import KpiDailyCube

    return {
        (r.day, r.kpi, r.region, r.category, r.channel, r.service_type, r.partner): (r.num, r.den)
        for r in KpiDailyCube.objects.all()
    }


def _single():
    from aftersales.kpis.models import KpiDailyDim

    return {(r.day, r.kpi, r.dim, r.value): (r.num, r.den) for r in KpiDailyDim.objects.all()}


def _monthly():
    from aftersales.kpis.models import KpiMonthly, KpiMonthlyCube

    people = {
        (r.day, r.kpi, r.region, r.category, r.channel, r.service_type, r.team, r.technician, r.agent, r.partner): (
            r.num,
            r.den,
        )
        for r in KpiMonthly.objects.all()
    }
    cube = {
        (r.day, r.kpi, r.region, r.category, r.channel, r.service_type, r.partner): (r.num, r.den)
        for r in KpiMonthlyCube.objects.all()
    }
    return people, cube


def _facts():
    return {(f.kpi, f.source, f.subject): (f.day, f.num, f.den) for f in KpiFact.objects.all()}


def _assert_same_as_full():
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=60), today + dt.timedelta(days=2)
    assert not KpiPending.objects.exists()
    assert kpi_check(start=start, end=end) == []
    raw = {(f.kpi, f.source, f.subject): (f.day, f.num, f.den) for f in facts_in_days(None, None)}
    assert _facts() == raw
    incremental, cube, single = _daily(), _cube(), _single()
    kpi_months_settle(include_current=True)
    assert not KpiMonthStale.objects.exists()
    monthly = _monthly()
    kpi_rebuild()
    assert _daily() == incremental
    assert _cube() == cube
    assert _single() == single
    assert _monthly() == monthly
    assert _facts() == raw


@pytest.mark.django_db
def test_incremental_equals_full(
    sla_defaults, django_capture_on_commit_callbacks, make_user, manager, technician, agent, partner_technician
):
    from aftersales.complaints.services import complaint_assign, complaint_propose
    from aftersales.complaints.tests.factories import make_complaint
    from aftersales.feedback.models import FollowUp
    from aftersales.feedback.services import followup_record
    from aftersales.quality.services import inspection_create, inspection_record

    def step(fn):
        with django_capture_on_commit_callbacks(execute=True):
            out = fn()
        _assert_same_as_full()
        return out

    quality = make_user(Role.QUALITY)
    # 1. A job filed and accepted (SLA clocks start), then a first visit that completes it.
    job = step(lambda: field_job(technician, manager, in_warranty=True))
    assert KpiDaily.objects.filter(kpi="volume").exists()
    assert KpiFact.objects.filter(kpi="first_response_on_time", num=1).exists()  # through sla.clocks_changed
    visit = step(lambda: visit_complete(job))
    assert KpiFact.objects.filter(kpi="first_time_fix", subject=visit.pk, num=1).exists()
    assert KpiFact.objects.filter(kpi="form_completeness", subject=visit.pk, num=1, den=1).exists()

    # 2. The follow-up call reaches the customer: satisfied.
    followup = FollowUp.objects.get(request=job.request)
    step(lambda: followup_record(actor=manager, followup=followup, outcome="reached", answers=GOOD))
    assert KpiDaily.objects.filter(kpi="satisfaction", num=1, den=1).exists()

    # 3. The job is reopened (rework) and completed again; a repeat repair of the same unit is filed.
    step(lambda: request_transition(actor=manager, request=job.request, action=Action.REOPEN, reason="又坏了"))
    assert KpiDaily.objects.filter(kpi="repair_error_rate").count() == 0  # not completed now
    job.request.refresh_from_db()
    step(
        lambda: request_transition(
            actor=manager, request=job.request, action=Action.RESOLVE_REMOTELY, reason="电话指导后恢复"
        )
    )
    assert KpiFact.objects.filter(kpi="repair_error_rate", subject=job.request.pk, num=1).exists()
    second = step(
        lambda: drive_to(
            Status.ACKNOWLEDGED, users={Role.MANAGER: manager}, customer=job.customer, unit=job.unit, description="x"
        )
    )
    assert KpiFact.objects.filter(kpi="repeat_repair_30d", subject=job.request.pk, num=1).exists()

    # 4. A partner's job, a consultation answered at once, a cancellation.
    step(
        lambda: drive_to(
            Status.ACCEPTED,
            users={Role.MANAGER: manager, Role.TECHNICIAN: partner_technician},
            technician=partner_technician,
        )
    )
    step(
        lambda: drive_to(
            Status.CLOSED, users={Role.AGENT: agent}, service_type=ServiceType.CONSULTATION, description="怎么清洗"
        )
    )
    assert KpiFact.objects.filter(kpi="first_contact_resolution", num=1).exists()
    step(lambda: request_transition(actor=manager, request=second, action=Action.CANCEL, reason="客户取消"))

    # 5. A complaint about the first job, answered; an inspection of its visit.
    complaint = step(lambda: make_complaint(quality, request=job.request, customer=job.customer))
    step(lambda: complaint_assign(actor=quality, complaint=complaint, investigator=quality))
    step(lambda: complaint_propose(actor=quality, complaint=complaint, solution="上门道歉"))
    assert KpiFact.objects.filter(kpi="complaints_on_time", subject=complaint.pk).exists()
    inspection = step(lambda: inspection_create(actor=quality, visit=visit))
    results = {item.pk: i != 0 for i, item in enumerate(inspection.template.items.all())}
    step(lambda: inspection_record(actor=quality, inspection=inspection, method="call", results=results))
    assert KpiFact.objects.filter(kpi="norm_compliance").exists()

    # 6. A second completion's customer is not satisfied.
    other = step(lambda: field_job(technician, manager, in_warranty=True))
    step(lambda: visit_complete(other))
    low = FollowUp.objects.get(request=other.request)
    step(lambda: followup_record(actor=manager, followup=low, outcome="reached", answers=LOW))
    num, den = KpiFact.objects.filter(kpi="satisfaction").values_list("num", "den").order_by("num")[0]
    assert (num, den) == (0, 1)


@pytest.mark.django_db
def test_check_reports_a_difference(sla_defaults, django_capture_on_commit_callbacks, manager, technician):
    with django_capture_on_commit_callbacks(execute=True):
        field_job(technician, manager, in_warranty=True)
    row = KpiDaily.objects.filter(kpi="volume").first()
    KpiDaily.objects.filter(pk=row.pk).update(num=row.num + 5)
    diffs = kpi_check(start=row.day, end=row.day)
    assert len(diffs) == 1 and "volume" in str(diffs[0])
    kpi_rebuild(start=row.day, end=row.day)
    assert kpi_check(start=row.day, end=row.day) == []


@pytest.mark.django_db
def test_a_drain_adds_only_the_repairs_a_new_request_can_make_repeated(manager):
    """A request on a unit changes the repeat-repair measure of the unit's requests completed in
    the 30 days before it was filed, not of older ones, and not of other units'."""
    from aftersales.kpis.services import _with_repeat_repairs, repeat_repairs_affected
    from aftersales.returns.tests.factories import make_unit
    from aftersales.tickets.models import ServiceRequest

    users = {Role.MANAGER: manager}
    unit, other = make_unit(manager), make_unit(manager)
    customer = unit.owner
    recent = drive_to(Status.ACKNOWLEDGED, users=users, customer=customer, unit=unit, description="上次维修")
    old = drive_to(Status.ACKNOWLEDGED, users=users, customer=customer, unit=unit, description="更早的维修")
    elsewhere = drive_to(Status.ACKNOWLEDGED, users=users, customer=other.owner, unit=other, description="别的机器")
    now = timezone.now()
    ServiceRequest.objects.filter(pk=recent.pk).update(completed_at=now - dt.timedelta(days=10))
    ServiceRequest.objects.filter(pk=old.pk).update(completed_at=now - dt.timedelta(days=40))
    ServiceRequest.objects.filter(pk=elsewhere.pk).update(completed_at=now - dt.timedelta(days=5))
    new = drive_to(Status.NEW, users=users, customer=customer, unit=unit, description="又坏了")

    assert _with_repeat_repairs([new.pk]) == sorted([new.pk, recent.pk])
    assert repeat_repairs_affected([(unit.pk, new.created_at)]) == [recent.pk]
    assert _with_repeat_repairs([]) == []


def test_docs_are_fresh():
    """docs/kpis.md holds the definitions as ``manage.py kpi_docs`` writes them."""
    from aftersales.kpis.docs import docs_stale

    assert not docs_stale(), "docs/kpis.md is stale: run manage.py kpi_docs"
