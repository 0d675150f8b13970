"""A technician asks for parts to be issued into his van; the parts team approves (stock moves) or refuses.

The request is checked against what the source warehouse has available now (a line asking for more is
refused at once, not at approval), the parts clerks are told of it, and the van's technician hears the
answer — all through the outbox, in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
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
    Store,
    Tracking,
    VanIssueStatus,
    WarehouseKind,
)
from ..models import (
    StockLevel,
    VanIssue,
    VanIssueLine,
    Warehouse,
)
from ._common import (
    IllegalTransition,
    InsufficientStock,
    _lines_clean,
    _number,
    _require_stock_staff,
    is_stock_staff,
)
from .ledger import _post

# --- van issues -----------------------------------------------------------------------


def _source_shortfalls(source: Warehouse, clean: list[dict]) -> dict[str, list]:
    """Lines asking for more than ``source`` has available (good store, on hand − reserved). A line with a
    batch or serial counts against that lot; a line without one (a tracked part whose lots are chosen at
    issue, or an untracked part) against every lot of the part; lines of the same part add up."""
    have: dict[tuple[int, str], int] = {}
    for r in (
        StockLevel.objects.filter(warehouse=source, store=Store.GOOD, part_id__in={ln["part"].pk for ln in clean})
        .values("part_id", "lot")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
    ):
        have[(r["part_id"], r["lot"])] = max(r["n"], 0)
    total = {}
    for (part_id, _lot), n in have.items():
        total[part_id] = total.get(part_id, 0) + n
    asked_lot: dict[tuple[int, str], int] = {}
    asked_part: dict[int, int] = {}
    for line in clean:
        asked_part[line["part"].pk] = asked_part.get(line["part"].pk, 0) + line["quantity"]
        if line["lot"]:
            key = (line["part"].pk, line["lot"])
            asked_lot[key] = asked_lot.get(key, 0) + line["quantity"]
    errors: dict[str, list] = {}
    for i, line in enumerate(clean):
        part = line["part"]
        if line["lot"]:
            available, asked = have.get((part.pk, line["lot"]), 0), asked_lot[(part.pk, line["lot"])]
        else:
            available, asked = total.get(part.pk, 0), asked_part[part.pk]
        if asked > available:
            errors[f"lines.{i}.quantity"] = [
                _("%(source)s has %(n)s of %(part)s available.")
                % {"source": source.name, "n": available, "part": part.code}
            ]
    return errors


def _allocate(issue: VanIssue) -> list[VanIssueLine]:
    """The lines to issue, each with its batch or serial: a tracked part asked for without one takes the
    source's oldest stock first (the levels in the order they were first stocked); the line is split into
    one line per lot, so the document says which batches and serials went into the van."""
    out = []
    for line in issue.lines.select_related("part").order_by("pk"):
        if line.lot or line.part.tracking == Tracking.NONE:
            out.append(line)
            continue
        left = line.quantity
        levels = (
            StockLevel.objects.filter(warehouse=issue.source, part=line.part, store=Store.GOOD)
            .exclude(lot="")
            .filter(on_hand__gt=F("reserved"))
            .order_by("pk")
        )
        for level in levels:
            take = min(left, level.on_hand - level.reserved)
            out.append(VanIssueLine.objects.create(issue=issue, part=line.part, lot=level.lot, quantity=take))
            left -= take
            if not left:
                break
        if left:
            raise InsufficientStock(
                _("Not enough stock of %(part)s at %(wh)s.") % {"part": line.part.code, "wh": issue.source.code},
                extra={"part": line.part.pk, "warehouse": issue.source.pk},
            )
        line.delete()
    return out


def _lines_text(issue: VanIssue) -> str:
    """The lines as people read them in a message: ``AC-CMP-R32 × 2, AC-PCB-35 (B2026) × 1``."""
    return ", ".join(
        f"{line.part.code}{f' ({line.lot})' if line.lot else ''} × {line.quantity}"
        for line in issue.lines.select_related("part").order_by("pk")
    )


def _url(issue: VanIssue) -> str:
    return reverse("parts:van_issue", args=[issue.pk])


def _tell_the_clerks(actor, issue: VanIssue) -> None:
    """The parts clerks approve van issues: each is told of a new one (in the app and by e-mail).
    Without a clerk, the managers are told."""
    from aftersales.accounts.selectors import user_list_with_role
    from aftersales.notifications.models import Channel
    from aftersales.notifications.services import message_send

    people = [u for u in user_list_with_role(Role.PARTS_CLERK) if u.pk != actor.pk]
    if not people and not is_stock_staff(actor):
        people = list(user_list_with_role(Role.MANAGER))
    if not people:
        return
    message_send(
        key="parts.van_issue_requested",
        params={
            "who": actor.display_name,
            "van": str(issue.van),
            "source": str(issue.source),
            "number": issue.number,
            "lines": _lines_text(issue),
        },
        to=people,
        channels=(Channel.IN_APP, Channel.EMAIL),
        link=issue,
        url=_url(issue),
    )


def _tell_the_technician(actor, issue: VanIssue) -> None:
    from aftersales.notifications.models import Channel
    from aftersales.notifications.services import message_send

    technician = issue.van.technician
    if technician is None or technician.pk == actor.pk:
        return
    approved = issue.status == VanIssueStatus.APPROVED
    params = {"number": issue.number, "van": str(issue.van), "source": str(issue.source)}
    params |= {"lines": _lines_text(issue)} if approved else {"reason": issue.reason}
    message_send(
        key="parts.van_issue_approved" if approved else "parts.van_issue_rejected",
        params=params,
        to=[technician],
        channels=(Channel.IN_APP, Channel.EMAIL),
        link=issue,
        url=_url(issue),
    )


@transaction.atomic
def van_issue_request(*, actor, van: Warehouse, source: Warehouse, lines: list[dict], note: str = "") -> VanIssue:
    """A technician (for his own van) or the parts team asks for parts on a van, each line no more
    than the source has available; the parts clerks are notified. A tracked part may be asked for
    without a batch or serial: the oldest stock of the source is issued (``_allocate``)."""
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
    clean = _lines_clean(lines, lot_optional=True)
    if errors := _source_shortfalls(source, clean):
        raise ValidationFailed(_("The warehouse does not have that many available."), fields=errors)
    issue = VanIssue.objects.create(
        number=_number("VI"), source=source, van=van, note=(note or "")[:500], created_by=actor
    )
    VanIssueLine.objects.bulk_create([VanIssueLine(issue=issue, **line) for line in clean])
    audit_record(actor=actor, action="van_issue.request", obj=issue, changes={"status": [None, issue.status]})
    _tell_the_clerks(actor, issue)
    return issue


@transaction.atomic
def van_issue_decide(*, actor, issue: VanIssue, approve: bool, reason: str = "", now=None) -> VanIssue:
    """Approve (the parts leave the source and arrive on the van at once) or reject; the van's
    technician is told."""
    _require_stock_staff(actor)
    issue = (
        VanIssue.objects.select_for_update(of=("self",))
        .select_related("source", "van", "van__technician")
        .get(pk=issue.pk)
    )
    if issue.status != VanIssueStatus.REQUESTED:
        raise IllegalTransition(_("This van issue has been decided already."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
    now = now or timezone.now()
    if approve:
        for line in _allocate(issue):
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
    _tell_the_technician(actor, issue)
    return issue
