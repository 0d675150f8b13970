"""The defect classes of issue 11, item 8, one test each (the fuzz tests cover them broadly):
error shape under /api/, strict bodies, ranges, response headers."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory, override_settings

from aftersales.accounts.choices import Role
from aftersales.catalog.models import Product
from aftersales.catalog.tests.factories import ProductFactory, UnitFactory
from aftersales.core.middleware import SecurityHeadersMiddleware, _tile_source, content_security_policy
from aftersales.core.ranges import parse_id

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _is_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(JSON)
    data = response.json()
    assert set(data) >= {"code", "message", "fields"} and isinstance(data["fields"], dict)
    if code:
        assert data["code"] == code, data
    return data


# --- every answer under /api/ is the error shape -----------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/nope", "/api/customers/abc", "/api/catalog/products/1/nope", "/api/requests/", f"/api/customers/{2**64}"],
)
def test_unknown_api_paths_answer_json_404(manager, path):
    _is_error(_client(manager).get(path), 404, "not_found")


def test_unknown_api_paths_answer_json_404_when_anonymous_too():
    _is_error(_client().get("/api/nope"), 404, "not_found")


def test_wrong_method_answers_json_405_with_allow(manager):
    response = _client(manager).delete("/api/customers")
    _is_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


def test_body_that_is_not_json_answers_400(manager):
    _is_error(_client(manager).post("/api/catalog/categories", "{oops", content_type=JSON), 400, "bad_request")


def test_a_crash_under_api_is_still_the_error_shape(manager, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("aftersales.catalog.api.category_list", boom)
    _is_error(_client(manager).get("/api/catalog/categories"), 500, "server_error")


def test_pages_keep_their_html_404(manager):
    response = _client(manager).get("/customers/999999/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- strict bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[]", "null", "1", '"x"', "true", "[{}]"])
def test_a_body_that_is_not_an_object_is_refused(manager, body):
    product = ProductFactory()
    response = _client(manager).patch(f"/api/catalog/products/{product.pk}", body, content_type=JSON)
    data = _is_error(response, 422, "invalid")
    assert list(data["fields"]) == ["__all__"]


def test_unknown_fields_are_refused_and_nothing_is_written(manager):
    product = ProductFactory(name="old")
    body = {"name": "new", "nmae": "typo"}
    response = _client(manager).patch(f"/api/catalog/products/{product.pk}", body, content_type=JSON)
    data = _is_error(response, 422, "invalid")
    assert "nmae" in data["fields"]
    assert Product.objects.get(pk=product.pk).name == "old"


def test_unknown_fields_in_nested_objects_are_refused(clerk_or_manager):
    body = {"warehouse": 1, "supplier": "s", "lines": [{"part": 1, "quantity": 1, "colour": "red"}]}
    data = _is_error(_client(clerk_or_manager).post("/api/parts/receipts", body, content_type=JSON), 422)
    assert "lines.0.colour" in data["fields"]


@pytest.fixture
def clerk_or_manager(make_user):
    return make_user(Role.PARTS_CLERK)


# --- ranges -------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_unit_dates_outside_1900_2100_are_refused(manager, day):
    unit = UnitFactory()
    for field in ("purchase_date", "installation_date"):
        response = _client(manager).patch(f"/api/catalog/units/{unit.pk}", {field: day}, content_type=JSON)
        assert field in _is_error(response, 422)["fields"]


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59", "1899-12-31T23:00:00Z"]
)
def test_moments_outside_1900_2100_are_refused(manager, moment):
    response = _client(manager).get("/api/sla/preview", {"service_type": "repair", "filed_at": moment})
    assert "filed_at" in _is_error(response, 422)["fields"]


@pytest.mark.parametrize("bad", [2**63, 2**64, 10**30])
def test_ids_beyond_64_bits_are_not_found(manager, bad):
    client = _client(manager)
    _is_error(client.get(f"/api/parts/parts/{bad}"), 404, "not_found")  # a typed path parameter
    _is_error(client.get(f"/api/dispatch/plans/{bad}/2026-03-01"), 404, "not_found")  # a {int:} converter
    assert client.get(f"/dispatch/technicians/{bad}/").status_code == 404  # a page
    assert client.get(f"/parts/catalogue/{bad}/").status_code == 404


@pytest.mark.parametrize("bad", [str(2**64), "²", "١٢", "-1", "0", "1e3", ""])
def test_ids_in_query_strings_are_parsed_safely(manager, bad):
    assert parse_id(bad) is None
    client = _client(manager)
    for url in ("/parts/moves/", "/parts/levels.xlsx", "/requests/", "/dispatch/board/", "/requests/new/"):
        query = {"warehouse": bad, "part": bad, "technician": bad, "customer": bad, "job": bad}
        assert client.get(url, query).status_code < 500, url


def test_parse_id_takes_plain_ids():
    assert parse_id("42") == 42 and parse_id(7) == 7 and parse_id(str(2**63 - 1)) == 2**63 - 1
    assert parse_id(True) is None and parse_id(None) is None


# --- response headers ---------------------------------------------------------------------------


def test_pages_with_personal_data_are_not_cached_and_carry_a_csp(manager):
    response = _client(manager).get("/customers/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_api_answers_and_the_login_page_are_not_cached(manager):
    assert _client(manager).get("/api/customers")["Cache-Control"] == "private, no-store"
    login = _client().get("/accounts/login/")["Cache-Control"]  # Django's never_cache: kept, also no-store
    assert "no-store" in login and "private" in login


def test_a_view_that_sets_its_own_caching_keeps_it():
    def view(request):
        from django.http import HttpResponse

        response = HttpResponse("x", content_type="text/plain")
        response["Cache-Control"] = "public, max-age=60"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/anything/"))
    assert response["Cache-Control"] == "public, max-age=60"
    assert not response.has_header("Content-Security-Policy")  # not HTML


def test_static_files_are_left_alone():
    from django.http import HttpResponse

    response = SecurityHeadersMiddleware(lambda request: HttpResponse("x"))(
        RequestFactory().get("/static/core/app.css")
    )
    assert not response.has_header("Cache-Control") and not response.has_header("Content-Security-Policy")


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://tiles.example.com/{z}/{x}/{y}.png", "https://tiles.example.com"),
        ("https://t{s}.example.com/{z}/{x}/{y}.png", "https:"),
        ("javascript:alert(1)", ""),
        ("", ""),
    ],
)
def test_tile_source(template, source):
    assert _tile_source(template) == source


def test_the_map_tile_server_is_allowed_for_images(settings):
    settings.DISPATCH_MAP_TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "img-src 'self' data: blob: https://*.tile.openstreetmap.org" in content_security_policy()


def test_the_policy_can_be_replaced(manager):
    with override_settings(CONTENT_SECURITY_POLICY="default-src 'none'"):
        assert _client(manager).get("/customers/")["Content-Security-Policy"] == "default-src 'none'"


def test_json_body_of_error_is_valid_json_for_405():
    response = _client().generic("PUT", "/api/customers", json.dumps({}), content_type=JSON)
    assert response.status_code in (401, 405)
    assert response.json()["code"] in ("unauthorized", "method_not_allowed")


# --- NUL characters (PostgreSQL refuses them in text) --------------------------------------------


def test_nul_characters_in_query_strings_and_forms_are_refused(manager):
    client = _client(manager)
    assert client.get("/customers/", {"q": "a\x00b"}).status_code == 400
    assert client.get("/requests/new/customers/", {"q": "\x00"}).status_code == 400
    _is_error(client.get("/api/customers", {"q": "a\x00b"}), 400, "bad_request")
    assert client.post("/requests/new/customer/create/", {"name": "王\x00五"}).status_code == 400
    assert client.get("/customers/", {"q": "王五"}).status_code == 200
