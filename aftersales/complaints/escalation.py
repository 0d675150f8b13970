"""The complaint escalation sweep (R-CMP-2, seed 001 §6.4): a missed reply deadline escalates
level by level (complaint handler → quality manager → after-sales manager → director by
default), each level once.

Run every minute by the worker (``tasks.complaint_sweep_task``) or by hand (``manage.py
complaint_sweep``). It reads only the complaints with something pending — ``escalate_at`` set
and passed, through the partial index ``cmp_escalate_pending`` — in bounded batches.

Exactly once, with any number of sweepers:

- A batch is one transaction; its complaint rows are locked ``FOR UPDATE SKIP LOCKED`` (a
  concurrent sweeper, or a handler's change holding the row, makes it take other rows; nobody
  waits).
- Each level is claimed by a conditional UPDATE (``escalation_level = L WHERE escalation_level =
  L-1``) and recorded under a unique key (complaint, level); the claim, the record, the
  notifications (outbox rows) and the timeline line commit together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from aftersales.accounts.system import system_user

from .choices import EscalationReason
from .models import Complaint
from .services import chain_load, complaint_escalate, next_check, required_level

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 200


@dataclass
class SweepResult:
    looked_at: int = 0
    escalated: int = 0  # levels reached

    def as_dict(self) -> dict:
        return {"looked_at": self.looked_at, "escalated": self.escalated}


def _batch(now, batch: int, after_id: int) -> list[Complaint]:
    qs = Complaint.objects.filter(escalate_at__lte=now, id__gt=after_id).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    else:
        qs = qs.select_for_update()
    return list(qs[:batch])


def complaint_sweep(*, now=None, batch: int = DEFAULT_BATCH) -> SweepResult:
    """Escalate every complaint whose missed deadline has reached a new level by ``now``."""
    now = now or timezone.now()
    result = SweepResult()
    actor = system_user()
    chain = chain_load()
    after_id = 0
    while True:
        with transaction.atomic():
            rows = _batch(now, batch, after_id)
            if not rows:
                break
            for complaint in rows:
                result.looked_at += 1
                target = required_level(complaint, chain, now=now, severity=False)
                if target > complaint.escalation_level:
                    done = complaint_escalate(
                        complaint, target=target, reason=EscalationReason.OVERDUE, chain=chain, now=now, actor=actor
                    )
                    result.escalated += len(done)
                Complaint.objects.filter(pk=complaint.pk).update(escalate_at=next_check(complaint, chain))
            after_id = rows[-1].pk
        if len(rows) < batch:
            break
    return result
