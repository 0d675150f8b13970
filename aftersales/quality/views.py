"""Case library pages (R-QA-4): the searchable list, one case, add, edit, publish/archive, and
a case from a closed complaint. Thin: check input and permission, call one selector or service."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.complaints.permissions import complaint_list_for
from aftersales.core.errors import ValidationFailed
from aftersales.core.forms import form_action, form_page
from aftersales.core.permissions import roles_required, user_has_role
from aftersales.core.states import transition_allowed
from aftersales.tickets.selectors import request_list_for

from . import forms as F
from . import services
from .choices import CASE_TRANSITIONS, QUALITY_MANAGER_ROLES, CaseAction, CaseKind, CaseStatus, InspectionStatus
from .permissions import INSPECTION_READ_ROLES, QUALITY_ROLES
from .selectors import (
    case_get_for,
    case_search,
    compliance_by_technician,
    corrective_get_for,
    inspection_get_for,
    inspection_rows,
)
from .slots import INSPECTION_ACTIONS

LIST_LIMIT = 200
SAMPLE_DAYS = 7  # the sample button draws from the last week's completed jobs


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


# --- inspections (R-QA-1) -----------------------------------------------------------------------


def _owners():
    return User.objects.filter(is_active=True).exclude(role__in=[Role.CUSTOMER, Role.PARTNER]).order_by("username")


@roles_required(INSPECTION_READ_ROLES)
@require_GET
def inspection_list(request):
    status = request.GET.get("status") if request.GET.get("status") in InspectionStatus.values else ""
    rows = list(inspection_rows(request.user, status=status)[:LIST_LIMIT])
    return render(
        request,
        "quality/inspection_list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": InspectionStatus.choices,
            "compliance": compliance_by_technician(request.user),
            "can_sample": user_has_role(request.user, QUALITY_MANAGER_ROLES),
            "limit": LIST_LIMIT,
        },
    )


@roles_required(INSPECTION_READ_ROLES)
@require_GET
def inspection_detail(request, pk: int):
    inspection = inspection_get_for(request.user, pk)
    can_edit = user_has_role(request.user, QUALITY_ROLES)
    planned = inspection.status == InspectionStatus.PLANNED
    return render(
        request,
        "quality/inspection_detail.html",
        {
            "inspection": inspection,
            "results": list(inspection.results.select_related("item")),
            "actions": list(inspection.actions.select_related("owner")),
            "record_form": F.RecordForm(items=inspection.template.items.all()) if can_edit and planned else None,
            "cancel_form": F.CancelForm() if can_edit and planned else None,
            "corrective_form": F.CorrectiveForm(owners=_owners()) if can_edit else None,
            "user_id": request.user.pk,
            "can_edit": can_edit,
            "header_actions": INSPECTION_ACTIONS.render(request, inspection),
        },
    )


@roles_required(QUALITY_ROLES)
@require_POST
def inspection_record(request, pk: int):
    inspection = inspection_get_for(request.user, pk)
    form = F.RecordForm(request.POST, items=inspection.template.items.all())
    return form_action(
        request,
        form,
        run=lambda d: services.inspection_record(
            actor=request.user,
            inspection=inspection,
            method=d["method"],
            results=form.results(),
            findings=d["findings"],
        ),
        done=_("Inspection recorded."),
        back=lambda: redirect(inspection),
    )


@roles_required(QUALITY_ROLES)
@require_POST
def inspection_cancel(request, pk: int):
    inspection = inspection_get_for(request.user, pk)
    return form_action(
        request,
        F.CancelForm(request.POST),
        run=lambda d: services.inspection_cancel(actor=request.user, inspection=inspection, reason=d["reason"]),
        done=_("Inspection cancelled."),
        back=lambda: redirect(inspection),
    )


@roles_required(QUALITY_ROLES)
@require_POST
def corrective_add(request, pk: int):
    inspection = inspection_get_for(request.user, pk)
    return form_action(
        request,
        F.CorrectiveForm(request.POST, owners=_owners()),
        run=lambda d: services.corrective_action_add(actor=request.user, inspection=inspection, **d),
        done=_("Corrective action added."),
        back=lambda: redirect(inspection),
    )


@roles_required(INSPECTION_READ_ROLES)
@require_POST
def corrective_complete(request, pk: int):
    action = corrective_get_for(request.user, pk)
    return form_action(
        request,
        F.forms.Form(request.POST),
        run=lambda d: services.corrective_action_complete(actor=request.user, action=action),
        done=_("Corrective action done."),
        back=lambda: redirect(action.inspection),
    )


@roles_required(QUALITY_MANAGER_ROLES)
@require_POST
def inspection_sample(request):
    end = timezone.now()
    created = services.inspection_sample(start=end - dt.timedelta(days=SAMPLE_DAYS), end=end, actor=request.user)
    flash.success(request, _("%(n)d jobs sampled for inspection.") % {"n": len(created)})
    return redirect("quality:inspection_list")
