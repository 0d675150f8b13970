"""Dispatch policies per region and service type (mode, answer time)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed

from ..choices import (
    DispatchMode,
)
from ..models import DispatchPolicy
from ..permissions import policy_can_edit

# --- policies ------------------------------------------------------------------------------------


POLICY_FIELDS = ("region", "service_type", "mode", "accept_minutes")


def _policy_writer(actor) -> None:
    """Policies are site configuration: managers and administrators write them (``actor=None``: set-up code)."""
    if actor is not None and not policy_can_edit(actor):
        raise PermissionDeniedError()


def _check_policy(data: dict, *, instance: DispatchPolicy | None = None) -> dict:
    """Every rule a policy must meet, on create and on update alike; returns the cleaned values."""
    from aftersales.tickets.choices import ServiceType

    errors: dict[str, list] = {}
    if data.get("mode") not in DispatchMode.values:
        errors["mode"] = [_("Unknown mode.")]
    service_type = data.get("service_type") or None
    if service_type is not None and service_type not in ServiceType.values:
        errors["service_type"] = [_("Unknown service type.")]
    try:
        minutes = int(data.get("accept_minutes"))
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not 1 <= minutes <= 1440:
        errors["accept_minutes"] = [_("Between 1 and 1440 minutes.")]
    if errors:
        raise ValidationFailed(fields=errors)
    region = data.get("region")
    clash = DispatchPolicy.objects.filter(region=region, service_type=service_type)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ConflictError(
            _("A policy for this region and service type exists already."),
            code="policy_exists",
            fields={"service_type": [_("A policy for this region and service type exists already.")]},
        )
    return {"region": region, "service_type": service_type, "mode": data["mode"], "accept_minutes": minutes}


@transaction.atomic
def policy_create(
    *, actor, mode: str, region=None, service_type: str | None = None, accept_minutes: int = 30
) -> DispatchPolicy:
    """A dispatch policy for a region and service type (empty = any); one per combination."""
    _policy_writer(actor)
    data = _check_policy(
        {"region": region, "service_type": service_type, "mode": mode, "accept_minutes": accept_minutes}
    )
    policy = DispatchPolicy.objects.create(**data)
    audit_record(
        actor=actor,
        action="dispatch_policy.create",
        obj=policy,
        changes={k: [None, v] for k, v in data.items() if v is not None},
    )
    return policy


@transaction.atomic
def policy_update(*, actor, policy: DispatchPolicy, **data) -> DispatchPolicy:
    """Change a policy's region, service type, mode or answer time; the same rules as ``policy_create``."""
    _policy_writer(actor)
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    row = DispatchPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    if row is None:
        raise NotFoundError()
    merged = {f: getattr(row, f) for f in POLICY_FIELDS}
    merged.update(data)
    cleaned = _check_policy(merged, instance=row)
    changes = diff_fields(row, cleaned)
    if changes:
        row.save()
        audit_record(actor=actor, action="dispatch_policy.update", obj=row, changes=changes)
    return row


@transaction.atomic
def policy_delete(*, actor, policy: DispatchPolicy) -> None:
    """Remove a policy; its jobs fall back to the next most specific policy (or the site default)."""
    _policy_writer(actor)
    row = DispatchPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    if row is None:
        raise NotFoundError()
    audit_record(
        actor=actor,
        action="dispatch_policy.delete",
        obj=row,
        changes={f: [getattr(row, f), None] for f in POLICY_FIELDS if getattr(row, f) is not None},
    )
    row.delete()
