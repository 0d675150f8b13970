"""Shared fixtures: one user per role, built through factories; a clean media root."""

import os

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from aftersales.accounts.choices import Role
from aftersales.accounts.tests.factories import OrganizationFactory, PartnerFactory, UserFactory

# In CI every property test draws the same examples on every run: a red build is a bug,
# never an unlucky seed. Locally the seeds vary, to keep finding new cases.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests read English text unless they ask for Chinese (the product default is zh-hans).
    settings.LANGUAGE_CODE = "en"
    # A fast hasher: the default PBKDF2 makes every factory-built user cost ~0.3 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _orm_beside_playwright(request, monkeypatch):
    """Playwright's sync API keeps an asyncio loop running in the test's thread, so Django
    would refuse the test's own ORM checks between browser steps. They are plain synchronous
    calls, so browser tests allow them."""
    if request.node.get_closest_marker("browser"):
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    `expect(...)` waits up to 30 s instead of Playwright's 5: an assertion right after a form's
    submit waits for the next page, and the whole suite on a loaded two-core CI machine has
    taken longer than five seconds to answer one (a real failure still fails, only later)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def own_org(db):
    return OrganizationFactory()


@pytest.fixture
def partner_org(db):
    return PartnerFactory()


@pytest.fixture
def make_user(db, own_org):
    def make(role=Role.AGENT, organization=None, **kwargs):
        org = organization if organization is not None else (None if role == Role.CUSTOMER else own_org)
        return UserFactory(
            role=role, organization=org, is_superuser=(role == Role.ADMIN), is_staff=(role == Role.ADMIN), **kwargs
        )

    return make


@pytest.fixture
def agent(make_user):
    return make_user(Role.AGENT)


@pytest.fixture
def dispatcher(make_user):
    return make_user(Role.DISPATCHER)


@pytest.fixture
def technician(make_user):
    return make_user(Role.TECHNICIAN)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def partner_user(make_user, partner_org):
    return make_user(Role.PARTNER, organization=partner_org)


@pytest.fixture
def partner_technician(make_user, partner_org):
    return make_user(Role.TECHNICIAN, organization=partner_org)


@pytest.fixture
def customer_user(make_user):
    return make_user(Role.CUSTOMER)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need real row locks; they are skipped on SQLite."""
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (row locks); runs in the PostgreSQL pass of scripts/test")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
