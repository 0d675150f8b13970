"""What marks a request or complaint for a new computation of its facts.

Every model a measure reads sends ``post_save`` / ``post_delete`` (the services save rows one by
one); the SLA clocks, written in bulk, are announced by ``sla.signals.clocks_changed``. Each
signal adds the subject to a set kept per database connection; on commit the set is written to
``KpiPending`` and a drain is queued for the worker (inline in tests, where Huey runs in
immediate mode). Nothing is written inside the caller's transaction, and a failure here never
undoes the change that caused it (``robust`` on-commit callbacks): ``manage.py kpi_check``
finds what a lost mark left behind and ``kpi_rebuild`` repairs it (the worker rebuilds the last
days every night too).
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

_ATTR = "_kpis_pending"


def _pending() -> dict[str, set[int]]:
    pending = getattr(connection, _ATTR, None)
    if pending is None:
        pending = {"request": set(), "complaint": set()}
        setattr(connection, _ATTR, pending)
    return pending


def _flush() -> None:
    pending = _pending()
    requests, complaints = set(pending["request"]), set(pending["complaint"])
    for kind in ("request", "complaint"):
        pending[kind].clear()
    visits = set(pending.get("visit", ()))
    pending.get("visit", set()).clear()
    if visits:
        from aftersales.field.models import Visit

        requests.update(Visit.objects.filter(pk__in=visits).values_list("request_id", flat=True))
    if not requests and not complaints:
        return
    from .services import kpi_mark
    from .tasks import kpi_refresh_soon

    kpi_mark(requests=requests, complaints=complaints)
    kpi_refresh_soon()


def mark(*, requests=(), complaints=()) -> None:
    """Recompute these subjects' facts after the current transaction commits: nothing is read or
    written before. (The drain adds the earlier repairs of a marked request's unit whose
    "repeat repair" measure it can change: ``services.repeat_repairs_affected``.)"""
    pending = _pending()
    pending["request"].update(pk for pk in requests if pk)
    pending["complaint"].update(pk for pk in complaints if pk)
    transaction.on_commit(_flush, robust=True)


def _request_saved(sender, instance, **kwargs):
    mark(requests=[instance.pk])


def _request_deleted(sender, instance, **kwargs):
    """A deleted request is gone when the drain runs: its unit's earlier repairs are found now."""
    from .services import repeat_repairs_affected

    affected = repeat_repairs_affected([(instance.unit_id, instance.created_at)]) if instance.unit_id else []
    mark(requests=[instance.pk, *affected])


def _by_request(field: str):
    def receiver(sender, instance, **kwargs):
        mark(requests=[getattr(instance, field, None)])

    return receiver


def _visit_child(sender, instance, **kwargs):
    """A signature, a function check or an inspection: its visit's request (read on commit)."""
    pending = _pending()
    pending.setdefault("visit", set()).add(instance.visit_id)
    transaction.on_commit(_flush, robust=True)


def _complaint(sender, instance, **kwargs):
    mark(complaints=[instance.pk])


def _complaint_requests(sender, instance, action, pk_set=None, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        from aftersales.complaints.models import Complaint

        if isinstance(instance, Complaint):
            mark(complaints=[instance.pk])
        else:
            mark(complaints=list(pk_set or ()))


def _clocks_changed(sender, request_ids=(), **kwargs):
    try:
        mark(requests=list(request_ids))
    except Exception:  # noqa: BLE001 - measures never break the SLA worker
        logger.exception("KPI marks after an SLA clock change failed")


def connect() -> None:
    from aftersales.complaints.models import Complaint
    from aftersales.feedback.models import FollowUp, Survey
    from aftersales.field.models import CheckRecord, Signature, Visit
    from aftersales.quality.models import Inspection
    from aftersales.sla.signals import clocks_changed
    from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent

    pairs = [
        (ServiceRequest, _request_saved),
        (ServiceRequestEvent, _by_request("request_id")),
        (Visit, _by_request("request_id")),
        (Signature, _visit_child),
        (CheckRecord, _visit_child),
        (FollowUp, _by_request("request_id")),
        (Survey, _by_request("request_id")),
        (Inspection, _visit_child),
        (Complaint, _complaint),
    ]
    for model, receiver in pairs:
        uid = f"kpis.{model.__name__}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}.save", weak=False)
        deleted = _request_deleted if model is ServiceRequest else receiver
        post_delete.connect(deleted, sender=model, dispatch_uid=f"{uid}.delete", weak=False)
    m2m_changed.connect(
        _complaint_requests, sender=Complaint.requests.through, dispatch_uid="kpis.complaint.requests", weak=False
    )
    clocks_changed.connect(_clocks_changed, dispatch_uid="kpis.clocks_changed", weak=False)
