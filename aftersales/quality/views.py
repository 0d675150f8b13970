"""Case library pages (R-QA-4): the searchable list, one case, add, edit, publish/archive, and
a case from a closed complaint. Thin: check input and permission, call one selector or service."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.complaints.permissions import complaint_list_for
from aftersales.core.errors import ValidationFailed
from aftersales.core.forms import form_action, form_page
from aftersales.core.permissions import roles_required
from aftersales.core.states import transition_allowed
from aftersales.tickets.selectors import request_list_for

from . import forms as F
from . import services
from .choices import CASE_TRANSITIONS, CaseAction, CaseKind, CaseStatus
from .permissions import QUALITY_ROLES
from .selectors import case_get_for, case_search

LIST_LIMIT = 200


@roles_required(QUALITY_ROLES)
@require_GET
def case_list(request):
    q = (request.GET.get("q") or "").strip()[:50]
    kind = request.GET.get("kind") if request.GET.get("kind") in CaseKind.values else ""
    status = request.GET.get("status") if request.GET.get("status") in CaseStatus.values else ""
    tag = (request.GET.get("tag") or "").strip()[:50]
    cases = list(case_search(request.user, q=q, kind=kind, status=status, tag=tag)[:LIST_LIMIT])
    return render(
        request,
        "quality/case_list.html",
        {
            "cases": cases,
            "q": q,
            "kind": kind,
            "status": status,
            "tag": tag,
            "kinds": CaseKind.choices,
            "statuses": CaseStatus.choices,
            "limit": LIST_LIMIT,
            "complaint_form": F.FromComplaintForm(),
        },
    )


@roles_required(QUALITY_ROLES)
@require_GET
def case_detail(request, pk: int):
    case = case_get_for(request.user, pk)
    actions = [a for a in CaseAction if transition_allowed(case, CASE_TRANSITIONS, a, actor=request.user)]
    return render(request, "quality/case_detail.html", {"case": case, "actions": actions})


def _request_from(user, number: str):
    number = (number or "").strip().upper()
    if not number:
        return None
    sr = request_list_for(user).filter(number=number).first()
    if sr is None:
        raise ValidationFailed(fields={"request_number": [_("No such service request.")]})
    return sr


def _case_data(user, data: dict) -> dict:
    data = dict(data)
    data["request"] = _request_from(user, data.pop("request_number", ""))
    return data


@roles_required(QUALITY_ROLES)
@require_http_methods(["GET", "POST"])
def case_create(request):
    return form_page(
        request,
        F.CaseForm(request.POST or None),
        "quality/case_form.html",
        {"case": None},
        run=lambda form: services.case_create(actor=request.user, **_case_data(request.user, form.cleaned_data)),
        done=_("Case added."),
        then=lambda case: redirect(case),
    )


@roles_required(QUALITY_ROLES)
@require_http_methods(["GET", "POST"])
def case_edit(request, pk: int):
    case = case_get_for(request.user, pk)
    initial = {
        "title": case.title,
        "kind": case.kind,
        "summary": case.summary,
        "analysis": case.analysis,
        "lessons": case.lessons,
        "tags": ", ".join(case.tag_list),
        "request_number": case.request.number if case.request_id else "",
    }
    return form_page(
        request,
        F.CaseForm(request.POST or None, initial=initial),
        "quality/case_form.html",
        {"case": case},
        run=lambda form: services.case_update(
            actor=request.user, case=case, **_case_data(request.user, form.cleaned_data)
        ),
        done=_("Saved."),
        then=lambda c: redirect(c),
    )


@roles_required(QUALITY_ROLES)
@require_POST
def case_transition(request, pk: int, action: str):
    case = case_get_for(request.user, pk)
    return form_action(
        request,
        F.forms.Form(request.POST),
        run=lambda d: services.case_transition(actor=request.user, case=case, action=action),
        done=_("Done."),
        back=lambda: redirect(case),
    )


def _from_complaint(user, number: str):
    complaint = complaint_list_for(user).filter(number=(number or "").strip().upper()).first()
    if complaint is None:
        raise ValidationFailed(fields={"complaint_number": [_("No such complaint.")]})
    return services.case_from_complaint(actor=user, complaint=complaint)


@roles_required(QUALITY_ROLES)
@require_POST
def case_from_complaint(request):
    form = F.FromComplaintForm(request.POST)
    result = {}

    def run(d):
        result["case"] = _from_complaint(request.user, d["complaint_number"])
        return result["case"]

    response = form_action(
        request,
        form,
        run=run,
        done=_("Case created from the complaint."),
        back=lambda: redirect(result["case"]) if "case" in result else redirect("quality:case_list"),
    )
    return response
