"""Rule matching (R-SLA-2): most specific wins, ties are deterministic, the reason says why."""

import datetime as dt
import random

import pytest
from django.utils import translation

from aftersales.catalog.tests.factories import CategoryFactory
from aftersales.sla.models import SlaPolicy
from aftersales.sla.rules import RequestFacts, rules_match
from aftersales.sla.selectors import policy_match_for, policy_targets_for
from aftersales.tickets.models import ServiceRequest

H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rule(pk, name="r", precedence=100, **kwargs):
    return SlaPolicy(id=pk, name=name, precedence=precedence, is_active=kwargs.pop("is_active", True), **kwargs)


FACTS = RequestFacts(service_type="repair", priority="normal", customer_tier=2, region_class="urban", channel="phone")


def test_most_specific_wins_with_reason():
    rules = [
        rule(1, first_response=24 * H),
        rule(2, service_type="repair", first_response=8 * H),
        rule(3, service_type="repair", customer_tier=2, first_response=4 * H),
        rule(4, service_type="repair", customer_tier=3, first_response=1 * H),  # does not apply
    ]
    match = rules_match(rules, FACTS)["first_response"]
    assert match.rule.pk == 3
    assert match.specificity == 2
    assert match.reason == "matched: type=Repair, tier=★★; 2 criteria"


def test_catch_all_reason():
    match = rules_match([rule(1, first_response=H)], FACTS)["first_response"]
    assert match.reason == "matched: any request; 0 criteria"


def test_ties_are_deterministic_whatever_the_order():
    rules = [
        rule(5, name="by channel", precedence=20, channel="phone", first_response=2 * H),
        rule(6, name="by priority", precedence=10, priority="normal", first_response=3 * H),
        rule(7, name="by priority again", precedence=10, region_class="urban", first_response=4 * H),
    ]
    for _ in range(10):
        random.shuffle(rules)
        match = rules_match(rules, FACTS)["first_response"]
        assert match.rule.pk == 6  # lowest precedence, then lowest id
    assert "won a tie on precedence 10" in match.reason


def test_inactive_rules_ignored_and_targets_matched_separately():
    rules = [
        rule(1, first_response=24 * H),
        rule(2, service_type="repair", region_class="urban", arrival=24 * H),
        rule(3, service_type="repair", arrival=2 * H, is_active=False),
    ]
    matches = rules_match(rules, FACTS)
    assert set(matches) == {"first_response", "arrival"}
    assert matches["first_response"].rule.pk == 1
    assert matches["arrival"].rule.pk == 2
    assert matches["arrival"].reason == "matched: type=Repair, region=Urban; 2 criteria"


@pytest.mark.django_db
def test_product_category_shown_by_code():
    category = CategoryFactory(code="fridge", name="冰箱")
    r = SlaPolicy.objects.create(name="fridges", product_category=category, resolution=48 * H)
    facts = RequestFacts(product_category_id=category.pk)
    assert rules_match([r], facts)["resolution"].reason == "matched: category=fridge; 1 criterion"


def _request(**kwargs):
    fields = dict(service_type="repair", priority="normal", channel="phone", region_class="urban", customer_id=None)
    fields.update(kwargs)
    return ServiceRequest(**fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({}, {"first_response": (24 * H, False), "appointment_contact": (24 * H, False), "arrival": (24 * H, False)}),
        ({"region_class": "remote"}, {"first_response": (24 * H, False), "arrival": (48 * H, False)}),
        ({"priority": "urgent", "service_type": "consultation"}, {"first_response": (H, False)}),
        ({"channel": "wechat", "service_type": "consultation"}, {"first_response": (dt.timedelta(minutes=30), True)}),
        # Urgent via the web: both 1-criterion rules apply; "Urgent" has the lower precedence.
        ({"channel": "web", "priority": "urgent", "service_type": "complaint"}, {"first_response": (H, False)}),
    ],
)
def test_seeded_rules(attrs, expected):
    targets = policy_targets_for(_request(**attrs))
    got = {k: (t.duration, t.calendar_id is not None) for k, t in targets.items()}
    assert got == expected


@pytest.mark.django_db
def test_seeded_online_rule_counts_on_the_standard_calendar():
    match = policy_match_for(_request(channel="web", service_type="consultation"))["first_response"]
    assert match.reason == "matched: channel=Web form; 1 criterion"
    target = policy_targets_for(_request(channel="web", service_type="consultation"))["first_response"]
    assert target.calendar_id == match.rule.calendar_id
    assert match.rule.calendar.code == "standard"
