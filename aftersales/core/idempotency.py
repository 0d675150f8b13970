"""Idempotent creates: a retry with the same ``Idempotency-Key`` returns the first result.

The key is looked up first (a replay answers from it). Otherwise the object is created and
the key row inserted with its id in the same transaction: a concurrent request with the
same key blocks (on the unique index, or on the rows the create locks) until the first commits,
then rolls its own create back and returns the first object. A key reused with a different payload is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from ninja.responses import Status

from .compiled import CompiledLookup
from .errors import ConflictError, DomainError, ValidationFailed
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
    first = _replay(user=user, scope=scope, key=key, digest=digest, model=model)
    if first is not None:
        return first, False
    try:
        # One transaction: the object, then its key with its id (no second write of the key).
        with transaction.atomic():
            obj = create()
            IdempotencyKey.objects.create(user=user, scope=scope, key=key, request_hash=digest, object_id=obj.pk)
    except (IntegrityError, DomainError):
        # The same key committed meanwhile by a concurrent request: this create is rolled back (it
        # met the key's unique index, or the state the first request left, e.g. "already checked
        # in"); the retry answers with the first result. Otherwise the error stands.
        first = _replay(user=user, scope=scope, key=key, digest=digest, model=model)
        if first is None:
            raise
        return first, False
    return obj, True


# Every keyed create reads its key first: compiled once (core.compiled). Unique: no ORDER BY.
_KEY = CompiledLookup(
    lambda user_id, scope, key: (
        IdempotencyKey.objects.filter(user_id=user_id, scope=scope, key=key)
        .values_list("request_hash", "object_id")
        .order_by()[:1]
    ),
    (int, str, str),
)


def _replay(*, user, scope: str, key: str, digest: str, model: type[M]) -> M | None:
    """The object a committed use of ``key`` created (None: the key is new)."""
    record = _KEY.first(user.pk, scope, key)
    if record is None:
        return None
    if record[0] != digest:
        raise ConflictError(
            _("This Idempotency-Key was already used with a different request."), code="idempotency_key_reused"
        )
    return model._default_manager.get(pk=record[1])


def idempotent_reply(
    request, *, scope: str, key: str | None, payload, model: type[M], create: Callable[[], M]
) -> Status:
    """An API create through ``idempotent_create`` for the caller (``request.auth``), keyed on the
    request's schema ``payload``: the object with 201, or with 200 when the key replays a request."""
    obj, created = idempotent_create(
        user=request.auth, scope=scope, key=key, payload=payload.dict(), model=model, create=create
    )
    return Status(201 if created else 200, obj)
