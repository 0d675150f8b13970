"""The dispatcher board: the optional tile map, drag-and-drop assignment (the htmx answer of the assign view)."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from aftersales.accounts.choices import Role
from aftersales.dispatch import services

from .factories import CENTRE, committed, job, region, tech_profile

pytestmark = pytest.mark.django_db

TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"


@pytest.fixture
def reg(db):
    return region()


@pytest.fixture
def tech(dispatcher, technician, reg):
    tech_profile(dispatcher, technician, region=reg)
    return technician


# --- map ------------------------------------------------------------------------------------------


def test_board_without_tiles_is_a_labelled_schematic(client, dispatcher, tech, reg):
    """Issue 11 (2): without a tile server the location view says plainly that it is a schematic, with no
    longitude/latitude axes, in the reader's language."""
    job(dispatcher, region=reg)
    client.force_login(dispatcher)
    r = client.get(reverse("dispatch:board"))
    body = r.content.decode()
    assert r.status_code == 200 and r.context["map_tiles"] is None
    assert "vendor/echarts/echarts.min.js" in body and 'data-map="schematic"' in body
    assert "leaflet" not in body and "board-map-tiles" not in body
    assert "Schematic, not a map" in body and "DISPATCH_MAP_TILES" in body
    assert "Longitude" not in body and "Latitude" not in body and "axisLabel: hidden" in body
    assert '"lng"' not in body and '"lat"' not in body
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(dispatcher)
    body = chinese.get(reverse("dispatch:board")).content.decode()
    assert "示意图" in body and "经度" not in body and "纬度" not in body


@override_settings(DISPATCH_MAP_TILES=TILES, DISPATCH_MAP_ATTRIBUTION="© OpenStreetMap <contributors>")
def test_board_tile_map_when_configured(client, dispatcher, tech, reg):
    sr = job(dispatcher, region=reg)
    client.force_login(dispatcher)
    r = client.get(reverse("dispatch:board"))
    body = r.content.decode()
    assert r.status_code == 200
    assert "vendor/leaflet/leaflet.js" in body and "vendor/leaflet/leaflet.css" in body and 'data-map="tiles"' in body
    assert "echarts" not in body
    config = json.loads(body.split('id="board-map-tiles" type="application/json">')[1].split("</script>")[0])
    assert config == {"url": TILES, "attribution": "© OpenStreetMap <contributors>"}
    assert "<contributors>" not in body  # json_script escapes it
    points = json.loads(body.split('id="board-points" type="application/json">')[1].split("</script>")[0])
    assert {p["kind"] for p in points} == {"job", "tech"} and any(p["name"] == sr.number for p in points)


@override_settings(DISPATCH_MAP_TILES="   ")
def test_board_blank_tiles_setting_is_offline(client, dispatcher):
    client.force_login(dispatcher)
    r = client.get(reverse("dispatch:board"))
    assert r.context["map_tiles"] is None and "leaflet" not in r.content.decode()


@override_settings(DISPATCH_MAP_TILES=TILES)
def test_board_map_forbidden_for_other_roles(client, technician, agent):
    for user in (technician, agent):
        client.force_login(user)
        assert client.get(reverse("dispatch:board")).status_code == 403  # a wrong role: 403 everywhere


# --- drag and drop: the assign view's htmx answers ------------------------------------------------

HX = {"HTTP_HX_REQUEST": "true"}


def test_drop_assigns_top_suggestion_and_redirects(client, dispatcher, tech, reg):
    sr = job(dispatcher, region=reg)
    client.force_login(dispatcher)
    r = committed(client.post)(
        reverse("dispatch:assign", args=[sr.pk]),
        {"technician": tech.pk, "next": "/dispatch/board/?day=2030-01-02"},
        **HX,
    )
    assert r.status_code == 200 and r["HX-Redirect"] == "/dispatch/board/?day=2030-01-02"
    sr.refresh_from_db()
    assert sr.assigned_technician == tech


def test_drop_on_other_technician_asks_for_the_reason_then_assigns(client, dispatcher, tech, reg, make_user):
    sr = job(dispatcher, region=reg)
    far = make_user(Role.TECHNICIAN)
    tech_profile(dispatcher, far, region=reg, lat=CENTRE[0] + 0.4)
    client.force_login(dispatcher)
    url = reverse("dispatch:assign", args=[sr.pk])
    r = client.post(url, {"technician": far.pk}, **HX)
    body = r.content.decode()
    assert r.status_code == 400 and 'id="assign-reason"' in body and 'name="reason"' in body
    assert "is not the top suggestion" in body
    sr.refresh_from_db()
    assert sr.assigned_technician is None
    # the fragment's form is the click flow's plain post
    r = committed(client.post)(url, {"technician": far.pk, "reason": "Knows this model", "next": "/dispatch/board/"})
    assert r.status_code == 302
    sr.refresh_from_db()
    assert sr.assigned_technician == far


def test_drop_invalid_and_forbidden(client, dispatcher, tech, reg, agent, technician):
    sr = job(dispatcher, region=reg)
    url = reverse("dispatch:assign", args=[sr.pk])
    client.force_login(dispatcher)
    r = client.post(url, {"technician": "abc"}, **HX)
    assert (
        r.status_code == 400
        and "Choose a technician" in r.content.decode()
        and 'name="reason"' not in r.content.decode()
    )
    r = client.post(url, {"technician": 999999}, **HX)  # no such technician
    assert r.status_code == 400 and 'name="reason"' not in r.content.decode()
    client.force_login(agent)
    assert client.post(url, {"technician": tech.pk}, **HX).status_code == 403
    client.force_login(technician)
    assert client.post(url, {"technician": tech.pk}, **HX).status_code == 403  # not a dispatch role
    sr.refresh_from_db()
    assert sr.assigned_technician is None


def test_drop_on_held_job_says_who_holds_it(client, dispatcher, tech, reg, make_user):
    sr = job(dispatcher, region=reg)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech)
    other = make_user(Role.TECHNICIAN)
    tech_profile(dispatcher, other, region=reg)
    client.force_login(dispatcher)
    r = client.post(reverse("dispatch:assign", args=[sr.pk]), {"technician": other.pk}, **HX)
    assert r.status_code == 400 and "already holds this job" in r.content.decode()
    sr.refresh_from_db()
    assert sr.assigned_technician == tech


def test_board_job_cards_are_draggable_onto_rows(client, dispatcher, tech, reg):
    sr = job(dispatcher, region=reg)
    client.force_login(dispatcher)
    body = client.get(reverse("dispatch:board")).content.decode()
    assert f'data-assign-url="{reverse("dispatch:assign", args=[sr.pk])}"' in body and 'draggable="true"' in body
    assert f'data-technician="{tech.pk}"' in body
