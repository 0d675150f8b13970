"""How a measured value becomes points, and points a score (pure functions, no database).

A line of weight ``w`` (%):

- ``linear``: ``w × (value − floor) / (target − floor)``, held between 0 and ``w``. For a measure
  where lower is better the floor lies above the target (e.g. 24 h → 1 h), and the same formula
  gives more points for less;
- ``threshold``: ``w`` when the value meets the target (≥, or ≤ when lower is better), else 0.

A person's score is the points of the lines that have a value over the weights of those lines,
in % (0–100): a line without any figure that month (no survey, no job) neither gives nor takes
points. Nothing measured at all: no score.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from aftersales.kpis.definitions import LOWER

from .choices import Method

TWO = Decimal("0.01")


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def line_points(value, *, weight: int, method: str, target, floor=None, direction: str) -> Decimal | None:
    """The points (0..weight, two decimals) ``value`` earns on a line; None without a value."""
    if value is None:
        return None
    value, target = _dec(value), _dec(target)
    weight = Decimal(weight)
    if method == Method.THRESHOLD or floor is None:
        ok = value <= target if direction == LOWER else value >= target
        return (weight if ok else Decimal(0)).quantize(TWO)
    floor = _dec(floor)
    if floor == target:
        return (weight if value == target else Decimal(0)).quantize(TWO)
    share = (value - floor) / (target - floor)
    share = min(max(share, Decimal(0)), Decimal(1))
    return (weight * share).quantize(TWO, rounding=ROUND_HALF_UP)


def score_total(parts: list[tuple[int, Decimal | None]]) -> Decimal | None:
    """(weight, points) of each line → the score in % over the lines that were measured."""
    measured = [(w, p) for w, p in parts if p is not None]
    weights = sum(w for w, _p in measured)
    if not weights:
        return None
    return (Decimal(100) * sum(p for _w, p in measured) / Decimal(weights)).quantize(TWO, rounding=ROUND_HALF_UP)


def rank(totals: dict) -> dict:
    """{key: total or None} → {key: rank}: 1 for the best, equal totals share a rank, no score no rank."""
    ordered = sorted((t, k) for k, t in totals.items() if t is not None)
    ordered.reverse()
    out, last, position = {}, None, 0
    for i, (total, key) in enumerate(ordered, start=1):
        if total != last:
            position, last = i, total
        out[key] = position
    return out
