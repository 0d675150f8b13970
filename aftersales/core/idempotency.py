"""Idempotent creates: a retry with the same ``Idempotency-Key`` returns the first result.

The key row is inserted first, inside the create's transaction. A concurrent retry
blocks on the unique index until the first commits, then finds the row and returns the
same object. A key reused with a different payload is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from ninja.responses import Status

from .errors import ConflictError, ValidationFailed
from .models import IdempotencyKey

M = TypeVar("M", bound=models.Model)


def payload_hash(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def idempotent_create(
    *, user, scope: str, key: str | None, payload, model: type[M], create: Callable[[], M]
) -> tuple[M, bool]:
    """Run ``create`` once per (user, scope, key). Returns (object, created)."""
    if not key:
        return create(), True
    if len(key) > 128:
        raise ValidationFailed(
            _("The Idempotency-Key header is too long."), fields={"Idempotency-Key": [_("At most 128 characters.")]}
        )
    digest = payload_hash(payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, scope=scope, key=key, request_hash=digest)
        except IntegrityError:
            record = IdempotencyKey.objects.get(user=user, scope=scope, key=key)
            if record.request_hash != digest:
                raise ConflictError(
                    _("This Idempotency-Key was already used with a different request."), code="idempotency_key_reused"
                ) from None
            return model._default_manager.get(pk=record.object_id), False
        obj = create()
        record.object_id = obj.pk
        record.save(update_fields=["object_id"])
        return obj, True


def idempotent_reply(
    request, *, scope: str, key: str | None, payload, model: type[M], create: Callable[[], M]
) -> Status:
    """An API create through ``idempotent_create`` for the caller (``request.auth``), keyed on the
    request's schema ``payload``: the object with 201, or with 200 when the key replays a request."""
    obj, created = idempotent_create(
        user=request.auth, scope=scope, key=key, payload=payload.dict(), model=model, create=create
    )
    return Status(201 if created else 200, obj)
