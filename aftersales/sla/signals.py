"""Sent after commit, so receivers (the measures) see committed rows.

clocks_changed(sender=SlaClock, request_ids=list[int]): the SLA clocks of these requests were
recomputed (changed or not, or none apply) or flipped to breached by the sweep. The clocks are
written in bulk, so no ``post_save`` is sent for them.
"""

from django.dispatch import Signal

clocks_changed = Signal()


def clocks_changed_on_commit(request_ids) -> None:
    """Send ``clocks_changed`` for these requests once the current transaction commits."""
    from django.db import transaction

    from .models import SlaClock

    ids = sorted(set(request_ids))
    if ids:
        transaction.on_commit(lambda: clocks_changed.send(sender=SlaClock, request_ids=ids), robust=True)
