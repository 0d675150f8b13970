"""Warranty arithmetic (R-SR-5): calendar months, last covered day, status on a day."""

import datetime

import pytest

from aftersales.catalog.choices import WarrantyStatus
from aftersales.catalog.models import ProductUnit
from aftersales.catalog.warranty import add_months, warranty_status

D = datetime.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2024, 5, 10), 0, D(2024, 5, 10)),
        (D(2024, 5, 10), 120, D(2034, 5, 10)),
        (D(2024, 1, 1), 24, D(2026, 1, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("purchase", "months", "end"),
    [
        (D(2024, 1, 15), 12, D(2025, 1, 14)),
        (D(2024, 2, 29), 12, D(2025, 2, 27)),
        (D(2024, 1, 31), 1, D(2024, 2, 28)),
        (D(2024, 1, 1), 36, D(2026, 12, 31)),
        (D(2024, 1, 1), 0, D(2023, 12, 31)),
    ],
)
def test_warranty_end_is_the_last_covered_day(purchase, months, end):
    assert ProductUnit(purchase_date=purchase, warranty_months=months).compute_warranty_end() == end


def test_no_purchase_date_no_end():
    assert ProductUnit(purchase_date=None, warranty_months=12).compute_warranty_end() is None


def test_warranty_status():
    end = D(2025, 1, 14)
    assert warranty_status(end, D(2024, 6, 1)) == WarrantyStatus.IN_WARRANTY
    assert warranty_status(end, end) == WarrantyStatus.IN_WARRANTY
    assert warranty_status(end, D(2025, 1, 15)) == WarrantyStatus.EXPIRED
    assert warranty_status(None, D(2025, 1, 15)) == WarrantyStatus.UNKNOWN
