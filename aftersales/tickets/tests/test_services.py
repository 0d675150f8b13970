"""tickets.services against the database: intake, transitions, edits, notes, attachments."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.catalog.services import product_create, unit_register
from aftersales.catalog.tests.factories import CategoryFactory
from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.core.tests.test_uploads import tiny_png
from aftersales.customers.choices import CustomerTier
from aftersales.customers.services import address_create, customer_create, region_create
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.choices import PRIORITY_RANK, TRANSITIONS, Action, Channel, Priority, ServiceType, Status
from aftersales.tickets.models import Attachment, ServiceRequest, ServiceRequestEvent
from aftersales.tickets.services import (
    ASSIGNMENT_ACTIONS,
    IllegalTransition,
    request_add_note,
    request_create,
    request_transition,
    request_update,
)

from .paths import drive_to, step, unique_phone

Kind = ServiceRequestEvent.Kind


@pytest.fixture
def users(manager, dispatcher, agent, technician):
    return {"manager": manager, "dispatcher": dispatcher, "agent": agent, "technician": technician}


@pytest.fixture
def customer(agent):
    return customer_create(actor=agent, name="王芳", phone="13812345678")


@pytest.fixture
def product(agent):
    return product_create(
        actor=agent, model_code="SF-100", name="三人沙发", category=CategoryFactory(), warranty_months=12
    )


def _counts():
    return (ServiceRequest.objects.count(), ServiceRequestEvent.objects.count(), AuditEvent.objects.count())


def _create(actor, customer, **kwargs):
    kwargs.setdefault("channel", Channel.PHONE)
    kwargs.setdefault("service_type", ServiceType.REPAIR)
    kwargs.setdefault("description", "沙发扶手松动")
    return request_create(actor=actor, customer=customer, **kwargs)


def _audits(request):
    return AuditEvent.objects.filter(object_type="tickets.servicerequest", object_id=str(request.pk))


# --- request_create ------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_files_a_new_request_with_a_created_event_and_an_audit_row(agent, customer):
    request = _create(agent, customer, priority=Priority.HIGH, contact_phone="+86 139 0000 1111")
    assert request.status == Status.NEW
    assert request.priority_rank == PRIORITY_RANK[Priority.HIGH]
    assert request.contact_phone == "+8613900001111"
    assert request.contact_name == "王芳"
    assert request.created_by == agent
    events = list(request.events.all())
    assert [(e.kind, e.to_status, e.actor) for e in events] == [(Kind.CREATED, Status.NEW, agent)]
    assert list(_audits(request).values_list("action", flat=True)) == ["request.create"]


@pytest.mark.django_db
def test_create_defaults_the_contact_phone_and_address_to_the_customer(agent, customer):
    region = region_create(actor=agent, code="310115", name="浦东新区", province="上海市", city="上海市")
    home = address_create(actor=agent, customer=customer, province="上海市", city="上海市", street="张杨路1号")
    office = address_create(
        actor=agent, customer=customer, province="上海市", city="上海市", street="世纪大道2号", region=region
    )
    request = _create(agent, customer)
    assert request.contact_phone == customer.phone
    assert request.address == home
    request = _create(agent, customer, address=office)
    assert request.region == region


BAD_FIELDS = [
    ("channel", {"channel": "fax"}),
    ("service_type", {"service_type": "magic"}),
    ("priority", {"priority": "whenever"}),
    ("description", {"description": "   "}),
    ("answer", {"answer": "Just restart it.", "service_type": ServiceType.REPAIR}),
    ("contact_phone", {"contact_phone": "not a phone"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "bad"), BAD_FIELDS, ids=[f for f, _ in BAD_FIELDS])
def test_create_refuses_each_bad_field_and_writes_nothing(agent, customer, field, bad):
    before = _counts()
    with pytest.raises(ValidationFailed) as caught:
        _create(agent, customer, **bad)
    assert field in caught.value.fields
    assert _counts() == before


@pytest.mark.django_db
def test_create_refuses_a_unit_or_address_of_another_customer(agent, customer, product):
    other = customer_create(actor=agent, name="李雷", phone=unique_phone())
    unit = unit_register(actor=agent, product=product, serial_number="x1", owner=other)
    address = address_create(actor=agent, customer=other, province="上海市", city="上海市", street="淮海路3号")
    before = _counts()
    with pytest.raises(ValidationFailed) as caught:
        _create(agent, customer, unit=unit, address=address)
    assert set(caught.value.fields) == {"unit", "address"}
    assert _counts() == before


@pytest.mark.django_db
def test_contact_name_longer_than_the_column_is_a_validation_error(agent, customer):
    before = _counts()
    with pytest.raises(ValidationFailed) as caught:
        _create(agent, customer, contact_name="张" * 101)
    assert "contact_name" in caught.value.fields
    assert _counts() == before


@pytest.mark.django_db
def test_warranty_is_snapshotted_at_intake(agent, customer, product):
    today = timezone.localdate()
    fresh = unit_register(
        actor=agent, product=product, serial_number="in1", owner=customer, purchase_date=today - datetime.timedelta(30)
    )
    old = unit_register(
        actor=agent, product=product, serial_number="out1", owner=customer, purchase_date=today.replace(year=2019)
    )
    undated = unit_register(actor=agent, product=product, serial_number="unk1", owner=customer)

    inside = _create(agent, customer, unit=fresh)
    assert (inside.in_warranty, inside.warranty_end) == (True, fresh.warranty_end)
    assert inside.product == product
    outside = _create(agent, customer, unit=old)
    assert (outside.in_warranty, outside.warranty_end) == (False, old.warranty_end)
    unknown = _create(agent, customer, unit=undated)
    assert (unknown.in_warranty, unknown.warranty_end) == (None, None)
    no_unit = _create(agent, customer)
    assert no_unit.in_warranty is None


@pytest.mark.django_db
def test_warranty_snapshot_uses_the_intake_day_not_today(agent, customer, product):
    purchase = datetime.date(2024, 1, 15)  # warranty ends 2025-01-14
    unit = unit_register(actor=agent, product=product, serial_number="snap1", owner=customer, purchase_date=purchase)
    last_day = timezone.make_aware(datetime.datetime(2025, 1, 14, 23, 30))
    next_day = timezone.make_aware(datetime.datetime(2025, 1, 15, 0, 30))
    assert _create(agent, customer, unit=unit, now=last_day).in_warranty is True
    assert _create(agent, customer, unit=unit, now=next_day).in_warranty is False


@pytest.mark.django_db
def test_acknowledge_at_intake(agent, customer):
    request = _create(agent, customer, acknowledge=True)
    assert request.status == Status.ACKNOWLEDGED
    assert request.acknowledged_at is not None
    assert list(request.events.values_list("kind", "action")) == [(Kind.CREATED, ""), (Kind.TRANSITION, "acknowledge")]
    assert list(_audits(request).order_by("id").values_list("action", flat=True)) == [
        "request.create",
        "request.acknowledge",
    ]


@pytest.mark.django_db
def test_consultation_answered_at_intake_is_closed_as_first_contact_resolution(agent, customer):
    request = _create(agent, customer, service_type=ServiceType.CONSULTATION, answer="Use the eco mode.")
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert request.first_contact_resolution is True
    assert request.resolution == "Use the eco mode."
    assert request.acknowledged_at == request.completed_at == request.closed_at
    assert request.closed_at is not None
    last = request.events.last()
    assert (last.action, last.from_status, last.to_status, last.reason) == (
        Action.RESOLVE_AT_INTAKE,
        Status.NEW,
        Status.CLOSED,
        "Use the eco mode.",
    )


@pytest.mark.django_db
def test_numbers_are_unique_and_human_friendly(agent, customer):
    numbers = [_create(agent, customer).number for _ in range(3)]
    now = timezone.localtime()
    assert numbers == [f"SR{now:%y%m}-{n:06d}" for n in (1, 2, 3)]
    assert all(re.fullmatch(r"SR\d{4}-\d{6}", n) for n in numbers)
    march = timezone.make_aware(datetime.datetime(2025, 3, 31, 23, 59))
    assert _create(agent, customer, now=march).number == "SR2503-000001"


@pytest.mark.django_db
def test_customers_may_only_file_for_themselves(make_user, agent):
    me = make_user(Role.CUSTOMER)
    mine = CustomerFactory(user=me, phone=unique_phone())
    theirs = customer_create(actor=agent, name="别人", phone=unique_phone())
    request = _create(me, mine, channel=Channel.PORTAL)
    assert request.created_by == me
    before = _counts()
    with pytest.raises(PermissionDeniedError):
        _create(me, theirs, channel=Channel.PORTAL)
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PARTNER, Role.PARTS_CLERK])
def test_field_staff_cannot_file_requests(make_user, partner_org, customer, role):
    user = make_user(role, organization=partner_org if role == Role.PARTNER else None)
    before = _counts()
    with pytest.raises(PermissionDeniedError):
        _create(user, customer)
    assert _counts() == before


# --- tiers follow the requests -----------------------------------------------------------------


@pytest.mark.django_db
def test_tier_is_returning_from_the_second_request_that_is_not_cancelled(agent, manager, customer):
    first = _create(agent, customer)
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.NEW
    request_transition(actor=manager, request=first, action=Action.CANCEL, reason="duplicate call")
    _create(agent, customer)
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.NEW  # the cancelled one does not count
    _create(agent, customer)
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.RETURNING


@pytest.mark.django_db
def test_cancelling_a_request_re_derives_the_tier(agent, manager, customer):
    _create(agent, customer)
    second = _create(agent, customer)
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.RETURNING
    request_transition(actor=manager, request=second, action=Action.CANCEL, reason="filed twice")
    customer.refresh_from_db()
    assert customer.tier == CustomerTier.NEW


# --- request_transition ------------------------------------------------------------------------

REASON_REQUIRED = sorted(a for a, t in TRANSITIONS.items() if t.reason_required)


@pytest.mark.django_db
@pytest.mark.parametrize("action", REASON_REQUIRED)
def test_a_reason_is_required_where_the_table_says(users, manager, action):
    source = sorted(TRANSITIONS[action].sources)[0]
    request = drive_to(source, users=users)
    events, audits = request.events.count(), _audits(request).count()
    with pytest.raises(ValidationFailed) as caught:
        request_transition(actor=manager, request=request, action=action, reason="   ")
    assert "reason" in caught.value.fields
    request.refresh_from_db()
    assert request.status == source
    assert (request.events.count(), _audits(request).count()) == (events, audits)


@pytest.mark.django_db
def test_reason_required_matches_the_spec_list():
    assert set(REASON_REQUIRED) == {
        Action.DECLINE,
        Action.WAIT_PARTS,
        Action.WAIT_CUSTOMER,
        Action.DECLINE_QUOTE,
        Action.CANCEL,
        Action.REOPEN,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "action", "source"),
    [
        (Role.AGENT, Action.ASSIGN, Status.ACKNOWLEDGED),
        (Role.PARTS_CLERK, Action.ACKNOWLEDGE, Status.NEW),
        (Role.DISPATCHER, Action.FOLLOW_UP, Status.COMPLETED),
        (Role.QUALITY, Action.START, Status.ACCEPTED),
        (Role.TECHNICIAN, Action.CANCEL, Status.ACCEPTED),
        (Role.TECHNICIAN, Action.ASSIGN, Status.ACCEPTED),
    ],
)
def test_roles_outside_the_table_are_refused(users, make_user, technician, role, action, source):
    request = drive_to(source, users=users)
    actor = technician if role == Role.TECHNICIAN else make_user(role)
    events = request.events.count()
    with pytest.raises(PermissionDeniedError):
        request_transition(actor=actor, request=request, action=action, reason="r", technician=technician)
    request.refresh_from_db()
    assert request.status == source
    assert request.events.count() == events


@pytest.mark.django_db
def test_a_customer_cannot_accept_even_his_own_job(users, make_user, agent):
    me = make_user(Role.CUSTOMER)
    mine = CustomerFactory(user=me, phone=unique_phone())
    request = drive_to(Status.ASSIGNED, users=users, customer=mine)
    with pytest.raises(PermissionDeniedError):
        request_transition(actor=me, request=request, action=Action.ACCEPT)


@pytest.mark.django_db
def test_foreign_requests_do_not_exist_for_field_staff_and_customers(
    users, make_user, technician, partner_user, partner_technician, agent
):
    other_tech = make_user(Role.TECHNICIAN)
    mine = drive_to(Status.ASSIGNED, users=users, technician=technician)
    with pytest.raises(NotFoundError):
        request_transition(actor=other_tech, request=mine, action=Action.ACCEPT)
    with pytest.raises(NotFoundError):
        request_transition(actor=partner_user, request=mine, action=Action.ACCEPT)
    stranger = make_user(Role.CUSTOMER)
    with pytest.raises(NotFoundError):
        request_add_note(actor=stranger, request=mine, text="hello?")
    # The partner's own job: another partner organization's staff cannot touch it.
    theirs = drive_to(Status.ASSIGNED, users=users, technician=partner_technician)
    request_transition(actor=partner_user, request=theirs, action=Action.ACCEPT)
    from aftersales.accounts.tests.factories import PartnerFactory

    rival = make_user(Role.PARTNER, organization=PartnerFactory())
    with pytest.raises(NotFoundError):
        request_transition(actor=rival, request=theirs, action=Action.SCHEDULE)
    mine.refresh_from_db()
    assert mine.status == Status.ASSIGNED


@pytest.mark.django_db
def test_the_assigned_technician_works_his_own_job(users, technician):
    request = drive_to(Status.ASSIGNED, users=users)
    for action in (Action.ACCEPT, Action.START, Action.COMPLETE):
        request = request_transition(actor=technician, request=request, action=action, reason="fixed the hinge")
    assert request.status == Status.COMPLETED
    assert request.completed_at is not None
    assert request.resolution == "fixed the hinge"


@pytest.mark.django_db
def test_assign_needs_an_active_technician(users, dispatcher, agent, make_user):
    request = drive_to(Status.ACKNOWLEDGED, users=users)
    with pytest.raises(ValidationFailed) as caught:
        request_transition(actor=dispatcher, request=request, action=Action.ASSIGN)
    assert "technician" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        request_transition(actor=dispatcher, request=request, action=Action.ASSIGN, technician=agent)
    assert "technician" in caught.value.fields
    retired = make_user(Role.TECHNICIAN, is_active=False)
    with pytest.raises(ValidationFailed):
        request_transition(actor=dispatcher, request=request, action=Action.ASSIGN, technician=retired)
    request.refresh_from_db()
    assert request.status == Status.ACKNOWLEDGED
    assert request.assigned_technician is None


@pytest.mark.django_db
def test_assign_records_technician_and_organization(users, dispatcher, technician, own_org):
    request = drive_to(Status.ACKNOWLEDGED, users=users)
    request = request_transition(actor=dispatcher, request=request, action=Action.ASSIGN, technician=technician)
    assert (request.assigned_technician, request.assigned_organization) == (technician, own_org)
    event = request.events.last()
    assert event.data["technician"] == technician.pk
    assert event.data["organization"] == own_org.pk


@pytest.mark.django_db
def test_a_partner_may_assign_only_its_own_technicians(
    users, dispatcher, partner_user, partner_technician, make_user, partner_org, technician
):
    request = drive_to(Status.ASSIGNED, users=users, technician=partner_technician)
    colleague = make_user(Role.TECHNICIAN, organization=partner_org)
    request = request_transition(actor=partner_user, request=request, action=Action.ASSIGN, technician=colleague)
    assert request.assigned_technician == colleague
    assert request.assigned_organization == partner_org
    events = request.events.count()
    with pytest.raises(PermissionDeniedError):
        request_transition(actor=partner_user, request=request, action=Action.ASSIGN, technician=technician)
    request.refresh_from_db()
    assert request.assigned_technician == colleague
    assert request.events.count() == events


@pytest.mark.django_db
def test_decline_clears_the_assignment(users, technician):
    request = drive_to(Status.ASSIGNED, users=users)
    request = request_transition(actor=technician, request=request, action=Action.DECLINE, reason="too far")
    request.refresh_from_db()
    assert request.status == Status.ACKNOWLEDGED
    assert request.assigned_technician is None
    assert request.assigned_organization is None


@pytest.mark.django_db
def test_customer_responded_returns_to_where_the_pause_began(users, technician):
    request = drive_to(Status.IN_PROGRESS, users=users)
    request = request_transition(actor=technician, request=request, action=Action.WAIT_CUSTOMER, reason="not at home")
    request = request_transition(actor=technician, request=request, action=Action.CUSTOMER_RESPONDED)
    assert request.status == Status.IN_PROGRESS


@pytest.mark.django_db
def test_reopen_clears_completion_and_closing(users, manager):
    request = drive_to(Status.CLOSED, users=users)
    assert request.completed_at is not None and request.closed_at is not None
    request = request_transition(actor=manager, request=request, action=Action.REOPEN, reason="leaks again")
    request.refresh_from_db()
    assert request.status == Status.REOPENED
    assert request.completed_at is None
    assert request.closed_at is None


@pytest.mark.django_db
def test_reopening_a_first_contact_resolution_takes_the_credit_back(users, agent, manager, customer):
    request = _create(agent, customer, service_type=ServiceType.CONSULTATION, answer="Press reset.")
    request = request_transition(actor=manager, request=request, action=Action.REOPEN, reason="did not help")
    request.refresh_from_db()
    assert request.first_contact_resolution is False


@pytest.mark.django_db
def test_each_transition_leaves_one_event_and_one_audit_row(users, manager, dispatcher, technician):
    request = drive_to(Status.NEW, users=users)
    moves = [
        (manager, Action.ACKNOWLEDGE, ""),
        (dispatcher, Action.ASSIGN, ""),
        (technician, Action.ACCEPT, ""),
        (technician, Action.WAIT_PARTS, "compressor on order"),
    ]
    for actor, action, reason in moves:
        events, audits = request.events.count(), _audits(request).count()
        before = request.status
        at = timezone.now()
        request = request_transition(
            actor=actor, request=request, action=action, reason=reason, technician=technician, now=at
        )
        assert request.events.count() == events + 1
        # Assign / accept go through dispatch, which adds its own audit row about the offer.
        assert _audits(request).count() == audits + (2 if action in ASSIGNMENT_ACTIONS else 1)
        event = request.events.last()
        assert (event.kind, event.action, event.from_status, event.to_status, event.actor, event.at, event.reason) == (
            Kind.TRANSITION,
            action,
            before,
            TRANSITIONS[action].target,
            actor,
            at,
            reason,
        )
        audit = _audits(request).filter(action=f"request.{action}").order_by("-id").first()
        assert audit.action == f"request.{action}"
        assert audit.actor == actor
        assert audit.changes["status"] == [before, TRANSITIONS[action].target]
        assert request.status_changed_at == at


# --- request_update ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_update_priority_recomputes_the_rank_and_leaves_an_update_event(agent, customer):
    request = _create(agent, customer)
    request = request_update(actor=agent, request=request, priority=Priority.URGENT, description=" 漏水 ")
    request.refresh_from_db()
    assert request.priority == Priority.URGENT
    assert request.priority_rank == PRIORITY_RANK[Priority.URGENT]
    event = request.events.last()
    assert event.kind == Kind.UPDATE
    assert event.data["changes"]["priority"] == ["normal", "urgent"]
    assert "priority_rank" not in event.data["changes"]
    audit = _audits(request).order_by("-id").first()
    assert audit.action == "request.update"
    assert audit.changes["priority_rank"] == [3, 1]


@pytest.mark.django_db
def test_update_without_changes_writes_nothing(agent, customer):
    request = _create(agent, customer)
    events, audits = request.events.count(), _audits(request).count()
    request_update(actor=agent, request=request, priority=Priority.NORMAL)
    assert (request.events.count(), _audits(request).count()) == (events, audits)


@pytest.mark.django_db
def test_update_refusals(users, agent, customer, technician, product):
    request = _create(agent, customer)
    with pytest.raises(ValidationFailed) as caught:
        request_update(actor=agent, request=request, priority="asap")
    assert "priority" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        request_update(actor=agent, request=request, status=Status.CLOSED)
    assert "status" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        request_update(actor=agent, request=request, description="")
    assert "description" in caught.value.fields
    other = customer_create(actor=agent, name="韩梅梅", phone=unique_phone())
    unit = unit_register(actor=agent, product=product, serial_number="u-9", owner=other)
    with pytest.raises(ValidationFailed) as caught:
        request_update(actor=agent, request=request, unit=unit)
    assert "unit" in caught.value.fields
    assigned = drive_to(Status.ASSIGNED, users=users, customer=customer)
    with pytest.raises(PermissionDeniedError):
        request_update(actor=technician, request=assigned, priority=Priority.URGENT)
    cancelled = drive_to(Status.CANCELLED, users=users, customer=customer)
    with pytest.raises(IllegalTransition):
        request_update(actor=agent, request=cancelled, priority=Priority.URGENT)
    request.refresh_from_db()
    assert request.priority == Priority.NORMAL
    assert request.events.count() == 1


@pytest.mark.django_db
def test_update_unit_takes_its_warranty_snapshot(agent, customer, product):
    request = _create(agent, customer)
    unit = unit_register(
        actor=agent,
        product=product,
        serial_number="u-1",
        owner=customer,
        purchase_date=timezone.localdate() - datetime.timedelta(10),
    )
    request = request_update(actor=agent, request=request, unit=unit)
    assert (request.in_warranty, request.warranty_end, request.product) == (True, unit.warranty_end, product)


# --- notes and attachments -----------------------------------------------------------------------


@pytest.mark.django_db
def test_add_note(users, agent, customer, technician):
    request = drive_to(Status.ASSIGNED, users=users, customer=customer)
    event = request_add_note(actor=technician, request=request, text="  客户要求上午上门 ")
    assert (event.kind, event.reason, event.actor) == (Kind.NOTE, "客户要求上午上门", technician)
    assert _audits(request).order_by("-id").first().action == "request.note"
    with pytest.raises(ValidationFailed) as caught:
        request_add_note(actor=agent, request=request, text="  ")
    assert "text" in caught.value.fields


@pytest.mark.django_db
def test_attachment_add_stores_a_checked_photo_under_a_random_name(agent, customer):
    from aftersales.tickets.services import attachment_add

    request = _create(agent, customer)
    upload = SimpleUploadedFile("故障照片.jpeg", tiny_png(), content_type="image/jpeg")
    attachment = attachment_add(actor=agent, request=request, upload=upload)
    assert attachment.content_type == "image/png"  # read from the bytes, not the name
    assert attachment.kind == Attachment.Kind.IMAGE
    assert attachment.original_name == "故障照片.png"
    assert "故障照片" not in attachment.file.name
    assert attachment.file.read() == tiny_png()
    event = request.events.last()
    assert (event.kind, event.data["attachment"]) == (Kind.ATTACHMENT, attachment.pk)


@pytest.mark.django_db
def test_attachment_add_refuses_html_and_foreign_requests(agent, customer, make_user):
    from aftersales.tickets.services import attachment_add

    request = _create(agent, customer)
    html = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(ValidationFailed) as caught:
        attachment_add(actor=agent, request=request, upload=html)
    assert caught.value.code == "file_type"
    stranger = make_user(Role.TECHNICIAN)
    with pytest.raises(NotFoundError):
        attachment_add(actor=stranger, request=request, upload=SimpleUploadedFile("a.png", tiny_png()))
    assert not Attachment.objects.exists()
    assert request.events.count() == 1


@pytest.mark.django_db
def test_step_helper_uses_the_assigned_technician_when_only_he_may_act(users, technician):
    only_field = {"technician": technician, "manager": users["manager"]}
    request = drive_to(Status.ACCEPTED, users=only_field)
    request = step(request, Action.START, users={"technician": technician})
    assert request.status == Status.IN_PROGRESS
    assert request.events.last().actor == technician
