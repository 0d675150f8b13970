"""The route × role matrix (issue 10): every page and every API operation, for every role, on an
own object and a foreign one, answers what the app's ``tests/routes.py`` declares.

A route nobody declared fails the suite (``test_every_route_is_declared``), so a new page or API
operation must state its rules; ``test_an_undeclared_route_is_reported`` proves that check works
by mounting an extra pattern and an extra API operation.
"""

from __future__ import annotations

import copy
import json
from types import ModuleType

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import path

from .matrix import SKIPPED, api_operations, cases, declared_routes, stale, undeclared
from .world import PRINCIPALS

pytestmark = pytest.mark.django_db


def test_every_route_is_declared():
    missing = undeclared()
    assert not missing, "Declare these routes in their app's tests/routes.py:\n  " + "\n  ".join(missing)


def test_no_declaration_is_stale():
    gone = stale()
    assert not gone, "These declared routes no longer exist:\n  " + "\n  ".join(gone)


def test_no_route_is_declared_twice():
    names = [r.name for r in declared_routes()]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_skipped_patterns_are_few_and_explained():
    assert set(SKIPPED) == {"admin", "set_language"}


def test_an_undeclared_route_is_reported():
    """A pattern and an API operation added without a declaration are reported by name."""
    from aftersales import urls

    extra = ModuleType("matrix_extra_urls")
    extra.urlpatterns = [
        path("extra/", lambda request: HttpResponse("hi"), name="extra_page"),
        *urls.urlpatterns,
    ]
    from aftersales.api import api

    schema = api.get_openapi_schema()
    schema = {**schema, "paths": {**schema["paths"], "/api/extra/{thing_id}": {"get": {}, "delete": {}}}}
    with override_settings(ROOT_URLCONF=extra):
        missing = undeclared(urlconf=extra, schema=schema)
    assert missing == ["DELETE /api/extra/{thing_id}", "GET /api/extra/{thing_id}", "extra_page"]
    # ... and nothing else: the real routes are all declared.
    assert undeclared() == []


def test_the_api_schema_is_enumerated():
    ops = api_operations()
    assert "GET /api/requests/{request_id}" in ops and "POST /api/field/check-in" in ops
    assert len(ops) >= 90


def _send(client: Client, route, url: str, world, role, side):
    method = route.http_method
    data = route.data() if callable(route.data) else route.data
    if method == "GET":
        return client.get(url)
    if route.is_api and data is None:
        body = route.body(world, role, side) if callable(route.body) else (route.body or {})
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    return client.post(url, data or {})


@pytest.mark.parametrize("role", PRINCIPALS)
def test_route_matrix(world, role):
    routes = declared_routes()
    client = Client(raise_request_exception=False)
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    wrong = []
    with override_settings(MEDIA_ROOT=world.media_root):
        for route, side in cases(routes, role):
            obj = world.obj(route.obj, role, side) if route.obj else None
            if route.obj and side == "foreign" and obj is None:
                continue  # nothing foreign of this kind in the world
            url = route.url(obj)
            cookies = copy.deepcopy(client.cookies)  # a logout (or a new session) must not leak into the next case
            with transaction.atomic():
                response = _send(client, route, url, world, role, side)
                transaction.set_rollback(True)
            client.cookies = cookies
            expected = route.expected(role, "missing" if route.obj and obj is None else side)
            if response.status_code not in expected:
                wrong.append(
                    f"{route.name:55} {side:8} {route.http_method:6} {url}: {response.status_code}, expected {sorted(expected)}"
                )
    assert not wrong, f"{role}: {len(wrong)} answers differ from the declarations:\n" + "\n".join(wrong)


def test_only_a_few_routes_are_public():
    """A guard on the declarations themselves: everything else needs a signed-in user."""
    public = sorted(r.name for r in declared_routes() if r.public)
    assert public == [
        "GET /api/complaints/track/{token}",
        "POST /api/complaints/track/{token}/answer",
        "accounts:login",
        "accounts:logout",
        "api:api-root",
        "api:openapi-json",
        "api:openapi-view",
        "complaints:track",
        "complaints:track_respond",
        "feedback:survey_public",
        "field:consent",
        "field:public_form",
        "returns:public",
    ]
