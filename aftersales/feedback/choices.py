"""Follow-up calls, surveys and remedies: their vocabulary and lifecycles (R-FB-1..3).

Each lifecycle is one table built with ``core.states``; only this app's services apply them
(``transition_apply``), and nothing else assigns a status.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions

# Who calls customers back and works the follow-up list (the same roles tickets lets record a follow-up).
CALL_ROLES = frozenset({Role.AGENT, Role.QUALITY, Role.MANAGER, Role.ADMIN})
# Who reads the survey answers.
READ_ROLES = CALL_ROLES | {Role.QUALITY_MANAGER}
# Who handles remedies (the quality team) and reads the figures.
QUALITY_ROLES = frozenset({Role.QUALITY, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
# Who hands follow-ups to another agent.
SUPERVISOR_ROLES = QUALITY_ROLES


class FollowUpKind(models.TextChoices):
    COMPLETION = "completion", _("After completion")
    RECHECK = "recheck", _("After a remedy")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("To call")
    LINK_SENT = "link_sent", _("Survey link sent")
    DONE = "done", _("Done")
    CLOSED = "closed", _("Closed without survey")
    CANCELLED = "cancelled", _("Cancelled")


# A follow-up still waiting for something (a call, or the customer's answer through the link).
OPEN_FOLLOWUP_STATUSES = frozenset({FollowUpStatus.OPEN, FollowUpStatus.LINK_SENT})


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REFUSED = "refused", _("Customer refused")


# Outcomes after which the agent calls again later (up to the policy's number of attempts).
RETRY_OUTCOMES = frozenset({CallOutcome.NO_ANSWER, CallOutcome.BUSY})


class FollowUpResult(models.TextChoices):
    REACHED = "reached", _("Reached")
    LINK_ANSWERED = "link_answered", _("Answered through the link")
    NOT_REACHED = "not_reached", _("Not reached: survey link sent")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REFUSED = "refused", _("Customer refused")
    SUPERSEDED = "superseded", _("Superseded")


class FollowUpAction(models.TextChoices):
    REACH = "reach", _("Customer reached")
    RETRY = "retry", _("Call again later")
    GIVE_UP = "give_up", _("Last attempt: send the survey link")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REFUSE = "refuse", _("Customer refused")
    LINK_ANSWER = "link_answer", _("Customer answered the link")
    EXPIRE = "expire", _("Survey link expired")
    CANCEL = "cancel", _("Cancel")


F = FollowUpStatus
FOLLOWUP_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(FollowUpAction.REACH, {F.OPEN}, F.DONE, CALL_ROLES),
    Transition(FollowUpAction.RETRY, {F.OPEN}, F.OPEN, CALL_ROLES),
    Transition(FollowUpAction.GIVE_UP, {F.OPEN}, F.LINK_SENT, CALL_ROLES),
    Transition(FollowUpAction.WRONG_NUMBER, {F.OPEN}, F.CLOSED, CALL_ROLES),
    Transition(FollowUpAction.REFUSE, {F.OPEN}, F.CLOSED, CALL_ROLES),
    # The customer answers the link sent after the last attempt, or it expires unanswered.
    Transition(FollowUpAction.LINK_ANSWER, {F.LINK_SENT}, F.DONE),
    Transition(FollowUpAction.EXPIRE, {F.LINK_SENT}, F.CLOSED),
    Transition(FollowUpAction.CANCEL, {F.OPEN, F.LINK_SENT}, F.CANCELLED, reason_required=True),
)

# The call outcome -> the follow-up's step (a retry outcome becomes GIVE_UP on the last attempt).
OUTCOME_ACTIONS = {
    CallOutcome.REACHED: FollowUpAction.REACH,
    CallOutcome.NO_ANSWER: FollowUpAction.RETRY,
    CallOutcome.BUSY: FollowUpAction.RETRY,
    CallOutcome.WRONG_NUMBER: FollowUpAction.WRONG_NUMBER,
    CallOutcome.REFUSED: FollowUpAction.REFUSE,
}


class SurveyChannel(models.TextChoices):
    CALL = "call", _("In the call")
    LINK = "link", _("Through the link")


class SurveyStatus(models.TextChoices):
    SENT = "sent", _("Link sent, not answered")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Link expired")


class SurveyAction(models.TextChoices):
    ANSWER = "answer", _("Answer")
    REVISE = "revise", _("Change the answers")
    EXPIRE = "expire", _("Expire")


S = SurveyStatus
SURVEY_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(SurveyAction.ANSWER, {S.SENT}, S.ANSWERED),
    Transition(SurveyAction.REVISE, {S.ANSWERED}, S.ANSWERED),
    Transition(SurveyAction.EXPIRE, {S.SENT}, S.EXPIRED),
)


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In use")
    RETIRED = "retired", _("Retired")


class TemplateAction(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    RETIRE = "retire", _("Retire")


T = TemplateStatus
TEMPLATE_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(TemplateAction.PUBLISH, {T.DRAFT}, T.PUBLISHED),
    Transition(TemplateAction.RETIRE, {T.PUBLISHED}, T.RETIRED),
)


class Dimension(models.TextChoices):
    """The five determinants of service quality (seed 004, SERVQUAL)."""

    TANGIBLES = "tangibles", _("Tangibles")
    RELIABILITY = "reliability", _("Reliability")
    RESPONSIVENESS = "responsiveness", _("Responsiveness")
    ASSURANCE = "assurance", _("Assurance")
    EMPATHY = "empathy", _("Empathy")


# What each dimension asks the customer (shown under its name).
DIMENSION_QUESTIONS = {
    Dimension.TANGIBLES: _("The product, the parts and the technician's appearance and tools"),
    Dimension.RELIABILITY: _("We did what we promised, right the first time"),
    Dimension.RESPONSIVENESS: _("We helped you quickly"),
    Dimension.ASSURANCE: _("The technician's knowledge, courtesy and clear explanations"),
    Dimension.EMPATHY: _("We understood your situation and cared about it"),
}


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Score 1–5")
    YES_NO = "yes_no", _("Yes / no")
    TEXT = "text", _("Free text")


class RemedyKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    RETURN_VISIT = "return_visit", _("Return visit")


class RemedyStatus(models.TextChoices):
    OPEN = "open", _("To handle")
    RESOLVED = "resolved", _("Resolved")


class RemedyAction(models.TextChoices):
    RESOLVE = "resolve", _("Record the outcome")


class RemedyOutcome(models.TextChoices):
    FIXED = "fixed", _("Problem fixed")
    COMPENSATED = "compensated", _("Compensated")
    EXPLAINED = "explained", _("Explained and apologised")
    NOT_RESOLVED = "not_resolved", _("Not resolved")


R = RemedyStatus
REMEDY_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(RemedyAction.RESOLVE, {R.OPEN}, R.RESOLVED, QUALITY_ROLES, reason_required=True),
)


class ComplaintCategory(models.TextChoices):
    """The categories of the complaints app (``complaints.services.complaint_create``)."""

    ATTITUDE = "attitude", _("Service attitude")
    QUALITY = "quality", _("Product / repair quality")
    DELAY = "delay", _("Delay")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")
