"""Reads for field service, scoped to the user (R-FLD-1, R-FLD-5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from aftersales.core.compiled import CompiledLookup

from .choices import ChargeReason, LineKind, SignaturePurpose, SignerRole
from .models import Fault, FaultCategory, FaultCause, FunctionCheck, Quote, Visit
from .permissions import (  # noqa: F401  (re-exported: callers read the rules from the selectors too)
    payment_list_for,
    quote_list_for,
    visit_list_for,
    visit_part_list_for,
    visit_photo_list_for,
)
from .sanbao import SanbaoFacts, unit_sanbao_facts  # noqa: F401  (the 三包 counters, read by returns)
from .signatures import signature_data_uri


def visit_get_for(user, pk: int) -> Visit:
    visit = (
        visit_list_for(user)
        .select_related(
            "request",
            "request__customer",
            "request__unit",
            "request__unit__product",
            "request__product",
            "request__address",
            "technician",
            "fault",
            "fault__category",
            "fault_cause",
        )
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def form_signature(visit: Visit):
    """The customer's latest signature on the visit's service form, with ``data_uri`` (its image, for the page);
    None before the customer has signed."""
    sig = (
        visit.signatures.filter(purpose=SignaturePurpose.FORM, role=SignerRole.CUSTOMER)
        .order_by("-signed_at", "-id")
        .first()
    )
    if sig is not None:
        sig.data_uri = signature_data_uri(sig.image)
    return sig


def visit_by_token(token: str) -> Visit:
    visit = Visit.objects.select_related("request", "request__customer").filter(public_token=token or "-").first()
    if visit is None or not token:
        raise Http404
    return visit


def quote_by_token(token: str) -> Quote:
    quote = (
        Quote.objects.select_related("visit", "visit__request", "visit__request__customer")
        .filter(token=token or "-")
        .first()
    )
    if quote is None or not token:
        raise Http404
    return quote


# What the request page's card shows of a visit (``field/_request_panel.html``): a dozen of the
# visit's 29 columns and of its technician's 15 (most requests have none or one: compiling and
# reading the rest was most of the card's cost).
VISIT_CARD_FIELDS = (
    "number",
    "request_id",
    "sequence",
    "status",
    "outcome",
    "first_time_fix",
    "checked_in_at",
    "checked_out_at",
    "technician_id",
    "fault_id",
    "fault_cause_id",
    "technician__username",
    "technician__first_name",
    "technician__last_name",
    "technician__is_active",
    "fault__name",
    "fault_cause__name",
)


_VISITS: dict[tuple[str, ...] | None, CompiledLookup] = {}


def visits_of_request(request, *, fields: tuple[str, ...] | None = None) -> list[Visit]:
    """The request's visits in order, with technician, fault and cause; ``fields``: only those columns
    (compiled once per set of columns: core.compiled)."""
    lookup = _VISITS.get(fields)
    if lookup is None:

        def build(pk):
            visits = Visit.objects.filter(request_id=pk).select_related("technician", "fault", "fault_cause")
            return (visits.only(*fields) if fields else visits).order_by("sequence")

        lookup = _VISITS[fields] = CompiledLookup(build)
    return lookup.rows(request.pk, known={"request": request})


def visit_open(request) -> Visit | None:
    return request.visits.exclude(status="done").first()


def visit_paid_total(visit: Visit) -> Decimal:
    return visit.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def quote_live(visit: Visit) -> Quote | None:
    return visit.quotes.filter(status__in=["pending", "accepted"]).prefetch_related("lines", "lines__part").first()


def product_of(request):
    return request.unit.product if request.unit_id else request.product


def _category_chain(category) -> list[int]:
    """The category and its parents (a checklist of "appliances" applies to "washing machines")."""
    ids, seen = [], set()
    while category is not None and category.pk not in seen:
        ids.append(category.pk)
        seen.add(category.pk)
        category = category.parent
    return ids


def _category_filter(request) -> Q:
    product = product_of(request)
    chain = _category_chain(product.category) if product is not None and product.category_id else []
    return Q(product_category__isnull=True) | Q(product_category_id__in=chain)


def checks_for(visit: Visit) -> QuerySet[FunctionCheck]:
    """The function-test and care lines that apply to the visit's product."""
    return FunctionCheck.objects.filter(_category_filter(visit.request), is_active=True).order_by("kind", "sort", "id")


def fault_tree_for(request) -> list[FaultCategory]:
    """category → fault → cause, only active nodes, for the request's product."""
    causes = Prefetch("causes", queryset=FaultCause.objects.filter(is_active=True))
    faults = Prefetch("faults", queryset=Fault.objects.filter(is_active=True).prefetch_related(causes))
    return list(
        FaultCategory.objects.filter(_category_filter(request), is_active=True)
        .prefetch_related(faults)
        .order_by("sort", "code")
    )


def cause_applies(request, cause: FaultCause) -> bool:
    """Whether ``cause`` belongs to the request's fault tree (its product's categories, or every product's)."""
    return FaultCategory.objects.filter(_category_filter(request), pk=cause.fault.category_id).exists()


def cause_get(pk) -> FaultCause | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return FaultCause.objects.select_related("fault", "fault__category").filter(pk=pk).first()


@dataclass
class LikelyPart:
    part: object
    in_van: int = 0
    reason: str = ""


@dataclass
class JobPrep:
    """What the technician sees before and during the visit (R-FLD-1)."""

    product: object = None
    warranty: dict | None = None
    manuals: list = field(default_factory=list)
    likely_parts: list[LikelyPart] = field(default_factory=list)
    history: list = field(default_factory=list)
    photos: list = field(default_factory=list)


def job_prep(request, *, viewer, technician=None, history_limit: int = 10) -> JobPrep:
    """Product, warranty, manuals, earlier service of the unit (the requests ``viewer`` may see), the photos
    the customer sent and the parts likely needed (compatible with the product, most used on it first) with
    what the van carries."""
    from aftersales.catalog.selectors import unit_warranty
    from aftersales.parts.models import Part, StockLevel
    from aftersales.parts.selectors import van_of
    from aftersales.tickets.selectors import request_history_for_unit

    prep = JobPrep(product=product_of(request))
    if request.unit_id:
        prep.warranty = unit_warranty(request.unit)
        prep.history = list(
            request_history_for_unit(viewer, request.unit)
            .exclude(pk=request.pk)
            .prefetch_related(Prefetch("visits", queryset=Visit.objects.select_related("fault", "fault_cause")))[
                :history_limit
            ]
        )
    prep.photos = [a for a in request.attachments.all() if a.kind == "image"]
    if prep.product is not None:
        prep.manuals = list(prep.product.manuals.all())
        parts = list(
            Part.objects.filter(compatible_products=prep.product, is_active=True)
            .annotate(used=Sum("consumptions__quantity"))
            .order_by("-used", "code")[:8]
        )
        van = van_of(technician) if technician is not None else None
        stock: dict[int, int] = {}
        if van is not None and parts:
            for row in (
                StockLevel.objects.filter(warehouse=van, store="good", part__in=parts)
                .values("part_id")
                .annotate(n=Sum("on_hand") - Sum("reserved"))
            ):
                stock[row["part_id"]] = row["n"]
        prep.likely_parts = [LikelyPart(part=p, in_van=stock.get(p.pk, 0)) for p in parts]
    return prep


# --- the quote's draft: what the warranty pays and what the customer pays --------------------------


def quote_may_cover(visit: Visit) -> bool:
    """Whether the warranty pays for lines of this visit's quote: the unit is in warranty and what is
    chargeable is only the extras the customer asked for (the warranty repair itself stays free).
    Damage caused by use and out-of-warranty work are charged in full."""
    return bool(visit.in_warranty) and visit.charge_reason == ChargeReason.EXTRA_ITEMS


@dataclass
class QuoteTotals:
    """List price of the lines, the part the warranty pays and what is left for the customer."""

    list_price: Decimal = Decimal("0.00")
    warranty_pays: Decimal = Decimal("0.00")
    customer_pays: Decimal = Decimal("0.00")


def _amount(quantity, unit_price) -> Decimal | None:
    try:
        amount = Decimal(str(quantity or "1")) * Decimal(str(unit_price))
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return amount.quantize(Decimal("0.01"))


def quote_totals(rows) -> QuoteTotals:
    """The totals of draft rows (dicts with ``kind``, ``quantity``, ``unit_price``, ``covered``) as the
    quote will count them; a row without a kind or with an unreadable number counts nothing."""
    totals = QuoteTotals()
    for row in rows:
        if not row.get("kind"):
            continue
        amount = _amount(row.get("quantity"), row.get("unit_price"))
        if amount is None:
            continue
        totals.list_price += amount
        if row.get("covered"):
            totals.warranty_pays += amount
        else:
            totals.customer_pays += amount
    return totals


def quote_draft_rows(visit: Visit | None, likely_parts, *, size: int, call_out_fee, labour_fee) -> list[dict]:
    """The lines a new quote starts with: the call-out fee, labour and the part most likely needed, then
    empty lines up to ``size``. When the warranty pays (``quote_may_cover``) these repair lines are ticked
    as covered, so the quote starts at ¥0 for the customer and only the extras he asks for (added on the
    empty lines, unticked) are charged."""
    covered = visit is not None and quote_may_cover(visit)
    rows = [
        {
            "kind": LineKind.CALL_OUT,
            "description": _("Call-out fee"),
            "quantity": "1",
            "unit_price": str(call_out_fee),
            "covered": covered,
        },
        {
            "kind": LineKind.LABOUR,
            "description": _("Labour"),
            "quantity": "1",
            "unit_price": str(labour_fee),
            "covered": covered,
        },
    ]
    for likely in list(likely_parts)[:1]:
        rows.append(
            {
                "kind": LineKind.PART,
                "part": str(likely.part.pk),
                "description": likely.part.name,
                "quantity": "1",
                "unit_price": str(likely.part.price),
                "covered": covered,
            }
        )
    while len(rows) < size:
        rows.append({"kind": "", "description": "", "quantity": "", "unit_price": "", "covered": False})
    return rows


def fault_list() -> QuerySet[Fault]:
    """Active faults of the fault tree (for choosing the fault a return or exchange is about)."""
    return Fault.objects.filter(is_active=True).select_related("category").order_by("category__sort", "sort", "code")
