"""Follow-up pages: the agents' call list, one call (script, the request's story, outcome and
survey), the answers, the quality team's remedies, the figures, and the customer's survey page
behind its tokenised link (no login; made for a phone and WeChat's browser).

Views are thin: check input and permission, call one selector or service, render.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.choices import Role
from aftersales.core.errors import DomainError, ValidationFailed
from aftersales.core.forms import domain_error_text, form_add_domain_error
from aftersales.core.permissions import roles_required, user_has_role
from aftersales.tickets.selectors import request_timeline

from .choices import DIMENSION_QUESTIONS, CallOutcome, Dimension, FollowUpResult, FollowUpStatus
from .forms import AssignForm, CallForm, PeriodForm, RemedyResolveForm, answers_from_post, answers_posted
from .models import FollowUp, Survey
from .permissions import CALL_ROLES, QUALITY_ROLES, READ_ROLES, REPORT_ROLES, user_can_reassign
from .selectors import (
    WORKLIST_VIEWS,
    figures,
    followup_counts,
    followup_get_for,
    followup_worklist,
    policy_get,
    remedy_complaint,
    remedy_get_for,
    remedy_worklist,
    survey_answered_list_for,
    survey_by_token,
    survey_get_for,
    template_questions,
)
from .services import (
    followup_assign,
    followup_record,
    followup_survey_add,
    remedy_resolve,
    survey_answer_link,
)
from .services.surveys import survey_link_state

LIST_LIMIT = 200


# --- the survey's fields, shared by the call page and the customer's page -----------------------


def _survey_context(template, service_type: str, *, values=None, errors=None) -> dict:
    values = values or {}
    errors = errors or {}
    extra = {str(k): v for k, v in (values.get("extra") or {}).items()}
    return {
        "template": template,
        "dimensions": [
            (d.value, d.label, DIMENSION_QUESTIONS[d], values.get(d.value), errors.get(d.value, [])) for d in Dimension
        ],
        "reasons": list(template.reasons.all()),
        "questions": [
            (q, extra.get(str(q.pk)), errors.get(f"extra.{q.pk}", []))
            for q in template_questions(template, service_type)
        ],
        "values": values,
        "chosen_reasons": set(values.get("reasons") or []),
        "errors": errors,
        "scale5": range(1, 6),
        "scale10": range(0, 11),
    }


def _posted_values(post, questions) -> dict:
    answers = answers_from_post(post, questions)
    return {**answers, "extra": {k: v for k, v in answers["extra"].items() if v}}


def _survey_values(survey: Survey) -> dict:
    names = ("overall", *(d.value for d in Dimension), "recommend", "reasons", "comment", "extra")
    return {name: getattr(survey, name) for name in names}


# --- the agents' list ------------------------------------------------------------------------------


@require_GET
@roles_required(READ_ROLES)
def worklist(request):
    user = request.user
    view = request.GET.get("view") if request.GET.get("view") in WORKLIST_VIEWS else "now"
    # Agents start with their own calls; the quality team and managers with everybody's.
    default_mine = user.role == Role.AGENT and not user.is_superuser
    who = request.GET.get("who") or ("mine" if default_mine else "all")
    mine = who != "all"
    now = timezone.now()
    rows = list(followup_worklist(user, view=view, mine=mine, now=now)[: LIST_LIMIT + 1])
    context = {
        "rows": rows[:LIST_LIMIT],
        "more": len(rows) > LIST_LIMIT,
        "view": view,
        "who": "mine" if mine else "all",
        "counts": followup_counts(user, mine=mine, now=now),
        "now": now,
        "today": timezone.localdate(),
        "views": [
            ("now", _("To call now")),
            ("later", _("Later")),
            ("link", _("Survey link sent")),
            ("done", _("Done")),
        ],
    }
    return render(request, "feedback/worklist.html", context)


# --- one follow-up -------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def call_script(followup: FollowUp, agent) -> str:
    """The template's call script with the request's facts filled in (unknown placeholders stay)."""
    sr = followup.request
    facts = {
        "customer": sr.contact_name or str(sr.customer),
        "agent": agent.display_name if agent is not None else "",
        "company": (agent.organization.name if agent is not None and agent.organization_id else ""),
        "number": sr.number,
        "product": str(sr.product) if sr.product_id else sr.get_service_type_display(),
        "technician": sr.assigned_technician.display_name if sr.assigned_technician_id else "",
        "completed": timezone.localtime(followup.completed_at).strftime("%Y-%m-%d"),
    }
    text = followup.template.call_script
    from .defaults import template_text

    return PLACEHOLDER.sub(lambda m: facts.get(m.group(1), m.group(0)), template_text(text))


def _followup_page(
    request, followup: FollowUp, *, form=None, values=None, errors=None, status=200, survey_form=False, error=""
):
    user = request.user
    sr = followup.request
    survey = Survey.objects.filter(followup=followup).select_related("remedy").first()
    context = {
        "followup": followup,
        "sr": sr,
        "script": call_script(followup, user),
        "timeline": list(request_timeline(sr, viewer=user)),
        "calls": list(followup.calls.select_related("agent")),
        "survey": survey,
        "remedy": getattr(survey, "remedy", None) if survey else None,
        "policy": policy_get(),
        "form": form or CallForm(),
        "now": timezone.now(),
        "can_record": followup.status == FollowUpStatus.OPEN and user_has_role(user, CALL_ROLES),
        "can_add_survey": (
            followup.result == FollowUpResult.REACHED and survey is None and user_has_role(user, CALL_ROLES)
        ),
        "open_survey": survey_form,
        "survey_error": error,
        "assign_form": AssignForm(initial={"agent": followup.agent_id}) if user_can_reassign(user) else None,
        "outcomes": CallOutcome.choices,
        **_survey_context(followup.template, sr.service_type, values=values, errors=errors),
    }
    return render(request, "feedback/followup.html", context, status=status)


@require_GET
@roles_required(READ_ROLES)
def followup_detail(request, pk: int):
    return _followup_page(request, followup_get_for(request.user, pk))


@require_POST
@roles_required(CALL_ROLES)
def followup_call(request, pk: int):
    followup = followup_get_for(request.user, pk)
    form = CallForm(request.POST)
    questions = template_questions(followup.template, followup.request.service_type)
    values = _posted_values(request.POST, questions)
    if not form.is_valid():
        return _followup_page(request, followup, form=form, values=values, status=400, survey_form=True)
    outcome = form.cleaned_data["outcome"]
    answers = None
    if outcome == CallOutcome.REACHED and not form.cleaned_data["no_survey"]:
        if not answers_posted(request.POST):
            form.add_error(None, _("Enter the survey's answers, or tick that the customer did not want to answer."))
            return _followup_page(request, followup, form=form, values=values, status=400, survey_form=True)
        answers = answers_from_post(request.POST, questions)
    try:
        followup = followup_record(
            actor=request.user, followup=followup, outcome=outcome, note=form.cleaned_data["note"], answers=answers
        )
    except DomainError as exc:
        form_add_domain_error(form, exc)
        errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        return _followup_page(
            request, followup, form=form, values=values, errors=errors, status=exc.status, survey_form=True
        )
    messages.success(
        request,
        _("Recorded: %(outcome)s. The follow-up is now “%(status)s”.")
        % {"outcome": CallOutcome(outcome).label, "status": FollowUpStatus(followup.status).label},
    )
    return redirect("feedback:worklist")


@require_POST
@roles_required(CALL_ROLES)
def followup_survey(request, pk: int):
    followup = followup_get_for(request.user, pk)
    questions = template_questions(followup.template, followup.request.service_type)
    values = _posted_values(request.POST, questions)
    try:
        followup_survey_add(actor=request.user, followup=followup, answers=answers_from_post(request.POST, questions))
    except DomainError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        return _followup_page(
            request, followup, values=values, errors=errors, status=exc.status, error=str(exc.message)
        )
    messages.success(request, _("The survey's answers are saved."))
    return redirect("feedback:followup", pk=followup.pk)


@require_POST
@roles_required(QUALITY_ROLES)
def followup_reassign(request, pk: int):
    followup = followup_get_for(request.user, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active agent."))
        return redirect("feedback:followup", pk=followup.pk)
    try:
        followup_assign(actor=request.user, followup=followup, agent=form.cleaned_data["agent"])
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(request, _("Handed to %(agent)s.") % {"agent": form.cleaned_data["agent"].display_name})
    return redirect("feedback:followup", pk=followup.pk)


# --- answers -------------------------------------------------------------------------------------


@require_GET
@roles_required(READ_ROLES)
def survey_list(request):
    form = PeriodForm(request.GET or None)
    start, end, start_day, end_day = form.period()
    rows = list(survey_answered_list_for(request.user, start=start, end=end)[: LIST_LIMIT + 1])
    context = {
        "form": form,
        "rows": rows[:LIST_LIMIT],
        "more": len(rows) > LIST_LIMIT,
        "start_day": start_day,
        "end_day": end_day,
    }
    return render(request, "feedback/surveys.html", context, status=400 if form.errors else 200)


@require_GET
@roles_required(READ_ROLES)
def survey_detail(request, pk: int):
    survey = survey_get_for(request.user, pk)
    reasons = {r.code: r for r in survey.template.reasons.all()}
    questions = {str(q.pk): q for q in survey.template.questions.all()}
    context = {
        "survey": survey,
        "reason_labels": [reasons[c].display_label if c in reasons else c for c in survey.reasons],
        "extra_answers": [
            (questions[k].display_text if k in questions else k, v) for k, v in (survey.extra or {}).items()
        ],
        "remedy": getattr(survey, "remedy", None),
        "show_remedy_link": user_has_role(request.user, QUALITY_ROLES),
    }
    return render(request, "feedback/survey.html", context)


# --- the customer's page -----------------------------------------------------------------------


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def survey_public(request, token: str):
    """The customer's survey: no login, the token is the key. Answerable once, changeable for a
    short grace period, then closed; a link past its expiry says so (410)."""
    survey = survey_by_token(token)
    questions = template_questions(survey.template, survey.service_type)
    now = timezone.now()
    state = survey_link_state(survey, now)
    values = _survey_values(survey) if survey.status == "answered" else {}
    errors = {}
    status = 200
    error = None
    if request.method == "POST" and state in ("open", "revisable"):
        values = _posted_values(request.POST, questions)
        try:
            survey = survey_answer_link(survey=survey, answers=answers_from_post(request.POST, questions))
        except ValidationFailed as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
            error, status = exc, exc.status
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return _no_store(redirect("feedback:survey_public", token=token))
        survey.refresh_from_db()
        state = survey_link_state(survey, now)
    elif request.method == "POST":
        status = 410
    if state == "expired":
        status = 410
    context = {
        "survey": survey,
        "sr": survey.request,
        "state": state,
        "error": error,
        "intro": survey.template.intro,
        **_survey_context(survey.template, survey.service_type, values=values, errors=errors),
    }
    from .defaults import template_text

    context["intro"] = template_text(survey.template.intro)
    return _no_store(render(request, "feedback/survey_public.html", context, status=status))


# --- remedies ------------------------------------------------------------------------------------


@require_GET
@roles_required(QUALITY_ROLES)
def remedy_list(request):
    show = "resolved" if request.GET.get("show") == "resolved" else "open"
    rows = list(remedy_worklist(request.user, show=show)[: LIST_LIMIT + 1])
    context = {"rows": rows[:LIST_LIMIT], "more": len(rows) > LIST_LIMIT, "show": show, "now": timezone.now()}
    return render(request, "feedback/remedies.html", context)


def _remedy_page(request, remedy, form=None, status=200):
    survey = remedy.survey
    reasons = {r.code: r for r in survey.template.reasons.all()}
    context = {
        "remedy": remedy,
        "survey": survey,
        "sr": remedy.request,
        "reason_labels": [reasons[c].display_label if c in reasons else c for c in survey.reasons],
        "form": form or RemedyResolveForm(),
        "rechecks": list(remedy.rechecks.select_related("agent").order_by("-created_at")),
        "can_open_calls": user_has_role(request.user, READ_ROLES),
        "complaint": remedy_complaint(remedy),
        "now": timezone.now(),
    }
    return render(request, "feedback/remedy.html", context, status=status)


@require_GET
@roles_required(QUALITY_ROLES)
def remedy_detail(request, pk: int):
    return _remedy_page(request, remedy_get_for(request.user, pk))


@require_POST
@roles_required(QUALITY_ROLES)
def remedy_resolve_view(request, pk: int):
    remedy = remedy_get_for(request.user, pk)
    form = RemedyResolveForm(request.POST)
    if not form.is_valid():
        return _remedy_page(request, remedy, form=form, status=400)
    try:
        remedy_resolve(
            actor=request.user, remedy=remedy, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _remedy_page(request, remedy, form=form, status=exc.status)
    messages.success(request, _("Outcome recorded; the customer will be asked again."))
    return redirect("feedback:remedy", pk=remedy.pk)


# --- figures -------------------------------------------------------------------------------------


@require_GET
@roles_required(REPORT_ROLES)
def figures_view(request):
    form = PeriodForm(request.GET or None)
    start, end, start_day, end_day = form.period()
    context = {
        "form": form,
        "figures": figures(request.user, start=start, end=end),
        "start_day": start_day,
        "end_day": end_day,
        "dimensions": [d.label for d in Dimension],
    }
    return render(request, "feedback/figures.html", context, status=400 if form.errors else 200)
