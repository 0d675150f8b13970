"""Audit rows are written once and never changed or deleted by the application."""

import datetime
from decimal import Decimal

import pytest

from aftersales.core.audit import audit_list_for_object, audit_record, diff_fields
from aftersales.core.models import AuditEvent
from aftersales.customers.tests.factories import CustomerFactory


@pytest.fixture
def event(agent):
    customer = CustomerFactory()
    return audit_record(actor=agent, action="customer.update", obj=customer, changes={"name": ["a", "b"]})


@pytest.mark.django_db
def test_audit_record_fields(agent):
    customer = CustomerFactory(name="王五")
    event = audit_record(
        actor=agent,
        action="customer.update",
        obj=customer,
        changes={"when": [None, datetime.date(2025, 1, 2)], "amount": [Decimal("1.50"), None], "who": [agent, None]},
    )
    event.refresh_from_db()
    assert (event.actor, event.actor_label, event.object_type, event.object_id, event.object_repr) == (
        agent,
        agent.username,
        "customers.customer",
        str(customer.pk),
        "王五",
    )
    assert event.changes == {"when": [None, "2025-01-02"], "amount": ["1.50", None], "who": [agent.pk, None]}
    assert list(audit_list_for_object(customer)) == [event]


@pytest.mark.django_db
def test_system_actor():
    event = audit_record(actor=None, action="sla.breach", obj=CustomerFactory())
    assert event.actor is None and event.actor_label == "system"


@pytest.mark.django_db
def test_saving_an_existing_row_is_refused(event):
    event.action = "tampered"
    with pytest.raises(TypeError):
        event.save()
    event.refresh_from_db()
    assert event.action == "customer.update"


@pytest.mark.django_db
def test_deleting_a_row_is_refused(event):
    with pytest.raises(TypeError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="tampered")
    event.refresh_from_db()
    assert event.action == "customer.update"
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_timeline_events_are_immutable_too(agent):
    from aftersales.tickets.models import ServiceRequestEvent

    with pytest.raises(TypeError):
        ServiceRequestEvent.objects.all().update(reason="x")
    with pytest.raises(TypeError):
        ServiceRequestEvent.objects.all().delete()


def test_diff_fields_applies_and_reports_only_changes():
    class Thing:
        name = "a"
        size = 1

    thing = Thing()
    assert diff_fields(thing, {"name": "b", "size": 1}) == {"name": ["a", "b"]}
    assert thing.name == "b"
