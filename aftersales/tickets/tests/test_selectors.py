"""tickets.selectors: the queue's filters, search, sorts and per-role scoping."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.catalog.services import category_create, product_create, unit_register
from aftersales.core.errors import DomainError, ValidationFailed
from aftersales.customers.services import address_create, customer_create, region_create
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.choices import TRANSITIONS, Action, Channel, Priority, ServiceType, Status
from aftersales.tickets.filters import SORTS
from aftersales.tickets.selectors import (
    request_allowed_actions,
    request_get_for,
    request_list_for,
    request_page_for,
)
from aftersales.tickets.services import request_create, request_transition

from .paths import drive_to, unique_phone

UTC = datetime.UTC


def _params(**params) -> QueryDict:
    return QueryDict(urlencode(params, doseq=True))


def _numbers(user, size=100, **params) -> set[str]:
    return {r.number for r in request_page_for(user, _params(**params), size=size).page.items}


@pytest.fixture
def world(agent, dispatcher, technician, partner_technician, make_user):
    """Two customers, two regions, a unit in warranty and one out, requests across the filters."""
    pudong = region_create(actor=agent, code="310115", name="浦东新区", province="上海市", city="上海市")
    nanshan = region_create(actor=agent, code="440305", name="南山区", province="广东省", city="深圳市")
    portal_user = make_user(Role.CUSTOMER)
    wang = customer_create(actor=agent, name="王芳", phone="13812345678")
    li = CustomerFactory(user=portal_user, name="李雷", phone="+8613900001111")
    address_create(actor=agent, customer=wang, province="上海市", city="上海市", street="张杨路1号", region=pudong)
    address_create(actor=agent, customer=li, province="广东省", city="深圳市", street="科技园2号", region=nanshan)
    category = category_create(actor=agent, code="ac", name="空调")
    product = product_create(actor=agent, model_code="KFR-35", name="空调", category=category, warranty_months=12)
    today = timezone.localdate()
    fresh = unit_register(
        actor=agent, product=product, serial_number="AC-NEW-1", owner=wang, purchase_date=today - datetime.timedelta(9)
    )
    old = unit_register(actor=agent, product=product, serial_number="AC-OLD-1", owner=li, purchase_date=D(2020, 1, 1))

    def make(customer, *, at, **kwargs):
        kwargs.setdefault("channel", Channel.PHONE)
        kwargs.setdefault("service_type", ServiceType.REPAIR)
        return request_create(actor=agent, customer=customer, description="故障", now=at, **kwargs)

    # 2025-03-01 15:30 UTC is 23:30 in Shanghai; 16:30 UTC is already 2 March there.
    r = {
        "late_feb": make(wang, at=datetime.datetime(2025, 2, 28, 10, 0, tzinfo=UTC), priority=Priority.LOW),
        "mar1_night": make(wang, at=datetime.datetime(2025, 3, 1, 15, 30, tzinfo=UTC), unit=fresh),
        "mar2_early": make(
            li, at=datetime.datetime(2025, 3, 1, 16, 30, tzinfo=UTC), unit=old, priority=Priority.URGENT
        ),
        "mar2_web": make(
            li,
            at=datetime.datetime(2025, 3, 2, 3, 0, tzinfo=UTC),
            channel=Channel.WEB,
            service_type=ServiceType.INSTALLATION,
            priority=Priority.HIGH,
        ),
        "mar3": make(wang, at=datetime.datetime(2025, 3, 3, 2, 0, tzinfo=UTC), service_type=ServiceType.COMPLAINT),
    }
    request_transition(actor=agent, request=r["mar2_early"], action=Action.ACKNOWLEDGE)
    request_transition(actor=dispatcher, request=r["mar2_early"], action=Action.ASSIGN, technician=partner_technician)
    request_transition(actor=agent, request=r["mar1_night"], action=Action.ACKNOWLEDGE)
    request_transition(actor=dispatcher, request=r["mar1_night"], action=Action.ASSIGN, technician=technician)
    request_transition(actor=agent, request=r["mar3"], action=Action.CANCEL, reason="duplicate")
    for key, value in r.items():
        value.refresh_from_db()
        r[key] = value
    return {"r": r, "pudong": pudong, "nanshan": nanshan, "portal_user": portal_user, "wang": wang, "li": li}


D = datetime.date


def _n(world, *keys):
    return {world["r"][k].number for k in keys}


# --- filters ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_filters(agent, world):
    assert _numbers(agent) == _n(world, "late_feb", "mar1_night", "mar2_early", "mar2_web", "mar3")
    assert _numbers(agent, status=["new"]) == _n(world, "late_feb", "mar2_web")
    assert _numbers(agent, status=["new", "cancelled"]) == _n(world, "late_feb", "mar2_web", "mar3")
    assert _numbers(agent, service_type="installation") == _n(world, "mar2_web")
    assert _numbers(agent, service_type=["installation", "complaint"]) == _n(world, "mar2_web", "mar3")
    assert _numbers(agent, priority=["urgent", "low"]) == _n(world, "mar2_early", "late_feb")
    assert _numbers(agent, channel="web") == _n(world, "mar2_web")
    assert _numbers(agent, region=world["nanshan"].pk) == _n(world, "mar2_early", "mar2_web")
    assert _numbers(agent, in_warranty="true") == _n(world, "mar1_night")
    assert _numbers(agent, in_warranty="false") == _n(world, "mar2_early")
    assert _numbers(agent, status="assigned", region=world["pudong"].pk) == _n(world, "mar1_night")
    assert _numbers(agent, customer=world["li"].pk) == _n(world, "mar2_early", "mar2_web")


@pytest.mark.django_db
def test_created_dates_are_inclusive_local_days(agent, world):
    assert _numbers(agent, created_from="2025-03-02") == _n(world, "mar2_early", "mar2_web", "mar3")
    assert _numbers(agent, created_to="2025-03-01") == _n(world, "late_feb", "mar1_night")
    assert _numbers(agent, created_from="2025-03-01", created_to="2025-03-01") == _n(world, "mar1_night")
    assert _numbers(agent, created_to="2025-02-28") == _n(world, "late_feb")
    assert _numbers(agent, created_from="2025-03-02", created_to="2025-03-02") == _n(world, "mar2_early", "mar2_web")
    assert _numbers(agent, created_from="2025-03-04") == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"priority": "asap"},
        {"created_from": "yesterday"},
        {"region": "999999"},
        {"sort": "-number"},
        {"sort": "random()"},
    ],
)
def test_bad_parameters_are_validation_errors(agent, world, params):
    with pytest.raises(ValidationFailed) as caught:
        request_page_for(agent, _params(**params))
    assert set(caught.value.fields) & set(params)


# --- search --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search(agent, world):
    r = world["r"]
    number = r["mar2_web"].number
    assert _numbers(agent, q=number) == {number}
    assert _numbers(agent, q=number.lower()) == {number}
    assert _numbers(agent, q="SR2503") == _n(world, "mar1_night", "mar2_early", "mar2_web", "mar3")
    assert _numbers(agent, q="13812345678") == _n(world, "late_feb", "mar1_night", "mar3")
    assert _numbers(agent, q="+86 139 0000 1111") == _n(world, "mar2_early", "mar2_web")
    assert _numbers(agent, q="1111") == _n(world, "mar2_early", "mar2_web")
    assert _numbers(agent, q="5678") == _n(world, "late_feb", "mar1_night", "mar3")
    assert _numbers(agent, q="ac-old-1") == _n(world, "mar2_early")
    assert _numbers(agent, q="AC-NEW-1") == _n(world, "mar1_night")
    assert _numbers(agent, q="王") == _n(world, "late_feb", "mar1_night", "mar3")
    assert _numbers(agent, q="李雷") == _n(world, "mar2_early", "mar2_web")
    assert _numbers(agent, q="雷") == set()
    assert _numbers(agent, q="nothing-like-this") == set()
    assert len(_numbers(agent, q="   ")) == 5


@pytest.mark.django_db
def test_search_stays_inside_the_scope(technician, world):
    assert _numbers(technician, q="李雷") == set()
    assert _numbers(technician, q="13812345678") == _n(world, "mar1_night")


# --- sorts ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("sort", sorted(SORTS))
def test_sorts(agent, world, sort):
    result = request_page_for(agent, _params(sort=sort), size=2)
    assert result.sort == sort
    seen, cursor = [], None
    while True:
        page = request_page_for(agent, _params(sort=sort, cursor=cursor or ""), size=2).page
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == len({r.pk for r in seen}) == 5
    keys = [[getattr(r, f.lstrip("-")) for f in SORTS[sort]] for r in seen]
    for a, b in zip(keys, keys[1:], strict=False):
        for name, x, y in zip(SORTS[sort], a, b, strict=True):
            if x != y:
                assert (x > y) if name.startswith("-") else (x < y), (sort, name)
                break
    assert result.count == 5 and result.count_capped is False


@pytest.mark.django_db
def test_default_sort_is_newest_first(agent, world):
    result = request_page_for(agent, _params())
    assert result.sort == "-created"
    assert result.page.items[0] == world["r"]["mar3"]
    assert [r.priority for r in request_page_for(agent, _params(sort="priority")).page.items][:2] == [
        Priority.URGENT,
        Priority.HIGH,
    ]


@pytest.mark.django_db
def test_a_bad_cursor_is_a_validation_error(agent, world):
    with pytest.raises(ValidationFailed) as caught:
        request_page_for(agent, _params(cursor="garbage"))
    assert "cursor" in caught.value.fields


# --- scoping ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scoping_per_role(agent, manager, make_user, technician, partner_user, partner_technician, world, partner_org):
    everything = _n(world, "late_feb", "mar1_night", "mar2_early", "mar2_web", "mar3")
    assert _numbers(agent) == _numbers(manager) == _numbers(make_user(Role.PARTS_CLERK)) == everything
    assert _numbers(technician) == _n(world, "mar1_night")
    assert _numbers(partner_technician) == _n(world, "mar2_early")
    assert _numbers(partner_user) == _n(world, "mar2_early")
    assert _numbers(world["portal_user"]) == _n(world, "mar2_early", "mar2_web")
    assert _numbers(make_user(Role.CUSTOMER)) == set()
    assert _numbers(make_user(Role.TECHNICIAN)) == set()
    from aftersales.accounts.tests.factories import PartnerFactory

    assert _numbers(make_user(Role.PARTNER, organization=PartnerFactory())) == set()
    count = request_page_for(technician, _params()).count
    assert count == 1


@pytest.mark.django_db
def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not request_list_for(AnonymousUser()).exists()


@pytest.mark.django_db
def test_request_get_for_answers_404_for_foreign_requests(technician, world):
    mine = world["r"]["mar1_night"]
    assert request_get_for(technician, pk=mine.pk) == mine
    assert request_get_for(technician, number=mine.number.lower()) == mine
    with pytest.raises(Http404):
        request_get_for(technician, pk=world["r"]["mar2_web"].pk)
    with pytest.raises(Http404):
        request_get_for(technician, number=world["r"]["mar2_web"].number)


# --- allowed actions ---------------------------------------------------------------------------------


def _try(user, request, action, technician) -> bool:
    """Whether ``user`` can really do ``action`` now; the attempt is always rolled back."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            request_transition(actor=user, request=request, action=action, reason="because", technician=technician)
            raise Undo
    except Undo:
        return True
    except DomainError:
        return False


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED])
def test_allowed_actions_are_exactly_what_the_user_can_do(
    make_user, agent, dispatcher, manager, technician, partner_user, status
):
    portal = make_user(Role.CUSTOMER)
    customer = CustomerFactory(user=portal, phone=unique_phone())
    users = {"manager": manager, "technician": technician}
    request = drive_to(status, users=users, customer=customer)
    people = [
        agent,
        dispatcher,
        manager,
        technician,
        make_user(Role.TECHNICIAN),
        make_user(Role.QUALITY),
        make_user(Role.PARTS_CLERK),
        partner_user,
        portal,
        make_user(Role.CUSTOMER),
    ]
    for user in people:
        listed = {t.action for t in request_allowed_actions(user, request)}
        for action in TRANSITIONS:
            assert _try(user, request, action, technician) == (action in listed), (user.role, status, action)
        request.refresh_from_db()
        assert request.status == status
