"""core.compiled: lookups compiled once give what the ORM gives, and the readers built on them
(bearer tokens, a request by key, a unit for intake) keep their scoping (issue 12)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, models
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.choices import Role
from aftersales.accounts.selectors import api_token_authenticate
from aftersales.accounts.services import api_token_create
from aftersales.catalog.selectors import unit_for_intake
from aftersales.catalog.tests.factories import UnitFactory
from aftersales.core.compiled import CompiledLookup
from aftersales.customers.tests.factories import AddressFactory, CustomerFactory
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.selectors import request_get_for
from aftersales.tickets.services import request_create

pytestmark = pytest.mark.django_db

JOINS = ("customer", "product", "region", "unit", "address")
BY_PK = CompiledLookup(lambda pk: ServiceRequest.objects.select_related(*JOINS).filter(pk=pk).order_by())
BY_NUMBER_AND_STATUS = CompiledLookup(
    lambda number, status: ServiceRequest.objects.filter(number=number, status=status).order_by(), (str, str)
)


@pytest.fixture
def filed(agent):
    unit = UnitFactory()
    AddressFactory(customer=unit.owner)
    with_unit = request_create(
        actor=agent, customer=unit.owner, unit=unit, channel="phone", service_type="repair", description="漏水"
    )
    bare = request_create(
        actor=agent, customer=CustomerFactory(), channel="web", service_type="consultation", description="咨询"
    )
    return with_unit, bare


def _row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_compiled_lookup_gives_what_the_orm_gives(filed):
    for request in filed:
        orm = ServiceRequest.objects.select_related(*JOINS).get(pk=request.pk)
        compiled = BY_PK.first(request.pk)
        assert _row(compiled) == _row(orm)
        for name in JOINS:
            field = ServiceRequest._meta.get_field(name)
            assert field.is_cached(compiled), name  # joined: reading it costs no query
            ours, theirs = getattr(compiled, name), getattr(orm, name)
            assert (ours is None) == (theirs is None)
            if theirs is not None:
                assert _row(ours) == _row(theirs)
        assert compiled.created_at.tzinfo is not None  # the converters ran (SQLite stores text)
    with_unit, bare = filed
    assert bare.unit_id is None and BY_PK.first(bare.pk).unit is None  # a LEFT JOIN's empty side


def test_it_is_compiled_once_and_substitutes_only_the_values(filed):
    with_unit, bare = filed
    BY_NUMBER_AND_STATUS.rows(with_unit.number, with_unit.status)  # compiled here (or before)
    entry = BY_NUMBER_AND_STATUS._local.default
    with CaptureQueriesContext(connection) as queries:
        assert [r.pk for r in BY_NUMBER_AND_STATUS.rows(bare.number, bare.status)] == [bare.pk]
        assert BY_NUMBER_AND_STATUS.rows(bare.number, "closed") == []
        assert BY_PK.first(10**12) is None
    assert len(queries) == 3  # one statement each, nothing else
    assert BY_NUMBER_AND_STATUS._local.default is entry  # not compiled again
    assert entry.sql.endswith('"status" = %s)')  # the values are parameters, not in the SQL


def test_wrong_values_are_refused_before_any_query(filed):
    with CaptureQueriesContext(connection) as queries:
        for bad in (("1",), (1.0,), (True,), (None,), ()):
            with pytest.raises(TypeError):
                BY_PK.rows(*bad)
        with pytest.raises(TypeError):
            BY_NUMBER_AND_STATUS.rows("SR1", 2)
    assert len(queries) == 0
    with pytest.raises(ValueError, match="once"):  # a value that is not a parameter of the SQL
        CompiledLookup(lambda pk: ServiceRequest.objects.filter(pk=1)).rows(5)
    with pytest.raises(ValueError, match="int or str"):
        CompiledLookup(lambda when: ServiceRequest.objects.filter(created_at=when), (float,))


def test_a_new_connection_and_another_thread_compile_again(filed):
    with_unit, _bare = filed
    assert BY_PK.first(with_unit.pk).pk == with_unit.pk
    found = []

    def other():
        try:
            found.append(BY_PK.first(with_unit.pk))
        finally:
            connection.close()

    if connection.vendor == "sqlite":  # the test database is in memory: another thread has none
        found.append(BY_PK.first(with_unit.pk))
    else:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    # Another thread's connection does not see this test's uncommitted rows; it ran its own SQL.
    assert len(found) == 1


def test_the_readers_keep_their_scope(filed, agent, technician, customer_user, make_user):
    with_unit, bare = filed
    assert request_get_for(agent, pk=with_unit.pk).pk == with_unit.pk
    assert request_get_for(agent, number=with_unit.number.lower()).pk == with_unit.pk
    for user in (technician, customer_user, make_user(Role.PARTNER)):
        for kwargs in ({"pk": with_unit.pk}, {"number": with_unit.number}):
            with pytest.raises(Http404):
                request_get_for(user, **kwargs)
    technician_job = ServiceRequest.objects.filter(pk=bare.pk)
    technician_job.update(assigned_technician=technician)
    assert request_get_for(technician, pk=bare.pk).assigned_technician == technician
    bare.customer.user = customer_user
    bare.customer.save()
    assert request_get_for(customer_user, pk=bare.pk).pk == bare.pk
    # A unit for intake: the back office any, a customer only his own.
    unit = with_unit.unit
    assert unit_for_intake(agent, unit.pk).owner == unit.owner
    assert unit_for_intake(customer_user, unit.pk) is None
    assert unit_for_intake(agent, 10**12) is None


def test_a_bearer_token_is_read_with_its_user(agent):
    token, secret = api_token_create(actor=agent, user=agent, name="compiled")
    with CaptureQueriesContext(connection) as queries:
        user = api_token_authenticate(secret)
        assert user == agent and user.role == agent.role
    assert len(queries) == 2  # the token with its user; the last-use stamp (first use)
    assert api_token_authenticate(secret + "x") is None
    assert api_token_authenticate("") is None
    token.revoked_at = token.created_at
    token.save()
    assert api_token_authenticate(secret) is None


def test_known_objects_and_annotations(filed):
    from django.db.models import Exists, OuterRef

    from aftersales.sla.models import SlaRefreshPending
    from aftersales.tickets.models import ServiceRequestEvent

    with_unit, _bare = filed
    events = CompiledLookup(
        lambda pk: (
            ServiceRequestEvent.objects.filter(request_id=pk)
            .annotate(pending=Exists(SlaRefreshPending.objects.filter(request_id=OuterRef("request_id"))))
            .order_by("at", "id")
        )
    )
    rows = events.rows(with_unit.pk, known={"request": with_unit})
    assert [e.pk for e in rows] == list(with_unit.events.order_by("at", "id").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert all(e.request is with_unit for e in rows)  # the caller's object, no query
        assert {e.pending for e in rows} == {SlaRefreshPending.objects.filter(request_id=with_unit.pk).exists()}
    assert len(queries) == 1  # only the check above


def test_the_request_page_reads_keep_their_rows(filed, agent, customer_user):
    """The timeline (a customer's without notes), files, visits, offers, appointments and clocks
    read through compiled lookups are the rows the ORM reads."""
    from aftersales.dispatch.selectors import active_offer, appointment_history
    from aftersales.field.selectors import visits_of_request
    from aftersales.sla.selectors import sla_status_for
    from aftersales.tickets.selectors import request_attachments, request_timeline
    from aftersales.tickets.services import request_add_note

    with_unit, _bare = filed
    request_add_note(actor=agent, request=with_unit, text="内部备注")
    staff = [e.pk for e in request_timeline(with_unit, viewer=agent)]
    assert staff == list(with_unit.events.order_by("at", "id").values_list("pk", flat=True))
    public = [e.kind for e in request_timeline(with_unit, viewer=customer_user)]
    assert "note" in {e.kind for e in request_timeline(with_unit, viewer=agent)} and "note" not in public
    assert request_attachments(with_unit) == []
    assert visits_of_request(with_unit) == [] and appointment_history(with_unit) == []
    assert active_offer(with_unit) is None
    statuses = sla_status_for(with_unit)
    assert statuses and all(s.kind for s in statuses)


def test_values_list_rows(filed):
    with_unit, bare = filed
    pairs = CompiledLookup(
        lambda customer_id: (
            ServiceRequest.objects.filter(customer_id=customer_id).values_list("number", "status").order_by("id")
        )
    )
    numbers = CompiledLookup(
        lambda customer_id: (
            ServiceRequest.objects.filter(customer_id=customer_id).values_list("number", flat=True).order_by("id")
        )
    )
    expected = list(
        ServiceRequest.objects.filter(customer_id=bare.customer_id).values_list("number", "status").order_by("id")
    )
    assert pairs.rows(bare.customer_id) == expected == [(bare.number, bare.status)]
    assert numbers.rows(bare.customer_id) == [bare.number]
    assert numbers.first(10**12) is None
    with pytest.raises(ValueError, match="fields only"):
        CompiledLookup(
            lambda pk: ServiceRequest.objects.filter(pk=pk).annotate(n=models.Value(1)).values_list("n", "number")
        ).rows(1)
    with pytest.raises(ValueError, match="model rows or values_list"):
        CompiledLookup(lambda pk: ServiceRequest.objects.filter(pk=pk).values("number")).rows(1)
