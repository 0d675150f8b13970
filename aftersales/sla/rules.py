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

from django.utils.translation import pgettext_lazy

from aftersales.core.messages import Message, msg, render_value

from .models import TargetKind

# (attribute on the rule / the facts, short label used in the reason text)
CRITERIA: tuple[tuple[str, str], ...] = (
    ("service_type", pgettext_lazy("SLA rule criterion", "type")),
    ("priority", pgettext_lazy("SLA rule criterion", "priority")),
    ("customer_tier", pgettext_lazy("SLA rule criterion", "tier")),
    ("region_class", pgettext_lazy("SLA rule criterion", "region")),
    ("channel", pgettext_lazy("SLA rule criterion", "channel")),
    ("product_category_id", pgettext_lazy("SLA rule criterion", "category")),
)
_LABELS = dict(CRITERIA)


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
    why: tuple[Message, ...]

    @property
    def reason(self) -> str:
        """Why, in the active language."""
        return reason_text(self.why)


def rule_criteria(rule) -> list[tuple[str, str, object]]:
    """The non-empty criteria of a rule as (attribute, label, value)."""
    return [(attr, label, getattr(rule, attr)) for attr, label in CRITERIA if getattr(rule, attr) is not None]


def rule_applies(rule, facts: RequestFacts) -> bool:
    return all(getattr(facts, attr) == value for attr, _label, value in rule_criteria(rule))


def _stored(rule, attr: str, value):
    """A criterion's value as stored in the reason (a category by its code)."""
    if attr == "product_category_id":
        category = getattr(rule, "product_category", None)
        return getattr(category, "code", None) or str(value)
    return value


def criterion_text(attr: str, value) -> str:
    """One criterion in the active language: "type=Repair", "tier=★★"."""
    from .models import SlaPolicy

    label = _LABELS.get(attr, attr)
    if attr == "customer_tier":
        shown = "★" * int(value)
    else:
        field = SlaPolicy._meta.get_field(attr.removesuffix("_id"))
        shown = dict(field.flatchoices).get(value, value) if field.choices else value
    return f"{label}={shown}"


def rule_reason(rule, *, tie_broken: bool = False) -> tuple[Message, ...]:
    """Why the rule applies, as messages (rendered in the reader's language), e.g.
    "matched: type=Repair, tier=★★; 2 criteria"."""
    criteria = [[attr, _stored(rule, attr, value)] for attr, _label, value in rule_criteria(rule)]
    why = [msg("sla.rule_matched", criteria=criteria, count=len(criteria))]
    if tie_broken:
        why.append(msg("sla.rule_tie", name=rule.name, precedence=rule.precedence))
    return tuple(why)


def reason_text(why) -> str:
    """Stored reason messages (or old text) in the active language."""
    if isinstance(why, tuple | list):
        return render_value([m.as_dict() if isinstance(m, Message) else m for m in why])
    return render_value(why)


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
        out[kind] = RuleMatch(kind=kind, rule=best, specificity=specificity, why=rule_reason(best, tie_broken=tie))
    return out
