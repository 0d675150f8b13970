"""Complaint pages: the worklists, intake, the complaint page and its steps, the exports, and
the complainant's tracking page (no login, an unguessable link).

Views are thin: check input and permission, call one selector or service, render. Scoping
comes from ``permissions.complaint_list_for``; a foreign or unknown complaint answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core.errors import DomainError
from aftersales.core.forms import domain_error_text, form_add_domain_error
from aftersales.core.permissions import roles_required, user_has_role
from aftersales.core.uploads import download_response
from aftersales.tickets.selectors import request_list_for

from . import forms as F
from . import services
from .choices import HANDLER_ROLES, MANAGER_ROLES, ComplaintAction, Status
from .exports import complaints_csv, complaints_xlsx
from .permissions import INTAKE_ROLES, READ_ROLES
from .selectors import (
    complaint_allowed_actions,
    complaint_by_token,
    complaint_can_edit,
    complaint_deadline_state,
    complaint_escalations,
    complaint_evidence,
    complaint_get_for,
    complaint_public_timeline,
    complaint_requests,
    complaint_timeline,
    complaint_worklist,
    complaint_worklist_page,
    evidence_get_for,
    worklist_counts,
    worklist_default,
    worklists_for,
)
from .slots import DETAIL_ACTIONS

EXPORT_LIMIT = 10_000


# --- worklists --------------------------------------------------------------------------------


def _view_of(request) -> str:
    keys = [w.key for w in worklists_for(request.user)]
    view = request.GET.get("view") or ""
    return view if view in keys else worklist_default(request.user)


@roles_required(READ_ROLES)
@require_GET
def worklist(request):
    view = _view_of(request)
    q = (request.GET.get("q") or "").strip()[:50]
    now = timezone.now()
    try:
        page = complaint_worklist_page(request.user, view, q=q, cursor=request.GET.get("cursor") or None, now=now)
    except DomainError as exc:
        return render(request, "complaints/worklist.html", {"error": exc, "rows": [], "view": view}, status=400)
    rows = [(c, complaint_deadline_state(c, now=now)) for c in page.items]
    counts = worklist_counts(request.user, now=now)
    return render(
        request,
        "complaints/worklist.html",
        {
            "rows": rows,
            "page": page,
            "view": view,
            "q": q,
            "tabs": [(w, counts.get(w.key, 0)) for w in worklists_for(request.user)],
            "can_intake": user_has_role(request.user, INTAKE_ROLES),
        },
    )


@roles_required(READ_ROLES)
@require_GET
def export(request):
    """The current worklist as Excel (default) or CSV; an anonymous complaint shows no identity."""
    view = _view_of(request)
    qs = complaint_worklist(request.user, view, q=request.GET.get("q") or "")[:EXPORT_LIMIT]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "csv":
        response = HttpResponse(complaints_csv(qs), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="complaints-{view}-{stamp}.csv"'
        return response
    response = HttpResponse(
        complaints_xlsx(qs), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="complaints-{view}-{stamp}.xlsx"'
    return response


# --- intake -------------------------------------------------------------------------------------


@roles_required(INTAKE_ROLES)
@require_http_methods(["GET", "POST"])
def intake(request):
    initial = {}
    if request.method == "GET" and request.GET.get("request"):
        initial["request_number"] = request.GET["request"][:20]
    form = F.IntakeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            sr = None
            number = (data["request_number"] or "").strip().upper()
            if number:
                sr = request_list_for(request.user).filter(number=number).first()
                if sr is None:
                    form.add_error("request_number", _("No such service request."))
            if form.is_valid():
                try:
                    complaint = services.complaint_create(
                        actor=request.user,
                        category=data["category"],
                        severity=data["severity"],
                        description=data["description"],
                        demand=data["demand"],
                        channel=data["channel"],
                        request=sr,
                        anonymous=data["anonymous"],
                        contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"],
                        technician=data["technician"],
                        partner=data["partner"],
                        investigator=data["investigator"],
                    )
                except DomainError as exc:
                    form_add_domain_error(form, exc)
                else:
                    messages.success(
                        request,
                        _("Complaint %(number)s taken; tracking code %(code)s. Reply due %(due)s.")
                        % {
                            "number": complaint.number,
                            "code": complaint.tracking_code,
                            "due": timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M"),
                        },
                    )
                    return redirect(complaint.get_absolute_url())
        status = 400
    return render(request, "complaints/intake.html", {"form": form}, status=status)


# --- one complaint ------------------------------------------------------------------------------


FORMS = {
    ComplaintAction.ASSIGN: F.AssignForm,
    ComplaintAction.PROPOSE: F.ProposeForm,
    ComplaintAction.FOLLOW_UP: F.FollowUpForm,
    ComplaintAction.CLOSE: F.CloseForm,
    ComplaintAction.DECIDE: F.DecideForm,
}


@roles_required(READ_ROLES)
@require_GET
def detail(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    actions = complaint_allowed_actions(request.user, complaint)
    action_keys = {t.action for t in actions}
    can_handle = user_has_role(request.user, HANDLER_ROLES) and complaint.is_open
    step_forms = {}
    for action, form_class in FORMS.items():
        if action in action_keys:
            initial = {}
            if action == ComplaintAction.ASSIGN:
                initial["investigator"] = complaint.investigator_id or request.user.pk
            if action == ComplaintAction.PROPOSE:
                initial = {"investigation": complaint.investigation, "solution": complaint.solution}
            step_forms[str(action)] = form_class(initial=initial, prefix=str(action))
    respond = ComplaintAction.ACCEPT in action_keys
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "deadline": complaint_deadline_state(complaint),
            "actions": actions,
            "header_actions": DETAIL_ACTIONS.render(request, complaint),
            "step_forms": step_forms,
            "respond_form": F.RespondForm(prefix="respond") if respond else None,
            "note_form": F.NoteForm() if can_handle else None,
            "evidence_form": F.EvidenceForm() if can_handle else None,
            "edit_form": F.EditForm(
                initial={
                    "category": complaint.category,
                    "severity": complaint.severity,
                    "demand": complaint.demand,
                    "technician": complaint.technician_id,
                    "partner": complaint.partner_id,
                },
                prefix="edit",
            )
            if complaint_can_edit(request.user, complaint)
            else None,
            "timeline": complaint_timeline(complaint),
            "evidence": complaint_evidence(complaint),
            "escalations": complaint_escalations(complaint),
            "requests": complaint_requests(complaint),
            "is_manager": user_has_role(request.user, MANAGER_ROLES),
            # Staff pass the link on to the complainant (by SMS, WeChat, or read out with the code).
            "tracking_link": request.build_absolute_uri(complaint.tracking_url()),
        },
    )


def _back(pk: int):
    return redirect(reverse("complaints:detail", args=[pk]))


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _run(request, pk: int, form, call, done: str):
    """Validate ``form``; call the service; flash what happened; back to the complaint page."""
    if not form.is_valid():
        _form_errors(request, form)
        return _back(pk)
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    else:
        messages.success(request, done)
    return _back(pk)


@roles_required(HANDLER_ROLES)
@require_POST
def assign(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    form = F.AssignForm(request.POST, prefix=ComplaintAction.ASSIGN)
    return _run(
        request,
        pk,
        form,
        lambda d: services.complaint_assign(actor=request.user, complaint=complaint, investigator=d["investigator"]),
        _("Investigator named."),
    )


@roles_required(HANDLER_ROLES)
@require_POST
def note(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.NoteForm(request.POST),
        lambda d: services.complaint_note(actor=request.user, complaint=complaint, text=d["text"]),
        _("Note added."),
    )


@roles_required(HANDLER_ROLES)
@require_POST
def evidence_add(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.EvidenceForm(request.POST, request.FILES),
        lambda d: services.complaint_evidence_add(
            actor=request.user, complaint=complaint, uploads=d["files"], note=d["note"]
        ),
        _("Evidence added."),
    )


@roles_required(READ_ROLES)
@require_GET
def evidence_file(request, pk: int):
    evidence = evidence_get_for(request.user, pk)
    return download_response(
        evidence.file,
        filename=evidence.original_name,
        content_type=evidence.content_type,
        inline=request.GET.get("inline") == "1",
    )


@roles_required(HANDLER_ROLES)
@require_POST
def edit(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.EditForm(request.POST, prefix="edit"),
        lambda d: services.complaint_update(actor=request.user, complaint=complaint, **d),
        _("Saved."),
    )


@roles_required(HANDLER_ROLES)
@require_POST
def propose(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.ProposeForm(request.POST, prefix=ComplaintAction.PROPOSE),
        lambda d: services.complaint_propose(
            actor=request.user, complaint=complaint, solution=d["solution"], investigation=d["investigation"]
        ),
        _("Solution proposed; the customer is asked to accept or reject it."),
    )


@roles_required(HANDLER_ROLES)
@require_POST
def respond(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.RespondForm(request.POST, prefix="respond"),
        lambda d: services.complaint_respond(
            actor=request.user, complaint=complaint, accepted=d["answer"] == F.RespondForm.ACCEPT, note=d["note"]
        ),
        _("The customer's answer is recorded."),
    )


@roles_required(HANDLER_ROLES)
@require_POST
def follow_up(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.FollowUpForm(request.POST, prefix=ComplaintAction.FOLLOW_UP),
        lambda d: services.complaint_follow_up(actor=request.user, complaint=complaint, note=d["note"]),
        _("Follow-up recorded."),
    )


@roles_required(HANDLER_ROLES)
@require_POST
def close(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.CloseForm(request.POST, prefix=ComplaintAction.CLOSE),
        lambda d: services.complaint_close(actor=request.user, complaint=complaint, lessons=d["lessons"]),
        _("Complaint closed."),
    )


@roles_required(MANAGER_ROLES)
@require_POST
def decide(request, pk: int):
    complaint = complaint_get_for(request.user, pk)
    return _run(
        request,
        pk,
        F.DecideForm(request.POST, prefix=ComplaintAction.DECIDE),
        lambda d: services.complaint_decide(
            actor=request.user, complaint=complaint, decision=d["decision"], lessons=d["lessons"]
        ),
        _("Complaint closed by your decision."),
    )


# --- the complainant's tracking page (public, by token) -------------------------------------------


def _track_context(complaint, form=None) -> dict:
    return {
        "complaint": complaint,
        "events": complaint_public_timeline(complaint),
        "form": form if form is not None else (F.TrackRespondForm() if complaint.status == Status.PROPOSED else None),
        "deadline": complaint_deadline_state(complaint),
    }


@require_GET
def track(request, token: str):
    complaint = complaint_by_token(token)
    return render(request, "complaints/track.html", _track_context(complaint))


@require_POST
def track_respond(request, token: str):
    complaint = complaint_by_token(token)
    form = F.TrackRespondForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_respond_by_link(
                token=complaint.token,
                accepted=form.cleaned_data["answer"] == F.RespondForm.ACCEPT,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you: your answer has been recorded."))
            return redirect(reverse("complaints:track", args=[complaint.token]))
    return render(request, "complaints/track.html", _track_context(complaint, form), status=400)
