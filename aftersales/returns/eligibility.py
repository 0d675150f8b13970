"""The 三包 eligibility check (R-RET-1): a pure function, dates in, decision out.

``evaluate(facts, terms)`` reads nothing but its arguments (no database, no clock), so every
rule is tested on both sides of each boundary (``tests/test_eligibility.py``). The services
gather the facts (the unit, the claim, the inspection, field's 三包 counters) and the terms (the
product's ``ReturnPolicy``), and store what comes out: the rule that applied, its message key
and parameters, the remedies, and the dates used.

Counting days: the day of sale is day 0, so "within 7 days" means a request up to sale + 7 days
(Chinese periods start the day after the event, 民法典 Art. 201). "Over 30 days" means 31 or more.

The rules, with China's defaults (``CHINA``), in the order they are tried; every rule that
applies adds its remedies (the customer chooses), the first one names the decision:

- ``no_reason_7d``: a distance sale, asked within 7 days of receiving the goods, the goods intact
  and not excluded (custom-made and the other goods of 消费者权益保护法 Art. 25, or a policy that
  offers no such return) → return;
- ``fault_7d``: a performance fault within 7 days of sale → return, exchange or repair;
- ``fault_15d``: a performance fault within 15 days of sale → exchange or repair;
- within the 三包 period (the warranty, extended by the days in repair, waiting for parts included):
  - ``repeat_fault``: the same fault repaired twice and failing again → exchange or return;
  - ``parts_wait``: more than 90 days waiting for parts → exchange;
  - ``repair_time``: more than 30 days in repair, not counting the days waiting for parts → exchange;
  - ``in_period``: otherwise → repair (free);
- nothing applies: ``out_of_period``, ``no_fault`` or ``no_reason_refused`` (with why).

A unit given in exchange starts again: its sale date and its period run from the exchange day.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field, replace

from .choices import Remedy, Rule

Day = datetime.date


@dataclass(frozen=True)
class Terms:
    """A policy's numbers (``models.ReturnPolicy`` holds them; ``CHINA`` are the defaults)."""

    return_days: int = 7  # performance fault: return, exchange or repair
    exchange_days: int = 15  # performance fault: exchange or repair
    repeat_repairs: int = 2  # repaired this many times for the same fault and failing again
    repair_days: int = 30  # more days than this in repair (parts waiting not counted) → exchange
    parts_wait_days: int = 90  # more days than this waiting for parts → exchange
    extend_by_repair: bool = True  # days in repair extend the 三包 period
    no_reason_return: bool = True  # distance sales may be returned without a reason
    no_reason_days: int = 7
    refund_days: int = 7  # the refund is due this many days after the return is received
    at_risk_days: int = 2  # a refund due within this many days is at risk


CHINA = Terms()


@dataclass(frozen=True)
class Facts:
    """What the check reads, all as of ``request_date``."""

    sale_date: Day  # the day of sale (of the exchange, for a unit given in exchange)
    request_date: Day  # the day the customer asked
    warranty_end: Day | None  # the 三包 period's last day before any extension (None: unknown)
    fault: bool  # a performance fault: as claimed, or as found by the inspection
    no_reason: bool = False  # the customer asks for the no-reason return
    distance_sale: bool = False  # bought online, by phone, mail order ... (Art. 25)
    delivered_on: Day | None = None  # the customer received the goods (distance sale); default: sale date
    exclusion: str = ""  # an ``Exclusion`` value: no no-reason return
    goods_intact: bool | None = None  # None: not inspected yet
    inspected: bool = False  # False: the decision is provisional (on the claim)
    repairs_same_fault: int = 0  # completed in-warranty repairs of this fault before
    days_in_repair: int = 0  # in warranty, summed over the unit's repairs (waiting for parts included)
    days_waiting_parts: int = 0  # of which waiting for parts
    exchanged: bool = False  # a unit given in exchange (its dates run from the exchange)


@dataclass(frozen=True)
class Line:
    """One rule as checked: the limit and what was found."""

    rule: str
    applies: bool
    measure: str  # what ``value`` and ``limit`` count: "day", "repairs", "days", "date"
    value: int | str | None = None
    limit: int | None = None
    until: str | None = None  # the last day the rule covers (ISO), where it has one


@dataclass(frozen=True)
class Decision:
    rule: str  # the rule that names the decision
    key: str  # its message (``returns/messages.py``), rendered in the reader's language
    params: dict
    remedies: tuple[str, ...]  # what the customer may choose; empty: not covered
    rules: tuple[str, ...]  # every rule that applies
    provisional: bool  # on the claim, before the inspection
    dates: dict  # the dates and counts used (ISO dates)
    trace: tuple[Line, ...] = field(default=())

    @property
    def eligible(self) -> bool:
        return bool(self.remedies)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["remedies"] = list(self.remedies)
        data["rules"] = list(self.rules)
        data["trace"] = [asdict(line) for line in self.trace]
        return data


REMEDY_ORDER = (Remedy.RETURN, Remedy.EXCHANGE, Remedy.REPAIR)
REMEDIES = {
    Rule.NO_REASON_7D: (Remedy.RETURN,),
    Rule.FAULT_7D: (Remedy.RETURN, Remedy.EXCHANGE, Remedy.REPAIR),
    Rule.FAULT_15D: (Remedy.EXCHANGE, Remedy.REPAIR),
    Rule.REPEAT_FAULT: (Remedy.EXCHANGE, Remedy.RETURN),
    Rule.PARTS_WAIT: (Remedy.EXCHANGE,),
    Rule.REPAIR_TIME: (Remedy.EXCHANGE,),
    Rule.IN_PERIOD: (Remedy.REPAIR,),
}


def _iso(day: Day | None) -> str | None:
    return day.isoformat() if day else None


def _no_reason_why(f: Facts, t: Terms, received_day: int) -> str:
    """Why the no-reason return does not apply ("" when it does)."""
    if not f.distance_sale:
        return "not_distance"
    if not t.no_reason_return:
        return "policy"
    if f.exclusion:
        return "excluded"
    if f.goods_intact is False:
        return "not_intact"
    if not 0 <= received_day <= t.no_reason_days:
        return "late"
    return ""


def evaluate(f: Facts, t: Terms = CHINA) -> Decision:
    """The 三包 decision for ``f`` under ``t``. Raises ValueError when the request is before the sale."""
    if f.request_date < f.sale_date:
        raise ValueError("The request cannot be before the sale.")
    day = (f.request_date - f.sale_date).days
    extension = max(0, f.days_in_repair) if t.extend_by_repair else 0
    period_end = f.warranty_end + datetime.timedelta(days=extension) if f.warranty_end else None
    in_period = period_end is not None and f.request_date <= period_end
    delivered = f.delivered_on or f.sale_date
    received_day = (f.request_date - delivered).days
    net_repair = max(0, f.days_in_repair - f.days_waiting_parts)
    return_until = f.sale_date + datetime.timedelta(days=t.return_days)
    exchange_until = f.sale_date + datetime.timedelta(days=t.exchange_days)
    no_reason_until = delivered + datetime.timedelta(days=t.no_reason_days)
    dates = {
        "sale_date": _iso(f.sale_date),
        "request_date": _iso(f.request_date),
        "day": day,
        "return_until": _iso(return_until),
        "exchange_until": _iso(exchange_until),
        "warranty_end": _iso(f.warranty_end),
        "extension_days": extension,
        "period_end": _iso(period_end),
        "repairs_same_fault": f.repairs_same_fault,
        "days_in_repair": f.days_in_repair,
        "days_waiting_parts": f.days_waiting_parts,
        "net_repair_days": net_repair,
        "exchanged": f.exchanged,
    }
    if f.distance_sale or f.no_reason:
        dates.update(
            {"delivered_on": _iso(delivered), "received_day": received_day, "no_reason_until": _iso(no_reason_until)}
        )

    why = _no_reason_why(f, t, received_day)
    fault_in_period = f.fault and in_period
    lines = [
        Line(Rule.NO_REASON_7D, not why, "day", received_day, t.no_reason_days, _iso(no_reason_until)),
        Line(Rule.FAULT_7D, f.fault and 0 <= day <= t.return_days, "day", day, t.return_days, _iso(return_until)),
        Line(
            Rule.FAULT_15D, f.fault and 0 <= day <= t.exchange_days, "day", day, t.exchange_days, _iso(exchange_until)
        ),
        Line(
            Rule.REPEAT_FAULT,
            fault_in_period and f.repairs_same_fault >= t.repeat_repairs,
            "repairs",
            f.repairs_same_fault,
            t.repeat_repairs,
            _iso(period_end),
        ),
        Line(
            Rule.PARTS_WAIT,
            fault_in_period and f.days_waiting_parts > t.parts_wait_days,
            "days",
            f.days_waiting_parts,
            t.parts_wait_days,
            _iso(period_end),
        ),
        Line(
            Rule.REPAIR_TIME,
            fault_in_period and net_repair > t.repair_days,
            "days",
            net_repair,
            t.repair_days,
            _iso(period_end),
        ),
        Line(Rule.IN_PERIOD, fault_in_period, "date", f.request_date.isoformat(), None, _iso(period_end)),
    ]
    if not (f.distance_sale or f.no_reason):
        lines = lines[1:]  # the no-reason return is not in question
    applying = [line.rule for line in lines if line.applies]
    remedies = {r for rule in applying for r in REMEDIES[rule]}
    ordered = tuple(r for r in REMEDY_ORDER if r in remedies)

    params_of = {
        Rule.NO_REASON_7D: {
            "received": _iso(delivered),
            "day": received_day,
            "limit": t.no_reason_days,
            "until": _iso(no_reason_until),
        },
        Rule.FAULT_7D: {"sale": _iso(f.sale_date), "day": day, "limit": t.return_days, "until": _iso(return_until)},
        Rule.FAULT_15D: {
            "sale": _iso(f.sale_date),
            "day": day,
            "limit": t.exchange_days,
            "until": _iso(exchange_until),
        },
        Rule.REPEAT_FAULT: {"end": _iso(period_end), "repairs": f.repairs_same_fault, "limit": t.repeat_repairs},
        Rule.PARTS_WAIT: {"end": _iso(period_end), "days": f.days_waiting_parts, "limit": t.parts_wait_days},
        Rule.REPAIR_TIME: {"end": _iso(period_end), "days": net_repair, "limit": t.repair_days},
        Rule.IN_PERIOD: {"end": _iso(period_end), "extra": extension, "warranty_end": _iso(f.warranty_end)},
    }
    if applying:
        rule = applying[0]
        key, params = f"returns.rule.{rule}", params_of[rule]
    elif f.no_reason:
        rule = Rule.NO_REASON_REFUSED
        key = f"returns.rule.no_reason_refused.{why}"
        params = {**params_of[Rule.NO_REASON_7D], "exclusion": f.exclusion}
    elif not f.fault:
        rule, key, params = Rule.NO_FAULT, "returns.rule.no_fault", {}
    else:
        rule, key = Rule.OUT_OF_PERIOD, "returns.rule.out_of_period"
        params = {"end": _iso(period_end), "extra": extension, "asked": _iso(f.request_date)}
    return Decision(
        rule=str(rule),
        key=key,
        params=params,
        remedies=tuple(str(r) for r in ordered),
        rules=tuple(str(r) for r in applying),
        provisional=not f.inspected,
        dates=dates,
        trace=tuple(replace(line, rule=str(line.rule), applies=bool(line.applies)) for line in lines),
    )


def refund_due(received_on: Day, t: Terms = CHINA) -> Day:
    """The last day to refund: ``refund_days`` after the returned unit was received."""
    return received_on + datetime.timedelta(days=t.refund_days)


def refund_state(due: Day | None, today: Day, t: Terms = CHINA) -> str:
    """ "waiting_goods" (nothing received yet), "on_time", "at_risk" (due within ``at_risk_days``) or "overdue"."""
    if due is None:
        return "waiting_goods"
    if today > due:
        return "overdue"
    if (due - today).days <= t.at_risk_days:
        return "at_risk"
    return "on_time"
