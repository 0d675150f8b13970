"""Writes of quality management: keyword-only ``actor``, atomic, audited; bad input raises before
anything is written; status moves only through ``choices.CASE_TRANSITIONS``."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.complaints.models import Complaint
from aftersales.complaints.permissions import complaint_can_act
from aftersales.complaints.selectors import complaint_lessons_handoff
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.states import transition_apply
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.permissions import request_can_act

from .choices import CASE_TRANSITIONS, QUALITY_ROLES, CaseKind
from .models import Case
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
