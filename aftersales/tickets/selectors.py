"""Reads with rules. Scoping (R-ROLE-1) lives in ``permissions.request_list_for``: every page,
search, export, htmx fragment and API call starts from it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.errors import ValidationFailed
from aftersales.core.pagination import Page, count_capped, keyset_page

from .choices import TRANSITIONS, Status, Transition
from .filters import DEFAULT_SORT, SORTS, ServiceRequestFilter
from .models import ServiceRequest, ServiceRequestEvent
from .permissions import attachment_list_for, request_can_act, request_list_for  # noqa: F401  (re-exported)
from .services import transition_allowed

LIST_RELATED = ("customer", "region", "assigned_technician", "product", "unit")


def request_get_for(user, *, pk: int | None = None, number: str | None = None) -> ServiceRequest:
    """One request the user may see, or 404 (never 403: foreign objects do not exist)."""
    qs = request_list_for(user).select_related(
        "customer",
        "unit",
        "unit__product",
        "product",
        "address",
        "region",
        "assigned_technician",
        "assigned_organization",
        "created_by",
    )
    lookup = {"pk": pk} if pk is not None else {"number": (number or "").upper()}
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


@dataclass
class RequestPage:
    page: Page
    filterset: ServiceRequestFilter
    sort: str
    count: int
    count_capped: bool


def request_page_for(user, params, *, size: int = 25) -> RequestPage:
    """Filtered, sorted, keyset-paginated requests for the queue and the API list."""
    filterset = ServiceRequestFilter(params, queryset=request_list_for(user))
    if not filterset.is_valid():
        raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in filterset.errors.items()})
    sort = params.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        raise ValidationFailed(fields={"sort": [_("Choose one of: %(v)s") % {"v": ", ".join(SORTS)}]})
    size = max(1, min(int(size), 100))
    qs = filterset.qs
    page = keyset_page(
        qs.select_related(*LIST_RELATED), order=SORTS[sort], cursor=params.get("cursor") or None, size=size
    )
    count, capped = count_capped(qs)
    return RequestPage(page=page, filterset=filterset, sort=sort, count=count, count_capped=capped)


def request_allowed_actions(user, request: ServiceRequest) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if transition_allowed(user, request, t.action)]


def request_timeline(request: ServiceRequest, *, viewer=None):
    """The request's timeline. Notes are internal: a customer sees status changes,
    attachments and edits, not the staff's notes."""
    events = request.events.select_related("actor").order_by("at", "id")
    if viewer is not None and viewer.role == Role.CUSTOMER and not viewer.is_superuser:
        events = events.exclude(kind=ServiceRequestEvent.Kind.NOTE)
    return events


def request_attachments(request: ServiceRequest):
    return request.attachments.order_by("created_at", "id")


def attachment_get_for(user, pk: int):
    attachment = attachment_list_for(user).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def request_count_for_customer(customer) -> int:
    return ServiceRequest.objects.filter(customer=customer).exclude(status=Status.CANCELLED).count()


def request_history_for_unit(user, unit) -> QuerySet[ServiceRequest]:
    return request_list_for(user).filter(unit=unit).order_by("-created_at")
