"""Remedies (R-FB-3, seed 001 §3.6.3): an answer at or below the policy's thresholds (overall ≤ 3,
any quality dimension ≤ 2, or a reason such as "not fixed" by default) opens a remedy at once —
a complaint (through the complaints app) or a return visit (返修: the request is reopened for
dispatch) — due within its own time, assigned to the quality team, and the managers are told.
Its outcome is recorded, and then the customer is asked again (a new follow-up call)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.accounts.system import system_user
from aftersales.core.audit import audit_record
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.messages import Message, msg, render_value
from aftersales.core.permissions import user_has_role
from aftersales.core.sequences import sequence_next
from aftersales.core.states import transition_apply
from aftersales.notifications.services import message_send
from aftersales.tickets.choices import TRANSITIONS as REQUEST_TRANSITIONS
from aftersales.tickets.choices import Action
from aftersales.tickets.services import request_add_note, request_transition

from ..choices import (
    OPEN_FOLLOWUP_STATUSES,
    QUALITY_ROLES,
    REMEDY_TRANSITIONS,
    ComplaintCategory,
    Dimension,
    FollowUpKind,
    RemedyAction,
    RemedyKind,
    RemedyOutcome,
    RemedyStatus,
)
from ..models import FeedbackPolicy, FollowUp, Remedy, Survey
from ..selectors import policy_get
from ..window import Window, after_working_days, after_working_hours

NOTE_MAX = 4000
# A low quality dimension, when no reason says more: the complaint's category.
DIMENSION_CATEGORY = {
    Dimension.TANGIBLES: ComplaintCategory.QUALITY,
    Dimension.RELIABILITY: ComplaintCategory.QUALITY,
    Dimension.RESPONSIVENESS: ComplaintCategory.DELAY,
    Dimension.ASSURANCE: ComplaintCategory.ATTITUDE,
    Dimension.EMPATHY: ComplaintCategory.ATTITUDE,
}


def remedy_triggers(survey: Survey, policy: FeedbackPolicy, reasons: dict) -> list[Message]:
    """Why ``survey``'s answers call for a remedy (empty: they do not). ``reasons``: the
    template's reason codes by code."""
    why: list[Message] = []
    if survey.overall is not None and survey.overall <= policy.remedy_overall_max:
        why.append(msg("feedback.why_overall", score=survey.overall, max=policy.remedy_overall_max))
    for d in Dimension:
        score = getattr(survey, d.value)
        if score is not None and score <= policy.remedy_dimension_max:
            why.append(msg("feedback.why_dimension", dimension=d.value, score=score, max=policy.remedy_dimension_max))
    if (
        policy.remedy_recommend_max is not None
        and survey.recommend is not None
        and survey.recommend <= policy.remedy_recommend_max
    ):
        why.append(msg("feedback.why_recommend", score=survey.recommend, max=policy.remedy_recommend_max))
    for code in survey.reasons:
        reason = reasons.get(code)
        if reason is not None and reason.opens_remedy:
            why.append(msg("feedback.why_reason", reason=reason.label))
    return why


def _kind_and_category(survey: Survey, reasons: dict) -> tuple[str, str]:
    chosen = [reasons[c] for c in survey.reasons if c in reasons]
    if any(r.remedy_kind == RemedyKind.RETURN_VISIT for r in chosen):
        return RemedyKind.RETURN_VISIT, ComplaintCategory.QUALITY
    for reason in chosen:
        if reason.max_score <= 3:  # a reason of dissatisfaction
            return RemedyKind.COMPLAINT, reason.complaint_category
    low = [(getattr(survey, d.value), d) for d in Dimension if getattr(survey, d.value) is not None]
    if low:
        score, dimension = min(low, key=lambda item: item[0])
        if score <= 2:
            return RemedyKind.COMPLAINT, DIMENSION_CATEGORY[dimension]
    return RemedyKind.COMPLAINT, ComplaintCategory.OTHER


def _quality_handler() -> User | None:
    """The active member of the quality team with the fewest open remedies."""
    open_ids = Remedy.objects.filter(status=RemedyStatus.OPEN).values("assignee")
    return (
        User.objects.filter(role=Role.QUALITY, is_active=True)
        .annotate(load=Count("id", filter=Q(pk__in=open_ids)))
        .order_by("load", "id")
        .first()
    )


def _managers() -> list[User]:
    """Who is told of a new remedy: the after-sales and quality managers."""
    return list(User.objects.filter(role__in=[Role.MANAGER, Role.QUALITY_MANAGER], is_active=True).order_by("id"))


def _complaint_open(*, remedy: Remedy, survey: Survey, category: str, now):
    """Open the complaint in the complaints app (when installed) and return it.

    Wired to the agreed service ``aftersales.complaints.services.complaint_create(*, actor,
    category, description, severity, demand, channel, request, customer, anonymous, contact_name,
    contact_phone, source, source_ref, now)``. Without the app, the remedy is the record."""
    if not apps.is_installed("aftersales.complaints"):
        return None
    from aftersales.complaints.services import complaint_create

    request = survey.request
    description = msg(
        "feedback.complaint_from_survey",
        number=request.number,
        remedy=remedy.number,
        why=remedy.why,
        comment=survey.comment or "—",
    ).render(settings.LANGUAGE_CODE)  # the complaint's description is text: in the site's language
    complaint = complaint_create(
        actor=system_user(),
        category=category,
        description=description,
        severity="major" if survey.overall is not None and survey.overall <= 1 else "normal",
        demand="",
        channel="phone" if survey.channel == "call" else "web",
        request=request,
        customer=request.customer,
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        source="survey",
        source_ref=str(survey.pk),
        now=now,
    )
    return complaint


def remedy_number_next(now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    # BJ: 补救 (RM numbers are the returns app's).
    return f"BJ{now:%y%m}-{sequence_next(f'bj-{now:%y%m}'):06d}"


@transaction.atomic
def remedy_open_if_needed(*, survey: Survey, now: dt.datetime | None = None) -> Remedy | None:
    """Open the remedy ``survey``'s answers call for, unless it has one already."""
    now = now or timezone.now()
    if Remedy.objects.filter(survey=survey).exists():
        return None
    policy = policy_get()
    reasons = {r.code: r for r in survey.template.reasons.all()}
    why = remedy_triggers(survey, policy, reasons)
    if not why:
        return None
    kind, category = _kind_and_category(survey, reasons)
    hours = policy.return_visit_hours if kind == RemedyKind.RETURN_VISIT else policy.complaint_hours
    remedy = Remedy.objects.create(
        number=remedy_number_next(now),
        survey=survey,
        request=survey.request,
        kind=kind,
        why=[m.as_dict() for m in why],
        assignee=_quality_handler(),
        due_at=after_working_days(now, hours),
        created_at=now,
    )
    if kind == RemedyKind.COMPLAINT:
        complaint = _complaint_open(remedy=remedy, survey=survey, category=category, now=now)
        if complaint is not None:
            # The complaint's own deadline (by its category, from the SLA app) is the remedy's.
            remedy.complaint, remedy.due_at = complaint, complaint.due_at
            remedy.save(update_fields=["complaint", "due_at"])
    audit_record(
        actor=None,
        action="remedy.open",
        obj=remedy,
        changes={"kind": [None, kind], "due_at": [None, remedy.due_at], "assignee": [None, remedy.assignee_id]},
    )
    actor = system_user()
    request = survey.request
    notice = msg(
        "feedback.remedy_opened",
        remedy=remedy.number,
        kind=kind,
        number=request.number,
        why=remedy.why,
        due=remedy.due_at,
    )
    reopen = REQUEST_TRANSITIONS[Action.REOPEN]
    if kind == RemedyKind.RETURN_VISIT and request.status in reopen.sources:
        # Back to dispatch: a technician goes out again.
        request_transition(
            actor=actor,
            request=request,
            action=Action.REOPEN,
            reason=msg("feedback.remedy_return_visit", remedy=remedy.number, why=remedy.why),
            now=now,
        )
    request_add_note(actor=actor, request=request, text=notice, now=now)
    people = _managers()
    if remedy.assignee is not None and remedy.assignee not in people:
        people.append(remedy.assignee)
    if people:
        message_send(
            key="feedback.remedy_opened", params=notice.params, to=people, channels=("in_app", "email"), link=remedy
        )
    return remedy


@transaction.atomic
def remedy_resolve(*, actor, remedy: Remedy, outcome: str, note: str, now: dt.datetime | None = None) -> Remedy:
    """Record what was done and how it ended; then the customer is asked again (a follow-up call
    is scheduled, or the one already waiting for the request asks about this remedy)."""
    from .followups import followup_schedule

    if not user_has_role(actor, QUALITY_ROLES):
        raise PermissionDeniedError()
    errors = {}
    if outcome not in RemedyOutcome.values:
        errors["outcome"] = [_("Choose one of: %(v)s") % {"v": ", ".join(RemedyOutcome.values)}]
    note = (note or "").replace("\x00", "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": NOTE_MAX}]
    if errors:
        raise ValidationFailed(fields=errors)
    remedy = Remedy.objects.select_for_update().select_related("request").get(pk=remedy.pk)
    now = now or timezone.now()
    before, _after = transition_apply(remedy, REMEDY_TRANSITIONS, RemedyAction.RESOLVE, reason=note, actor=actor)
    remedy.outcome, remedy.outcome_note = outcome, note
    remedy.resolved_at, remedy.resolved_by = now, actor
    remedy.save()
    audit_record(
        actor=actor,
        action="remedy.resolve",
        obj=remedy,
        changes={"status": [before, remedy.status], "outcome": [None, outcome]},
    )
    request = remedy.request
    request_add_note(
        actor=actor,
        request=request,
        text=msg("feedback.remedy_resolved", remedy=remedy.number, outcome=outcome, note=note),
        now=now,
    )
    waiting = (
        FollowUp.objects.select_for_update()
        .filter(request=request, status__in=sorted(OPEN_FOLLOWUP_STATUSES), remedy__isnull=True)
        .first()
    )
    if waiting is not None:
        waiting.remedy = remedy
        waiting.save(update_fields=["remedy", "updated_at"])
        due_by = waiting.due_by
    else:
        policy = policy_get()
        start = after_working_hours(now, 0)
        window = Window(due_from=start, due_by=max(start, after_working_days(now, policy.recheck_hours)))
        recheck = followup_schedule(
            request=request, window=window, kind=FollowUpKind.RECHECK, remedy=remedy, completed_at=now, now=now
        )
        due_by = recheck.due_by
    request_add_note(
        actor=system_user(),
        request=request,
        text=msg("feedback.recheck_scheduled", remedy=remedy.number, due_by=due_by),
        now=now,
    )
    return remedy


def remedy_why_text(remedy: Remedy) -> str:
    return render_value(remedy.why)
