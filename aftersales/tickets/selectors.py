"""Reads with rules. Scoping (R-ROLE-1) lives in ``permissions.request_list_for``: every page,
search, export, htmx fragment and API call starts from it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.catalog.models import Product, ProductUnit
from aftersales.core.compiled import CompiledLookup
from aftersales.core.errors import ValidationFailed
from aftersales.core.pagination import Page, count_capped, keyset_page

from .choices import TRANSITIONS, Status, Transition
from .filters import DEFAULT_SORT, SORTS, ServiceRequestFilter
from .models import Attachment, ServiceRequest, ServiceRequestEvent
from .permissions import attachment_list_for, request_can_act, request_list_for  # noqa: F401  (re-exported)
from .services import DETAIL_RELATED, transition_allowed

# Joined: the three relations every row has. The rest is loaded by primary key after
# the request rows (``related_load``): the planner's cost about doubles with every
# further LEFT JOIN (PostgreSQL 15, a million requests: a pk lookup plans in 0.15 ms with
# one join, 0.3 ms with three, 2.5 ms with six and 18 ms with nine; a queue page in
# 0.5 ms with three, 2–4.5 ms with five), while a pk lookup costs a tenth of that.
JOINED = ("customer", "product", "region")
# Sorts an index (status, …the sort's columns) serves: sr_status_created, sr_status_priority.
SPLIT_SORTS = frozenset({"-created", "created", "priority"})
LIST_RELATED = ("assigned_technician", "unit")


_BY_PK: dict[type, CompiledLookup] = {}


def _by_pks(model, ids: set) -> dict:
    """{pk: object} of ``model`` (one row, a request page's technician: compiled once per model)."""
    if len(ids) == 1:
        lookup = _BY_PK.get(model)
        if lookup is None:
            lookup = _BY_PK[model] = CompiledLookup(lambda pk: model._base_manager.filter(pk=pk).order_by())
        (pk,) = ids
        return {obj.pk: obj for obj in lookup.rows(pk)}
    # Unordered: a model's default ordering (organizations by name) only costs a sort here.
    return model._base_manager.order_by().in_bulk(sorted(ids))


def related_load(requests: list[ServiceRequest], names=DETAIL_RELATED) -> list[ServiceRequest]:
    """Fill the foreign keys ``names`` of ``requests`` with one ``pk IN (…)`` query per
    related model (users once for technician and creator), skipping what is cached.
    A unit gets the request's product when it is the same (it nearly always is)."""
    wanted: dict[type, set] = defaultdict(set)
    fields = [ServiceRequest._meta.get_field(name) for name in names]
    for field in fields:
        for obj in requests:
            value = getattr(obj, field.attname)
            if value is not None and not field.is_cached(obj):
                wanted[field.related_model].add(value)
    loaded = {model: _by_pks(model, ids) for model, ids in wanted.items()}
    for field in fields:
        for obj in requests:
            value = getattr(obj, field.attname)
            if not field.is_cached(obj):
                field.set_cached_value(obj, loaded[field.related_model].get(value) if value is not None else None)
    if "unit" in names:
        products = {}
        for obj in requests:
            if obj.unit is not None and obj.product_id == obj.unit.product_id and obj.product is not None:
                ProductUnit._meta.get_field("product").set_cached_value(obj.unit, obj.product)
            elif obj.unit is not None:
                products.setdefault(obj.unit.product_id, []).append(obj.unit)
        if products:
            for product in Product.objects.filter(pk__in=list(products)):
                for unit in products[product.pk]:
                    ProductUnit._meta.get_field("product").set_cached_value(unit, product)
    return requests


def _request_by(lookup: str) -> CompiledLookup:
    # One request also joins its unit and address (PostgreSQL plans five joins in ~0.7 ms
    # instead of ~0.25, and two queries fewer save ~1 ms of the caller's CPU). No ORDER BY:
    # one row. Compiled once (the ORM's compilation cost more than the prepared lookup's run).
    return CompiledLookup(
        lambda value: (
            ServiceRequest.objects.select_related(*JOINED, "unit", "address").filter(**{lookup: value}).order_by()[:1]
        ),
        (int if lookup == "pk" else str,),
    )


_REQUEST_BY_PK = _request_by("pk")
_REQUEST_BY_NUMBER = _request_by("number")


def request_get_for(user, *, pk: int | None = None, number: str | None = None) -> ServiceRequest:
    """One request the user may see, or 404 (never 403: foreign objects do not exist).

    Read by key, then the scope's rule answered in memory (``request_can_act``, the same rule
    as ``request_list_for``; the customer, which a customer's rule reads, is joined)."""
    obj = _REQUEST_BY_PK.first(int(pk)) if pk is not None else _REQUEST_BY_NUMBER.first((number or "").upper())
    if obj is None or not request_can_act(user, obj):
        raise Http404
    return related_load([obj])[0]


@dataclass
class RequestPage:
    page: Page
    filterset: ServiceRequestFilter
    sort: str
    count: int
    count_capped: bool


def request_page_for(user, params, *, size: int = 25, fields: tuple[str, ...] | None = None) -> RequestPage:
    """Filtered, sorted, keyset-paginated requests for the queue and the API list.

    ``fields``: the columns the caller reads of a row and of its joined customer, product and
    region (``QuerySet.only``; default all): the queue page shows a dozen of 29."""
    filterset = ServiceRequestFilter(params, queryset=request_list_for(user))
    if not filterset.is_valid():
        raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in filterset.errors.items()})
    sort = params.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        raise ValidationFailed(fields={"sort": [_("Choose one of: %(v)s") % {"v": ", ".join(SORTS)}]})
    size = max(1, min(int(size), 100))
    qs = filterset.qs
    order = SORTS[sort]
    # The page's keys first, with no join: when the planner gathers candidates and sorts
    # them (a search, a status set), a join would run for every candidate, not for the 25
    # shown. Then the 25 rows with what they show, by primary key.
    keys = [name.lstrip("-") for name in order]
    # A status set sorted by creation or urgency, without a search: one short walk of
    # (status, created…) or (status, priority…) per status, merged (a set of open
    # statuses holds thousands of rows, which the planner read and sorted).
    statuses = filterset.form.cleaned_data.get("status") or []
    split = ("status", sorted(set(statuses))) if sort in SPLIT_SORTS and not params.get("q") else None
    page = keyset_page(qs.only(*keys), order=order, cursor=params.get("cursor") or None, size=size, split=split)
    if page.items:
        rows = ServiceRequest.objects.select_related(*JOINED)
        rows = (rows.only(*fields) if fields else rows).in_bulk([r.pk for r in page.items])
        page.items = [rows[r.pk] for r in page.items if r.pk in rows]
    related_load(page.items, LIST_RELATED)
    count, capped = count_capped(qs)
    return RequestPage(page=page, filterset=filterset, sort=sort, count=count, count_capped=capped)


def request_allowed_actions(user, request: ServiceRequest) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if transition_allowed(user, request, t.action)]


# A request page's timeline and files (compiled once: core.compiled). A customer does not see notes.
_TIMELINE = CompiledLookup(
    lambda pk: ServiceRequestEvent.objects.filter(request_id=pk).select_related("actor").order_by("at", "id")
)
_TIMELINE_PUBLIC = CompiledLookup(
    lambda pk: (
        ServiceRequestEvent.objects.filter(request_id=pk)
        .exclude(kind=ServiceRequestEvent.Kind.NOTE)
        .select_related("actor")
        .order_by("at", "id")
    )
)
_ATTACHMENTS = CompiledLookup(lambda pk: Attachment.objects.filter(request_id=pk).order_by("created_at", "id"))


def request_timeline(request: ServiceRequest, *, viewer=None) -> list[ServiceRequestEvent]:
    """The request's timeline. Notes are internal: a customer sees status changes,
    attachments and edits, not the staff's notes."""
    public = viewer is not None and viewer.role == Role.CUSTOMER and not viewer.is_superuser
    return (_TIMELINE_PUBLIC if public else _TIMELINE).rows(request.pk, known={"request": request})


def request_attachments(request: ServiceRequest) -> list:
    return _ATTACHMENTS.rows(request.pk, known={"request": request})


def attachment_get_for(user, pk: int):
    attachment = attachment_list_for(user).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def request_count_for_customer(customer, *, up_to: int | None = None) -> int:
    """Requests of ``customer`` that were not cancelled; ``up_to``: stop counting there."""
    qs = ServiceRequest.objects.filter(customer=customer).exclude(status=Status.CANCELLED)
    return qs.count() if up_to is None else qs.values("id")[:up_to].count()


def request_history_for_unit(user, unit) -> QuerySet[ServiceRequest]:
    return request_list_for(user).filter(unit=unit).order_by("-created_at")
