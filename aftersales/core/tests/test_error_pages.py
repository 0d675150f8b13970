"""The 403, 404 and 500 pages: translated, and styled like the rest of the app."""

from __future__ import annotations

from types import ModuleType

import pytest
from django.template import Context, Engine, loader
from django.test import Client
from django.test.utils import override_settings
from django.urls import path, reverse
from django.utils import translation

from aftersales.accounts.choices import Role

pytestmark = pytest.mark.django_db


def test_a_wrong_role_gets_the_styled_403(client, make_user):
    client.force_login(make_user(Role.AGENT))
    r = client.get(reverse("dispatch:board"))
    html = r.content.decode()
    assert r.status_code == 403
    assert 'data-error-page="403"' in html and "Not allowed" in html
    assert "bootstrap.min.css" in html and 'id="mainnav"' in html  # the site's layout and menu


def test_a_missing_page_gets_the_styled_404(client, make_user):
    client.force_login(make_user(Role.AGENT))
    r = client.get("/no/such/page/")
    html = r.content.decode()
    assert r.status_code == 404 and 'data-error-page="404"' in html and "Page not found" in html
    assert 'id="mainnav"' in html
    r = client.get(reverse("tickets:detail", args=[987654]))
    assert r.status_code == 404 and 'data-error-page="404"' in r.content.decode()


def test_error_pages_in_chinese(client, make_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(make_user(Role.AGENT))
    html = client.get(reverse("dispatch:board"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "无权访问" in html
    html = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "页面不存在" in html


def test_the_500_page_needs_no_request_and_no_database(django_assert_num_queries):
    """Django renders 500.html with an empty context; it must not touch the database or the request."""
    template = loader.get_template("500.html")
    with django_assert_num_queries(0):
        html = template.render({})
    assert 'data-error-page="500"' in html and "Something went wrong" in html and "bootstrap.min.css" in html
    with translation.override("zh-hans"):
        assert "出错了" in loader.get_template("500.html").render({})
    # plain Engine rendering (no context processors) works too
    engine = Engine.get_default()
    assert "Something went wrong" in engine.get_template("500.html").render(Context())


def _boom(request):
    raise RuntimeError("boom")


def test_a_crash_answers_the_500_page():
    from aftersales import urls

    crashing = ModuleType("crashing_urls")
    crashing.urlpatterns = [path("boom/", _boom), *urls.urlpatterns]
    with override_settings(ROOT_URLCONF=crashing):
        r = Client(raise_request_exception=False).get("/boom/")
    assert r.status_code == 500 and 'data-error-page="500"' in r.content.decode()
