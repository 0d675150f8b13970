"""The pure 三包 check: every rule, on both sides of each boundary (R-RET-1).

Dates in, decision out: no database, no clock. Day 0 is the day of sale.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.returns.choices import Exclusion, Remedy, Rule
from aftersales.returns.eligibility import CHINA, REMEDIES, Facts, Terms, evaluate, refund_due, refund_state

SALE = dt.date(2026, 1, 10)
WARRANTY_END = dt.date(2027, 1, 9)  # 12 months from the sale


def day(n: int) -> dt.date:
    return SALE + dt.timedelta(days=n)


def fault(n: int, **kw) -> Facts:
    """A performance fault reported on day ``n`` after the sale."""
    kw.setdefault("warranty_end", WARRANTY_END)
    return Facts(sale_date=kw.pop("sale_date", SALE), request_date=day(n), fault=True, **kw)


R, E, P = Remedy.RETURN, Remedy.EXCHANGE, Remedy.REPAIR


# --- 7 days: return, exchange or repair -------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 7])
def test_fault_within_7_days_return_exchange_or_repair(n):
    d = evaluate(fault(n))
    assert d.rule == Rule.FAULT_7D
    assert d.remedies == (R, E, P)
    assert d.key == "returns.rule.fault_7d"
    assert d.params == {"sale": "2026-01-10", "day": n, "limit": 7, "until": "2026-01-17"}
    assert d.dates["day"] == n and d.dates["sale_date"] == "2026-01-10"
    assert d.dates["request_date"] == day(n).isoformat()


def test_day_8_no_return_but_exchange_or_repair():
    d = evaluate(fault(8))
    assert d.rule == Rule.FAULT_15D
    assert d.remedies == (E, P)
    assert R not in d.remedies
    assert d.params["day"] == 8 and d.params["until"] == "2026-01-25"


# --- 15 days: exchange or repair ---------------------------------------------------------------------


def test_day_15_exchange_or_repair():
    d = evaluate(fault(15))
    assert (d.rule, d.remedies) == (Rule.FAULT_15D, (E, P))
    assert d.rules == (Rule.FAULT_15D, Rule.IN_PERIOD)


def test_day_16_only_repair_within_the_period():
    d = evaluate(fault(16))
    assert (d.rule, d.remedies) == (Rule.IN_PERIOD, (P,))
    assert d.params == {"end": "2027-01-09", "extra": 0, "warranty_end": "2027-01-09"}


# --- repeated fault: two repairs and it fails again ----------------------------------------------------


def test_second_failure_after_one_repair_is_repaired():
    d = evaluate(fault(100, repairs_same_fault=1))
    assert (d.rule, d.remedies) == (Rule.IN_PERIOD, (P,))


def test_third_failure_after_two_repairs_exchange_or_return():
    d = evaluate(fault(100, repairs_same_fault=2))
    assert d.rule == Rule.REPEAT_FAULT
    assert d.remedies == (R, E, P)  # exchange or return, and repair is still possible in the period
    assert {R, E} <= set(d.remedies)
    assert d.params == {"end": "2027-01-09", "repairs": 2, "limit": 2}


def test_repeated_fault_outside_the_period_gives_nothing():
    d = evaluate(fault(400, repairs_same_fault=3))
    assert (d.rule, d.remedies) == (Rule.OUT_OF_PERIOD, ())


# --- time in repair ----------------------------------------------------------------------------------


def test_30_days_in_repair_is_not_over_the_limit():
    d = evaluate(fault(100, days_in_repair=30))
    assert (d.rule, d.remedies) == (Rule.IN_PERIOD, (P,))


def test_31_days_in_repair_exchange():
    d = evaluate(fault(100, days_in_repair=31))
    assert d.rule == Rule.REPAIR_TIME
    assert E in d.remedies and R not in d.remedies
    assert d.params == {"end": "2027-02-09", "days": 31, "limit": 30}  # the period grew by the 31 days


def test_days_waiting_for_parts_do_not_count_as_repair_time():
    assert evaluate(fault(100, days_in_repair=40, days_waiting_parts=10)).rule == Rule.IN_PERIOD  # 30 net
    d = evaluate(fault(100, days_in_repair=40, days_waiting_parts=9))  # 31 net
    assert d.rule == Rule.REPAIR_TIME and d.dates["net_repair_days"] == 31


def test_90_days_waiting_for_parts_is_not_over_the_limit():
    d = evaluate(fault(200, days_in_repair=90, days_waiting_parts=90))
    assert (d.rule, d.remedies) == (Rule.IN_PERIOD, (P,))


def test_91_days_waiting_for_parts_exchange():
    d = evaluate(fault(200, days_in_repair=91, days_waiting_parts=91))
    assert d.rule == Rule.PARTS_WAIT
    assert E in d.remedies
    assert d.params == {"end": "2027-04-10", "days": 91, "limit": 90}


# --- the period and its extension -----------------------------------------------------------------------


def test_last_day_of_the_warranty_is_in_the_period():
    n = (WARRANTY_END - SALE).days
    assert evaluate(fault(n)).rule == Rule.IN_PERIOD
    d = evaluate(fault(n + 1))
    assert (d.rule, d.remedies) == (Rule.OUT_OF_PERIOD, ())
    assert d.params == {"end": "2027-01-09", "extra": 0, "asked": "2027-01-10"}


def test_days_in_repair_extend_the_period():
    n = (WARRANTY_END - SALE).days + 5  # asked 5 days after the warranty's last day
    assert evaluate(fault(n, days_in_repair=4)).rule == Rule.OUT_OF_PERIOD  # extended to the 13th: too late
    d = evaluate(fault(n, days_in_repair=5))
    assert d.rule == Rule.IN_PERIOD
    assert d.dates["extension_days"] == 5 and d.dates["period_end"] == "2027-01-14"
    assert d.params == {"end": "2027-01-14", "extra": 5, "warranty_end": "2027-01-09"}


def test_waiting_for_parts_extends_the_period_too():
    n = (WARRANTY_END - SALE).days + 20
    d = evaluate(fault(n, days_in_repair=25, days_waiting_parts=20))
    assert d.rule == Rule.IN_PERIOD and d.dates["period_end"] == "2027-02-03"


def test_a_policy_without_extension():
    n = (WARRANTY_END - SALE).days + 5
    d = evaluate(fault(n, days_in_repair=10), Terms(extend_by_repair=False))
    assert d.rule == Rule.OUT_OF_PERIOD and d.dates["extension_days"] == 0


def test_unknown_warranty_end_is_outside_the_period_after_15_days():
    assert evaluate(fault(10, warranty_end=None)).rule == Rule.FAULT_15D
    assert evaluate(fault(16, warranty_end=None)).rule == Rule.OUT_OF_PERIOD


# --- an exchanged unit starts again --------------------------------------------------------------------


def test_exchanged_unit_restarts_from_the_exchange_day():
    """Sold 2026-01-10, exchanged 2026-11-20: its dates run from the exchange, its period for 12 months."""
    exchange = dt.date(2026, 11, 20)
    new_end = dt.date(2027, 11, 19)
    asked = exchange + dt.timedelta(days=5)
    as_old = evaluate(Facts(sale_date=SALE, request_date=asked, warranty_end=WARRANTY_END, fault=True))
    assert as_old.rule == Rule.IN_PERIOD and R not in as_old.remedies
    d = evaluate(Facts(sale_date=exchange, request_date=asked, warranty_end=new_end, fault=True, exchanged=True))
    assert (d.rule, d.remedies) == (Rule.FAULT_7D, (R, E, P))
    assert d.dates["sale_date"] == "2026-11-20" and d.dates["exchanged"] is True
    # After the old unit's period ended, the new one is still covered.
    later = dt.date(2027, 6, 1)
    assert evaluate(Facts(sale_date=SALE, request_date=later, warranty_end=WARRANTY_END, fault=True)).rule == (
        Rule.OUT_OF_PERIOD
    )
    assert evaluate(Facts(sale_date=exchange, request_date=later, warranty_end=new_end, fault=True)).rule == (
        Rule.IN_PERIOD
    )


# --- distance sales: 7-day no-reason return (Art. 25) -----------------------------------------------------

DELIVERED = dt.date(2026, 1, 12)


def no_reason(n: int, **kw) -> Facts:
    """A no-reason return of a distance sale asked ``n`` days after the goods arrived."""
    kw.setdefault("distance_sale", True)
    kw.setdefault("goods_intact", True)
    kw.setdefault("inspected", True)
    return Facts(
        sale_date=SALE,
        delivered_on=DELIVERED,
        request_date=DELIVERED + dt.timedelta(days=n),
        warranty_end=WARRANTY_END,
        fault=False,
        no_reason=True,
        **kw,
    )


@pytest.mark.parametrize("n", [0, 7])
def test_no_reason_return_within_7_days_of_receipt(n):
    d = evaluate(no_reason(n))
    assert (d.rule, d.remedies) == (Rule.NO_REASON_7D, (R,))
    assert d.params == {"received": "2026-01-12", "day": n, "limit": 7, "until": "2026-01-19"}
    assert d.dates["delivered_on"] == "2026-01-12" and d.dates["no_reason_until"] == "2026-01-19"


def test_no_reason_return_on_day_8_is_refused():
    d = evaluate(no_reason(8))
    assert (d.rule, d.remedies) == (Rule.NO_REASON_REFUSED, ())
    assert d.key == "returns.rule.no_reason_refused.late"


def test_custom_made_goods_have_no_no_reason_return():
    d = evaluate(no_reason(2, exclusion=Exclusion.CUSTOM_MADE))
    assert (d.rule, d.remedies) == (Rule.NO_REASON_REFUSED, ())
    assert d.key == "returns.rule.no_reason_refused.excluded"
    assert d.params["exclusion"] == "custom_made"


@pytest.mark.parametrize("excluded", [e.value for e in Exclusion])
def test_every_excluded_kind_of_goods_is_refused(excluded):
    assert evaluate(no_reason(1, exclusion=excluded)).remedies == ()


def test_goods_not_intact_are_refused():
    d = evaluate(no_reason(2, goods_intact=False))
    assert d.key == "returns.rule.no_reason_refused.not_intact" and not d.eligible


def test_a_store_sale_has_no_no_reason_return():
    d = evaluate(no_reason(2, distance_sale=False))
    assert d.key == "returns.rule.no_reason_refused.not_distance" and not d.eligible


def test_a_policy_may_offer_no_no_reason_return():
    d = evaluate(no_reason(2), Terms(no_reason_return=False))
    assert d.key == "returns.rule.no_reason_refused.policy" and not d.eligible


def test_no_reason_claim_before_inspection_is_provisional():
    d = evaluate(no_reason(3, goods_intact=None, inspected=False))
    assert d.rule == Rule.NO_REASON_7D and d.provisional
    assert not evaluate(no_reason(3)).provisional


def test_distance_sale_with_a_fault_gets_both_rules():
    facts = Facts(
        sale_date=SALE,
        delivered_on=DELIVERED,
        request_date=DELIVERED + dt.timedelta(days=6),  # day 8 after the sale
        warranty_end=WARRANTY_END,
        fault=True,
        distance_sale=True,
    )
    d = evaluate(facts)
    assert d.rules == (Rule.NO_REASON_7D, Rule.FAULT_15D, Rule.IN_PERIOD)
    assert d.remedies == (R, E, P)


def test_no_fault_found_on_a_store_sale_is_refused():
    d = evaluate(Facts(sale_date=SALE, request_date=day(3), warranty_end=WARRANTY_END, fault=False, inspected=True))
    assert (d.rule, d.remedies, d.key) == (Rule.NO_FAULT, (), "returns.rule.no_fault")


def test_the_request_cannot_be_before_the_sale():
    with pytest.raises(ValueError):
        evaluate(fault(-1))


# --- the trace: every rule checked, with its limit and what was found --------------------------------


def test_trace_lists_each_rule_with_limit_and_value():
    d = evaluate(fault(10, repairs_same_fault=1, days_in_repair=12, days_waiting_parts=3))
    lines = {line.rule: line for line in d.trace}
    assert list(lines) == [
        Rule.FAULT_7D,
        Rule.FAULT_15D,
        Rule.REPEAT_FAULT,
        Rule.PARTS_WAIT,
        Rule.REPAIR_TIME,
        Rule.IN_PERIOD,
    ]
    assert (lines[Rule.FAULT_7D].applies, lines[Rule.FAULT_7D].value, lines[Rule.FAULT_7D].limit) == (False, 10, 7)
    assert lines[Rule.FAULT_15D].applies and lines[Rule.FAULT_15D].until == "2026-01-25"
    assert (lines[Rule.REPEAT_FAULT].value, lines[Rule.REPEAT_FAULT].limit) == (1, 2)
    assert (lines[Rule.REPAIR_TIME].value, lines[Rule.PARTS_WAIT].value) == (9, 3)
    assert d.as_dict()["trace"][0]["rule"] == "fault_7d"


# --- the refund's due date ---------------------------------------------------------------------------------


def test_refund_due_7_days_after_the_return_is_received():
    assert refund_due(dt.date(2026, 3, 10)) == dt.date(2026, 3, 17)
    assert refund_due(dt.date(2026, 3, 10), Terms(refund_days=3)) == dt.date(2026, 3, 13)


@pytest.mark.parametrize(
    "today, state",
    [
        (dt.date(2026, 3, 14), "on_time"),
        (dt.date(2026, 3, 15), "at_risk"),  # 2 days left
        (dt.date(2026, 3, 17), "at_risk"),  # the last day
        (dt.date(2026, 3, 18), "overdue"),
    ],
)
def test_refund_state_around_the_due_date(today, state):
    assert refund_state(dt.date(2026, 3, 17), today) == state


def test_refund_not_due_before_the_return_arrives():
    assert refund_state(None, dt.date(2026, 3, 1)) == "waiting_goods"


# --- properties over any facts ---------------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=800)


@st.composite
def any_facts(draw):
    request = draw(days)
    return Facts(
        sale_date=SALE,
        request_date=day(request),
        warranty_end=draw(st.sampled_from([None, WARRANTY_END, dt.date(2026, 7, 9)])),
        fault=draw(st.booleans()),
        no_reason=draw(st.booleans()),
        distance_sale=draw(st.booleans()),
        delivered_on=day(draw(st.integers(min_value=0, max_value=request))),
        exclusion=draw(st.sampled_from(["", *Exclusion.values])),
        goods_intact=draw(st.sampled_from([None, True, False])),
        inspected=draw(st.booleans()),
        repairs_same_fault=draw(st.integers(min_value=0, max_value=5)),
        days_in_repair=(total := draw(st.integers(min_value=0, max_value=200))),
        days_waiting_parts=draw(st.integers(min_value=0, max_value=total)),
    )


@given(any_facts())
def test_remedies_are_those_of_the_rules_that_apply(f):
    d = evaluate(f)
    assert set(d.remedies) == {r for rule in d.rules for r in REMEDIES[rule]}
    if d.rules:
        assert d.rule == d.rules[0] and d.key == f"returns.rule.{d.rule}"
    else:
        assert d.rule in (Rule.OUT_OF_PERIOD, Rule.NO_FAULT, Rule.NO_REASON_REFUSED)
    assert d.provisional is (not f.inspected)
    assert {line.rule for line in d.trace if line.applies} == set(d.rules)


@given(any_facts())
def test_a_fault_in_the_first_7_days_can_always_be_returned(f):
    d = evaluate(f)
    if f.fault and d.dates["day"] <= CHINA.return_days:
        assert set(d.remedies) == {R, E, P}
    if f.fault and d.dates["day"] <= CHINA.exchange_days:
        assert E in d.remedies


@given(any_facts(), st.integers(min_value=1, max_value=30))
def test_more_days_in_repair_never_take_a_remedy_away(f, more):
    import dataclasses

    longer = dataclasses.replace(f, days_in_repair=f.days_in_repair + more)
    assert set(evaluate(f).remedies) <= set(evaluate(longer).remedies)
