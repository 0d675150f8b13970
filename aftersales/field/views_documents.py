"""The service form and receipts as PDF downloads (R-FLD-4).

- ``form_pdf``: the visit's form for whoever may see the visit (``selectors.visit_get_for``);
  other visits answer 404.
- ``receipt_pdf``: one payment's receipt, same scoping (through its visit).
- ``public_form``: the customer's copy through the unguessable link sent at check-out
  (``selectors.visit_by_token``), no login; only once the visit is checked out.

``?lang=zh-hans|en`` picks the document's language (default: the request's). The lead's
``field/urls.py`` mounts ``document_urlpatterns`` in the "field" namespace.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_GET

from . import pdf
from .choices import VisitStatus
from .selectors import payment_list_for, visit_by_token, visit_get_for


def _language(request) -> str:
    return pdf.pdf_language(request.GET.get("lang"), default=getattr(request, "LANGUAGE_CODE", None))


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def form_pdf(request, pk: int):
    visit = visit_get_for(request.user, pk)
    return _pdf_response(pdf.service_form_pdf(visit, language=_language(request)), f"{visit.number}.pdf")


@login_required
@require_GET
def receipt_pdf(request, pk: int):
    payment = get_object_or_404(payment_list_for(request.user).only("pk", "visit_id", "receipt_number"), pk=pk)
    return _pdf_response(pdf.receipt_pdf(payment, language=_language(request)), f"{payment.receipt_number}.pdf")


@require_GET
def public_form(request, token: str):
    visit = visit_by_token(token)
    if visit.status != VisitStatus.DONE or visit.checked_out_at is None:
        raise Http404
    # A checked-out form never changes: render it once per language, not on every hit of the link.
    language = _language(request)
    body = cache.get_or_set(
        f"field:public_form:{visit.pk}:{language}:{visit.updated_at.timestamp()}",
        lambda: pdf.service_form_pdf(visit, language=language),
        timeout=24 * 3600,
    )
    response = _pdf_response(body, f"{visit.number}.pdf")
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


document_urlpatterns = [
    path("visits/<int:pk>/form.pdf", form_pdf, name="form_pdf"),
    path("payments/<int:pk>/receipt.pdf", receipt_pdf, name="receipt_pdf"),
    path("f/<str:token>/form.pdf", public_form, name="public_form"),
]
