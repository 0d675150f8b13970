"""Parts pages. The parts team (parts clerk, manager, admin) runs everything; other
back-office staff read; a technician sees his own van on the phone; reads start from the
scoped selectors, so foreign objects answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F as Col
from django.db.models import Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.permissions import STAFF_ROLES
from aftersales.core.errors import DomainError
from aftersales.core.forms import domain_error_text, form_add_domain_error, form_page
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import roles_required
from aftersales.core.ranges import parse_id
from aftersales.tickets.selectors import request_get_for

from . import forms as F
from .choices import Store, TransferStatus, VanIssueStatus, WarehouseKind, transfer_actions_from
from .importing import catalogue_import, levels_export, opening_stock_import
from .permissions import (
    DEFECTIVE_ROLES,
    READER_ROLES,
    STOCK_ROLES,
    VAN_ISSUE_ROLES,
    VAN_ROLES,
    count_list_for,
    reservation_list_for,
    transfer_list_for,
)
from .selectors import (
    defective_list_for,
    defective_overdue_for,
    job_parts_cost,
    job_warehouse_list_for,
    level_list_for,
    low_stock_for,
    move_list_for,
    overstock_for,
    part_availability,
    part_get_for,
    part_list_for,
    reorder_rule_list_for,
    replenishment_suggestions,
    slow_moving_for,
    stock_value_by_warehouse,
    trace_for,
    van_issue_default_source,
    van_issue_get_for,
    van_issue_lines_with_stock,
    van_issue_list_for,
    van_issue_picker,
    van_of,
    van_stock,
    warehouse_get_for,
    warehouse_list_for,
    warehouse_source_list_for,
)
from .services import (
    adjustment_create,
    count_approve,
    count_create,
    count_enter,
    defective_return_receive,
    is_stock_staff,
    part_consume,
    part_create,
    part_reserve,
    part_update,
    receipt_create,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_update,
    reservation_release,
    transfer_allowed,
    transfer_create,
    transfer_transition,
    van_issue_decide,
    van_issue_request,
    warehouse_create,
    warehouse_update,
)

PAGE = 50
# The warehouse page: good store first, then by part (index stocklevel_wh_store_part).
LEVEL_ORDER = ["-store", "part_id", "lot", "id"]


# Parts team only (403 for everybody else).
staff_required = roles_required(STOCK_ROLES)
# Any back-office role reads the parts pages.
reader_required = roles_required(READER_ROLES)


def _form_view(request, form, context, *, run, then, done=None):
    """The page of one form (``parts/form.html``), as ``core.forms.form_page`` answers it."""
    return form_page(request, form, "parts/form.html", context, run=lambda _form: run(), done=done, then=then)


# --- home, catalogue, warehouses ------------------------------------------------------


@reader_required
@require_GET
def home(request):
    user = request.user
    values = stock_value_by_warehouse(user)
    low = low_stock_for(user)
    context = {
        "values": values,
        "total_value": sum((v["value"] for v in values), 0),
        "low": low[:10],
        "low_count": len(low),
        "overdue_count": defective_overdue_for(user).count(),
        "can_edit": is_stock_staff(user),
    }
    return render(request, "parts/home.html", context)


@reader_required
@require_GET
def part_list_view(request):
    qs = part_list_for(request.user)
    q = (request.GET.get("q") or "").strip()[:64]
    if q:
        qs = qs.filter(Q(code__istartswith=q) | Q(name__icontains=q))
    try:
        page = keyset_page(qs, order=["code", "id"], cursor=request.GET.get("cursor") or None, size=PAGE)
    except DomainError as exc:
        return render(request, "parts/part_list.html", {"error": exc, "q": q, "parts": []}, status=400)
    return render(
        request,
        "parts/part_list.html",
        {"page": page, "parts": page.items, "q": q, "can_edit": is_stock_staff(request.user)},
    )


@reader_required
@require_GET
def part_detail(request, pk):
    part = part_get_for(request.user, pk)
    carriers = part_availability([part.pk])[part.pk]
    rules = reorder_rule_list_for(request.user).filter(part=part).order_by("warehouse__code")
    return render(
        request,
        "parts/part_detail.html",
        {
            "part": part,
            "carriers": carriers,
            "compatible": part.compatible_products.all(),
            "rules": rules,
            "can_edit": is_stock_staff(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def part_edit(request, pk):
    part = part_get_for(request.user, pk)
    form = F.PartEditForm(request.POST or None, initial=F.PartEditForm.initial_for(part))
    ctx = {"title": _("Edit part %(code)s") % {"code": part.code}, "cancel_url": reverse("parts:part", args=[part.pk])}
    return _form_view(
        request,
        form,
        ctx,
        run=lambda: part_update(actor=request.user, part=part, **form.cleaned_data),
        done=_("Part saved."),
        then=lambda _result: redirect("parts:part", part.pk),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def part_new(request):
    form = F.PartForm(request.POST or None)
    return _form_view(
        request,
        form,
        {"title": _("New part")},
        run=lambda: part_create(actor=request.user, **form.cleaned_data),
        then=lambda obj: redirect("parts:part", obj.pk),
    )


@reader_required
@require_GET
def warehouse_list_view(request):
    qs = warehouse_list_for(request.user).select_related("organization", "technician", "region").order_by("code")
    return render(request, "parts/warehouse_list.html", {"warehouses": qs, "can_edit": is_stock_staff(request.user)})


@staff_required
@require_http_methods(["GET", "POST"])
def warehouse_new(request):
    form = F.WarehouseForm(request.POST or None)
    return _form_view(
        request,
        form,
        {"title": _("New warehouse")},
        run=lambda: warehouse_create(actor=request.user, **form.cleaned_data),
        then=lambda obj: redirect("parts:warehouse", obj.pk),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def warehouse_edit(request, pk):
    wh = warehouse_get_for(request.user, pk)
    form = F.WarehouseEditForm(request.POST or None, warehouse=wh)
    ctx = {
        "title": _("Edit warehouse %(code)s") % {"code": wh.code},
        "cancel_url": reverse("parts:warehouse", args=[wh.pk]),
    }
    return _form_view(
        request,
        form,
        ctx,
        run=lambda: warehouse_update(actor=request.user, warehouse=wh, **form.cleaned_data),
        done=_("Warehouse saved."),
        then=lambda _result: redirect("parts:warehouse", wh.pk),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def reorder_rules(request, pk):
    """The reorder rules of one warehouse, with available stock, and the form to add one."""
    wh = warehouse_get_for(request.user, pk)
    form = F.ReorderRuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = reorder_rule_create(actor=request.user, warehouse=wh, **form.cleaned_data)
                messages.success(request, _("Reorder rule for %(part)s added.") % {"part": rule.part.code})
                return redirect("parts:reorder_rules", wh.pk)
            except DomainError as exc:
                form_add_domain_error(form, exc)
        status = 400
    qs = reorder_rule_list_for(request.user).filter(warehouse=wh).annotate(part_code=Col("part__code"))
    try:
        page = keyset_page(qs, order=["part_code", "id"], cursor=request.GET.get("cursor") or None, size=PAGE)
    except DomainError as exc:
        return render(
            request, "parts/reorder_rules.html", {"warehouse": wh, "rules": [], "form": form, "error": exc}, status=400
        )
    available = dict(
        level_list_for(request.user)
        .filter(warehouse=wh, store=Store.GOOD, part_id__in=[r.part_id for r in page.items])
        .values("part_id")
        .annotate(a=Sum(Col("on_hand") - Col("reserved")))
        .values_list("part_id", "a")
    )
    for rule in page.items:
        rule.available = available.get(rule.part_id, 0)
    return render(
        request,
        "parts/reorder_rules.html",
        {"warehouse": wh, "rules": page.items, "page": page, "form": form},
        status=status,
    )


def _rule_for(user, pk):
    return get_object_or_404(reorder_rule_list_for(user), pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def reorder_rule_edit(request, pk):
    rule = _rule_for(request.user, pk)
    initial = {f: getattr(rule, f) for f in F.ReorderRuleEditForm.base_fields}
    form = F.ReorderRuleEditForm(request.POST or None, initial=initial)
    ctx = {
        "title": _("Reorder rule: %(part)s at %(wh)s") % {"part": rule.part.code, "wh": rule.warehouse.code},
        "cancel_url": reverse("parts:reorder_rules", args=[rule.warehouse_id]),
    }
    return _form_view(
        request,
        form,
        ctx,
        run=lambda: reorder_rule_update(actor=request.user, rule=rule, **form.cleaned_data),
        done=_("Reorder rule saved."),
        then=lambda _result: redirect("parts:reorder_rules", rule.warehouse_id),
    )


@staff_required
@require_POST
def reorder_rule_delete_view(request, pk):
    rule = _rule_for(request.user, pk)
    reorder_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Reorder rule for %(part)s removed.") % {"part": rule.part.code})
    return redirect("parts:reorder_rules", rule.warehouse_id)


@roles_required(STAFF_ROLES)
@require_GET
def warehouse_detail(request, pk):
    wh = warehouse_get_for(request.user, pk)
    levels = level_list_for(request.user).filter(warehouse=wh).exclude(on_hand=0, reserved=0).select_related("part")
    try:
        page = keyset_page(levels, order=LEVEL_ORDER, cursor=request.GET.get("cursor") or None, size=PAGE)
    except DomainError as exc:
        return render(request, "parts/warehouse_detail.html", {"warehouse": wh, "levels": [], "error": exc}, status=400)
    context = {"warehouse": wh, "levels": page.items, "page": page, "can_edit": is_stock_staff(request.user)}
    return render(request, "parts/warehouse_detail.html", context)


@reader_required
@require_GET
def levels_xlsx(request):
    levels = level_list_for(request.user).exclude(on_hand=0, reserved=0)
    if warehouse_id := parse_id(request.GET.get("warehouse")):
        levels = levels.filter(warehouse_id=warehouse_id)
    response = HttpResponse(
        levels_export(levels), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="stock-levels.xlsx"'
    return response


@roles_required(STAFF_ROLES)
@require_GET
def move_list_view(request):
    qs = move_list_for(request.user).select_related("part", "warehouse", "actor", "request")
    for key, field in (("warehouse", "warehouse_id"), ("part", "part_id")):
        if value := parse_id(request.GET.get(key)):
            qs = qs.filter(**{field: value})
    if request.GET.get("type"):
        qs = qs.filter(move_type=request.GET["type"][:16])
    try:
        page = keyset_page(qs, order=["-at", "-id"], cursor=request.GET.get("cursor") or None, size=PAGE)
    except DomainError as exc:
        return render(request, "parts/move_list.html", {"error": exc, "moves": []}, status=400)
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(request, "parts/move_list.html", {"page": page, "moves": page.items, "params": params.urlencode()})


# --- documents ------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def receipt_new(request):
    form = F.ReceiptForm(request.POST or None)
    ctx = {"title": _("Purchase receipt")}
    return _form_view(
        request,
        form,
        ctx,
        run=lambda: receipt_create(actor=request.user, **form.cleaned_data),
        done=lambda r: _("Receipt %(n)s booked.") % {"n": r.number},
        then=lambda r: redirect("parts:warehouse", r.warehouse_id),
    )


@reader_required
@require_GET
def transfer_list(request):
    qs = transfer_list_for(request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in TransferStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "parts/transfer_list.html",
        {"transfers": qs[:200], "statuses": TransferStatus.choices, "status": status},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def transfer_new(request):
    form = F.TransferForm(request.POST or None)
    ctx = {"title": _("New transfer")}
    return _form_view(
        request,
        form,
        ctx,
        run=lambda: transfer_create(actor=request.user, **form.cleaned_data),
        then=lambda obj: redirect("parts:transfer", obj.pk),
    )


def _transfer_for(user, pk):
    return get_object_or_404(transfer_list_for(user), pk=pk)


@roles_required(STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def transfer_detail(request, pk):
    transfer = _transfer_for(request.user, pk)
    form = F.ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")[:16]
        try:
            transfer_transition(
                actor=request.user, transfer=transfer, action=action, reason=request.POST.get("reason", "")[:200]
            )
            return redirect("parts:transfer", transfer.pk)
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            form_add_domain_error(form, exc)
            status = 400 if exc.status < 409 else exc.status
    actions = [t for t in transfer_actions_from(transfer.status) if transfer_allowed(request.user, transfer, t.action)]
    lines = transfer.lines.select_related("part")
    return render(
        request,
        "parts/transfer_detail.html",
        {"transfer": transfer, "lines": lines, "actions": actions, "form": form},
        status=status,
    )


def _van_issue_form(request, data=None):
    """The "ask for parts" form of ``request.user``: a technician for his own van, the parts team for any;
    the source is any active warehouse that is not a van (the central one too, which a technician cannot
    browse). Returns the form and the van and source the picker shows."""
    user = request.user
    staff = is_stock_staff(user)
    vans = warehouse_list_for(user).filter(kind=WarehouseKind.VAN, is_active=True).order_by("code")
    sources = warehouse_source_list_for(user).exclude(kind=WarehouseKind.VAN)
    van = van_of(user) if not staff else None
    picked = data if data is not None else request.GET
    if van_id := parse_id(picked.get("van")):
        van = vans.filter(pk=van_id).first() or van
    source = None
    if source_id := parse_id(picked.get("source")):
        source = sources.filter(pk=source_id).first()
    if source is None:
        source = van_issue_default_source(sources, van)
    form = F.VanIssueForm(
        data,
        vans=vans,
        sources=sources,
        parts=part_list_for(user),
        initial={"van": van, "source": source},
    )
    return form, van, source


def _picker_context(request, van, source, data=None) -> dict:
    chosen = F.VanIssueForm.chosen(data if data is not None else request.GET)
    return {
        "rows": van_issue_picker(request.user, van=van, source=source, chosen=chosen),
        "van": van,
        "source": source,
    }


@roles_required(VAN_ISSUE_ROLES)
@require_http_methods(["GET", "POST"])
def van_issue_list(request):
    """Technicians ask for parts on their van by picking them from the catalogue (what the van holds
    and what the source has shown on each line); the parts team sees every request with its lines and
    approves or rejects it."""
    user = request.user
    staff = is_stock_staff(user)
    data = request.POST if request.method == "POST" else None
    form, van, source = _van_issue_form(request, data)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issue = van_issue_request(
                    actor=user,
                    van=form.cleaned_data["van"],
                    source=form.cleaned_data["source"],
                    lines=form.cleaned_data["lines"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Request %(number)s sent to the parts team.") % {"number": issue.number})
                return redirect("parts:van_issues")
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied from exc
                form_add_domain_error(form, exc)
        status = 400
    issues = list(van_issue_list_for(user).select_related("decided_by").order_by("-created_at", "-id")[:100])
    if staff:  # the ones waiting for an answer first
        issues.sort(key=lambda i: i.status != VanIssueStatus.REQUESTED)
    lines = van_issue_lines_with_stock(issues)
    for issue in issues:
        issue.stock_lines = lines[issue.pk]
    context = {"issues": issues, "form": form, "staff": staff, **_picker_context(request, van, source, data)}
    return render(request, "parts/van_issue_list.html", context, status=status)


@roles_required(VAN_ISSUE_ROLES)
@require_GET
def van_issue_picker_view(request):
    """htmx fragment: the picker's lines again for another van or source, keeping the quantities typed."""
    _form, van, source = _van_issue_form(request)
    return render(request, "parts/_van_issue_picker.html", _picker_context(request, van, source))


@roles_required(VAN_ISSUE_ROLES)
@require_GET
def van_issue_detail(request, pk):
    issue = van_issue_get_for(request.user, pk)
    lines = van_issue_lines_with_stock([issue])[issue.pk]
    context = {"issue": issue, "lines": lines, "staff": is_stock_staff(request.user)}
    return render(request, "parts/van_issue_detail.html", context)


@staff_required
@require_POST
def van_issue_decide_view(request, pk):
    issue = get_object_or_404(van_issue_list_for(request.user), pk=pk, status=VanIssueStatus.REQUESTED)
    approve = request.POST.get("approve") == "1"
    try:
        van_issue_decide(actor=request.user, issue=issue, approve=approve, reason=request.POST.get("reason", "")[:200])
        if approve:
            messages.success(request, _("%(number)s approved: the parts are on the van.") % {"number": issue.number})
        else:
            messages.info(request, _("%(number)s rejected.") % {"number": issue.number})
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    if request.POST.get("next") == "detail":
        return redirect("parts:van_issue", issue.pk)
    return redirect("parts:van_issues")


@roles_required(STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def job_parts(request, request_id):
    """Reservations and consumptions of one job, its parts cost, and the booking form."""
    job = request_get_for(request.user, pk=request_id)
    usable = job_warehouse_list_for(request.user).order_by("code")  # a technician: his van and counters
    form = F.JobPartForm(request.POST or None, warehouses=usable, initial={"warehouse": van_of(request.user)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            kwargs = {
                "actor": request.user,
                "request": job,
                "part": data["part"],
                "quantity": data["quantity"],
                "warehouse": data["warehouse"],
                "lot": data["lot"],
            }
            try:
                if request.POST.get("op") == "reserve":
                    part_reserve(**kwargs)
                else:
                    part_consume(old_serial=data["old_serial"], **kwargs)
                return redirect("parts:job", job.pk)
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied from exc
                form_add_domain_error(form, exc)
        status = 400
    reservations = (
        reservation_list_for(request.user)
        .filter(request=job)
        .select_related("part", "warehouse")
        .order_by("-created_at")
    )
    cost = job_parts_cost(job)
    returns = defective_list_for(request.user).filter(request=job)
    return render(
        request,
        "parts/job_parts.html",
        {"job": job, "form": form, "reservations": reservations, "cost": cost, "returns": returns},
        status=status,
    )


@roles_required(STAFF_ROLES)
@require_POST
def reservation_release_view(request, pk):
    res = get_object_or_404(reservation_list_for(request.user), pk=pk)
    try:
        reservation_release(actor=request.user, reservation=res)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("parts:job", res.request_id)


@roles_required(DEFECTIVE_ROLES)
@require_http_methods(["GET", "POST"])
def defective_list(request):
    user = request.user
    overdue = request.GET.get("overdue") == "1"
    qs = defective_overdue_for(user) if overdue else defective_list_for(user)
    if request.method == "POST":
        ret = get_object_or_404(defective_list_for(user), pk=parse_id(request.POST.get("id")) or 0)
        form = F.ReceiveDefectiveForm(request.POST, warehouses=warehouse_list_for(user))
        if form.is_valid():
            try:
                defective_return_receive(actor=user, defective_return=ret, warehouse=form.cleaned_data["warehouse"])
                messages.success(request, _("Old part received."))
                return redirect("parts:defective")
            except DomainError as exc:
                messages.error(request, exc.message)
        else:
            messages.error(request, _("Choose the warehouse."))
        return redirect("parts:defective")
    return render(
        request,
        "parts/defective_list.html",
        {
            "returns": qs.order_by("status", "due_date", "id")[:300],
            "overdue": overdue,
            "warehouses": warehouse_list_for(user).order_by("code"),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def adjustment_new(request):
    form = F.AdjustmentForm(request.POST or None)
    ctx = {"title": _("Stock adjustment")}
    return _form_view(
        request,
        form,
        ctx,
        run=lambda: adjustment_create(actor=request.user, **form.cleaned_data),
        done=_("Adjustment booked."),
        then=lambda adj: redirect("parts:warehouse", adj.warehouse_id),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def count_list(request):
    form = F.CountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return redirect("parts:count", count_create(actor=request.user, **form.cleaned_data).pk)
        except DomainError as exc:
            form_add_domain_error(form, exc)
    counts = count_list_for(request.user).order_by("-created_at", "-id")[:100]
    return render(
        request, "parts/count_list.html", {"counts": counts, "form": form}, status=400 if form.errors else 200
    )


@staff_required
@require_http_methods(["GET", "POST"])
def count_detail(request, pk):
    count = get_object_or_404(count_list_for(request.user), pk=pk)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("op") == "approve":
                count_approve(actor=request.user, count=count)
            else:
                counted = {}
                for key, value in request.POST.items():
                    line_id = parse_id(key[5:]) if key.startswith("line_") else None
                    if line_id and value.strip() != "":
                        try:
                            counted[line_id] = int(value)
                        except ValueError:
                            counted[line_id] = -1
                count_enter(actor=request.user, count=count, counted=counted)
            return redirect("parts:count", count.pk)
        except DomainError as exc:
            error = exc
        count.refresh_from_db()
    lines = count.lines.select_related("part")
    return render(
        request,
        "parts/count_detail.html",
        {"count": count, "lines": lines, "error": error},
        status=400 if error else 200,
    )


# --- traceability, replenishment, van, availability, import ---------------------------


@reader_required
@require_GET
def trace(request):
    form = F.TraceForm(request.GET or None)
    result = trace_for(request.user, form.cleaned_data["lot"]) if form.is_valid() else None
    return render(request, "parts/trace.html", {"form": form, "trace": result}, status=400 if form.errors else 200)


@reader_required
@require_GET
def replenishment(request):
    """What to order (the low-stock list: the same rule and rows as the alerts), the reorder points
    that demand suggests with the method in words, slow-moving and overstock."""
    user = request.user
    suggestions = replenishment_suggestions(user)
    return render(
        request,
        "parts/replenishment.html",
        {
            "low": low_stock_for(user),
            "suggestions": suggestions,
            "slow": slow_moving_for(user)[:100],
            "overstock": overstock_for(user, suggestions=suggestions)[:100],
            "can_edit": is_stock_staff(user),
        },
    )


@roles_required(VAN_ROLES)
@require_GET
def my_van(request):
    van = van_of(request.user)
    if van is None:
        return render(request, "parts/my_van.html", {"van": None})
    return render(
        request,
        "parts/my_van.html",
        {
            "van": van,
            "levels": van_stock(van),
            "pending": defective_list_for(request.user).filter(status="pending", technician=request.user),
        },
    )


@reader_required
@require_GET
def who_carries(request):
    """htmx fragment for dispatch: who carries these parts (``?part=1&part=2[&region=3]``)."""
    ids = [n for n in map(parse_id, request.GET.getlist("part")) if n][:20]
    region = parse_id(request.GET.get("region"))
    parts = {p.pk: p for p in part_list_for(request.user).filter(pk__in=ids)}
    availability = part_availability(list(parts), region=region)
    rows = [(parts[pid], carriers) for pid, carriers in availability.items()]
    return render(request, "parts/_who_carries.html", {"rows": rows})


@staff_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    form = F.ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fn = catalogue_import if form.cleaned_data["kind"] == "catalogue" else opening_stock_import
            try:
                report = fn(actor=request.user, upload=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
                status = 200 if report.ok else 400
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = 400
        else:
            status = 400
    return render(request, "parts/import.html", {"form": form, "report": report}, status=status)
