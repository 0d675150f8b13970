"""The dated rules, on both sides of each boundary: next due day, due / overdue, certification expiry."""

import datetime as dt

import pytest

from aftersales.training.choices import CertState, DueState
from aftersales.training.selectors import cert_state, due_state, next_due

D = dt.date


def test_next_due_adds_calendar_months_clamped_to_the_month_end():
    assert next_due(D(2026, 1, 15), 1) == D(2026, 2, 15)
    assert next_due(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert next_due(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert next_due(D(2026, 3, 10), 6) == D(2026, 9, 10)
    assert next_due(D(2026, 3, 10), 0) is None
    assert next_due(None, 1) is None


@pytest.mark.parametrize(
    ("last", "months", "on", "state"),
    [
        # monthly, passed 15 March: due 15 April
        (D(2026, 3, 15), 1, D(2026, 3, 31), DueState.OK),  # the due day is next month
        (D(2026, 3, 15), 1, D(2026, 4, 1), DueState.DUE),  # its month has come
        (D(2026, 3, 15), 1, D(2026, 4, 15), DueState.DUE),  # the due day itself: not late yet
        (D(2026, 3, 15), 1, D(2026, 4, 16), DueState.OVERDUE),  # the day after
        # quarterly: due 31 May, judged on the last and first day around it
        (D(2026, 2, 28), 3, D(2026, 5, 28), DueState.DUE),
        (D(2026, 2, 28), 3, D(2026, 4, 30), DueState.OK),
        (D(2026, 2, 28), 3, D(2026, 5, 29), DueState.OVERDUE),
        # half-yearly
        (D(2025, 12, 1), 6, D(2026, 5, 31), DueState.OK),
        (D(2025, 12, 1), 6, D(2026, 6, 1), DueState.DUE),
        (D(2025, 12, 1), 6, D(2026, 6, 2), DueState.OVERDUE),
        # never passed; a course taken once
        (None, 1, D(2026, 6, 2), DueState.NEVER),
        (D(2020, 1, 1), 0, D(2026, 6, 2), DueState.OK),
    ],
)
def test_due_state(last, months, on, state):
    assert due_state(last, months, on)[0] == state


def test_due_state_gives_the_due_day():
    assert due_state(D(2026, 3, 15), 3, D(2026, 3, 20)) == (DueState.OK, D(2026, 6, 15))


@pytest.mark.parametrize(
    ("on", "state"),
    [
        (D(2026, 5, 1), CertState.VALID),  # 31 days before
        (D(2026, 5, 2), CertState.EXPIRING),  # 30 days before: the reminder window opens
        (D(2026, 5, 31), CertState.EXPIRING),  # the last valid day
        (D(2026, 6, 1), CertState.LAPSED),  # the expiry day: lapsed
        (D(2026, 7, 1), CertState.LAPSED),
    ],
)
def test_certification_state_around_the_expiry_day(on, state):
    assert cert_state(D(2026, 6, 1), on) == state
