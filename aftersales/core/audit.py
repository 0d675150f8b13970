"""The one way to write an audit row. Call inside the service's transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models

from .compiled import insert_one
from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def person(actor):
    """The user to record as the one who acted, or None for the system (no actor, anonymous)."""
    return actor if actor is not None and actor.is_authenticated else None


def audit_record(*, actor, action: str, obj: models.Model, changes: dict | None = None) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``obj``; ``changes`` maps field -> [old, new]."""
    by = person(actor)
    return insert_one(
        AuditEvent(
            actor=by,
            actor_label=by.get_username() if by is not None else "system",
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            changes=_plain(changes or {}),
        )
    )


def audit_record_many(*, actor, action: str, entries: list[tuple[models.Model, dict]]) -> list[AuditEvent]:
    """Like :func:`audit_record` for many objects (one insert): ``entries`` of (obj, changes)."""
    by = person(actor)
    label = actor.get_username() if by is not None else "system"
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=by,
                actor_label=label,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                changes=_plain(changes or {}),
            )
            for obj, changes in entries
        ]
    )


def audit_write_many(*, actor, action: str, entries: list[tuple[models.Model, dict]], at=None) -> int:
    """:func:`audit_record_many` for thousands of rows (the SLA sweep's notes): the same rows,
    written by COPY (``core.bulk.RowWriter``) without model instances. Returns the count."""
    from django.utils import timezone

    from .bulk import RowWriter

    by = person(actor)
    label = actor.get_username() if by is not None else "system"
    return RowWriter(
        AuditEvent, db_ids=True, at=at or timezone.now(), actor_id=by.pk if by is not None else None, actor_label=label
    ).write(
        [
            {
                "action": action,
                "object_type": obj._meta.label_lower,
                "object_id": str(obj.pk),
                "object_repr": str(obj)[:200],
                "changes": _plain(changes or {}),
            }
            for obj, changes in entries
        ]
    )


def diff_fields(instance: models.Model, data: dict[str, Any]) -> dict[str, list]:
    """Apply ``data`` to ``instance`` and return {field: [old, new]} for what changed."""
    changes: dict[str, list] = {}
    for field, new in data.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [old, new]
            setattr(instance, field, new)
    return changes


def audit_list_for_object(obj: models.Model):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("actor")
