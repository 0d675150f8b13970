"""Queries per request on the hot paths, pinned so they cannot creep back (issue 12).

Counted through Django's test client inside the test's transaction, so the SLA refresh
that the worker does after commit is not in these counts (``sla/tests/test_refresh_batch``
pins that batch), and every transaction block shows as SAVEPOINT/RELEASE. A change that
adds a query here must say why in the test.

Before issue 12 → now (SQLite): API create 16 → 14 (on PostgreSQL in production: 10
statements, BEGIN and COMMIT included), with an Idempotency-Key 23 → 18, its replay 15
→ 8, intake page 23 → 25 (the SLA refresh marks moved into the create's transaction:
they were a transaction of their own after commit, not counted here); queue page with
a search 8 → 11 and API list 5 → 8 (the page's keys first without a join, then its 25
rows by pk, units and technicians by pk: a join ran for every candidate when the
planner sorted them; a rare description term read as an id list first); request page
7 → 13 (three joins instead of nine, the rest by primary key; the apps' cards) and API
detail 2 → 5 (three joins instead of nine, the rest read by primary key: PostgreSQL
spent 7–18 ms planning the nine-join query and 0.3 ms executing it).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from aftersales.accounts.services import api_token_create
from aftersales.catalog.tests.factories import UnitFactory
from aftersales.customers.tests.factories import AddressFactory
from aftersales.sla.services import sla_refresh_pending
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_create

pytestmark = pytest.mark.django_db

# A request number: SQLite bumps a counter row (UPDATE + SELECT), PostgreSQL calls nextval.
SEQ = 2 if connection.vendor == "sqlite" else 1


@pytest.fixture
def unit(agent):
    unit = UnitFactory()
    AddressFactory(customer=unit.owner)
    # Two requests already: the customer is returning, so a create does not recount.
    for _ in range(2):
        request_create(
            actor=agent, customer=unit.owner, unit=unit, channel="phone", service_type="repair", description="异响"
        )
    return unit


@pytest.fixture
def bearer(agent):
    _token, secret = api_token_create(actor=agent, user=agent, name="counts")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get("/api/requests?size=1")  # the token's last-use stamp is written once, here
    return client


@pytest.fixture
def web(agent):
    client = Client()
    client.force_login(agent)
    return client


def _body(unit, **extra):
    return {
        "customer_id": unit.owner_id,
        "unit_id": unit.pk,
        "channel": "phone",
        "service_type": "repair",
        "description": "热水器底部漏水，显示E4故障",
        **extra,
    }


def test_api_create(unit, bearer, django_assert_num_queries):
    # token; the unit with its owner (the customer: not read again) and its address and
    # region; savepoint, the customer's default address (the unit has none here), number
    # (savepoint, SEQ, release), request, CREATED event, audit, the SLA refresh mark (in
    # the transaction: it commits with the request), search terms; release. No re-read
    # for the answer. On PostgreSQL outside tests the number is one ``nextval`` without a
    # savepoint once the month's sequence is known (committed): 10 statements in all.
    with django_assert_num_queries(12 + SEQ):
        r = bearer.post("/api/requests", _body(unit), content_type="application/json")
    assert r.status_code == 201
    assert r.json()["region"] is not None and r.json()["product"] is not None


def test_api_create_with_idempotency_key(unit, bearer, django_assert_num_queries):
    # + the key looked up first, a savepoint pair around the whole, and the key row with
    # the new object's id (inserted after the object, in its transaction).
    with django_assert_num_queries(16 + SEQ):
        r = bearer.post("/api/requests", _body(unit), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201
    # The replay: token, unit; the key read (it is there: no insert), the first request,
    # then read back as the detail reads it (request with 5 joins; users).
    with django_assert_num_queries(6):
        again = bearer.post("/api/requests", _body(unit), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]


def test_intake_page_create(unit, web, django_assert_num_queries):
    # session, user, customer, unit; the create as above; then acknowledged at once
    # (savepoint, lock, update, event, audit, release: rule R-SR-3); issue 11: + the active
    # SLA rules and the timeline, for the promise to the customer ("on site within 24 h, by …")
    # computed from the rules that apply; the SLA refresh mark of the create and of the
    # acknowledgement (in the transaction, the second one a no-op insert).
    with django_assert_num_queries(23 + SEQ):
        r = web.post(
            reverse("tickets:intake"),
            {
                "customer": unit.owner_id,
                "unit": unit.pk,
                "channel": "phone",
                "service_type": "repair",
                "priority": "normal",
                "description": "热水器底部漏水",
                "submit": "acknowledge",
            },
        )
    assert r.status_code == 302


def test_queue_page_with_filters_and_search(unit, web, django_assert_num_queries):
    # session, user; name prefix (customers), serial, the description term's request ids
    # (a rare term is searched as an id list: as a subquery, a term found nowhere walked
    # the whole table); the page's keys (no join), its rows by pk (customer, product,
    # region joined), its count; units by pk (and technicians, when any is assigned);
    # regions for the filter; SLA badges.
    with django_assert_num_queries(11):
        r = web.get("/requests/?status=new&status=acknowledged&q=异响")
    assert r.status_code == 200


def test_api_list_with_filters_and_search(unit, bearer, django_assert_num_queries):
    # token; customers, serial, the term's request ids; the page's keys, its rows, its
    # count; units by pk.
    with django_assert_num_queries(8):
        r = bearer.get("/api/requests?status=new&status=acknowledged&q=异响")
    assert r.status_code == 200 and r.json()["count"] == 2


def test_request_page(unit, web, django_assert_num_queries):
    pk = ServiceRequest.objects.filter(customer=unit.owner).values_list("pk", flat=True).first()
    # Its clocks as the worker leaves them after commit (a test transaction never commits);
    # a request without any clock yet costs one query more (is a refresh pending?).
    sla_refresh_pending()
    # session, user; the request (customer, product, region, unit, address joined);
    # users by pk; timeline, attachments, SLA clocks (and whether a refresh is pending), visits;
    # the complaints about it (the complaints app's card), its return/exchange cases (the returns
    # app's card) and its follow-up call (the feedback app's card), issue 13.
    with django_assert_num_queries(11):
        r = web.get(f"/requests/{pk}/")
    assert r.status_code == 200


def test_api_detail(unit, bearer, django_assert_num_queries):
    pk = ServiceRequest.objects.filter(customer=unit.owner).values_list("pk", flat=True).first()
    # token; the request (customer, product, region, unit, address joined); users by pk.
    with django_assert_num_queries(3):
        r = bearer.get(f"/api/requests/{pk}")
    assert r.status_code == 200
