"""/api/sla: a request's targets (scoped) and the preview."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from aftersales.customers.tests.factories import CustomerFactory
from aftersales.sla.services import sla_refresh
from aftersales.tickets.services import request_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def api(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_request_targets_scoped(agent, customer_user):
    request = request_create(
        actor=agent,
        customer=CustomerFactory(),
        channel="phone",
        service_type="repair",
        description="x",
        now=timezone.now() - dt.timedelta(hours=2),
    )
    sla_refresh(request.pk)
    body = api(agent).get(f"/api/sla/requests/{request.pk}").json()
    assert [t["kind"] for t in body] == ["first_response", "appointment_contact", "arrival"]
    first = body[0]
    assert first["colour"] == "ok" and 21 * 3600 < first["seconds_left"] <= 22 * 3600
    assert first["rule"] == "Default: first response within 24 h" and first["reason"].startswith("matched")
    assert api(customer_user).get(f"/api/sla/requests/{request.pk}").status_code == 404


def test_preview(agent, customer_user):
    query = {"service_type": "repair", "customer_tier": 2, "region_class": "remote", "filed_at": "2026-02-13T17:50:00"}
    body = api(agent).get("/api/sla/preview", query).json()
    arrival = next(r for r in body if r["kind"] == "arrival")
    assert (
        arrival["due_at"].startswith("2026-02-15T17:50:00") and arrival["rule"] == "Remote repair: on site within 48 h"
    )
    assert api(agent).get("/api/sla/preview", {**query, "channel": "fax"}).status_code == 400
    assert api(customer_user).get("/api/sla/preview", query).status_code == 403
