"""Parts on the dispatcher's suggestions panel (added by parts through ``dispatch.slots.SUGGESTIONS``): the parts
a job likely needs (compatible with its product, and any reserved for it), who carries them, and per candidate how
many are in his van. Query count pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.accounts.choices import Role
from aftersales.catalog.services import category_create, product_create
from aftersales.dispatch.tests.factories import CENTRE, job, region, tech_profile
from aftersales.parts.choices import WarehouseKind
from aftersales.parts.selectors import parts_outlook
from aftersales.parts.services import part_reserve

from .factories import make_part, make_van, make_warehouse, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(db):
    return region()


@pytest.fixture
def product(manager):
    category = category_create(actor=manager, code="ac", name="空调")
    return product_create(actor=manager, model_code="KFR-35GW", name="挂式空调", category=category)


@pytest.fixture
def scene(manager, dispatcher, make_user, reg, product):
    """Two technicians with vans; three parts fit the product; one unrelated part; a regional warehouse."""
    a = make_user(Role.TECHNICIAN, last_name="张", first_name="一")
    b = make_user(Role.TECHNICIAN, last_name="李", first_name="二")
    tech_profile(dispatcher, a, region=reg)
    tech_profile(dispatcher, b, region=reg, lat=CENTRE[0] + 0.05)
    van_a, van_b = make_van(manager, a), make_van(manager, b)
    depot = make_warehouse(manager, kind=WarehouseKind.REGIONAL, region=reg)
    p1, p2, p3 = (make_part(manager, compatible_products=[product]) for _ in range(3))
    other = make_part(manager)
    stock(manager, van_a, p1, 2)
    stock(manager, van_a, p2, 1)
    stock(manager, van_b, p3, 4)
    stock(manager, depot, p1, 10)
    stock(manager, van_b, other, 5)
    sr = job(dispatcher, region=reg, product=product)
    return {"a": a, "b": b, "parts": (p1, p2, p3), "other": other, "sr": sr, "depot": depot, "van_b": van_b}


def test_outlook_lists_likely_parts_carriers_and_vans(dispatcher, scene):
    out = parts_outlook(dispatcher, scene["sr"])
    p1, p2, p3 = scene["parts"]
    assert [jp.part for jp in out.parts] == sorted([p1, p2, p3], key=lambda p: p.code)
    assert {jp.part.pk for jp in out.in_van(scene["a"].pk)} == {p1.pk, p2.pk}
    assert {jp.part.pk for jp in out.in_van(scene["b"].pk)} == {p3.pk}
    first = next(jp for jp in out.parts if jp.part == p1)
    assert [c.available for c in first.carriers] == [10, 2]  # the regional depot (same region) first


def test_reserved_parts_come_first_and_count_in_the_van(manager, dispatcher, scene):
    sr, other = scene["sr"], scene["other"]
    part_reserve(actor=manager, request=sr, part=other, quantity=5, warehouse=scene["van_b"])
    out = parts_outlook(dispatcher, sr)
    assert out.parts[0].part == other and out.parts[0].reserved[0].quantity == 5
    assert out.parts[0].carriers == []  # all of it is held for this job
    assert other.pk in {jp.part.pk for jp in out.in_van(scene["b"].pk)}


def test_partner_sees_only_his_organizations_carriers(partner_user, scene):
    out = parts_outlook(partner_user, scene["sr"])
    assert all(jp.carriers == [] for jp in out.parts)


def test_no_product_no_parts(dispatcher, reg, scene):
    assert parts_outlook(dispatcher, job(dispatcher, region=reg)).parts == []


def test_panel_shows_van_counts_and_carriers(client, dispatcher, scene):
    client.force_login(dispatcher)
    r = client.get(reverse("dispatch:suggestions", args=[scene["sr"].pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert "Van: 2 of 3 likely parts" in body and "Van: 1 of 3 likely parts" in body
    assert "Parts likely needed: who carries them" in body and scene["depot"].name in body
    assert "this region" in body
    assert scene["other"].code not in body


def test_panel_forbidden_and_invalid(client, agent, technician, dispatcher, scene):
    for user in (agent, technician):
        client.force_login(user)
        assert client.get(reverse("dispatch:suggestions", args=[scene["sr"].pk])).status_code == 403
    client.force_login(dispatcher)
    assert client.get(reverse("dispatch:suggestions", args=[999999])).status_code == 404


def test_panel_query_count_does_not_grow(
    client, manager, dispatcher, make_user, reg, scene, product, django_assert_max_num_queries
):
    client.force_login(dispatcher)
    url = reverse("dispatch:suggestions", args=[scene["sr"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(4):  # more technicians with vans, more parts, more carriers
        t = make_user(Role.TECHNICIAN)
        tech_profile(dispatcher, t, region=reg, lat=CENTRE[0] - 0.01 * i)
        part = make_part(manager, compatible_products=[product])
        stock(manager, make_van(manager, t), part, 1)
        stock(manager, scene["depot"], part, 3)
    with django_assert_max_num_queries(len(few)):
        r = client.get(url)
    assert r.status_code == 200 and len(r.context["suggestions"]) == 6
    # 17 when written; the parts add three (reservations, compatible parts, carriers), training's
    # blocks and the 'not proposed' list three (certifying courses, certifications, the blocked people)
    assert len(few) <= 23
