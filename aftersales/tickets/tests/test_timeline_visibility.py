"""Staff notes are internal: a customer sees his request's status changes, not the notes."""

from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.models import ServiceRequestEvent
from aftersales.tickets.selectors import request_timeline
from aftersales.tickets.services import request_add_note, request_create


def _request_with_note(agent, customer_user):
    customer = CustomerFactory(user=customer_user)
    sr = request_create(
        actor=agent,
        customer=customer,
        channel="phone",
        service_type="repair",
        description="门铰链松动",
        acknowledge=True,
    )
    request_add_note(actor=agent, request=sr, text="客户脾气急，先打电话")
    return sr


def test_customer_does_not_see_internal_notes(agent, customer_user):
    sr = _request_with_note(agent, customer_user)
    staff_kinds = [e.kind for e in request_timeline(sr, viewer=agent)]
    customer_kinds = [e.kind for e in request_timeline(sr, viewer=customer_user)]
    assert ServiceRequestEvent.Kind.NOTE in staff_kinds
    assert ServiceRequestEvent.Kind.NOTE not in customer_kinds
    assert ServiceRequestEvent.Kind.TRANSITION in customer_kinds


def test_timeline_api_hides_notes_from_the_customer(client, agent, customer_user):
    sr = _request_with_note(agent, customer_user)
    client.force_login(customer_user)
    response = client.get(f"/api/requests/{sr.pk}/timeline")
    assert response.status_code == 200
    assert "note" not in [e["kind"] for e in response.json()]
    client.force_login(agent)
    assert "note" in [e["kind"] for e in client.get(f"/api/requests/{sr.pk}/timeline").json()]
