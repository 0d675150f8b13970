"""No page answers a 500, whatever is in its URL (issue 11, item 8).

Every page URL of the site (not the admin, not the API: ``test_api_fuzz`` covers that) is
requested with ids beyond 64 bits, ids of rows that exist, and query parameters the pages read
(``day``, ``warehouse``, ``created_from``, ``cursor`` …) set to dates in year 1 and 9999, huge
numbers, Unicode digits, NUL characters and plain garbage, by an administrator and by a
technician with a job in progress. The answer may be anything but a 5xx.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.accounts.choices import Role

pytestmark = pytest.mark.django_db

EXAMPLES = 6
PARAMS = [
    "cursor", "q", "customer", "unit", "serial", "next", "warehouse", "type", "unread", "status",
    "region", "overdue", "job", "inline", "day", "technician", "created_from", "created_to",
    "priority", "channel", "service_type", "sort", "part", "store", "move_type", "kind", "date_from",
    "date_to", "size", "page", "lot", "in_warranty", "phone", "request", "van", "organization",
    "view", "who", "show", "start", "end",
]  # fmt: skip
NASTY = [
    "",
    "0",
    "-1",
    "1",
    "2",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 40,
    "1e400",
    "NaN",
    "²",
    "١٢",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2101-01-01",
    "2026-02-30",
    "9999-12-31T23:59:59",
    "\x00",
    "a\x00b",
    "x" * 5000,
    '=HYPERLINK("http://x","y")',
    "https://evil.example/",
    "//evil.example",
    "😀",
]
values = st.sampled_from(NASTY) | st.text(max_size=10)


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


PAGES = sorted(p for p in _patterns() if not p.startswith(("admin/", "api/", "i18n/", "accounts/")))


@pytest.fixture
def world(make_user, manager, technician, settings):
    from aftersales.field.services import visit_check_in
    from aftersales.field.tests.factories import field_job

    settings.DISPATCH_SOLVER_SECONDS = 0.1
    settings.DISPATCH_REBALANCE_SECONDS = 0.1
    job = field_job(technician, manager)
    visit_check_in(actor=technician, request=job.request)
    return {"admin": make_user(Role.ADMIN), "technician": technician}


def _path(data, pattern: str) -> str:
    def value(match):
        converter = match.group(1)
        if converter == "int":
            return str(data.draw(st.integers(1, 6) | st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 2**64, 10**30])))
        return data.draw(st.sampled_from(["x", "accept", "decline", "a" * 300, "0"]))

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", value, pattern)


# Each of these is sent in every parameter at once, to every page (the random part mixes them).
SWEEP = ["²", str(2**64), "0001-01-01", "9999-12-31T23:59:59", "a\x00b", "1e400", "-1", "x" * 5000]


@pytest.mark.parametrize("role", ["admin", "technician"])
@pytest.mark.parametrize("pattern", PAGES)
def test_no_page_answers_a_server_error(world, role, pattern):
    client = Client(raise_request_exception=False)
    client.force_login(world[role])

    def check(url, query):
        response = client.get(url, query)
        assert response.status_code < 500, f"{role} GET {url} {query!r}: {response.status_code}"

    for value in SWEEP:
        check("/" + re.sub(r"<(?:(\w+):)?\w+>", "1", pattern), dict.fromkeys(PARAMS, value))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def run(data):
        check(_path(data, pattern), data.draw(st.dictionaries(st.sampled_from(PARAMS), values, max_size=6)))

    run()
