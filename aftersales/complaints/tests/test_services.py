"""The complaint services (R-CMP-1, R-CMP-2): intake on any channel, from a request, anonymous;
the investigation, the solution, the customer's answer, the follow-up and the lessons; closing
only with the customer's acceptance or a manager's documented decision. Each refusal writes nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.complaints.models import Complaint, ComplaintEvent
from aftersales.complaints.selectors import complaint_lessons_handoff
from aftersales.complaints.services import (
    complaint_assign,
    complaint_close,
    complaint_create,
    complaint_decide,
    complaint_evidence_add,
    complaint_follow_up,
    complaint_note,
    complaint_propose,
    complaint_respond,
    complaint_respond_by_link,
)
from aftersales.complaints.tests.factories import drive_to, make_complaint, make_customer
from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.core.states import IllegalTransition
from aftersales.notifications.models import Notification, OutboxMessage
from aftersales.sla.tests.calendars import at

pytestmark = pytest.mark.django_db
FILED = at(2026, 3, 2, 9)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"


# --- intake -------------------------------------------------------------------------------------


def test_create_records_the_complaint_the_timeline_and_the_audit(agent, handler):
    customer = make_customer(agent, name="王女士", phone="+8613900001111")
    c = complaint_create(
        actor=agent,
        category="quality",
        description="沙发开裂",
        demand="换新",
        channel="wechat",
        customer=customer,
        now=FILED,
    )
    assert (c.status, c.category, c.severity, c.channel, c.source) == ("open", "quality", "normal", "wechat", "manual")
    assert (c.contact_name, c.contact_phone) == ("王女士", "+8613900001111")
    assert c.number.startswith("CP2603-") and len(c.tracking_code) == 9 and len(c.token) >= 40
    assert c.events.get().kind == "created"
    assert AuditEvent.objects.filter(object_type="complaints.complaint", action="complaint.create").count() == 1
    # The complaint handlers (level 0) hear of a complaint without an investigator.
    assert Notification.objects.filter(recipient=handler, key="complaints.new").count() == 1
    # The complainant gets his link by SMS (no provider yet: the row is kept).
    sms = OutboxMessage.objects.get(channel="sms", key="complaints.ack")
    assert sms.address == "+8613900001111" and sms.url == c.tracking_url()


def test_create_from_a_request(agent, manager, technician):
    from aftersales.tickets.services import request_create

    customer = make_customer(agent)
    sr = request_create(actor=agent, customer=customer, channel="phone", service_type="repair", description="漏水")
    filed = timezone.now() - dt.timedelta(minutes=30)  # recorded with its own time (the survey's answer)
    c = complaint_create(
        actor=agent, category="attitude", description="态度差", request=sr, source="survey", source_ref="42", now=filed
    )
    assert c.customer == customer and list(c.requests.all()) == [sr]
    assert (c.source, c.source_ref) == ("survey", "42")
    assert sr.events.get(message="complaints.filed_about").at == filed


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "rude"}, "category"),
        ({"severity": "huge"}, "severity"),
        ({"channel": "fax"}, "channel"),
        ({"source": "rumour"}, "source"),
        ({"description": "   "}, "description"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_name": "x" * 101}, "contact_name"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(agent, kwargs, field):
    args = {"category": "attitude", "description": "态度差", **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        complaint_create(actor=agent, **args)
    assert field in exc.value.fields
    assert not Complaint.objects.exists() and not AuditEvent.objects.filter(object_type="complaints.complaint").exists()


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PARTNER, Role.CUSTOMER, Role.PARTS_CLERK, Role.DISPATCHER])
def test_create_is_for_agents_and_handlers(make_user, role):
    with pytest.raises(PermissionDeniedError):
        complaint_create(actor=make_user(role), category="other", description="x")
    assert not Complaint.objects.exists()


def test_anonymous_refuses_any_identity_and_writes_nothing(agent):
    from aftersales.tickets.services import request_create

    customer = make_customer(agent)
    sr = request_create(actor=agent, customer=customer, channel="phone", service_type="repair", description="漏水")
    for named in (
        {"customer": customer},
        {"request": sr},
        {"contact_name": "李秘密"},
        {"contact_phone": "+8613800138000"},
    ):
        with pytest.raises(ValidationFailed) as exc:
            complaint_create(actor=agent, category="attitude", description="x", anonymous=True, **named)
        assert set(exc.value.fields) == set(named)
    assert not Complaint.objects.exists()


def test_the_database_refuses_an_anonymous_complaint_with_a_name(agent):
    from django.db import IntegrityError, transaction

    c = make_complaint(agent, anonymous=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=c.pk).update(contact_name="李秘密")


def test_an_anonymous_complainant_gets_no_message(agent):
    make_complaint(agent, anonymous=True)
    assert not OutboxMessage.objects.filter(key__in=["complaints.ack"]).exists()


def test_the_investigator_named_at_intake_is_told(agent, handler):
    c = make_complaint(agent, investigator=handler, now=FILED)
    assert (c.status, c.investigator) == ("investigating", handler)
    assert Notification.objects.filter(recipient=handler, key="complaints.assigned").count() == 1


def test_technicians_cannot_investigate(agent, technician):
    with pytest.raises(ValidationFailed):
        make_complaint(agent, investigator=technician)


# --- the whole way -------------------------------------------------------------------------------


def test_from_intake_to_acceptance_follow_up_and_lessons(agent, handler):
    c = make_complaint(agent, now=FILED)
    c = complaint_assign(actor=handler, complaint=c, investigator=handler, now=FILED)
    complaint_note(actor=handler, complaint=c, text="电话联系师傅，确认未穿鞋套")
    complaint_evidence_add(
        actor=handler,
        complaint=c,
        uploads=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
        note="现场照片",
    )
    c = complaint_propose(
        actor=handler, complaint=c, solution="上门道歉并赠送保养", investigation="师傅承认", now=FILED
    )
    assert (c.status, c.answered_at, c.investigation) == ("proposed", FILED, "师傅承认")
    c = complaint_respond_by_link(token=c.token, accepted=True, note="可以")
    assert (c.status, c.response) == ("accepted", "accepted")
    assert Notification.objects.filter(recipient=handler, key="complaints.customer_accepted").count() == 1
    c = complaint_follow_up(actor=handler, complaint=c, note="客户确认已道歉，满意")
    c = complaint_close(actor=handler, complaint=c, lessons="上门前检查鞋套")
    assert (c.status, c.closed_by, c.lessons) == ("closed", "acceptance", "上门前检查鞋套")
    kinds = list(c.events.values_list("kind", flat=True))
    assert kinds.count("transition") == 5 and "note" in kinds and "evidence" in kinds
    handoff = complaint_lessons_handoff(c)
    assert handoff["lessons"] == "上门前检查鞋套" and "contact_name" not in handoff and "customer" not in handoff


@pytest.mark.parametrize("status", ["open", "investigating", "proposed", "accepted"])
def test_close_needs_the_customers_acceptance_and_the_follow_up(agent, handler, status):
    c = drive_to(status, handler=handler)
    with pytest.raises(IllegalTransition):
        complaint_close(actor=handler, complaint=c, lessons="x")
    c.refresh_from_db()
    assert c.status == status


def test_a_rejected_solution_goes_back_to_investigation(agent, handler):
    c = drive_to("proposed", handler=handler)
    with pytest.raises(ValidationFailed):  # a rejection needs the customer's words
        complaint_respond(actor=handler, complaint=c, accepted=False, note="")
    c = complaint_respond(actor=handler, complaint=c, accepted=False, note="不接受")
    assert (c.status, c.response, c.rejections) == ("investigating", "rejected", 1)
    with pytest.raises(IllegalTransition):
        complaint_follow_up(actor=handler, complaint=c, note="x")


def test_close_needs_lessons(handler):
    c = drive_to("followed_up", handler=handler)
    with pytest.raises(ValidationFailed):
        complaint_close(actor=handler, complaint=c, lessons="  ")


@pytest.mark.parametrize("status", ["open", "investigating", "proposed", "accepted", "followed_up"])
def test_a_managers_documented_decision_closes_from_any_open_status(handler, qm, status):
    c = drive_to(status, handler=handler)
    c = complaint_decide(actor=qm, complaint=c, decision="客户无法联系，按政策赔偿50元后结案", lessons="留存联系方式")
    assert (c.status, c.closed_by) == ("closed", "decision")


def test_a_decision_needs_a_manager_and_a_reason(handler, qm):
    c = drive_to("proposed", handler=handler)
    with pytest.raises(PermissionDeniedError):
        complaint_decide(actor=handler, complaint=c, decision="结案")
    with pytest.raises(ValidationFailed):
        complaint_decide(actor=qm, complaint=c, decision=" ")
    c.refresh_from_db()
    assert c.status == "proposed"


def test_a_closed_complaint_takes_no_more_steps(handler, qm):
    c = drive_to("followed_up", handler=handler)
    c = complaint_close(actor=handler, complaint=c, lessons="x")
    for call in (
        lambda: complaint_note(actor=handler, complaint=c, text="x"),
        lambda: complaint_decide(actor=qm, complaint=c, decision="x"),
        lambda: complaint_assign(actor=handler, complaint=c, investigator=handler),
    ):
        with pytest.raises(ValidationFailed):
            call()


def test_agents_read_but_do_not_investigate(agent, handler):
    c = make_complaint(agent)
    with pytest.raises(PermissionDeniedError):
        complaint_assign(actor=agent, complaint=c, investigator=handler)
    with pytest.raises(PermissionDeniedError):
        complaint_note(actor=agent, complaint=c, text="x")


def test_technicians_never_see_complaints(agent, technician, handler):
    c = make_complaint(agent)
    with pytest.raises(NotFoundError):
        complaint_note(actor=technician, complaint=c, text="x")


def test_the_link_answers_only_a_proposed_complaint_and_only_its_own(handler):
    c = drive_to("investigating", handler=handler)
    with pytest.raises(IllegalTransition):
        complaint_respond_by_link(token=c.token, accepted=True)
    with pytest.raises(NotFoundError):
        complaint_respond_by_link(token="nope", accepted=True)
    with pytest.raises(NotFoundError):
        complaint_respond_by_link(token="", accepted=True)


def test_evidence_is_checked_before_anything_is_stored(handler):
    c = drive_to("investigating", handler=handler)
    good = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    bad = SimpleUploadedFile("x.svg", b"<svg/>", content_type="image/svg+xml")
    with pytest.raises(ValidationFailed):
        complaint_evidence_add(actor=handler, complaint=c, uploads=[good, bad])
    assert not c.evidence.exists() and not c.events.filter(kind="evidence").exists()


def test_timeline_text_is_shown_in_the_readers_language(agent):
    from django.utils import translation

    c = make_complaint(agent, category="quality", now=FILED)
    event = ComplaintEvent.objects.get(complaint=c, kind="created")
    with translation.override("zh-hans"):
        zh = event.text
    with translation.override("en"):
        en = event.text
    assert "Product quality" in en and zh != en


def test_drive_to_is_honest(handler):
    assert drive_to("followed_up", handler=handler, now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC)).status == "followed_up"
