"""The dispatcher board: the optional tile map, drag-and-drop assignment (the htmx answer of the assign view)."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from .factories import job, region, tech_profile

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


def test_board_offline_plot_by_default(client, dispatcher, tech, reg):
    job(dispatcher, region=reg)
    client.force_login(dispatcher)
    r = client.get(reverse("dispatch:board"))
    body = r.content.decode()
    assert r.status_code == 200 and r.context["map_tiles"] is None
    assert "vendor/echarts/echarts.min.js" in body and 'data-map="plot"' in body
    assert "leaflet" not in body and "board-map-tiles" not in body


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
        assert client.get(reverse("dispatch:board")).status_code == 404
