"""Which rule sets each target of a request (R-SLA-2). Pure: works on rules in memory.

Matching is per target: for each target kind the candidates are the active rules whose
criteria all match the request and that set that target. The most specific candidate
wins (most non-empty criteria), then the lower ``precedence``, then the lower id, so
the outcome never depends on row order. A broad rule can thus set the first response
for everything while a narrower one sets the on-site arrival for city repairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import TargetKind

# (attribute on the rule / the facts, short label used in the reason text)
CRITERIA: tuple[tuple[str, str], ...] = (
    ("service_type", "type"),
    ("priority", "priority"),
    ("customer_tier", "tier"),
    ("region_class", "region"),
    ("channel", "channel"),
    ("product_category_id", "category"),
)


@dataclass(frozen=True)
class RequestFacts:
    service_type: str | None = None
    priority: str | None = None
    customer_tier: int | None = None
    region_class: str | None = None
    channel: str | None = None
    product_category_id: int | None = None


@dataclass(frozen=True)
class RuleMatch:
    kind: str
    rule: object
    specificity: int
    reason: str


def rule_criteria(rule) -> list[tuple[str, str, object]]:
    """The non-empty criteria of a rule as (attribute, label, value)."""
    return [(attr, label, getattr(rule, attr)) for attr, label in CRITERIA if getattr(rule, attr) is not None]


def rule_applies(rule, facts: RequestFacts) -> bool:
    return all(getattr(facts, attr) == value for attr, _label, value in rule_criteria(rule))


def _shown(rule, attr: str, value) -> str:
    if attr == "customer_tier":
        return "★" * int(value)
    if attr == "product_category_id":
        category = getattr(rule, "product_category", None)
        return getattr(category, "code", None) or str(value)
    return str(value)


def rule_reason(rule, *, tie_broken: bool = False) -> str:
    """Human-readable why, e.g. "matched: type=repair, tier=★★; 2 criteria"."""
    criteria = rule_criteria(rule)
    count = len(criteria)
    if criteria:
        listed = ", ".join(f"{label}={_shown(rule, attr, value)}" for attr, label, value in criteria)
    else:
        listed = _("any request")
    text = _("matched: %(criteria)s; %(count)s") % {
        "criteria": listed,
        "count": ngettext("%(n)d criterion", "%(n)d criteria", count) % {"n": count},
    }
    if tie_broken:
        text += "; " + _("rule “%(name)s” won a tie on precedence %(precedence)d") % {
            "name": rule.name,
            "precedence": rule.precedence,
        }
    return text


def _order(rule) -> tuple:
    return (-len(rule_criteria(rule)), rule.precedence, rule.pk or 0)


def rules_match(rules: Iterable, facts: RequestFacts, kinds: Iterable[str] | None = None) -> dict[str, RuleMatch]:
    """For each target kind that some applicable rule sets, the winning rule and why."""
    applicable = sorted((r for r in rules if r.is_active and rule_applies(r, facts)), key=_order)
    out: dict[str, RuleMatch] = {}
    for kind in kinds or TargetKind.values:
        candidates = [r for r in applicable if getattr(r, kind) is not None]
        if not candidates:
            continue
        best = candidates[0]
        specificity = len(rule_criteria(best))
        tie = len(candidates) > 1 and len(rule_criteria(candidates[1])) == specificity
        out[kind] = RuleMatch(kind=kind, rule=best, specificity=specificity, reason=rule_reason(best, tie_broken=tie))
    return out
