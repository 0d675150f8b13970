"""Writes of quality management: keyword-only ``actor``, atomic, audited; bad input raises before
anything is written; status moves only through ``choices.CASE_TRANSITIONS``."""

from __future__ import annotations

import datetime as dt
import math
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.complaints.models import Complaint
from aftersales.complaints.permissions import complaint_can_act
from aftersales.complaints.selectors import complaint_lessons_handoff
from aftersales.core.audit import audit_record, audit_record_many
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.states import transition_apply
from aftersales.field.choices import VisitStatus
from aftersales.field.models import Visit
from aftersales.notifications.services import message_send
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.permissions import request_can_act

from .choices import (
    CASE_TRANSITIONS,
    CORRECTIVE_TRANSITIONS,
    INSPECTION_TRANSITIONS,
    QUALITY_MANAGER_ROLES,
    QUALITY_ROLES,
    CaseKind,
    CorrectiveStep,
    InspectionAction,
    InspectionMethod,
)
from .defaults import DEFAULT_NORMS, DEFAULT_SAMPLING_RATE, DEFAULT_TEMPLATE_NAME
from .models import (
    Case,
    ChecklistItem,
    ChecklistTemplate,
    CorrectiveAction,
    Inspection,
    InspectionResult,
    SamplingRate,
)
from .selectors import tags_normalise

TEXT_MAX = 5000
TITLE_MAX = 200
TAGS_MAX = 300


def _check_actor(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_role(*QUALITY_ROLES):
        raise PermissionDeniedError()


def _clean(data: dict) -> dict:
    """Check the editable fields present in ``data``; raise ``ValidationFailed`` with every error."""
    errors: dict[str, list] = {}
    out: dict = {}
    if "title" in data:
        out["title"] = " ".join(str(data["title"] or "").split())
        if not out["title"]:
            errors["title"] = [_("This field is required.")]
        elif len(out["title"]) > TITLE_MAX:
            errors["title"] = [_("At most %(n)d characters.") % {"n": TITLE_MAX}]
    if "kind" in data:
        out["kind"] = data["kind"]
        if out["kind"] not in CaseKind.values:
            errors["kind"] = [_("Choose one of: %(v)s") % {"v": ", ".join(CaseKind.values)}]
    for name, required in (("summary", True), ("analysis", False), ("lessons", True)):
        if name in data:
            value = str(data[name] or "").strip()
            if required and not value:
                errors[name] = [_("This field is required.")]
            elif len(value) > TEXT_MAX:
                errors[name] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
            out[name] = value
    if "tags" in data:
        out["tags"] = tags_normalise(data["tags"])
        if len(out["tags"]) > TAGS_MAX:
            errors["tags"] = [_("At most %(n)d characters.") % {"n": TAGS_MAX}]
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def _request_check(actor, request) -> None:
    if request is not None and (not isinstance(request, ServiceRequest) or not request_can_act(actor, request)):
        raise NotFoundError()


@transaction.atomic
def case_create(
    *,
    actor,
    title: str,
    kind: str,
    summary: str,
    lessons: str,
    analysis: str = "",
    tags="",
    request: ServiceRequest | None = None,
) -> Case:
    """Add a good or bad case with its lessons (R-QA-4), as a draft, optionally about a request."""
    _check_actor(actor)
    data = _clean(
        {"title": title, "kind": kind, "summary": summary, "lessons": lessons, "analysis": analysis, "tags": tags}
    )
    _request_check(actor, request)
    case = Case.objects.create(**data, request=request, created_by=actor)
    audit_record(actor=actor, action="quality.case.create", obj=case, changes={k: [None, v] for k, v in data.items()})
    return case


@transaction.atomic
def case_from_complaint(*, actor, complaint: Complaint, title: str = "", tags="") -> Case:
    """A bad case from a closed complaint's lessons (``complaints.selectors.complaint_lessons_handoff``:
    what happened, the investigation, the solution, the lessons — never who complained). One case
    per complaint."""
    _check_actor(actor)
    if not isinstance(complaint, Complaint) or not complaint_can_act(actor, complaint):
        raise NotFoundError()
    handoff = complaint_lessons_handoff(complaint)
    if handoff is None:
        raise ValidationFailed(_("Only a closed complaint with lessons learned can become a case."))
    if Case.objects.filter(complaint=complaint).exists():
        raise ConflictError(_("This complaint is already in the case library."))
    parts = [handoff["description"]]
    if handoff["demand"]:
        parts.append(_("Demand: %(text)s") % {"text": handoff["demand"]})
    analysis = [t for t in (handoff["investigation"], handoff["solution"]) if t]
    data = _clean(
        {
            "title": title or _("Complaint %(number)s") % {"number": handoff["number"]},
            "kind": CaseKind.BAD,
            "summary": "\n".join(parts),
            "analysis": "\n".join(analysis),
            "lessons": handoff["lessons"],
            "tags": tags or [str(complaint.get_category_display())],
        }
    )
    case = Case.objects.create(**data, complaint=complaint, created_by=actor)
    audit_record(
        actor=actor, action="quality.case.from_complaint", obj=case, changes={"complaint": [None, handoff["number"]]}
    )
    return case


@transaction.atomic
def case_update(*, actor, case: Case, **data) -> Case:
    """Change a case's text, kind, tags or request; only the fields given."""
    _check_actor(actor)
    unknown = set(data) - {"title", "kind", "summary", "analysis", "lessons", "tags", "request"}
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    clean = _clean(data)
    if "request" in data:
        _request_check(actor, data["request"])
        clean["request"] = data["request"]
    case = Case.objects.select_for_update().get(pk=case.pk)
    changes = {}
    for name, value in clean.items():
        old = getattr(case, name)
        if old != value:
            changes[name] = [str(old) if name == "request" else old, str(value) if name == "request" else value]
            setattr(case, name, value)
    if changes:
        case.save()
        audit_record(actor=actor, action="quality.case.update", obj=case, changes=changes)
    return case


@transaction.atomic
def case_transition(*, actor, case: Case, action: str) -> Case:
    """Publish, archive or restore a case (``CASE_TRANSITIONS``)."""
    _check_actor(actor)
    case = Case.objects.select_for_update().get(pk=case.pk)
    before, after = transition_apply(case, CASE_TRANSITIONS, action, actor=actor, check_roles=True)
    case.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=f"quality.case.{action}", obj=case, changes={"status": [before, after]})
    return case


# --- inspections (R-QA-1) -----------------------------------------------------------------------


def template_default() -> ChecklistTemplate:
    """The default checklist (seed 001 §3.4's on-site norms), created on first use."""
    template, created = ChecklistTemplate.objects.get_or_create(
        code="default", defaults={"name": str(DEFAULT_TEMPLATE_NAME)}
    )
    if created:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, position=i, code=code, text=str(label))
            for i, (code, label) in enumerate(DEFAULT_NORMS.items(), start=1)
        )
    return template


def sampling_rate_for(technician) -> int:
    rates = dict(
        SamplingRate.objects.filter(Q(technician=technician) | Q(technician__isnull=True)).values_list(
            "technician_id", "rate_percent"
        )
    )
    return rates.get(technician.pk, rates.get(None, DEFAULT_SAMPLING_RATE))


@transaction.atomic
def sampling_rate_set(*, actor, rate_percent: int, technician=None) -> SamplingRate:
    """Set the sampling rate (0–100 %) of one technician, or the default (``technician=None``)."""
    if actor is None or not actor.has_role(*QUALITY_MANAGER_ROLES):
        raise PermissionDeniedError()
    if not isinstance(rate_percent, int) or not 0 <= rate_percent <= 100:
        raise ValidationFailed(fields={"rate_percent": [_("A whole number from 0 to 100.")]})
    if technician is not None and getattr(technician, "role", None) != Role.TECHNICIAN:
        raise ValidationFailed(fields={"technician": [_("Not a technician.")]})
    row, _created = SamplingRate.objects.update_or_create(
        technician=technician, defaults={"rate_percent": rate_percent}
    )
    audit_record(
        actor=actor, action="quality.sampling_rate.set", obj=row, changes={"rate_percent": [None, rate_percent]}
    )
    return row


@transaction.atomic
def inspection_create(*, actor, visit: Visit, template: ChecklistTemplate | None = None, sampled: bool = False):
    """Plan an inspection of one visit (a job) against a checklist (default: the on-site norms)."""
    if actor is not None and not actor.has_role(*QUALITY_ROLES):
        raise PermissionDeniedError()
    if not isinstance(visit, Visit):
        raise NotFoundError()
    template = template or template_default()
    inspection = Inspection.objects.create(
        visit=visit, technician_id=visit.technician_id, template=template, sampled=sampled
    )
    audit_record(
        actor=actor, action="quality.inspection.create", obj=inspection, changes={"visit": [None, visit.number]}
    )
    return inspection


@transaction.atomic
def inspection_sample(*, start, end, seed=None, actor=None) -> list[Inspection]:
    """Random sampling (R-QA-1): of each technician's jobs checked out as done in [start, end)
    and not inspected yet, ``rate`` % (rounded up, at least one when the rate is above 0) get a
    planned inspection. ``seed`` makes the draw repeatable (tests)."""
    if end <= start:
        raise ValidationFailed(fields={"end": [_("The end must be after the start.")]})
    rng = random.Random(seed)
    inspected = Inspection.objects.values("visit_id")
    done = (
        Visit.objects.filter(status=VisitStatus.DONE, checked_out_at__gte=start, checked_out_at__lt=end)
        .exclude(pk__in=inspected)
        .order_by("technician_id", "id")
        .values_list("technician_id", "id")
    )
    by_tech: dict[int, list[int]] = {}
    for tech_id, visit_id in done:
        by_tech.setdefault(tech_id, []).append(visit_id)
    template = template_default()
    techs = {u.pk: u for u in User.objects.filter(pk__in=by_tech)}
    created = []
    for tech_id in sorted(by_tech):
        ids = by_tech[tech_id]
        rate = sampling_rate_for(techs[tech_id])
        n = min(len(ids), math.ceil(len(ids) * rate / 100)) if rate else 0
        for visit_id in sorted(rng.sample(ids, n)):
            created.append(
                Inspection.objects.create(visit_id=visit_id, technician_id=tech_id, template=template, sampled=True)
            )
    if created:
        audit_record_many(
            actor=actor,
            action="quality.inspection.sample",
            entries=[(i, {"visit": [None, i.visit_id]}) for i in created],
        )
    return created


@transaction.atomic
def inspection_record(*, actor, inspection: Inspection, method: str, results: dict, findings: str = "", now=None):
    """Record an inspection: by call or on site, pass/fail for every item of its checklist
    (``results``: item id → bool), the findings. Compliance = items passed / items checked."""
    _check_actor(actor)
    now = now or timezone.now()
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    errors: dict[str, list] = {}
    if method not in InspectionMethod.values:
        errors["method"] = [_("Choose one of: %(v)s") % {"v": ", ".join(InspectionMethod.values)}]
    items = list(inspection.template.items.all())
    ids = {item.pk for item in items}
    given = {int(k): v for k, v in (results or {}).items() if str(k).isdigit()}
    if set(given) != ids or not all(isinstance(v, bool) for v in given.values()):
        errors["results"] = [_("Say pass or fail for every item of the checklist.")]
    findings = str(findings or "").strip()
    if len(findings) > TEXT_MAX:
        errors["findings"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if errors:
        raise ValidationFailed(fields=errors)
    before, after = transition_apply(inspection, INSPECTION_TRANSITIONS, InspectionAction.RECORD, actor=actor)
    InspectionResult.objects.bulk_create(
        InspectionResult(inspection=inspection, item_id=pk, passed=passed) for pk, passed in given.items()
    )
    inspection.method, inspection.findings, inspection.inspector, inspection.inspected_at = method, findings, actor, now
    inspection.item_count = len(given)
    inspection.passed_count = sum(1 for v in given.values() if v)
    inspection.save()
    audit_record(
        actor=actor,
        action="quality.inspection.record",
        obj=inspection,
        changes={"status": [before, after], "passed": [None, f"{inspection.passed_count}/{inspection.item_count}"]},
    )
    return inspection


@transaction.atomic
def inspection_cancel(*, actor, inspection: Inspection, reason: str) -> Inspection:
    _check_actor(actor)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    before, after = transition_apply(
        inspection, INSPECTION_TRANSITIONS, InspectionAction.CANCEL, actor=actor, reason=reason
    )
    inspection.findings = str(reason).strip()[:TEXT_MAX]
    inspection.save()
    audit_record(actor=actor, action="quality.inspection.cancel", obj=inspection, changes={"status": [before, after]})
    return inspection


@transaction.atomic
def corrective_action_add(*, actor, inspection: Inspection, text: str, owner, due_date) -> CorrectiveAction:
    """A corrective action of an inspection's finding, with its owner (staff) and due date."""
    _check_actor(actor)
    errors: dict[str, list] = {}
    text = " ".join(str(text or "").split())
    if not text or len(text) > 300:
        errors["text"] = [_("Between 1 and %(n)d characters.") % {"n": 300}]
    if (
        owner is None
        or not getattr(owner, "is_active", False)
        or getattr(owner, "role", None) in {Role.CUSTOMER, Role.PARTNER}
    ):
        errors["owner"] = [_("Choose a member of staff.")]
    if not isinstance(due_date, dt.date):
        errors["due_date"] = [_("Enter a date.")]
    if errors:
        raise ValidationFailed(fields=errors)
    action = CorrectiveAction.objects.create(inspection=inspection, text=text, owner=owner, due_date=due_date)
    audit_record(actor=actor, action="quality.corrective.add", obj=action, changes={"owner": [None, owner.pk]})
    message_send(
        key="quality.corrective_assigned",
        params={"text": text, "due": due_date.isoformat(), "visit": inspection.visit.number},
        to=[owner],
        link=inspection,
    )
    return action


@transaction.atomic
def corrective_action_complete(*, actor, action: CorrectiveAction, now=None) -> CorrectiveAction:
    if actor is None or not (actor.has_role(*QUALITY_ROLES) or actor.pk == action.owner_id):
        raise PermissionDeniedError()
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    before, after = transition_apply(action, CORRECTIVE_TRANSITIONS, CorrectiveStep.COMPLETE)
    action.done_at = now or timezone.now()
    action.save()
    audit_record(actor=actor, action="quality.corrective.complete", obj=action, changes={"status": [before, after]})
    return action
