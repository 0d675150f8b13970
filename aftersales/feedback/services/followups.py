"""Follow-up calls (R-FB-1): scheduled when a request is completed, due in the policy's window on
the business calendar, handed to the agent with the fewest open calls; each call is recorded with
its outcome. A reached call, or a documented last attempt (wrong number, refusal, or the last
unanswered call after which the customer gets the survey link), moves the request to
"followed up" through ``tickets.services.request_transition``."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.accounts.system import system_user
from aftersales.core.audit import audit_record
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.messages import Message, msg
from aftersales.core.permissions import user_has_role
from aftersales.core.states import transition_apply
from aftersales.tickets.choices import Action, Status
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_add_note, request_transition

from ..choices import (
    CALL_ROLES,
    FOLLOWUP_TRANSITIONS,
    OPEN_FOLLOWUP_STATUSES,
    OUTCOME_ACTIONS,
    RETRY_OUTCOMES,
    SUPERVISOR_ROLES,
    CallOutcome,
    FollowUpAction,
    FollowUpKind,
    FollowUpResult,
    FollowUpStatus,
)
from ..models import FollowUp, FollowUpAttempt
from ..selectors import policy_get
from ..window import Window, after_working_hours, followup_window
from .templates import template_default_ensure

# What each final step leaves as the follow-up's result.
RESULTS = {
    FollowUpAction.REACH: FollowUpResult.REACHED,
    FollowUpAction.GIVE_UP: FollowUpResult.NOT_REACHED,
    FollowUpAction.WRONG_NUMBER: FollowUpResult.WRONG_NUMBER,
    FollowUpAction.REFUSE: FollowUpResult.REFUSED,
}
NOTE_MAX = 2000


def agent_pick() -> User | None:
    """The active agent with the fewest follow-ups in progress (the longest-serving on a tie)."""
    return (
        User.objects.filter(role=Role.AGENT, is_active=True)
        .annotate(load=Count("followups", filter=Q(followups__status__in=sorted(OPEN_FOLLOWUP_STATUSES))))
        .order_by("load", "id")
        .first()
    )


def _supersede(request: ServiceRequest, *, now: dt.datetime) -> None:
    """A request completed again: the follow-up still waiting for the earlier completion is cancelled."""
    from .surveys import survey_expire

    for old in FollowUp.objects.select_for_update().filter(request=request, status__in=sorted(OPEN_FOLLOWUP_STATUSES)):
        transition_apply(old, FOLLOWUP_TRANSITIONS, FollowUpAction.CANCEL, reason="superseded")
        old.result = FollowUpResult.SUPERSEDED
        old.save(update_fields=["status", "result", "updated_at"])
        survey_expire(followup=old)
        audit_record(actor=None, action="followup.cancel", obj=old, changes={"status": ["open", "cancelled"]})


@transaction.atomic
def followup_schedule(
    *,
    request: ServiceRequest,
    window: Window,
    kind: str = FollowUpKind.COMPLETION,
    remedy=None,
    completed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> FollowUp:
    """Put a call on an agent's list for ``request``, due in ``window``."""
    now = now or timezone.now()
    _supersede(request, now=now)
    agent = agent_pick()
    followup = FollowUp.objects.create(
        request=request,
        kind=kind,
        remedy=remedy,
        agent=agent,
        template=template_default_ensure(),
        completed_at=completed_at or now,
        due_from=window.due_from,
        due_by=window.due_by,
        next_call_at=window.due_from,
        created_at=now,
    )
    audit_record(
        actor=None,
        action="followup.schedule",
        obj=followup,
        changes={"due_from": [None, window.due_from], "due_by": [None, window.due_by], "agent": [None, agent]},
    )
    request_add_note(
        actor=system_user(),
        request=request,
        text=msg(
            "feedback.followup_scheduled",
            due_from=window.due_from,
            due_by=window.due_by,
            agent=agent.display_name if agent else "—",
        ),
        now=now,
    )
    return followup


def followup_schedule_on_completion(*, actor, request: ServiceRequest, now=None) -> FollowUp | None:
    """Filled into ``tickets.slots.REQUEST_COMPLETED``: the request was just completed (inside
    ``request_transition``'s transaction), so its follow-up call is scheduled in the same one."""
    now = now or timezone.now()
    window = followup_window(now, request.service_type)
    if window is None:
        return None
    return followup_schedule(request=request, window=window, completed_at=now, now=now)


def _note_text(note) -> str:
    text = (str(note) if note is not None else "").strip()
    if len(text) > NOTE_MAX:
        raise ValidationFailed(fields={"note": [_("At most %(n)d characters.") % {"n": NOTE_MAX}]})
    return text


def _timeline_message(action: str, outcome: str, number: int, policy) -> Message:
    if action == FollowUpAction.REACH:
        return msg("feedback.call_reached")
    if action == FollowUpAction.GIVE_UP:
        return msg("feedback.call_final", n=number, max=policy.max_attempts, outcome=outcome)
    return msg("feedback.call_closed", outcome=outcome)


@transaction.atomic
def followup_record(
    *,
    actor,
    followup: FollowUp,
    outcome: str,
    note: str = "",
    answers: dict | None = None,
    now: dt.datetime | None = None,
) -> FollowUp:
    """Record one call and its outcome.

    - reached: the follow-up is done; ``answers`` (the survey taken in the call) are stored;
    - no answer / busy: the next call is due ``retry_after_hours`` of working time later, up to
      ``max_attempts`` calls; the last one sends the customer the survey link instead;
    - wrong number, refused: the follow-up is closed with that result.

    A call recorded before the window opens or after it closes counts as not on time. After an
    unanswered call the next one is refused before its time. Reached, last attempt, wrong number
    and refusal move a completed request to "followed up"."""
    from .surveys import survey_answers_clean, survey_link_send, survey_record_call

    if not user_has_role(actor, CALL_ROLES):
        raise PermissionDeniedError()
    if outcome not in CallOutcome.values:
        raise ValidationFailed(fields={"outcome": [_("Choose one of: %(v)s") % {"v": ", ".join(CallOutcome.values)}]})
    note = _note_text(note)
    # Lock the request first, then the call: the order "Record follow-up" on the request page takes
    # (tickets locks the request, then hands over), so the two never wait for each other in a circle.
    ServiceRequest.objects.select_for_update().filter(pk=followup.request_id).values_list("pk", flat=True).first()
    followup = FollowUp.objects.select_for_update().select_related("request", "template").get(pk=followup.pk)
    now = now or timezone.now()
    policy = policy_get()
    number = followup.attempts + 1
    action = OUTCOME_ACTIONS[outcome]
    if action == FollowUpAction.RETRY and number >= policy.max_attempts:
        action = FollowUpAction.GIVE_UP
    if (
        outcome in RETRY_OUTCOMES
        and followup.status == FollowUpStatus.OPEN
        and followup.attempts
        and now < followup.next_call_at
    ):
        raise ValidationFailed(
            _("The next call is due from %(at)s.")
            % {"at": timezone.localtime(followup.next_call_at).strftime("%Y-%m-%d %H:%M")},
            code="too_early",
            fields={"outcome": [_("Call again later.")]},
        )
    cleaned = None
    if answers is not None:
        if outcome != CallOutcome.REACHED:
            raise ValidationFailed(fields={"answers": [_("Only a reached customer answers the survey.")]})
        cleaned = survey_answers_clean(followup.template, followup.request.service_type, answers)
    before, _after = transition_apply(followup, FOLLOWUP_TRANSITIONS, action, actor=actor, check_roles=True)
    followup.attempts = number
    changes: dict = {"status": [before, followup.status], "attempts": [number - 1, number]}
    next_call = None
    if action == FollowUpAction.RETRY:
        next_call = after_working_hours(now, policy.retry_after_hours)
        followup.next_call_at = next_call
        changes["next_call_at"] = [None, next_call]
    else:
        followup.result = RESULTS[action]
        followup.closed_at = now
        followup.on_time = followup.due_from <= now <= followup.due_by
        changes.update(result=[None, followup.result], on_time=[None, followup.on_time])
    followup.save()
    FollowUpAttempt.objects.create(
        followup=followup, number=number, at=now, agent=actor, outcome=outcome, note=note, next_call_at=next_call
    )
    audit_record(actor=actor, action=f"followup.{action}", obj=followup, changes=changes)
    request = followup.request
    if action == FollowUpAction.RETRY:
        request_add_note(
            actor=actor,
            request=request,
            text=msg("feedback.call_retry", n=number, max=policy.max_attempts, outcome=outcome, next=next_call),
            now=now,
        )
        return followup
    message = _timeline_message(action, outcome, number, policy)
    if followup.kind == FollowUpKind.COMPLETION and request.status == Status.COMPLETED:
        request_transition(
            actor=actor, request=request, action=Action.FOLLOW_UP, reason=message, now=now, by_owner=True
        )
    else:
        request_add_note(actor=actor, request=request, text=message, now=now)
    if note:
        request_add_note(actor=actor, request=request, text=note, now=now)
    if action == FollowUpAction.GIVE_UP:
        survey_link_send(followup=followup, now=now)
    elif action == FollowUpAction.REACH and cleaned is not None:
        survey_record_call(actor=actor, followup=followup, cleaned=cleaned, now=now)
    return followup


@transaction.atomic
def followup_from_request(*, actor, request: ServiceRequest, reason="", now=None) -> ServiceRequest:
    """Filled into ``tickets.slots.REQUEST_FOLLOW_UP``: "Record follow-up" on the request page or
    through the requests API is a reached call on the request's follow-up (scheduled now if the
    request was completed before follow-ups were kept). The survey can be added afterwards."""
    now = now or timezone.now()
    followup = (
        FollowUp.objects.filter(request=request, status=FollowUpStatus.OPEN).order_by("-created_at", "-id").first()
    )
    if followup is None:
        completed = request.completed_at or now
        window = followup_window(completed, request.service_type) or Window(due_from=completed, due_by=completed)
        followup = followup_schedule(request=request, window=window, completed_at=completed, now=now)
    followup_record(actor=actor, followup=followup, outcome=CallOutcome.REACHED, note=str(reason or ""), now=now)
    return ServiceRequest.objects.select_related("customer").get(pk=request.pk)


@transaction.atomic
def followup_assign(*, actor, followup: FollowUp, agent: User) -> FollowUp:
    """Hand a follow-up in progress to another agent (the quality team and managers)."""
    if not user_has_role(actor, SUPERVISOR_ROLES):
        raise PermissionDeniedError()
    if agent is None or not agent.is_active or agent.role not in (Role.AGENT, Role.QUALITY):
        raise ValidationFailed(fields={"agent": [_("Choose an active agent.")]})
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.status not in OPEN_FOLLOWUP_STATUSES:
        raise ValidationFailed(_("This follow-up is finished."), code="illegal_transition", status=409)
    if followup.agent_id == agent.pk:
        return followup
    before = followup.agent_id
    followup.agent = agent
    followup.save(update_fields=["agent", "updated_at"])
    audit_record(actor=actor, action="followup.assign", obj=followup, changes={"agent": [before, agent.pk]})
    return followup
