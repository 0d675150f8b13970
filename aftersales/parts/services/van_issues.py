"""A technician asks for parts to be issued into his van; the parts team approves (stock moves) or refuses."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.states import transition_apply

from ..choices import (
    VAN_ISSUE_TRANSITIONS,
    DocType,
    MoveType,
    VanIssueStatus,
    WarehouseKind,
)
from ..models import (
    VanIssue,
    VanIssueLine,
    Warehouse,
)
from ._common import IllegalTransition, _lines_clean, _number, _require_stock_staff, is_stock_staff
from .ledger import _post

# --- van issues -----------------------------------------------------------------------


@transaction.atomic
def van_issue_request(*, actor, van: Warehouse, source: Warehouse, lines: list[dict], note: str = "") -> VanIssue:
    """A technician (for his own van) or the parts team asks for parts on a van."""
    if van.kind != WarehouseKind.VAN:
        raise ValidationFailed(fields={"van": [_("Choose a technician's van.")]})
    if not (is_stock_staff(actor) or (actor.role == Role.TECHNICIAN and van.technician_id == actor.pk)):
        raise PermissionDeniedError(_("You can only ask for parts on your own van."))
    errors: dict[str, list] = {}
    if source.pk == van.pk:
        errors["source"] = [_("Choose another warehouse than the van.")]
    elif source.kind == WarehouseKind.VAN:
        errors["source"] = [_("Parts for a van come from a warehouse, not from another van.")]
    elif not source.is_active:
        errors["source"] = [_("This warehouse is closed.")]
    if not van.is_active:
        errors["van"] = [_("This van is closed.")]
    if errors:
        raise ValidationFailed(fields=errors)
    clean = _lines_clean(lines)
    issue = VanIssue.objects.create(
        number=_number("VI"), source=source, van=van, note=(note or "")[:500], created_by=actor
    )
    for line in clean:
        VanIssueLine.objects.create(issue=issue, **line)
    audit_record(actor=actor, action="van_issue.request", obj=issue, changes={"status": [None, issue.status]})
    return issue


@transaction.atomic
def van_issue_decide(*, actor, issue: VanIssue, approve: bool, reason: str = "", now=None) -> VanIssue:
    """Approve (the parts leave the source and arrive on the van at once) or reject."""
    _require_stock_staff(actor)
    issue = VanIssue.objects.select_for_update().select_related("source", "van").get(pk=issue.pk)
    if issue.status != VanIssueStatus.REQUESTED:
        raise IllegalTransition(_("This van issue has been decided already."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
    now = now or timezone.now()
    if approve:
        for line in issue.lines.select_related("part").order_by("pk"):
            common = {
                "actor": actor,
                "part": line.part,
                "lot": line.lot,
                "doc_type": DocType.VAN_ISSUE,
                "doc_id": issue.pk,
                "now": now,
            }
            _post(move_type=MoveType.ISSUE_OUT, warehouse=issue.source, quantity=-line.quantity, **common)
            _post(move_type=MoveType.ISSUE_IN, warehouse=issue.van, quantity=line.quantity, **common)
    before, target = transition_apply(issue, VAN_ISSUE_TRANSITIONS, "approve" if approve else "reject", reason=reason)
    diff_fields(issue, {"decided_by": actor, "decided_at": now, "reason": reason})
    issue.save()
    audit_record(
        actor=actor,
        action=f"van_issue.{'approve' if approve else 'reject'}",
        obj=issue,
        changes={"status": [before, target]},
    )
    return issue
