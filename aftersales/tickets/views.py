"""Service-request pages: intake, queue, detail, and the detail page's posts.

Views are thin: check input and permission, call one service or selector, render.
Scoping comes from ``selectors.request_list_for``; foreign requests answer 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.catalog.selectors import unit_warranty
from aftersales.core.errors import DomainError, ValidationFailed
from aftersales.core.forms import form_action, form_add_domain_error
from aftersales.core.permissions import roles_required
from aftersales.core.ranges import parse_id
from aftersales.core.uploads import download_response
from aftersales.customers.selectors import customer_get_for, customer_search, region_list

from .choices import TERMINAL_STATUSES, Action, Channel, Priority, ServiceType, Status
from .filters import SORT_LABELS, ServiceRequestFilter
from .forms import (
    AttachmentForm,
    IntakeForm,
    NoteForm,
    PriorityForm,
    TransitionForm,
    technicians_for,
)
from .permissions import EDIT_ROLES, request_can_edit
from .queue_rows import QUEUE_ROW_FIELDS, queue_rows_prepare
from .selectors import (
    attachment_get_for,
    request_allowed_actions,
    request_attachments,
    request_get_for,
    request_list_for,
    request_page_for,
    request_timeline,
)
from .services import attachments_add, request_add_note, request_create, request_transition, request_update
from .slots import QUEUE_ROWS, REQUEST_PROMISE, REQUEST_SIDE
from .views_intake import customer_panel_context, intake_role_required

# Actions whose button opens a small form: a reason (required or optional) or a technician.
NOTE_ACTIONS = frozenset({Action.RESOLVE_REMOTELY, Action.COMPLETE, Action.FOLLOW_UP, Action.CLOSE})


# --- intake -----------------------------------------------------------------


def _intake_success_message(service_request) -> str:
    if service_request.first_contact_resolution:
        return _("Answered at first contact; request %(number)s is closed.") % {"number": service_request.number}
    # The time limits come from the SLA rule that applies to this request (R-SR-3).
    promise = next((text for text in REQUEST_PROMISE.call(service_request) if text), "")
    if promise:
        return _("Acknowledged. A dispatcher will assign a technician; %(promise)s.") % {"promise": promise}
    return _("Acknowledged. A dispatcher will assign a technician.")


def _file_request(user, data: dict):
    answer = data["answer"].strip()
    return request_create(
        actor=user,
        customer=data["customer"],
        channel=data["channel"],
        service_type=data["service_type"],
        priority=data["priority"],
        description=data["description"],
        unit=data["unit"],
        address=data["address"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        acknowledge=not answer,
        answer=answer,
        uploads=data["files"],
    )


@require_http_methods(["GET", "POST"])
@intake_role_required
def intake(request):
    user = request.user
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                service_request = _file_request(user, form.cleaned_data)
            except DomainError as exc:
                form_add_domain_error(form, exc, field_map={"file": "files"})
            else:
                messages.success(request, _intake_success_message(service_request))
                return redirect("tickets:detail", pk=service_request.pk)
        status = 422
        customer_id, unit_id, address_id = (request.POST.get(k) for k in ("customer", "unit", "address"))
    else:
        form = IntakeForm(user=user)
        customer_id, unit_id, address_id = request.GET.get("customer"), request.GET.get("unit"), None
    q = (request.GET.get("q") or "").strip()[:100]
    customers = customer_search(user, q) if q else []
    prefetch_related_objects(customers, "addresses")
    context = {"form": form, "q": q, "customers": customers, "customer": None}
    if customer_id := parse_id(customer_id):
        customer = customer_get_for(user, customer_id)
        context.update(customer_panel_context(user, customer, unit_id=unit_id, address_id=address_id))
    return render(request, "tickets/intake/page.html", context, status=status)


# --- queue ------------------------------------------------------------------


def _non_empty(query):
    """The query without empty values: an "All" choice in the filter form sends ``type=``."""
    params = query.copy()
    for key in list(params):
        values = [v for v in params.getlist(key) if v.strip()]
        if values:
            params.setlist(key, values)
        else:
            del params[key]
    return params


# Columns of the queue's table a user may hide (number, customer and status always show).
QUEUE_COLUMNS = (
    ("created", gettext_lazy("Created")),
    ("phone", gettext_lazy("Phone")),
    ("product", gettext_lazy("Product / serial")),
    ("type", gettext_lazy("Type")),
    ("priority", gettext_lazy("Priority")),
    ("sla", gettext_lazy("SLA")),
    ("region", gettext_lazy("Region")),
    ("technician", gettext_lazy("Technician")),
)


@require_GET
@login_required
def queue(request):
    user = request.user
    params = _non_empty(request.GET)
    try:
        result = request_page_for(user, params, fields=QUEUE_ROW_FIELDS)
        errors = None
    except ValidationFailed as exc:
        result, errors = None, exc
    filterset = result.filterset if result else ServiceRequestFilter(params, queryset=request_list_for(user))
    form = filterset.form
    partial = bool(request.htmx and request.htmx.target == "queue-results" and not request.htmx.history_restore_request)
    if errors is not None:
        form.is_valid()  # make sure the bound form shows its own errors
    context = {
        "result": result,
        "rows": result.page.items if result else [],
        "errors": errors,
        "filter_form": form,
        "statuses": Status.choices,
        "selected_statuses": params.getlist("status"),
        "choices": {"service_type": ServiceType.choices, "priority": Priority.choices, "channel": Channel.choices},
        "selected": {k: params.getlist(k) for k in ("service_type", "priority", "channel", "region")},
        "regions": list(region_list().values_list("pk", "name")) if not partial else [],
        "filters_active": any(k not in ("sort", "cursor", "q") for k in params),
        "sort": result.sort if result else "-created",
        "sort_labels": SORT_LABELS.items(),
        "columns": QUEUE_COLUMNS,
    }
    QUEUE_ROWS.call(context["rows"])  # e.g. the SLA badge of every row, in one query
    queue_rows_prepare(context["rows"])  # each row's HTML, built once (table and card)
    template = "tickets/queue/_results.html" if partial else "tickets/queue/page.html"
    return render(request, template, context, status=400 if errors else 200)


# --- detail -----------------------------------------------------------------


@require_GET
@login_required
def detail(request, pk: int):
    user = request.user
    service_request = request_get_for(user, pk=pk)
    actions = request_allowed_actions(user, service_request)
    action_names = {t.action for t in actions}
    context = {
        "sr": service_request,
        "timeline": list(request_timeline(service_request, viewer=request.user)),
        "attachments": list(request_attachments(service_request)),
        "actions": actions,
        "note_actions": NOTE_ACTIONS,
        "unit_warranty": unit_warranty(service_request.unit) if service_request.unit_id else None,
        "technicians": list(technicians_for(user)) if Action.ASSIGN in action_names else [],
        "note_form": NoteForm(),
        "attachment_form": AttachmentForm(),
        # The priority select is written out in the template (a bound form's widget rendering
        # cost more than the rest of its card); its choices are the form's.
        "priority_form": request_can_edit(user, service_request) and service_request.status not in TERMINAL_STATUSES,
        "priority_choices": PriorityForm.base_fields["priority"].choices,
        "side_panels": REQUEST_SIDE.render(request, service_request),  # what the apps above add
    }
    return render(request, "tickets/detail/page.html", context)


def _back(request, pk: int):
    """Back to the detail page, or the queue when the user may no longer see it."""
    if request_list_for(request.user).filter(pk=pk).exists():
        return redirect("tickets:detail", pk=pk)
    return redirect("tickets:queue")


@require_POST
@login_required
def transition(request, pk: int):
    service_request = request_get_for(request.user, pk=pk)
    form = TransitionForm(request.POST, user=request.user)
    return form_action(
        request,
        form,
        run=lambda data: request_transition(
            actor=request.user,
            request=service_request,
            action=data["action"],
            reason=data["reason"],
            technician=data["technician"],
        ),
        done=lambda updated: (
            _("Done: %(action)s. The request is now “%(status)s”.")
            % {"action": Action(form.cleaned_data["action"]).label, "status": Status(updated.status).label}
        ),
        back=lambda: _back(request, pk),
    )


@require_POST
@login_required
def note_add(request, pk: int):
    service_request = request_get_for(request.user, pk=pk)
    return form_action(
        request,
        NoteForm(request.POST),
        invalid=_("Write a note."),
        run=lambda data: request_add_note(actor=request.user, request=service_request, text=data["text"]),
        done=_("Note added."),
        back=lambda: _back(request, pk),
    )


@require_POST
@login_required
def attachment_upload(request, pk: int):
    service_request = request_get_for(request.user, pk=pk)
    return form_action(
        request,
        AttachmentForm(request.POST, request.FILES),
        invalid=_("Choose a photo or a video to upload."),
        run=lambda data: attachments_add(
            actor=request.user, request=service_request, uploads=data["files"], field="files"
        ),
        done=lambda added: _("%(n)d file(s) attached.") % {"n": len(added)},
        back=lambda: _back(request, pk),
    )


@require_POST
@roles_required(EDIT_ROLES)
def request_edit(request, pk: int):
    service_request = request_get_for(request.user, pk=pk)
    return form_action(
        request,
        PriorityForm(request.POST),
        invalid=_("Choose a priority."),
        run=lambda data: request_update(actor=request.user, request=service_request, priority=data["priority"]),
        done=lambda updated: _("Priority set to %(priority)s.") % {"priority": Priority(updated.priority).label},
        back=lambda: _back(request, pk),
    )


@require_GET
@login_required
def attachment_download(request, pk: int):
    attachment = attachment_get_for(request.user, pk)
    return download_response(
        attachment.file,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        inline=request.GET.get("inline") == "1",
    )
