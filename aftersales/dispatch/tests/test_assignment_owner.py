"""Dispatch owns assignment: the request page, the requests API and SLA escalation all leave an offer
record (with the override / reassignment reason), and the job's holder always agrees with the request."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.accounts.choices import Role
from aftersales.accounts.system import system_user
from aftersales.dispatch.choices import ACTIVE_OFFER_STATUSES, OfferStatus
from aftersales.dispatch.models import DispatchOffer
from aftersales.sla.escalation import sla_sweep
from aftersales.sla.models import EscalationLevel
from aftersales.sla.services import sla_refresh
from aftersales.tickets.choices import Action, Status
from aftersales.tickets.services import request_transition

from .factories import CENTRE, job, region, tech_profile

pytestmark = pytest.mark.django_db


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


def web(user):
    client = Client()
    client.force_login(user)
    return client


def active_offer(sr):
    return DispatchOffer.objects.filter(request=sr, status__in=ACTIVE_OFFER_STATUSES).first()


def assert_holder_agrees(sr):
    sr.refresh_from_db()
    offer = active_offer(sr)
    assert offer is not None
    assert (offer.technician_id, offer.organization_id) == (sr.assigned_technician_id, sr.assigned_organization_id)
    return offer


def test_request_page_assignment_leaves_an_offer_with_the_override_reason(dispatcher, techs, reg):
    near, far = techs
    sr = job(dispatcher, region=reg)
    url = reverse("tickets:transition", args=[sr.pk])
    # Not the top suggestion and no reason: refused, nothing written.
    web(dispatcher).post(url, {"action": Action.ASSIGN, "technician": far.pk, "reason": ""})
    sr.refresh_from_db()
    assert sr.status == Status.ACKNOWLEDGED and not DispatchOffer.objects.filter(request=sr).exists()

    web(dispatcher).post(url, {"action": Action.ASSIGN, "technician": far.pk, "reason": "客户指定"})
    offer = assert_holder_agrees(sr)
    assert sr.status == Status.ASSIGNED and sr.assigned_technician == far
    assert (offer.status, offer.override_reason, offer.created_by) == (OfferStatus.PENDING, "客户指定", dispatcher)

    # The technician accepts on the request page: the offer follows.
    web(far).post(url, {"action": Action.ACCEPT, "reason": ""})
    offer.refresh_from_db()
    sr.refresh_from_db()
    assert (sr.status, offer.status) == (Status.ACCEPTED, OfferStatus.ACCEPTED)

    # Reassigning on the request page withdraws the offer with the reason.
    web(dispatcher).post(url, {"action": Action.ASSIGN, "technician": near.pk, "reason": "远的那位请假"})
    offer.refresh_from_db()
    assert (offer.status, offer.answer_reason) == (OfferStatus.WITHDRAWN, "远的那位请假")
    assert assert_holder_agrees(sr).technician == near


def test_requests_api_assign_and_decline_go_through_the_offer(dispatcher, techs, reg):
    near, _far = techs
    sr = job(dispatcher, region=reg)
    url = f"/api/requests/{sr.pk}/transitions"
    r = web(dispatcher).post(url, {"action": "assign", "technician_id": near.pk}, content_type="application/json")
    assert r.status_code == 200, r.content
    offer = assert_holder_agrees(sr)
    assert offer.status == OfferStatus.PENDING and offer.technician == near

    r = web(near).post(url, {"action": "decline", "reason": "太远"}, content_type="application/json")
    assert r.status_code == 200, r.content
    offer.refresh_from_db()
    sr.refresh_from_db()
    assert (offer.status, offer.answer_reason) == (OfferStatus.DECLINED, "太远")
    assert sr.assigned_technician_id is None and active_offer(sr) is None


def test_office_accepts_on_behalf_through_the_offer(dispatcher, techs, reg, manager):
    near, _far = techs
    sr = job(dispatcher, region=reg)
    request_transition(actor=dispatcher, request=sr, action=Action.ASSIGN, technician=near)
    request_transition(actor=manager, request=sr, action=Action.ACCEPT)
    offer = assert_holder_agrees(sr)
    assert (sr.status, offer.status) == (Status.ACCEPTED, OfferStatus.ACCEPTED)


def test_sla_escalation_reassignment_leaves_an_offer(dispatcher, techs, reg, django_capture_on_commit_callbacks):
    near, far = techs
    EscalationLevel.objects.filter(level=1).update(reassign_technician=far)
    sr = job(dispatcher, region=reg)
    request_transition(actor=dispatcher, request=sr, action=Action.ASSIGN, technician=near)
    first = active_offer(sr)
    now = timezone.now()
    sla_refresh(sr.pk, now=now)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=now + dt.timedelta(days=3))
    first.refresh_from_db()
    assert first.status == OfferStatus.WITHDRAWN and "SLA escalation" in first.answer_reason
    offer = assert_holder_agrees(sr)
    assert offer.technician == far and offer.created_by == system_user()
    assert sr.status == Status.ASSIGNED
    # Once per level: a second sweep does not reassign again.
    offers = DispatchOffer.objects.filter(request=sr).count()
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=now + dt.timedelta(days=3, minutes=5))
    assert DispatchOffer.objects.filter(request=sr).count() == offers
