"""Reorder rules (min/max per part and warehouse); adding, changing or removing one re-evaluates the
low-stock alert (``ledger.low_stock_alert_sync``: the one low-stock rule)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import NotFoundError, ValidationFailed

from ..models import (
    Part,
    ReorderRule,
    Warehouse,
)
from ._common import _require_stock_staff
from .ledger import low_stock_alert_sync

REORDER_LIMITS = {
    "reorder_point": (0, 1_000_000),
    "reorder_quantity": (1, 1_000_000),
    "lead_time_days": (0, 365),
    "safety_stock": (0, 1_000_000),
}


def _reorder_clean(values: dict) -> dict:
    errors: dict[str, list] = {}
    for name, value in values.items():
        if name not in REORDER_LIMITS:
            errors[name] = [_("This field cannot be changed.")]
            continue
        low, high = REORDER_LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = [
                _("Enter a whole number from %(low)s to %(high)s.") % {"low": f"{low:,}", "high": f"{high:,}"}
            ]
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def _rule_target_check(part: Part, warehouse: Warehouse) -> None:
    errors = {}
    if not part.is_active:
        errors["part"] = [_("This part is no longer active.")]
    if not warehouse.is_active:
        errors["warehouse"] = [_("This warehouse is closed.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _reorder_values(*, reorder_point: int, reorder_quantity: int, lead_time_days: int = 7, safety_stock: int = 0):
    """The numbers of a rule (``**numbers`` of the services below), checked."""
    return _reorder_clean(
        {
            "reorder_point": reorder_point,
            "reorder_quantity": reorder_quantity,
            "lead_time_days": lead_time_days,
            "safety_stock": safety_stock,
        }
    )


@transaction.atomic
def reorder_rule_set(*, actor, part: Part, warehouse: Warehouse, **numbers) -> ReorderRule:
    """Create the rule of ``part`` at ``warehouse`` or overwrite it (imports, demo data)."""
    _require_stock_staff(actor)
    values = _reorder_values(**numbers)
    rule, created = ReorderRule.objects.select_for_update().get_or_create(
        part=part, warehouse=warehouse, defaults=values
    )
    changes = {}
    if not created:
        changes = diff_fields(rule, values)
        rule.save()
    low_stock_alert_sync(part.pk, warehouse.pk, rule_changed=True)
    audit_record(
        actor=actor,
        action="reorder_rule.set",
        obj=rule,
        changes=changes or {"reorder_point": [None, values["reorder_point"]]},
    )
    return rule


@transaction.atomic
def reorder_rule_create(*, actor, part: Part, warehouse: Warehouse, **numbers) -> ReorderRule:
    """Add the reorder rule of ``part`` at ``warehouse`` (one per pair). Opens the
    low-stock alert at once if available stock is already at or below the point."""
    _require_stock_staff(actor)
    values = _reorder_values(**numbers)
    _rule_target_check(part, warehouse)
    duplicate = ValidationFailed(
        fields={"part": [_("This part has a reorder rule at this warehouse already: change that one.")]}
    )
    if ReorderRule.objects.filter(part=part, warehouse=warehouse).exists():
        raise duplicate
    try:
        with transaction.atomic():
            rule = ReorderRule.objects.create(part=part, warehouse=warehouse, **values)
    except IntegrityError:  # added concurrently
        raise duplicate from None
    low_stock_alert_sync(part.pk, warehouse.pk, rule_changed=True)
    audit_record(
        actor=actor,
        action="reorder_rule.create",
        obj=rule,
        changes={"part": [None, part.code], "warehouse": [None, warehouse.code]}
        | {k: [None, v] for k, v in values.items()},
    )
    return rule


@transaction.atomic
def reorder_rule_update(*, actor, rule: ReorderRule, **data) -> ReorderRule:
    """Change the point, quantity, lead time or safety stock of a rule (the part and the
    warehouse stay); the low-stock alert follows the new point."""
    _require_stock_staff(actor)
    rule = ReorderRule.objects.select_for_update(of=("self",)).select_related("part", "warehouse").get(pk=rule.pk)
    values = _reorder_clean(dict(data))
    changes = diff_fields(rule, values)
    if changes:
        rule.save()
        low_stock_alert_sync(rule.part_id, rule.warehouse_id, rule_changed=True)
        audit_record(actor=actor, action="reorder_rule.update", obj=rule, changes=changes)
    return rule


@transaction.atomic
def reorder_rule_delete(*, actor, rule: ReorderRule) -> None:
    """Remove a rule; an open low-stock alert of that part and warehouse is resolved."""
    _require_stock_staff(actor)
    rule = (
        ReorderRule.objects.select_for_update(of=("self",))
        .select_related("part", "warehouse")
        .filter(pk=rule.pk)
        .first()
    )
    if rule is None:
        raise NotFoundError()
    audit_record(
        actor=actor,
        action="reorder_rule.delete",
        obj=rule,
        changes={
            "part": [rule.part.code, None],
            "warehouse": [rule.warehouse.code, None],
            "reorder_point": [rule.reorder_point, None],
            "reorder_quantity": [rule.reorder_quantity, None],
        },
    )
    part_id, warehouse_id = rule.part_id, rule.warehouse_id
    rule.delete()
    low_stock_alert_sync(part_id, warehouse_id, rule_changed=True)
