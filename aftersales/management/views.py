"""Management pages: scorecard schemes, runs and their ranking, a person's scorecards,
improvement plans, monthly reports. Thin: check input and permission, call one selector or
service, render."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.complaints.permissions import complaint_list_for
from aftersales.core.errors import ValidationFailed
from aftersales.core.forms import form_action, form_add_domain_error, form_page
from aftersales.core.permissions import roles_required, user_has_role
from aftersales.core.slots import panel
from aftersales.core.states import transition_allowed
from aftersales.field.pdf import pdf_language
from aftersales.training.selectors import person_card_context

from . import forms as F
from . import services
from .choices import PLAN_TRANSITIONS, RUN_TRANSITIONS, Method, PlanAction, PlanStatus, RunAction
from .display import kpi_name, report_view
from .models import Report
from .permissions import (
    APPROVE_ROLES,
    PLAN_ROLES,
    READ_ROLES,
    REPORT_ROLES,
    SCHEME_EDIT_ROLES,
    SELF_ROLES,
    report_list_for,
    run_list_for,
    scheme_list_for,
)
from .selectors import (
    person_get_for,
    person_history,
    plan_counts,
    plan_get_for,
    plan_rows,
    plan_view,
    report_get_for,
    run_get_for,
    run_table,
    scheme_get_for,
    trend_chart,
)

LIST_LIMIT = 200


# --- scorecards ----------------------------------------------------------------------------------


@require_GET
@roles_required(READ_ROLES)
def scorecards(request):
    return render(
        request,
        "management/scorecards.html",
        {
            "schemes": list(scheme_list_for(request.user).prefetch_related("lines")),
            "runs": list(run_list_for(request.user)[:LIST_LIMIT]),
            "run_form": F.RunForm() if user_has_role(request.user, APPROVE_ROLES) else None,
            "can_edit": user_has_role(request.user, SCHEME_EDIT_ROLES),
        },
    )


def _line_initial(scheme) -> list[dict]:
    return [
        {k: getattr(line, k) for k in ("kpi", "weight", "method", "floor", "target", "note")}
        for line in scheme.lines.all()
    ]


def _scheme_page(request, scheme):
    editable = user_has_role(request.user, SCHEME_EDIT_ROLES)
    initial = {"name": scheme.name, "role": scheme.role, "is_active": scheme.is_active} if scheme else None
    form = F.SchemeForm(request.POST or None, initial=initial)
    if scheme is not None:
        form.fields["role"].disabled = True
    lines = F.LineFormSet(request.POST or None, initial=_line_initial(scheme) if scheme else None, prefix="lines")
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid() and lines.is_valid():
            try:
                if scheme is None:
                    scheme = services.scheme_create(
                        actor=request.user,
                        name=form.cleaned_data["name"],
                        role=form.cleaned_data["role"],
                        is_active=form.cleaned_data["is_active"],
                        lines=lines.lines(),
                    )
                else:
                    scheme = services.scheme_update(
                        actor=request.user,
                        scheme=scheme,
                        name=form.cleaned_data["name"],
                        is_active=form.cleaned_data["is_active"],
                        lines=lines.lines(),
                    )
            except ValidationFailed as exc:
                form_add_domain_error(form, exc)
            else:
                flash.success(request, _("Saved."))
                return redirect(scheme)
        status = 400
    return render(
        request,
        "management/scheme.html",
        {
            "scheme": scheme,
            "form": form,
            "lines": lines,
            "editable": editable,
            "runs": list(scheme.runs.order_by("-month")[:24]) if scheme else [],
            "weights_total": sum(line.weight for line in scheme.lines.all()) if scheme else 0,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(SCHEME_EDIT_ROLES)
def scheme_create(request):
    return _scheme_page(request, None)


@require_http_methods(["GET", "POST"])
@roles_required(READ_ROLES)
def scheme_detail(request, pk: int):
    return _scheme_page(request, scheme_get_for(request.user, pk))


@require_POST
@roles_required(APPROVE_ROLES)
def run_create(request):
    result = {}

    def run(d):
        result["run"] = services.run_compute(actor=request.user, scheme=d["scheme"], month=d["month"])
        return result["run"]

    return form_action(
        request,
        F.RunForm(request.POST),
        run=run,
        done=_("Computed: the run is a draft until it is approved."),
        back=lambda: redirect(result["run"]) if "run" in result else redirect("management:scorecards"),
    )


@require_GET
@roles_required(READ_ROLES)
def run_detail(request, pk: int):
    run = run_get_for(request.user, pk)
    return render(
        request,
        "management/run.html",
        {
            "run": run,
            "rows": run_table(request.user, run),
            "lines": [
                {**line, "name": kpi_name(line["kpi"]), "method_label": Method(line["method"]).label}
                for line in run.lines
            ],
            "can_approve": transition_allowed(run, RUN_TRANSITIONS, RunAction.APPROVE, actor=request.user),
        },
    )


@require_POST
@roles_required(APPROVE_ROLES)
def run_recompute(request, pk: int):
    run = run_get_for(request.user, pk)
    return form_action(
        request,
        F.forms.Form(request.POST),
        run=lambda d: services.run_compute(actor=request.user, scheme=run.scheme, month=run.month),
        done=_("Computed again."),
        back=lambda: redirect(run),
    )


@require_POST
@roles_required(APPROVE_ROLES)
def run_approve(request, pk: int):
    run = run_get_for(request.user, pk)
    return form_action(
        request,
        F.forms.Form(request.POST),
        run=lambda d: services.run_approve(actor=request.user, run=run),
        done=_("Approved: the scores are frozen."),
        back=lambda: redirect(run),
    )


def _person_page(request, person, *, own: bool):
    history = person_history(request.user, person, approved_only=own)
    context = {
        "person": person,
        "history": history,
        "chart": trend_chart(history),
        "own": own,
        # The training record (the training app's card; nothing when the viewer may not read it).
        "training": panel("training/_person_card.html", person_card_context)(request, person),
    }
    return render(request, "management/person.html", context)


@require_GET
@roles_required(READ_ROLES)
def person(request, pk: int):
    return _person_page(request, person_get_for(request.user, pk), own=False)


@require_GET
@roles_required(SELF_ROLES)
def me(request):
    return _person_page(request, request.user, own=True)


# --- improvement plans ------------------------------------------------------------------------------


@require_GET
@roles_required(PLAN_ROLES)
def plan_list(request):
    status = request.GET.get("status") if request.GET.get("status") in PlanStatus.values else ""
    overdue = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    plans = list(plan_rows(request.user, status=status, overdue=overdue, today=today)[:LIST_LIMIT])
    return render(
        request,
        "management/plan_list.html",
        {
            "plans": plans,
            "status": status,
            "overdue": overdue,
            "statuses": PlanStatus.choices,
            "counts": plan_counts(request.user, today),
            "today": today,
            "limit": LIST_LIMIT,
        },
    )


def _complaint(user, number: str):
    number = (number or "").strip().upper()
    if not number:
        return None
    complaint = complaint_list_for(user).filter(number=number).first()
    if complaint is None:
        raise ValidationFailed(fields={"complaint_number": [_("No such complaint.")]})
    return complaint


def _plan_initial(request) -> dict:
    """A plan raised from the dashboard (measure and filters), a complaint or an inspection."""
    initial = {}
    for name in ("kpi", "origin", "complaint_number", *F.PlanForm.FILTERS):
        if request.GET.get(name):
            initial[name] = request.GET[name][:20]
    if request.GET.get("complaint"):
        initial["complaint_number"] = request.GET["complaint"][:20]
        initial.setdefault("origin", "complaint")
    if request.GET.get("inspection", "").isdigit():
        initial["inspection"] = request.GET["inspection"][:18]
        initial.setdefault("origin", "inspection")
    return initial


@require_http_methods(["GET", "POST"])
@roles_required(PLAN_ROLES)
def plan_create(request):
    form = F.PlanForm(request.POST or None, initial=_plan_initial(request), user=request.user)

    def run(form):
        d = form.cleaned_data
        return services.plan_create(
            actor=request.user,
            problem=d["problem"],
            measure=d["measure"],
            department=d["department"],
            owner=d["owner"],
            deadline=d["deadline"],
            kpi=d["kpi"],
            filters=form.filters(),
            period_days=d["period_days"],
            origin=d.get("origin") or "manual",
            complaint=_complaint(request.user, d.get("complaint_number")),
            inspection=d.get("inspection"),
        )

    return form_page(
        request,
        form,
        "management/plan_form.html",
        {"plan": None},
        run=run,
        done=_("Improvement plan added."),
        then=lambda plan: redirect(plan),
    )


@require_http_methods(["GET", "POST"])
@roles_required(PLAN_ROLES)
def plan_edit(request, pk: int):
    plan = plan_get_for(request.user, pk)
    initial = {
        "problem": plan.problem,
        "measure": plan.measure,
        "department": plan.department,
        "owner": plan.owner_id,
        "deadline": plan.deadline,
        "kpi": plan.kpi,
        "period_days": plan.period_days,
        **plan.filters,
    }
    form = F.PlanForm(request.POST or None, initial=initial, started=plan.status != PlanStatus.PLANNED)
    form.fields.pop("complaint_number")
    form.fields.pop("inspection")

    def run(form):
        d = form.cleaned_data
        fields = {k: d[k] for k in ("problem", "measure", "department", "owner", "deadline")}
        if plan.status == PlanStatus.PLANNED:
            fields.update(kpi=d["kpi"], period_days=d["period_days"], filters=form.filters())
        return services.plan_update(actor=request.user, plan=plan, **fields)

    return form_page(
        request,
        form,
        "management/plan_form.html",
        {"plan": plan},
        run=run,
        done=_("Saved."),
        then=lambda p: redirect(p),
    )


@require_GET
@roles_required(PLAN_ROLES)
def plan_detail(request, pk: int):
    plan = plan_get_for(request.user, pk)
    v = plan_view(request.user, plan)
    actions = [a for a in PlanAction if transition_allowed(plan, PLAN_TRANSITIONS, a, actor=request.user)]
    if v["evaluable_from"] and v["evaluable_from"] > timezone.localdate():
        actions = [a for a in actions if a != PlanAction.EVALUATE]  # the after period is not over yet
    return render(
        request,
        "management/plan_detail.html",
        {"plan": plan, "v": v, "actions": actions, "reason_form": F.ReasonForm()},
    )


@require_POST
@roles_required(PLAN_ROLES)
def plan_transition(request, pk: int, action: str):
    plan = plan_get_for(request.user, pk)
    return form_action(
        request,
        F.ReasonForm(request.POST),
        run=lambda d: services.plan_transition(actor=request.user, plan=plan, action=action, reason=d["reason"]),
        done=lambda p: _("The plan is now “%(status)s”.") % {"status": p.get_status_display()},
        back=lambda: redirect(plan),
    )


# --- monthly reports --------------------------------------------------------------------------------


@require_GET
@roles_required(REPORT_ROLES)
def report_list(request):
    reports = list(report_list_for(request.user).defer("pdf", "xlsx", "content")[:LIST_LIMIT])
    language = pdf_language(None, default=getattr(request, "LANGUAGE_CODE", None))
    return render(
        request,
        "management/report_list.html",
        {"reports": reports, "form": F.ReportForm(initial={"language": language})},
    )


@require_POST
@roles_required(REPORT_ROLES)
def report_create(request):
    result = {}

    def run(d):
        result["report"] = services.report_request(actor=request.user, month=d["month"], language=d["language"])
        return result["report"]

    return form_action(
        request,
        F.ReportForm(request.POST),
        run=run,
        done=_("The report is being made; this page shows its progress."),
        back=lambda: redirect(result["report"]) if "report" in result else redirect("management:report_list"),
    )


@require_GET
@roles_required(REPORT_ROLES)
def report_detail(request, pk: int):
    report = report_get_for(request.user, pk)
    return render(request, "management/report_detail.html", {"report": report, "r": report_view(report.content)})


@require_GET
@roles_required(REPORT_ROLES)
def report_progress(request, pk: int):
    """The htmx fragment the report page polls while the worker makes the report; when it is
    done the whole page is loaded again (``HX-Refresh``)."""
    report = report_get_for(request.user, pk)
    response = render(request, "management/_report_progress.html", {"report": report})
    if report.is_finished and request.GET.get("was") not in ("done", "failed"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@roles_required(REPORT_ROLES)
def report_retry(request, pk: int):
    report = report_get_for(request.user, pk)
    return form_action(
        request,
        F.forms.Form(request.POST),
        run=lambda d: services.report_retry(actor=request.user, report=report),
        done=_("The report is being made again."),
        back=lambda: redirect(report),
    )


def _file(report_id: int, user, fmt: str) -> HttpResponse:
    report = report_get_for(user, report_id)
    data = Report.objects.filter(pk=report.pk).values_list(fmt, flat=True).first()
    if not data:
        raise Http404
    types = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = HttpResponse(bytes(data), content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="management-report-{report.month:%Y-%m}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@roles_required(REPORT_ROLES)
def report_pdf(request, pk: int):
    return _file(pk, request.user, "pdf")


@require_GET
@roles_required(REPORT_ROLES)
def report_xlsx(request, pk: int):
    return _file(pk, request.user, "xlsx")
