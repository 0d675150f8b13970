"""core.pagination: keyset pages over every request sort, with ties, both ways."""

import base64
import datetime
import json

import pytest
from django.utils import timezone

from aftersales.core.errors import ValidationFailed
from aftersales.core.pagination import count_capped, keyset_page
from aftersales.customers.services import customer_create
from aftersales.tickets.choices import Channel, Priority, ServiceType
from aftersales.tickets.filters import SORTS
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_create


@pytest.fixture
def requests(agent):
    """13 requests whose sort keys tie a lot: 4 distinct creation instants, 2 priorities."""
    customer = customer_create(actor=agent, name="王芳", phone="13812345678")
    base = timezone.make_aware(datetime.datetime(2025, 5, 1, 9, 0))
    made = []
    for i in range(13):
        made.append(
            request_create(
                actor=agent,
                customer=customer,
                channel=Channel.PHONE,
                service_type=ServiceType.REPAIR,
                description=f"#{i}",
                priority=[Priority.HIGH, Priority.NORMAL][i % 2],
                now=base + datetime.timedelta(minutes=i % 4),
            )
        )
    return made


def _key(sort):
    def key(r):
        parts = []
        for name in SORTS[sort]:
            value = getattr(r, name.lstrip("-"))
            parts.append(value)
        return parts

    return key


def _expected(rows, sort):
    ordered = list(rows)
    # Stable multi-key sort, applied from the last key to the first.
    for name in reversed(SORTS[sort]):
        ordered.sort(key=lambda r, n=name: getattr(r, n.lstrip("-")), reverse=name.startswith("-"))
    return [r.pk for r in ordered]


@pytest.mark.django_db
@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("size", [1, 3, 5, 13, 20])
def test_forward_and_back_give_every_row_once_in_order(requests, sort, size):
    expected = _expected(ServiceRequest.objects.all(), sort)
    qs = ServiceRequest.objects.all()
    pages, cursor = [], None
    while True:
        page = keyset_page(qs, order=SORTS[sort], cursor=cursor, size=size)
        assert len(page.items) <= size
        pages.append([r.pk for r in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        assert len(pages) <= 13
    assert [pk for p in pages for pk in p] == expected
    assert (pages[0] and keyset_page(qs, order=SORTS[sort], cursor=None, size=size).prev_cursor) is None

    # Walk back from the last page with prev_cursor: the same pages, in reverse.
    back, cursor = [], keyset_page(qs, order=SORTS[sort], cursor=cursor, size=size).prev_cursor
    while cursor:
        page = keyset_page(qs, order=SORTS[sort], cursor=cursor, size=size)
        back.insert(0, [r.pk for r in page.items])
        cursor = page.prev_cursor
    assert [pk for p in back + pages[-1:] for pk in p] == expected if len(pages) > 1 else back == []


@pytest.mark.django_db
def test_back_then_forward_again_lands_on_the_same_page(requests):
    qs, order = ServiceRequest.objects.all(), SORTS["priority"]
    first = keyset_page(qs, order=order, cursor=None, size=4)
    second = keyset_page(qs, order=order, cursor=first.next_cursor, size=4)
    back = keyset_page(qs, order=order, cursor=second.prev_cursor, size=4)
    assert [r.pk for r in back.items] == [r.pk for r in first.items]
    assert back.prev_cursor is None
    again = keyset_page(qs, order=order, cursor=back.next_cursor, size=4)
    assert [r.pk for r in again.items] == [r.pk for r in second.items]


def _cursor(values, direction="n"):
    raw = json.dumps({"v": values, "d": direction}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not base64!!!",
        "bm90IGpzb24",  # "not json"
        _cursor([1, 2], direction="x"),
        _cursor([1]),  # wrong length
        _cursor("2025-01-01"),
        _cursor(["not a date", 5]),
        _cursor(["2025-13-45T99:99:99", 5]),
        _cursor(["2025-05-01T09:00:00+00:00", "five"]),
        _cursor([{"a": 1}, [2]]),
    ],
)
def test_bad_cursors_are_validation_errors(requests, cursor):
    with pytest.raises(ValidationFailed) as caught:
        page = keyset_page(ServiceRequest.objects.all(), order=SORTS["-created"], cursor=cursor, size=5)
        list(page.items)
    assert "cursor" in caught.value.fields


@pytest.mark.django_db
def test_count_capped(requests):
    qs = ServiceRequest.objects.all()
    assert count_capped(qs) == (13, False)
    assert count_capped(qs, cap=13) == (13, False)
    assert count_capped(qs, cap=5) == (5, True)
    assert count_capped(qs.none()) == (0, False)
