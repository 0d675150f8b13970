"""Returns and exchanges pages (R-RET-1): the worklist, the RMA page with every step, the policies and
the customer's page behind his unguessable link.

Views are thin: check the role, find the RMA through the scoped selector (foreign ones answer 404),
check the form, call one service, render. A step the service refuses comes back on its form (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.catalog.selectors import unit_find_by_serial, unit_get_for, unit_list_for, unit_warranty
from aftersales.core.errors import DomainError
from aftersales.core.forms import form_add_domain_error
from aftersales.core.permissions import roles_required, user_has_role
from aftersales.core.ranges import parse_id
from aftersales.tickets.selectors import request_get_for

from . import forms as F
from . import services
from .choices import CHOICE_STATUSES, OPEN_STATUSES, Resolution, RmaAction, Status
from .display import date_rows, remedy_labels, trace_rows
from .exports import rma_workbook
from .permissions import (
    EXCHANGE_ROLES,
    INSPECT_ROLES,
    OFFICE_ROLES,
    POLICY_EDIT_ROLES,
    POLICY_VIEW_ROLES,
    VIEW_ROLES,
)
from .selectors import (
    VIEWS,
    policy_get,
    policy_list,
    rma_actions,
    rma_by_token,
    rma_checks,
    rma_get_for,
    rma_may_receive,
    rma_refund_state,
    rma_timeline,
    rma_view_counts,
    rma_worklist,
)

VIEW_LABELS = {
    "open": pgettext_lazy("returns worklist", "Open"),
    "check": gettext_lazy("To check"),
    "inspect": gettext_lazy("To inspect"),
    "decide": gettext_lazy("To decide"),
    "refunds": gettext_lazy("Refunds"),
    "exchanges": gettext_lazy("Exchanges"),
    "closed": gettext_lazy("Closed"),
    "all": gettext_lazy("All"),
}


# --- worklist ------------------------------------------------------------------------------------------


def _view_of(request) -> tuple[str, str]:
    view = request.GET.get("view") or "open"
    return (view if view in VIEWS else "open"), (request.GET.get("q") or "").strip()[:100]


@require_GET
@roles_required(VIEW_ROLES)
def worklist(request):
    view, q = _view_of(request)
    rows = rma_worklist(request.user, view=view, q=q)
    counts = rma_view_counts(request.user)
    tabs = [(name, str(VIEW_LABELS[name]), counts.get(name, 0)) for name in VIEWS]
    at_risk = sum(1 for r in rows if r.refund_state in ("at_risk", "overdue")) if view == "refunds" else None
    context = {
        "rows": rows,
        "view": view,
        "q": q,
        "tabs": tabs,
        "is_office": user_has_role(request.user, OFFICE_ROLES),
        "at_risk": at_risk,
        "today": timezone.localdate(),
    }
    return render(request, "returns/worklist.html", context)


@require_GET
@roles_required(VIEW_ROLES)
def export(request):
    view, q = _view_of(request)
    rows = rma_worklist(request.user, view=view, q=q)
    response = HttpResponse(
        rma_workbook(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="returns-{view}.xlsx"'
    return response


# --- create ------------------------------------------------------------------------------------------------


def _unit_and_request(request, source):
    """The unit (and service request) the RMA is for: ``unit`` or ``request`` ids, or a ``serial``."""
    user = request.user
    sr = None
    if request_id := parse_id(source.get("request")):
        sr = request_get_for(user, pk=request_id)
    unit = None
    if unit_id := parse_id(source.get("unit")):
        unit = unit_get_for(user, unit_id)
    elif sr is not None and sr.unit_id:
        unit = unit_get_for(user, sr.unit_id)
    elif serial := (source.get("serial") or "").strip()[:64]:
        unit = unit_find_by_serial(user, serial)
    return unit, sr


@require_http_methods(["GET", "POST"])
@roles_required(OFFICE_ROLES)
def create(request):
    source = request.POST if request.method == "POST" else request.GET
    unit, sr = _unit_and_request(request, source)
    serial = (request.GET.get("serial") or "").strip()[:64]
    status = 200
    form = F.RmaForm(request.POST or None, unit=unit)
    if request.method == "POST":
        status = 400
        if unit is None:
            messages.error(request, _("Choose the unit first."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                rma = services.rma_create(
                    actor=request.user,
                    unit=unit,
                    request=sr,
                    reason=data["reason"],
                    description=data["description"],
                    requested_on=data["requested_on"],
                    sale_date=data["sale_date"],
                    distance_sale=data["distance_sale"],
                    delivered_on=data["delivered_on"],
                    exclusion=data["exclusion"],
                    fault=data["fault"],
                    organization=data["organization"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Return/exchange %(number)s filed.") % {"number": rma.number})
                return redirect("returns:detail", pk=rma.pk)
    context = {
        "form": form,
        "unit": unit,
        "sr": sr,
        "serial": serial,
        "not_found": bool(serial) and unit is None,
        "w": unit_warranty(unit) if unit is not None else None,
        "open_rma": unit.rmas.filter(status__in=sorted(OPEN_STATUSES)).first() if unit is not None else None,
        "units_known": unit_list_for(request.user).exists() if unit is None else True,
    }
    return render(request, "returns/create.html", context, status=status)


# --- the RMA page ------------------------------------------------------------------------------------------


def _forms_for(rma, user, bound: dict | None = None) -> dict:
    bound = bound or {}
    today = timezone.localdate()
    remedies = rma.eligibility.remedies if rma.eligibility_id else []
    initial_resolution = rma.customer_choice or (remedies[0] if remedies else Resolution.REFUSE)
    return {
        "receive_form": bound.get("receive") or F.ReceiveForm(initial={"returned_on": today}, prefix="receive"),
        "inspect_form": bound.get("inspect")
        or F.InspectForm(initial={"returned_on": rma.returned_on or None}, prefix="inspect"),
        "decide_form": bound.get("decide")
        or F.DecideForm(remedies=remedies, initial={"resolution": initial_resolution}, prefix="decide"),
        "refund_form": bound.get("refund") or F.RefundForm(initial={"refunded_on": today}, prefix="refund"),
        "exchange_form": bound.get("exchange") or F.ExchangeForm(initial={"exchanged_on": today}, prefix="exchange"),
        "cancel_form": bound.get("cancel") or F.CancelForm(prefix="cancel"),
    }


def _detail(request, rma, *, bound: dict | None = None, status: int = 200):
    user = request.user
    actions = rma_actions(user, rma)
    check = rma.eligibility
    context = {
        "rma": rma,
        "unit": rma.unit,
        "w": unit_warranty(rma.unit),
        "check": check,
        "checks": list(rma_checks(rma)),
        "date_rows": date_rows(check.dates) if check else [],
        "trace_rows": trace_rows(check.trace) if check else [],
        "remedies": remedy_labels(check.remedies) if check else [],
        "decision_rows": date_rows(rma.decision_dates) if rma.decided_at else [],
        "timeline": list(rma_timeline(rma)),
        "actions": actions,
        "can_decide": any(
            a in actions for a in (RmaAction.DECIDE_RETURN, RmaAction.DECIDE_EXCHANGE, RmaAction.DECIDE_REPAIR)
        ),
        "may_receive": rma_may_receive(user, rma),
        "refund_state": rma_refund_state(rma) if rma.status == Status.AWAITING_REFUND else "",
        "public_url": services.public_url(rma) if user_has_role(user, OFFICE_ROLES) else "",
        "open_step": next(iter(bound or {}), ""),
        **_forms_for(rma, user, bound),
    }
    return render(request, "returns/detail.html", context, status=status)


@require_GET
@roles_required(VIEW_ROLES)
def detail(request, pk: int):
    return _detail(request, rma_get_for(request.user, pk))


def _step(request, pk: int, name: str, form_class, run, done: str):
    """One step's POST: the form, then the service; errors go back on the RMA page's form (400)."""
    rma = rma_get_for(request.user, pk)
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        try:
            run(rma, form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("returns:detail", pk=pk)
    return _detail(request, rma, bound={name: form}, status=400)


@require_POST
@roles_required(OFFICE_ROLES)
def check(request, pk: int):
    rma = rma_get_for(request.user, pk)
    try:
        services.rma_check(actor=request.user, rma=rma)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _detail(request, rma, status=exc.status if exc.status < 500 else 400)
    messages.success(request, _("Eligibility checked."))
    return redirect("returns:detail", pk=pk)


@require_POST
@roles_required(INSPECT_ROLES)
def receive(request, pk: int):
    return _step(
        request,
        pk,
        "receive",
        F.ReceiveForm,
        lambda rma, d: services.rma_receive(actor=request.user, rma=rma, returned_on=d["returned_on"]),
        _("Returned unit booked in."),
    )


@require_POST
@roles_required(INSPECT_ROLES)
def inspect(request, pk: int):
    return _step(
        request,
        pk,
        "inspect",
        F.InspectForm,
        lambda rma, d: services.rma_inspect(
            actor=request.user,
            rma=rma,
            fault_finding=d["fault_finding"],
            goods_condition=d["goods_condition"],
            fault=d["fault"],
            returned_on=d["returned_on"],
            notes=d["notes"],
        ),
        _("Inspection recorded; eligibility checked again."),
    )


@require_POST
@roles_required(OFFICE_ROLES)
def decide(request, pk: int):
    rma = rma_get_for(request.user, pk)
    remedies = rma.eligibility.remedies if rma.eligibility_id else []
    form = F.DecideForm(request.POST, prefix="decide", remedies=remedies)
    if form.is_valid():
        try:
            done = services.rma_decide(
                actor=request.user,
                rma=rma,
                resolution=form.cleaned_data["resolution"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Decision: %(resolution)s.") % {"resolution": Resolution(done.resolution).label}
            )
            return redirect("returns:detail", pk=pk)
    return _detail(request, rma, bound={"decide": form}, status=400)


@require_POST
@roles_required(OFFICE_ROLES)
def refund(request, pk: int):
    return _step(
        request,
        pk,
        "refund",
        F.RefundForm,
        lambda rma, d: services.rma_refund(
            actor=request.user,
            rma=rma,
            amount=d["amount"],
            method=d["method"],
            reference=d["reference"],
            refunded_on=d["refunded_on"],
            old_unit_fate=d["old_unit_fate"],
            old_unit_note=d["old_unit_note"],
        ),
        _("Refund recorded."),
    )


@require_POST
@roles_required(EXCHANGE_ROLES)
def exchange(request, pk: int):
    return _step(
        request,
        pk,
        "exchange",
        F.ExchangeForm,
        lambda rma, d: services.rma_exchange(
            actor=request.user,
            rma=rma,
            serial_number=d["serial_number"],
            exchanged_on=d["exchanged_on"],
            old_unit_fate=d["old_unit_fate"],
            old_unit_note=d["old_unit_note"],
        ),
        _("Exchange recorded: the new unit's warranty starts on the exchange day."),
    )


@require_POST
@roles_required(OFFICE_ROLES)
def cancel(request, pk: int):
    return _step(
        request,
        pk,
        "cancel",
        F.CancelForm,
        lambda rma, d: services.rma_cancel(actor=request.user, rma=rma, reason=d["reason"]),
        _("Return/exchange cancelled."),
    )


# --- policies ------------------------------------------------------------------------------------------------


@require_GET
@roles_required(POLICY_VIEW_ROLES)
def policies(request):
    context = {"policies": list(policy_list()), "may_edit": user_has_role(request.user, POLICY_EDIT_ROLES)}
    return render(request, "returns/policies.html", context)


def _policy_data(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k in F.POLICY_FIELDS}


@require_http_methods(["GET", "POST"])
@roles_required(POLICY_EDIT_ROLES)
def policy_create_view(request):
    form = F.PolicyCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.policy_create(
                    actor=request.user, product_category=form.cleaned_data["product_category"], **_policy_data(form)
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Return policy saved."))
                return redirect("returns:policies")
    return render(request, "returns/policy_form.html", {"form": form, "policy": None}, status=status)


@require_http_methods(["GET", "POST"])
@roles_required(POLICY_EDIT_ROLES)
def policy_edit(request, pk: int):
    policy = policy_get(pk)
    form = F.PolicyForm(request.POST or None, instance=policy_get(pk))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.policy_update(actor=request.user, policy=policy, **_policy_data(form))
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Return policy saved."))
                return redirect("returns:policies")
    return render(request, "returns/policy_form.html", {"form": form, "policy": policy}, status=status)


# --- the customer's page (no login: the link is the key) ---------------------------------------------------


@require_http_methods(["GET", "POST"])
def public(request, token: str):
    rma = rma_by_token(token)
    check = rma.eligibility
    remedies = check.remedies if check else []
    form = F.ChoiceForm(request.POST or None, remedies=remedies, initial={"remedy": rma.customer_choice})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.rma_customer_choose(rma=rma, remedy=form.cleaned_data["remedy"])
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Thank you: we have your choice."))
                return redirect("returns:public", token=token)
    may_choose = rma.status in CHOICE_STATUSES and len(remedies) > 0
    context = {
        "rma": rma,
        "unit": rma.unit,
        "check": check,
        "remedies": remedy_labels(remedies),
        "date_rows": date_rows(check.dates) if check else [],
        "form": form,
        "may_choose": may_choose,
        "new_unit": rma.new_unit,
    }
    response = render(request, "returns/public.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
