"""Scorecard schemes and monthly assessment runs (R-KPI-3).

A run computes every person's figures with ``kpis.selectors.kpi_values`` (filters
``{"technician": id}`` or ``{"agent": id}``) over the month, and stores them with the points
(``scoring``). A draft may be computed again; ``run_approve`` freezes it: nothing recomputes an
approved run, so later changes to the data or to the scheme leave it as approved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.states import transition_apply
from aftersales.kpis.definitions import HIGHER, KPI_BY_KEY, LOWER
from aftersales.kpis.selectors import kpi_values
from aftersales.notifications.services import message_send

from ..choices import RUN_TRANSITIONS, SCHEME_DIMENSION, SCHEME_PEOPLE, Method, RunAction, RunStatus, SchemeRole
from ..models import Run, Scheme, SchemeLine, Score
from ..periods import month_bounds, month_first, month_label
from ..scoring import line_points, rank, score_total

LINE_FIELDS = ("kpi", "weight", "method", "floor", "target", "note")
MAX_LINES = 12


def _decimal(value, field: str, errors: dict, i: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(f"lines.{i}.{field}", []).append(_("Enter a number."))
        return None
    if not d.is_finite() or abs(d) >= Decimal("1e8"):
        errors.setdefault(f"lines.{i}.{field}", []).append(_("Enter a number."))
        return None
    return d.quantize(Decimal("0.01"))


def lines_check(lines: list[dict]) -> list[dict]:
    """The lines cleaned, or ``ValidationFailed``: known measures (each once), weights of 1–100
    adding up to 100, a target, and for linear scoring a floor on the worse side of the target."""
    errors: dict[str, list] = {}
    out = []
    if not lines:
        raise ValidationFailed(_("A scheme needs at least one line."), fields={"lines": [_("Add a line.")]})
    if len(lines) > MAX_LINES:
        raise ValidationFailed(fields={"lines": [_("At most %(n)d lines.") % {"n": MAX_LINES}]})
    seen = set()
    for i, raw in enumerate(lines):
        kpi = KPI_BY_KEY.get(str(raw.get("kpi") or ""))
        if kpi is None:
            errors.setdefault(f"lines.{i}.kpi", []).append(_("Choose a measure."))
            continue
        if kpi.key in seen:
            errors.setdefault(f"lines.{i}.kpi", []).append(_("This measure is on the scheme already."))
        seen.add(kpi.key)
        try:
            weight = int(raw.get("weight"))
        except (TypeError, ValueError):
            weight = 0
        if not 1 <= weight <= 100:
            errors.setdefault(f"lines.{i}.weight", []).append(_("A weight is a whole number from 1 to 100."))
        method = raw.get("method") or Method.LINEAR
        if method not in Method.values:
            errors.setdefault(f"lines.{i}.method", []).append(_("Not a valid choice."))
        target = _decimal(raw.get("target"), "target", errors, i)
        floor = _decimal(raw.get("floor"), "floor", errors, i)
        if target is None and f"lines.{i}.target" not in errors:
            errors.setdefault(f"lines.{i}.target", []).append(_("Give the target."))
        if method == Method.LINEAR and target is not None:
            if floor is None:
                errors.setdefault(f"lines.{i}.floor", []).append(_("Linear scoring needs a floor."))
            elif kpi.direction == HIGHER and floor >= target:
                errors.setdefault(f"lines.{i}.floor", []).append(
                    _("Higher is better for this measure: the floor must be below the target.")
                )
            elif kpi.direction == LOWER and floor <= target:
                errors.setdefault(f"lines.{i}.floor", []).append(
                    _("Lower is better for this measure: the floor must be above the target.")
                )
        if kpi.direction not in (HIGHER, LOWER):
            errors.setdefault(f"lines.{i}.kpi", []).append(_("This measure has no better direction to score."))
        out.append(
            {
                "kpi": kpi.key,
                "weight": weight,
                "method": method,
                "floor": floor if method == Method.LINEAR else None,
                "target": target,
                "note": str(raw.get("note") or "")[:200],
            }
        )
    if not errors and sum(line["weight"] for line in out) != 100:
        total = sum(line["weight"] for line in out)
        errors["weights"] = [_("The weights add up to %(total)d %%; they must add up to 100 %%.") % {"total": total}]
    if errors:
        raise ValidationFailed(_("The scheme's lines are not valid."), fields=errors)
    return out


def _name_check(name: str, *, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    qs = Scheme.objects.filter(name=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationFailed(fields={"name": [_("A scheme with this name exists already.")]})
    return name[:100]


def _lines_write(scheme: Scheme, lines: list[dict]) -> None:
    scheme.lines.all().delete()
    SchemeLine.objects.bulk_create(
        SchemeLine(scheme=scheme, position=i, **{k: line[k] for k in LINE_FIELDS}) for i, line in enumerate(lines)
    )


def _lines_snapshot(scheme: Scheme) -> list[dict]:
    return [
        {
            "kpi": line.kpi,
            "weight": line.weight,
            "method": line.method,
            "floor": None if line.floor is None else str(line.floor),
            "target": str(line.target),
            "note": line.note,
        }
        for line in scheme.lines.all()
    ]


@transaction.atomic
def scheme_create(*, actor, name: str, role: str, lines: list[dict], is_active: bool = True) -> Scheme:
    if role not in SchemeRole.values:
        raise ValidationFailed(fields={"role": [_("Not a valid choice.")]})
    name = _name_check(name)
    clean = lines_check(lines)
    scheme = Scheme.objects.create(name=name, role=role, is_active=is_active)
    _lines_write(scheme, clean)
    audit_record(
        actor=actor, action="management.scheme.create", obj=scheme, changes={"lines": [None, _lines_snapshot(scheme)]}
    )
    return scheme


@transaction.atomic
def scheme_update(
    *, actor, scheme: Scheme, name: str | None = None, is_active: bool | None = None, lines: list[dict] | None = None
) -> Scheme:
    """Change the name, the lines or whether the scheme is in use. Runs keep the lines they were
    computed with (approved runs never change; a draft takes the new lines when computed again)."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    changes = {}
    if name is not None:
        name = _name_check(name, exclude=scheme.pk)
        if name != scheme.name:
            changes["name"] = [scheme.name, name]
            scheme.name = name
    if lines is not None:
        clean = lines_check(lines)
        before = _lines_snapshot(scheme)
        _lines_write(scheme, clean)
        after = _lines_snapshot(scheme)
        if before != after:
            changes["lines"] = [before, after]
    if is_active is not None and is_active != scheme.is_active:
        changes["is_active"] = [scheme.is_active, is_active]
        scheme.is_active = is_active
    scheme.save()
    if changes:
        audit_record(actor=actor, action="management.scheme.update", obj=scheme, changes=changes)
    return scheme


def people_for(scheme: Scheme):
    """Who a scheme assesses: the active users of its role."""
    return User.objects.filter(role=SCHEME_PEOPLE[scheme.role], is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def _score_parts(lines: list[dict], figures: dict) -> tuple[list[dict], Decimal | None]:
    parts = []
    for line in lines:
        kpi = KPI_BY_KEY[line["kpi"]]
        num, den, value = figures.get(line["kpi"], (0, 0, None))
        points = line_points(
            value,
            weight=line["weight"],
            method=line["method"],
            target=line["target"],
            floor=line["floor"],
            direction=kpi.direction,
        )
        parts.append(
            {
                "kpi": line["kpi"],
                "weight": line["weight"],
                "num": num,
                "den": den,
                "value": value,
                "points": None if points is None else str(points),
            }
        )
    total = score_total([(p["weight"], None if p["points"] is None else Decimal(p["points"])) for p in parts])
    return parts, total


@transaction.atomic
def run_compute(*, actor, scheme: Scheme, month: dt.date, now=None) -> Run:
    """Compute (or compute again) the draft run of ``scheme`` for ``month``. An approved run is
    frozen: computing it again is refused."""
    month = month_first(month)
    today = timezone.localdate(now)
    if month > month_first(today):
        raise ValidationFailed(fields={"month": [_("This month has not begun.")]})
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
    run = Run.objects.select_for_update().filter(scheme=scheme, month=month).first()
    if run is not None and run.is_frozen:
        raise ConflictError(_("This run is approved: its scores are frozen."))
    lines = _lines_snapshot(scheme)
    if not lines:
        raise ValidationFailed(_("The scheme has no lines."))
    created = run is None
    if created:
        run = Run.objects.create(scheme=scheme, month=month, lines=lines)
    start, end = month_bounds(month)
    dim = SCHEME_DIMENSION[scheme.role]
    keys = [line["kpi"] for line in lines]
    rows = []
    for person in people_for(scheme):
        figures = kpi_values(keys, start=start, end=end, filters={dim: person.pk})
        parts, total = _score_parts(lines, figures)
        rows.append(Score(run=run, person=person, total=total, parts=parts))
    ranks = rank({i: s.total for i, s in enumerate(rows)})
    for i, s in enumerate(rows):
        s.rank = ranks.get(i)
    run.scores.all().delete()
    Score.objects.bulk_create(rows)
    run.lines = lines
    run.computed_at = timezone.now() if now is None else now
    run.save()
    audit_record(
        actor=actor,
        action="management.run.create" if created else "management.run.recompute",
        obj=run,
        changes={"people": [None, len(rows)]},
    )
    return run


@transaction.atomic
def run_approve(*, actor, run: Run, now=None) -> Run:
    """Approve a draft run: its values and points are kept as they are, never computed again.
    Each person assessed is told his score (in-app)."""
    run = Run.objects.select_for_update().select_related("scheme").get(pk=run.pk)
    before, after = transition_apply(run, RUN_TRANSITIONS, RunAction.APPROVE, actor=actor, check_roles=True)
    run.approved_at = timezone.now() if now is None else now
    run.approved_by = actor
    run.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    audit_record(actor=actor, action="management.run.approve", obj=run, changes={"status": [before, after]})
    for score in run.scores.select_related("person").filter(total__isnull=False):
        message_send(
            key="management.run_approved",
            params={"month": month_label(run.month), "scheme": run.scheme.name, "score": str(score.total)},
            to=[score.person],
            link=None,
            url=reverse("management:me"),
        )
    return run


__all__ = ["RunStatus", "lines_check", "run_approve", "run_compute", "scheme_create", "scheme_update"]
