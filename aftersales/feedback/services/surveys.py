"""Satisfaction surveys (R-FB-2): answered in the call, or by the customer through a tokenised
link (no login; answerable once, changeable for a short grace period, expiring). Each answer
keeps the request, the technician, the agent and the partner it concerns; a dissatisfied
answer opens a remedy at once (``remedies.remedy_open_if_needed``)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.system import system_user
from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import msg
from aftersales.core.permissions import user_has_role
from aftersales.core.states import transition_apply
from aftersales.notifications.services import message_send
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_add_note

from ..choices import (
    CALL_ROLES,
    FOLLOWUP_TRANSITIONS,
    SURVEY_TRANSITIONS,
    Dimension,
    FollowUpAction,
    FollowUpResult,
    FollowUpStatus,
    QuestionKind,
    SurveyAction,
    SurveyChannel,
    SurveyStatus,
)
from ..models import FollowUp, Survey, SurveyTemplate
from ..selectors import policy_get, template_questions
from .remedies import remedy_open_if_needed

COMMENT_MAX = 2000
TEXT_ANSWER_MAX = 500
SCORE_FIELDS = ("overall", *(d.value for d in Dimension), "recommend")
ANSWER_FIELDS = (*SCORE_FIELDS, "reasons", "comment", "extra")


class LinkClosed(ConflictError):
    """The link cannot be answered any more (expired, or answered and the grace period is over)."""

    code = "link_closed"
    status = 410
    default_message = _("This survey link can no longer be answered.")


def _int(value, field: str, low: int, high: int, errors: dict, *, required: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = [_("This field is required.")]
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors[field] = [_("Choose a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return number


def survey_answers_clean(template: SurveyTemplate, service_type: str, data: dict) -> dict:
    """Check a set of answers against the template's version; raise ``ValidationFailed`` naming
    each wrong field (nothing is written). Returns the values to store."""
    if not isinstance(data, dict):
        raise ValidationFailed(fields={"answers": [_("Send the answers as an object.")]})
    unknown = set(data) - set(ANSWER_FIELDS)
    errors: dict[str, list] = {name: [_("Unknown field.")] for name in sorted(unknown)}
    cleaned: dict = {"overall": _int(data.get("overall"), "overall", 1, 5, errors, required=True)}
    for d in Dimension:
        cleaned[d.value] = _int(data.get(d.value), d.value, 1, 5, errors)
    cleaned["recommend"] = _int(data.get("recommend"), "recommend", 0, 10, errors)

    reasons = data.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [reasons]
    if not isinstance(reasons, list | tuple) or not all(isinstance(r, str) for r in reasons):
        errors["reasons"] = [_("Send the reason codes as a list.")]
        reasons = []
    offered = {r.code: r for r in template.reasons.all()}
    chosen = []
    for code in dict.fromkeys(reasons):
        reason = offered.get(code)
        if reason is None:
            errors.setdefault("reasons", []).append(_("Unknown reason: %(code)s.") % {"code": code[:40]})
        elif cleaned["overall"] is not None and not reason.offered_for(cleaned["overall"]):
            errors.setdefault("reasons", []).append(
                _("“%(reason)s” is not a reason for an overall score of %(score)d.")
                % {"reason": reason.display_label, "score": cleaned["overall"]}
            )
        else:
            chosen.append(reason)
    cleaned["reasons"] = [r.code for r in sorted(chosen, key=lambda r: (r.order, r.pk))]

    comment = data.get("comment") or ""
    if not isinstance(comment, str):
        errors["comment"] = [_("Write text.")]
        comment = ""
    comment = comment.replace("\x00", "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("At most %(n)d characters.") % {"n": COMMENT_MAX}]
    cleaned["comment"] = comment

    extra_in = data.get("extra") or {}
    if not isinstance(extra_in, dict):
        errors["extra"] = [_("Send the extra answers as an object.")]
        extra_in = {}
    questions = {str(q.pk): q for q in template_questions(template, service_type)}
    extra: dict[str, object] = {}
    for key in extra_in:
        if str(key) not in questions:
            errors[f"extra.{str(key)[:20]}"] = [_("Not a question of this survey.")]
    for key, question in questions.items():
        value = extra_in.get(key, extra_in.get(int(key)) if key.isdigit() else None)
        name = f"extra.{key}"
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.required:
                errors[name] = [_("This field is required.")]
            continue
        if question.kind == QuestionKind.SCALE:
            number = _int(value, name, 1, 5, errors)
            if number is not None:
                extra[key] = number
        elif question.kind == QuestionKind.YES_NO:
            answer = {"yes": "yes", "no": "no", True: "yes", False: "no"}.get(
                value.strip().lower() if isinstance(value, str) else value
            )
            if answer is None:
                errors[name] = [_("Answer yes or no.")]
            else:
                extra[key] = answer
        else:
            text = value.replace("\x00", "").strip() if isinstance(value, str) else None
            if text is None or len(text) > TEXT_ANSWER_MAX:
                errors[name] = [_("At most %(n)d characters.") % {"n": TEXT_ANSWER_MAX}]
            else:
                extra[key] = text
    cleaned["extra"] = extra
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def _attribution(followup: FollowUp) -> dict:
    request = followup.request
    return {
        "followup": followup,
        "request": request,
        "customer_id": request.customer_id,
        "template_id": followup.template_id,
        "service_type": request.service_type,
        "technician_id": request.assigned_technician_id,
        "organization_id": request.assigned_organization_id,
    }


def _answered_note(survey: Survey, *, actor, now) -> None:
    request_add_note(
        actor=actor,
        request=survey.request,
        text=msg(
            "feedback.survey_answered",
            channel=survey.channel,
            overall=survey.overall,
            recommend=survey.recommend if survey.recommend is not None else "—",
        ),
        now=now,
    )


@transaction.atomic
def survey_record_call(*, actor, followup: FollowUp, cleaned: dict, now: dt.datetime | None = None) -> Survey:
    """The survey taken in a reached call (``cleaned``: ``survey_answers_clean``'s result)."""
    now = now or timezone.now()
    survey = Survey.objects.create(
        **_attribution(followup),
        agent=actor if actor is not None and actor.is_authenticated else followup.agent,
        channel=SurveyChannel.CALL,
        status=SurveyStatus.ANSWERED,
        created_at=now,
        answered_at=now,
        **cleaned,
    )
    audit_record(actor=actor, action="survey.answer", obj=survey, changes={k: [None, cleaned[k]] for k in SCORE_FIELDS})
    _answered_note(survey, actor=actor, now=now)
    remedy_open_if_needed(survey=survey, now=now)
    return survey


@transaction.atomic
def followup_survey_add(*, actor, followup: FollowUp, answers: dict, now: dt.datetime | None = None) -> Survey:
    """The survey of a reached call, entered after the call was recorded (e.g. recorded as
    "followed up" on the request page)."""
    if not user_has_role(actor, CALL_ROLES):
        raise PermissionDeniedError()
    followup = FollowUp.objects.select_for_update().select_related("request", "template").get(pk=followup.pk)
    if followup.result != FollowUpResult.REACHED or Survey.objects.filter(followup=followup).exists():
        raise ConflictError(_("Only a reached call without a survey can take one."), code="illegal_transition")
    cleaned = survey_answers_clean(followup.template, followup.request.service_type, answers)
    return survey_record_call(actor=actor, followup=followup, cleaned=cleaned, now=now)


def survey_link_url(survey: Survey) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("feedback:survey_public", args=[survey.token])


@transaction.atomic
def survey_link_send(*, followup: FollowUp, now: dt.datetime | None = None) -> Survey:
    """Send the customer a link to the survey (by SMS, e-mail when known, and in the portal)."""
    now = now or timezone.now()
    policy = policy_get()
    survey = Survey.objects.create(
        **_attribution(followup),
        agent=followup.agent,
        channel=SurveyChannel.LINK,
        status=SurveyStatus.SENT,
        token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + dt.timedelta(hours=policy.link_valid_hours),
    )
    audit_record(actor=None, action="survey.link_send", obj=survey, changes={"expires_at": [None, survey.expires_at]})
    request = followup.request
    customer = request.customer
    params = {"number": request.number, "url": survey_link_url(survey), "until": survey.expires_at}
    phone = request.contact_phone or customer.phone
    if phone:
        message_send(key="feedback.survey_link", params=params, to=[phone], channels=("sms",), url="")
    if customer.email:
        message_send(key="feedback.survey_link", params=params, to=[customer.email], channels=("email",), url="")
    if customer.user_id:
        message_send(
            key="feedback.survey_link",
            params=params,
            to=[customer.user],
            channels=("in_app",),
            url=reverse("feedback:survey_public", args=[survey.token]),
        )
    return survey


def survey_link_state(survey: Survey, now: dt.datetime | None = None) -> str:
    """What the link offers now: "open" (answer), "revisable" (change the answers), "closed"
    (answered, grace period over) or "expired"."""
    now = now or timezone.now()
    if survey.status == SurveyStatus.SENT:
        return "open" if survey.expires_at and now < survey.expires_at else "expired"
    if survey.status == SurveyStatus.ANSWERED:
        if survey.channel == SurveyChannel.LINK and survey.revisable_until and now < survey.revisable_until:
            return "revisable"
        return "closed"
    return "expired"


@transaction.atomic
def survey_answer_link(*, survey: Survey, answers: dict, now: dt.datetime | None = None) -> Survey:
    """The customer's answers through the link: once; changed within the grace period; never
    after the link expired. A dissatisfied answer (first or changed) opens a remedy at once."""
    now = now or timezone.now()
    # The request first, then the survey (and its call): the order every follow-up write takes.
    ServiceRequest.objects.select_for_update().filter(pk=survey.request_id).values_list("pk", flat=True).first()
    survey = Survey.objects.select_for_update().select_related("template", "request").get(pk=survey.pk)
    state = survey_link_state(survey, now)
    if state == "expired":
        raise LinkClosed(_("This survey link has expired."), code="link_expired")
    if state == "closed":
        raise LinkClosed(_("This survey has been answered. Thank you!"), code="link_answered")
    cleaned = survey_answers_clean(survey.template, survey.service_type, answers)
    actor = system_user()
    before = {k: getattr(survey, k) for k in SCORE_FIELDS}
    if state == "open":
        transition_apply(survey, SURVEY_TRANSITIONS, SurveyAction.ANSWER)
        survey.answered_at = now
        survey.revisable_until = now + dt.timedelta(minutes=policy_get().revise_grace_minutes)
        action = "survey.answer"
    else:
        transition_apply(survey, SURVEY_TRANSITIONS, SurveyAction.REVISE)
        survey.revised_at = now
        action = "survey.revise"
    for key, value in cleaned.items():
        setattr(survey, key, value)
    survey.save()
    audit_record(actor=None, action=action, obj=survey, changes={k: [before[k], cleaned[k]] for k in SCORE_FIELDS})
    if state == "open":
        followup = FollowUp.objects.select_for_update().filter(pk=survey.followup_id).first()
        if followup is not None and followup.status == FollowUpStatus.LINK_SENT:
            transition_apply(followup, FOLLOWUP_TRANSITIONS, FollowUpAction.LINK_ANSWER)
            followup.result = FollowUpResult.LINK_ANSWERED
            followup.save(update_fields=["status", "result", "updated_at"])
            audit_record(
                actor=None, action="followup.link_answer", obj=followup, changes={"status": ["link_sent", "done"]}
            )
        _answered_note(survey, actor=actor, now=now)
    remedy_open_if_needed(survey=survey, now=now)
    return survey


def survey_expire(*, followup: FollowUp) -> None:
    """A link still unanswered for ``followup`` stops working (its follow-up was superseded)."""
    for survey in Survey.objects.select_for_update().filter(followup=followup, status=SurveyStatus.SENT):
        transition_apply(survey, SURVEY_TRANSITIONS, SurveyAction.EXPIRE)
        survey.save(update_fields=["status"])
        audit_record(actor=None, action="survey.expire", obj=survey, changes={"status": ["sent", "expired"]})


def survey_expire_due(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Links past their expiry: the survey expires and its follow-up closes (run periodically)."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                Survey.objects.select_for_update()
                .filter(status=SurveyStatus.SENT, expires_at__lte=now)
                .order_by("expires_at", "id")[:batch]
            )
            for survey in rows:
                transition_apply(survey, SURVEY_TRANSITIONS, SurveyAction.EXPIRE)
                survey.save(update_fields=["status"])
                audit_record(actor=None, action="survey.expire", obj=survey, changes={"status": ["sent", "expired"]})
                followup = FollowUp.objects.select_for_update().filter(pk=survey.followup_id).first()
                if followup is not None and followup.status == FollowUpStatus.LINK_SENT:
                    transition_apply(followup, FOLLOWUP_TRANSITIONS, FollowUpAction.EXPIRE)
                    followup.save(update_fields=["status", "updated_at"])
                    audit_record(
                        actor=None, action="followup.expire", obj=followup, changes={"status": ["link_sent", "closed"]}
                    )
        done += len(rows)
        if len(rows) < batch:
            return done
