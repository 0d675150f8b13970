"""The service form (服务单) and the payment receipt as printable A4 PDFs (R-FLD-4).

Rendered from Django templates by WeasyPrint in the language asked for ("zh-hans" or
"en"), times in Asia/Shanghai, money as "¥1,730.00". Chinese text needs the
``fonts-noto-cjk`` system package (font family "Noto Sans CJK SC") and WeasyPrint the pango
libraries; ``scripts/setup`` installs both. The customer's signatures are embedded as
``data:`` URIs read from storage, and the renderer fetches nothing else (no file or network
access from the template).

    pdf = service_form_pdf(visit, language="zh-hans")
    pdf = receipt_pdf(payment, language="en")
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from aftersales.core.phones import phone_display

from .choices import CheckKind, Outcome, QuoteStatus, SignaturePurpose, SignerRole
from .models import Payment, Quote, Signature, Visit, VisitPart
from .signatures import signature_data_uri

LANGUAGES = ("zh-hans", "en")


def pdf_language(value, default=None) -> str:
    """``value`` when it is a language the PDFs are made in, else ``default`` (or the site's)."""
    value = (value or "").strip().lower().replace("_", "-")
    if value in LANGUAGES:
        return value
    if value.startswith("zh"):
        return "zh-hans"
    if value.startswith("en"):
        return "en"
    if default is not None:
        return pdf_language(default)
    return pdf_language(settings.LANGUAGE_CODE, "zh-hans")


def yuan(value) -> str:
    """Money as shown on the documents: ``¥1,730.00`` (two decimals, never a float)."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def _duration(start, end) -> str:
    if not (start and end) or end < start:
        return "—"
    minutes = int((end - start).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return gettext("%(m)d min") % {"m": minutes}


@dataclass
class SignatureView:
    name: str
    signed_at: datetime.datetime
    via: str
    image: str = ""


def _signature_view(sig: Signature | None) -> SignatureView | None:
    if sig is None:
        return None
    return SignatureView(
        name=sig.signer_name, signed_at=sig.signed_at, via=sig.get_via_display(), image=signature_data_uri(sig.image)
    )


@dataclass
class LineRow:
    kind: str
    description: str
    quantity: str
    unit_price: str
    amount: str
    covered: bool
    customer_amount: str


@dataclass
class PartRow:
    code: str
    name: str
    lot: str
    quantity: str
    unit: str
    old_part: str
    old_serial: str


@dataclass
class PaymentRow:
    receipt_number: str
    method: str
    amount: str
    reference: str
    received_at: datetime.datetime


def quantity(value) -> str:
    """1.00 → "1", 1.50 → "1.5"."""
    value = Decimal(value)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class FormDocument:
    """Everything the service form prints, read with a fixed number of queries."""

    visit: Visit
    request: object
    company: object
    customer_name: str
    customer_phone: str
    address: str
    product: object
    unit: object
    warranty_end: datetime.date | None
    in_warranty: bool
    quote: Quote | None
    quote_lines: list[LineRow] = field(default_factory=list)
    subtotal: str = ""
    covered: str = ""
    total: str = ""
    parts: list[PartRow] = field(default_factory=list)
    tests: list = field(default_factory=list)
    care: list = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    paid: str = ""
    customer_total: str = ""
    carried_forward: str = ""  # an accepted quote not (fully) paid on a visit that needs a second one
    paid_before: str = ""  # a visit continuing an earlier visit's quote: what was paid then
    labour_time: str = "—"
    customer_signature: SignatureView | None = None
    consent_signature: SignatureView | None = None
    technician_signature: SignatureView | None = None
    draft: bool = False


def service_form_document(visit: Visit) -> FormDocument:
    visit = (
        Visit.objects.select_related(
            "request",
            "request__customer",
            "request__unit",
            "request__unit__product",
            "request__product",
            "request__address",
            "request__assigned_organization",
            "technician",
            "technician__organization",
            "fault",
            "fault__category",
            "fault_cause",
        )
        .prefetch_related("checks", "payments", "signatures")
        .get(pk=visit.pk)
    )
    request = visit.request
    unit = request.unit
    product = unit.product if unit is not None else request.product
    quotes = list(
        Quote.objects.filter(visit=visit, status__in=[QuoteStatus.ACCEPTED, QuoteStatus.DECLINED])
        .prefetch_related("lines")
        .order_by("-created_at", "-id")
    )
    quote = next((q for q in quotes if q.status == QuoteStatus.ACCEPTED), quotes[0] if quotes else None)
    parts = list(
        VisitPart.objects.filter(visit=visit).select_related("consumption", "consumption__part").order_by("id")
    )
    checks = list(visit.checks.all())
    signatures = sorted(visit.signatures.all(), key=lambda s: (s.signed_at, s.pk))

    def last(purpose, role, quote_id=None):
        found = [
            s
            for s in signatures
            if s.purpose == purpose and s.role == role and (quote_id is None or s.quote_id == quote_id)
        ]
        return found[-1] if found else None

    payments = sorted(visit.payments.all(), key=lambda p: (p.received_at, p.pk))
    address = request.address or (unit.address if unit is not None else None)
    if unit is not None:
        warranty_end = unit.warranty_end
    else:
        warranty_end = request.warranty_end
    return FormDocument(
        visit=visit,
        request=request,
        company=request.assigned_organization or visit.technician.organization,
        customer_name=request.customer.name,
        customer_phone=phone_display(request.contact_phone or request.customer.phone),
        address=str(address) if address is not None else "",
        product=product,
        unit=unit,
        warranty_end=warranty_end,
        in_warranty=visit.in_warranty,
        quote=quote,
        quote_lines=[
            LineRow(
                kind=line.get_kind_display(),
                description=line.description,
                quantity=quantity(line.quantity),
                unit_price=yuan(line.unit_price),
                amount=yuan(line.amount),
                covered=line.covered,
                customer_amount=yuan(line.customer_amount),
            )
            for line in (quote.lines.all() if quote is not None else [])
        ],
        subtotal=yuan(quote.subtotal) if quote is not None else "",
        covered=yuan(quote.covered) if quote is not None else "",
        total=yuan(quote.total) if quote is not None else "",
        parts=[
            PartRow(
                code=vp.consumption.part.code,
                name=vp.consumption.part.name,
                lot=vp.consumption.lot,
                quantity=quantity(vp.consumption.quantity),
                unit=vp.consumption.part.unit_of_measure,
                old_part=vp.get_old_part_display(),
                old_serial=vp.old_serial,
            )
            for vp in parts
        ],
        tests=[c for c in checks if c.kind == CheckKind.TEST],
        care=[c for c in checks if c.kind == CheckKind.CARE],
        payments=[
            PaymentRow(
                receipt_number=p.receipt_number,
                method=p.get_method_display(),
                amount=yuan(p.amount),
                reference=p.reference,
                received_at=p.received_at,
            )
            for p in payments
        ],
        paid=yuan(sum((p.amount for p in payments), Decimal("0.00"))),
        customer_total=yuan(visit.customer_total),
        carried_forward=(
            yuan(quote.total - visit.customer_total)
            if quote is not None
            and quote.status == QuoteStatus.ACCEPTED
            and quote.total > visit.customer_total
            and visit.outcome == Outcome.SECOND_VISIT
            else ""
        ),
        paid_before=(
            yuan(quote.total - visit.customer_total)
            if quote is not None
            and quote.status == QuoteStatus.ACCEPTED
            and quote.total > visit.customer_total
            and visit.outcome != Outcome.SECOND_VISIT
            else ""
        ),
        labour_time=_duration(visit.checked_in_at, visit.checked_out_at),
        customer_signature=_signature_view(last(SignaturePurpose.FORM, SignerRole.CUSTOMER)),
        consent_signature=_signature_view(
            last(SignaturePurpose.QUOTE, SignerRole.CUSTOMER, quote.pk if quote is not None else None)
            if quote is not None and quote.status == QuoteStatus.ACCEPTED
            else None
        ),
        technician_signature=_signature_view(last(SignaturePurpose.FORM, SignerRole.TECHNICIAN)),
        draft=visit.is_open,
    )


def _render(template: str, context: dict, *, language: str) -> bytes:
    from weasyprint import HTML, URLFetcher

    language = pdf_language(language)
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        html = render_to_string(template, {**context, "LANG": language})
    # Only the data: URIs the template embeds; never a file or a network address.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher, base_url="data:,").write_pdf()


def service_form_pdf(visit: Visit, *, language: str) -> bytes:
    """The visit's service form as PDF bytes, in ``language`` ("zh-hans" or "en")."""
    language = pdf_language(language)
    with translation.override(language):  # choice labels and durations in the document's language
        doc = service_form_document(visit)
    return _render("field/service_form_pdf.html", {"doc": doc}, language=language)


def receipt_pdf(payment: Payment, *, language: str) -> bytes:
    """The receipt of one payment as PDF bytes, in ``language``."""
    payment = Payment.objects.select_related(
        "visit",
        "visit__request",
        "visit__request__customer",
        "visit__request__assigned_organization",
        "visit__technician",
        "visit__technician__organization",
        "received_by",
    ).get(pk=payment.pk)
    visit = payment.visit
    request = visit.request
    context = {
        "payment": payment,
        "visit": visit,
        "request": request,
        "company": request.assigned_organization or visit.technician.organization,
        "customer_name": request.customer.name,
        "customer_phone": phone_display(request.contact_phone or request.customer.phone),
        "amount": yuan(payment.amount),
    }
    return _render("field/receipt_pdf.html", context, language=language)
