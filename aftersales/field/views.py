"""The technician's job page on the phone (R-FLD-1, R-FLD-5) and the customer's consent link.

One page per job shows everything needed on site and the step that is due; every step
posts to its own URL, calls one service and redirects back. Each form carries an
idempotency key (``idem``, also sent as the ``Idempotency-Key`` header by visit.js), so a
phone that resubmits after a lost connection does the step exactly once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.choices import Role
from aftersales.core.errors import DomainError
from aftersales.core.idempotency import idempotent_create
from aftersales.core.permissions import roles_required
from aftersales.core.ranges import parse_id
from aftersales.tickets.selectors import request_get_for

from . import sanbao, selectors, services
from .choices import (
    ChargeReason,
    CheckResult,
    LineKind,
    OldPart,
    Outcome,
    PaymentMethod,
    PhotoPhase,
    QuoteStatus,
    SecondVisitReason,
    SignedVia,
    VisitStatus,
)
from .models import Payment, Quote, Signature, Visit, VisitPart, VisitPhoto
from .permissions import JOB_PAGE_ROLES, VISIT_WORK_ROLES

QUOTE_ROWS = 6


def _key(request) -> str | None:
    return request.headers.get("Idempotency-Key") or request.POST.get("idem") or None


def _payload(request) -> dict:
    data = {k: request.POST.getlist(k) for k in request.POST if k not in ("csrfmiddlewaretoken", "idem")}
    data["_files"] = [(f.name, f.size) for f in request.FILES.getlist("photos")]
    return data


def _is_technician_of(user, sr) -> bool:
    return user.is_authenticated and user.role == Role.TECHNICIAN and sr.assigned_technician_id == user.pk


def _job_context(request, sr, *, error=None, failed_step="") -> dict:
    visit = selectors.visit_open(sr)
    visits = selectors.visits_of_request(sr)
    last = visits[-1] if visits else None
    shown = visit or last
    quote = selectors.quote_live(shown) if shown else None
    pending = (
        shown.quotes.filter(status=QuoteStatus.PENDING).prefetch_related("lines").first() if shown is not None else None
    )
    from aftersales.dispatch.selectors import appointment_open, departure_for
    from aftersales.parts.selectors import van_of, van_stock

    van = van_of(request.user) if request.user.role == Role.TECHNICIAN else None
    van_levels = [lv for lv in van_stock(van) if lv.store == "good" and lv.on_hand > lv.reserved] if van else []
    prep = selectors.job_prep(sr, viewer=request.user, technician=request.user if van else None)
    checks = list(selectors.checks_for(shown)) if shown else []
    done = {r.check_item_id: r for r in shown.checks.all()} if shown else {}
    for c in checks:
        c.record = done.get(c.pk)
    paid = selectors.visit_paid_total(shown) if shown else Decimal("0")
    counters = sanbao.unit_counters(sr.unit) if sr.unit_id else None
    posted = request.POST if failed_step else {}
    quote_rows = _quote_rows(visit, prep, posted if failed_step == "quote" else {})
    work_open = visit is not None and (
        visit.status == VisitStatus.WORKING
        or (visit.status == VisitStatus.DIAGNOSED and visit.charge_reason == ChargeReason.NONE)
    )
    appointment = appointment_open(sr)
    departure = departure_for(appointment) if appointment is not None else None
    return {
        "sr": sr,
        "visit": shown,
        "open_visit": visit,
        "visits": visits,
        "can_act": _is_technician_of(request.user, sr),
        "appointment": appointment,
        "departure": departure,
        "prep": prep,
        "counters": counters,
        "fault_tree": selectors.fault_tree_for(sr) if visit else [],
        "quote": quote,
        "pending_quote": pending,
        "quote_link": (
            request.build_absolute_uri(reverse("field:consent", args=[pending.token])) if pending is not None else ""
        ),
        "quote_rows": quote_rows,
        "quote_totals": selectors.quote_totals(quote_rows),
        "may_cover": visit is not None and selectors.quote_may_cover(visit),
        "van": van,
        "van_levels": van_levels,
        "parts_used": list(
            selectors.visit_part_list_for(request.user)
            .filter(visit=shown)
            .select_related("consumption", "consumption__part")
            if shown
            else []
        ),
        "photos": list(
            selectors.visit_photo_list_for(request.user).filter(visit=shown).select_related("attachment")
            if shown
            else []
        ),
        "checks": checks,
        "form_signature": selectors.form_signature(shown) if shown else None,
        "payments": list(selectors.payment_list_for(request.user).filter(visit=shown) if shown else []),
        "paid": paid,
        "owed": (shown.customer_total - paid) if shown else Decimal("0"),
        "work_open": work_open,
        "missing": services.form_missing(visit) if work_open else [],
        "error": error,
        "failed_step": failed_step,
        "posted": posted,
        "idem": uuid.uuid4().hex,
        "choices": {
            "charge": ChargeReason.choices,
            "line_kinds": LineKind.choices,
            "old_part": OldPart.choices,
            "results": CheckResult.choices,
            "methods": PaymentMethod.choices,
            "photo_phase": PhotoPhase.choices,
            "second_visit": SecondVisitReason.choices,
            "outcomes": Outcome.choices,
        },
        "status": VisitStatus,
    }


def _quote_rows(visit, prep, posted) -> list[dict]:
    if posted:
        return [
            {
                "kind": posted.get(f"kind_{i}", ""),
                "part": posted.get(f"part_{i}", ""),
                "description": posted.get(f"description_{i}", ""),
                "quantity": posted.get(f"quantity_{i}", ""),
                "unit_price": posted.get(f"unit_price_{i}", ""),
                "covered": posted.get(f"covered_{i}") == "on",
            }
            for i in range(QUOTE_ROWS)
        ]
    return selectors.quote_draft_rows(
        visit,
        prep.likely_parts,
        size=QUOTE_ROWS,
        call_out_fee=settings.FIELD_CALL_OUT_FEE,
        labour_fee=settings.FIELD_LABOUR_FEE,
    )


def _render_job(request, sr, *, error=None, failed_step="", status=200):
    context = _job_context(request, sr, error=error, failed_step=failed_step)
    return render(request, "field/job.html", context, status=status)


@require_GET
@roles_required(JOB_PAGE_ROLES)  # customers follow their request in the portal, not here
def job(request, request_id: int):
    sr = request_get_for(request.user, pk=request_id)
    return _render_job(request, sr)


@require_GET
@roles_required(JOB_PAGE_ROLES)
def prep(request, request_id: int):
    """The job's product, warranty, manuals, history and likely parts, for "My day" to show on demand."""
    sr = request_get_for(request.user, pk=request_id)
    from aftersales.parts.selectors import van_of

    van = van_of(request.user) if request.user.role == Role.TECHNICIAN else None
    context = {
        "sr": sr,
        "prep": selectors.job_prep(sr, viewer=request.user, technician=request.user if van else None),
        "counters": sanbao.unit_counters(sr.unit) if sr.unit_id else None,
        "van": van,
        "visit": None,
    }
    return render(request, "field/_prep.html", context)


def _step(request, sr, *, step: str, scope: str, model, create):
    """Run one step once per idempotency key; on a business error show the page with the message."""
    try:
        idempotent_create(
            user=request.user, scope=scope, key=_key(request), payload=_payload(request), model=model, create=create
        )
    except DomainError as exc:
        return _render_job(request, sr, error=exc, failed_step=step, status=exc.status)
    return redirect(reverse("field:job", args=[sr.pk]) + f"#{step}")


@require_POST
@roles_required(VISIT_WORK_ROLES)
def check_in(request, request_id: int):
    sr = request_get_for(request.user, pk=request_id)
    return _step(
        request,
        sr,
        step="check-in",
        scope=f"field.web.check_in.{sr.pk}",
        model=Visit,
        create=lambda: services.visit_check_in(
            actor=request.user,
            request=sr,
            latitude=request.POST.get("latitude") or None,
            longitude=request.POST.get("longitude") or None,
        ),
    )


def _posted(request, *names: str) -> dict:
    """The named form fields as service keyword arguments (a missing one is blank)."""
    return {name: request.POST.get(name, "") for name in names}


def _visit_step(request, pk: int, *, step: str, model, run):
    """One step on a visit: ``run(visit)`` calls the service; the scope is named after the step."""
    visit = selectors.visit_get_for(request.user, pk)
    return _step(
        request,
        visit.request,
        step=step,
        scope=f"field.web.{step.replace('-', '_')}.{visit.pk}",
        model=model,
        create=lambda: run(visit),
    )


def _posted_lines(post) -> list[dict]:
    lines = []
    for i in range(QUOTE_ROWS):
        kind = post.get(f"kind_{i}", "")
        description = post.get(f"description_{i}", "").strip()
        part = post.get(f"part_{i}", "") or None
        if not kind and not description and not part:
            continue
        lines.append(
            {
                "kind": kind,
                "part": part,
                "description": description,
                "quantity": post.get(f"quantity_{i}", "") or "1",
                "unit_price": post.get(f"unit_price_{i}", ""),
                "covered": post.get(f"covered_{i}") == "on",
            }
        )
    return lines


def _pending_quote(visit: Visit) -> Quote:
    quote = visit.quotes.filter(status=QuoteStatus.PENDING).first()
    if quote is None:
        raise Http404
    return quote


@require_POST
@roles_required(VISIT_WORK_ROLES)
def quote_answer(request, pk: int, answer: str):
    visit = selectors.visit_get_for(request.user, pk)
    if answer not in ("accept", "decline"):
        raise Http404
    try:
        pending = _pending_quote(visit)
    except Http404:
        messages.info(request, _("This quote is no longer waiting for an answer."))
        return redirect("field:job", visit.request_id)
    if answer == "accept":

        def create():
            return services.quote_accept(
                actor=request.user,
                quote=pending,
                via=SignedVia.PHONE,
                **_posted(request, "signer_name", "signature"),
            )
    else:

        def create():
            return services.quote_decline(actor=request.user, quote=pending, **_posted(request, "reason"))

    return _step(
        request, visit.request, step="consent", scope=f"field.web.consent.{visit.pk}", model=Quote, create=create
    )


@require_POST
@roles_required(VISIT_WORK_ROLES)
def part_use(request, pk: int):
    from aftersales.parts.models import Part

    part_id, _sep, lot = (request.POST.get("stock") or "").partition("|")
    part = Part.objects.filter(pk=parse_id(part_id)).first() if parse_id(part_id) else None

    def run(visit):
        if part is None:
            from aftersales.core.errors import ValidationFailed

            raise ValidationFailed(fields={"stock": [_("Choose a part from your van.")]})
        try:
            quantity = int(request.POST.get("quantity") or 0)
        except ValueError:
            quantity = 0
        return services.visit_part_use(
            actor=request.user,
            visit=visit,
            part=part,
            quantity=quantity,
            lot=lot,
            **_posted(request, "old_part", "old_serial"),
        )

    return _visit_step(request, pk, step="parts", model=VisitPart, run=run)


@require_POST
@roles_required(VISIT_WORK_ROLES)
def photos(request, pk: int):
    return _visit_step(
        request,
        pk,
        step="photos",
        model=VisitPhoto,
        run=lambda visit: services.visit_photos_add(
            actor=request.user, visit=visit, uploads=request.FILES.getlist("photos"), **_posted(request, "phase")
        )[0],
    )


def _posted_checks(post) -> dict:
    results = {}
    for name, value in post.items():
        if name.startswith("check_"):
            check_id = name.removeprefix("check_")
            results[check_id] = {"result": value, "note": post.get(f"note_{check_id}", "")}
    return results


def _service_step(step: str, model, service: str, *fields: str, extra=None):
    """The POST view of a step that calls ``services.<service>`` with the visit, the named form
    fields (blank when missing) and the keyword arguments ``extra(request)`` adds."""

    @require_POST
    @roles_required(VISIT_WORK_ROLES)
    def view(request, pk: int):
        def run(visit):
            kwargs = _posted(request, *fields) | (extra(request) if extra else {})
            return getattr(services, service)(actor=request.user, visit=visit, **kwargs)

        return _visit_step(request, pk, step=step, model=model, run=run)

    view.__name__ = view.__qualname__ = step.replace("-", "_")
    return view


diagnose = _service_step(
    "diagnose",
    Visit,
    "visit_diagnose",
    "inspection_result",
    "solution",
    extra=lambda request: {
        "cause": selectors.cause_get(request.POST.get("cause")),
        "charge_reason": request.POST.get("charge_reason", ChargeReason.NONE),
    },
)
quote = _service_step("quote", Quote, "quote_create", extra=lambda request: {"lines": _posted_lines(request.POST)})
checks = _service_step(
    "checks",
    Visit,
    "visit_checks_record",
    "care_instructions",
    extra=lambda request: {"results": _posted_checks(request.POST)},
)
sign = _service_step("sign", Signature, "visit_sign", "signer_name", "signature")
payment = _service_step("payment", Payment, "payment_record", "method", "amount", "reference")
check_out = _service_step("check-out", Visit, "visit_check_out", "outcome", "reason", "second_visit_reason")


# --- the customer's consent through a link (no login; the token is the key) --------------------


@require_http_methods(["GET", "POST"])
def consent(request, token: str):
    quote = selectors.quote_by_token(token)
    error = None
    if request.method == "POST" and quote.status == QuoteStatus.PENDING:
        try:
            if request.POST.get("answer") == "decline":
                services.quote_decline(
                    actor=AnonymousUser(), quote=quote, reason=request.POST.get("reason", ""), via=SignedVia.LINK
                )
            else:
                services.quote_accept(
                    actor=AnonymousUser(),
                    quote=quote,
                    signer_name=request.POST.get("signer_name", ""),
                    signature=request.POST.get("signature", ""),
                    via=SignedVia.LINK,
                )
            return redirect("field:consent", token)
        except DomainError as exc:
            error = exc
        quote.refresh_from_db()
    context = {"quote": quote, "visit": quote.visit, "lines": list(quote.lines.all()), "error": error}
    response = render(request, "field/consent.html", context, status=error.status if error else 200)
    response["Cache-Control"] = "private, no-store"
    # The site's "same-origin" referrer policy keeps the token from other sites; "no-referrer" would make
    # the browser post the form with "Origin: null", which the CSRF check rightly refuses.
    return response
