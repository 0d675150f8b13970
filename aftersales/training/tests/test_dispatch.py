"""A lapsed certification keeps its skill's jobs from the technician (the ``dispatch.technician.blocks``
slot): not proposed, not assigned (a clear, translated error), not in his pool; renewed, he is
proposed again. Without a certifying course dispatch behaves as before."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from aftersales.accounts.choices import Role
from aftersales.catalog.services import category_create, product_create
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.dispatch import services
from aftersales.dispatch.choices import DispatchMode
from aftersales.dispatch.models import DispatchPolicy
from aftersales.dispatch.selectors import pool_for, suggestions, technician_blocks
from aftersales.dispatch.slots import TECHNICIAN_BLOCKS
from aftersales.dispatch.tests.factories import CENTRE, committed, job, region, tech_profile
from aftersales.tickets.choices import ServiceType
from aftersales.training.choices import CourseKind
from aftersales.training.models import Certification
from aftersales.training.services import course_update

from .factories import make_course, passed

pytestmark = pytest.mark.django_db
dispatch_assign = committed(services.dispatch_assign)
pool_claim = committed(services.pool_claim)


@pytest.fixture
def reg(db):
    return region()


@pytest.fixture
def techs(dispatcher, make_user, reg):
    near = make_user(Role.TECHNICIAN, last_name="近")
    far = make_user(Role.TECHNICIAN, last_name="远")
    tech_profile(dispatcher, near, region=reg, lat=CENTRE[0] + 0.01, lng=CENTRE[1] + 0.02)
    tech_profile(dispatcher, far, region=reg, lat=CENTRE[0] + 0.3, lng=CENTRE[1] + 0.3)
    return near, far


def cert_course(qm, category=None, required=True):
    return make_course(
        qm,
        title="燃气热水器安装资质",
        kind=CourseKind.SKILLS,
        pass_score=80,
        certifies_service_type=ServiceType.INSTALLATION,
        certifies_category=category,
        validity_months=12,
        certification_required=required,
    )


def ranked(sr, now=None):
    return [s.technician_id for s in suggestions(sr, now=now)]


def test_training_fills_the_slot():
    assert {fn.__module__ for fn in TECHNICIAN_BLOCKS.functions()} == {"aftersales.training.selectors"}


def test_without_a_certifying_course_nobody_is_blocked(dispatcher, qm, techs, reg):
    near, far = techs
    make_course(qm)  # a course that certifies nothing
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    assert ranked(sr) == [near.pk, far.pk]
    assert technician_blocks([near.pk, far.pk], [(ServiceType.INSTALLATION, None)], day=timezone.localdate()) == {}


def test_a_lapsed_certification_is_not_proposed_nor_assigned_and_a_renewal_restores_it(dispatcher, qm, techs, reg):
    near, far = techs
    course = cert_course(qm)
    today = timezone.localdate()
    passed(qm, course, far, today - dt.timedelta(days=30))
    passed(qm, course, near, today - dt.timedelta(days=400))  # valid 12 months: lapsed ~35 days ago
    lapsed_on = Certification.objects.get(person=near).expires_on
    assert lapsed_on < today
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)

    assert ranked(sr) == [far.pk]
    with pytest.raises(ValidationFailed) as exc:
        dispatch_assign(actor=dispatcher, request=sr, technician=near, reason="他最近")
    assert exc.value.code == "technician_blocked"
    assert str(exc.value.message) == (f"The certification for Installation lapsed on {lapsed_on.isoformat()}.")
    assert "technician" in exc.value.fields
    sr.refresh_from_db()
    assert sr.assigned_technician is None  # nothing written

    # Renewed: proposed again, first (nearer), and the assignment goes through.
    passed(qm, course, near, today)
    assert ranked(sr) == [near.pk, far.pk]
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
    sr.refresh_from_db()
    assert sr.assigned_technician == near


def test_the_refusal_is_translated(dispatcher, qm, techs, reg):
    near, _far = techs
    cert_course(qm)
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        dispatch_assign(actor=dispatcher, request=sr, technician=near, reason="就近")
    assert str(exc.value.message) == "没有“安装”的有效资质证书。"


def test_without_the_requirement_only_a_lapse_blocks(dispatcher, qm, techs, reg):
    """A course that certifies without requiring: the never-certified keep their jobs, a lapsed holder does not."""
    near, far = techs
    course = cert_course(qm, required=False)
    passed(qm, course, far, timezone.localdate() - dt.timedelta(days=400))
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    assert ranked(sr) == [near.pk]
    course_update(actor=qm, course=course, certification_required=True)
    assert ranked(sr) == []


def test_never_certified_is_blocked_when_the_course_requires_it(dispatcher, qm, techs, reg):
    near, far = techs
    cert_course(qm)
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    assert ranked(sr) == []
    with pytest.raises(ValidationFailed) as exc:
        dispatch_assign(actor=dispatcher, request=sr, technician=near)
    assert str(exc.value.message) == "No valid certification for Installation."


def test_other_skills_are_not_blocked(dispatcher, qm, techs, reg):
    near, far = techs
    cert_course(qm)
    repair = job(dispatcher, region=reg, service_type=ServiceType.REPAIR)
    assert ranked(repair) == [near.pk, far.pk]


def test_a_course_for_one_category_blocks_only_that_category(dispatcher, qm, techs, reg):
    near, far = techs
    heaters = category_create(actor=dispatcher, code="WH", name="热水器")
    tvs = category_create(actor=dispatcher, code="TV1", name="电视")
    cert_course(qm, category=heaters)
    heater = product_create(actor=dispatcher, model_code="JSQ-1", name="燃气热水器", category=heaters)
    tv = product_create(actor=dispatcher, model_code="TV-1", name="电视机", category=tvs)
    assert ranked(job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION, product=heater)) == []
    assert ranked(job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION, product=tv)) == [near.pk, far.pk]


def test_an_inactive_course_blocks_nobody(dispatcher, qm, techs, reg):
    course = cert_course(qm)
    course_update(actor=qm, course=course, is_active=False)
    assert len(ranked(job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION))) == 2


def test_the_expiry_day_boundary(dispatcher, qm, techs, reg):
    """Valid through the day before ``expires_on`` (Shanghai days); from that day's midnight on, blocked."""
    near, far = techs
    course = cert_course(qm)
    today = timezone.localdate()
    passed(qm, course, near, today - dt.timedelta(days=3))
    passed(qm, course, far, today - dt.timedelta(days=3))
    expires = Certification.objects.get(person=near).expires_on
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    tz = timezone.get_default_timezone()
    last_minute = dt.datetime.combine(expires - dt.timedelta(days=1), dt.time(23, 59), tzinfo=tz)
    midnight = dt.datetime.combine(expires, dt.time(0, 0), tzinfo=tz)
    assert set(ranked(sr, now=last_minute)) == {near.pk, far.pk}
    assert ranked(sr, now=midnight) == []


def test_the_pool_keeps_the_job_from_a_lapsed_technician(dispatcher, qm, techs, reg):
    near, far = techs
    course = cert_course(qm)
    today = timezone.localdate()
    passed(qm, course, far, today)
    passed(qm, course, near, today - dt.timedelta(days=400))
    DispatchPolicy.objects.create(region=reg, mode=DispatchMode.POOL)
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    assert sr in pool_for(far) and sr not in pool_for(near)
    with pytest.raises(PermissionDeniedError) as exc:
        pool_claim(actor=near, request=sr)
    assert "lapsed" in str(exc.value.message)
    pool_claim(actor=far, request=sr)


def test_accepting_an_offer_after_the_lapse_is_refused(dispatcher, qm, techs, reg):
    near, _far = techs
    course = cert_course(qm)
    today = timezone.localdate()
    passed(qm, course, near, today - dt.timedelta(days=10))
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
    expires = Certification.objects.get(person=near).expires_on
    later = dt.datetime.combine(expires, dt.time(9), tzinfo=timezone.get_default_timezone())
    with pytest.raises(ValidationFailed):
        services.offer_accept(actor=near, request=sr, now=later)
    services.offer_accept(actor=near, request=sr)


def test_without_training_in_the_slot_dispatch_is_as_before(dispatcher, qm, techs, reg, monkeypatch):
    """Dispatch alone (nothing fills its slot): the same lapsed technician is proposed and assigned."""
    near, far = techs
    course = cert_course(qm)
    passed(qm, course, near, timezone.localdate() - dt.timedelta(days=400))
    sr = job(dispatcher, region=reg, service_type=ServiceType.INSTALLATION)
    assert ranked(sr) == []
    monkeypatch.setattr(TECHNICIAN_BLOCKS, "_items", [])
    assert ranked(sr) == [near.pk, far.pk]
    dispatch_assign(actor=dispatcher, request=sr, technician=near)
