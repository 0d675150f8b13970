"""Catalog pages: products and manuals (every signed-in user reads them; admins and
managers edit them) and product units (scoped by ``unit_list_for``; foreign units 404)."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core.errors import DomainError
from aftersales.core.forms import form_page
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import roles_required
from aftersales.core.uploads import download_response

from .forms import ManualForm, ProductFilterForm, ProductForm
from .models import ProductManual
from .permissions import MASTER_DATA_ROLES, can_edit_master_data
from .selectors import product_list, unit_exchange_links, unit_get_for, unit_warranty
from .services import manual_add, product_create, product_update
from .slots import UNIT_BADGES, UNIT_MAIN, UNIT_SIDE

PAGE_SIZE = 25
PRODUCT_ORDER = ["model_code", "id"]


def _product_or_404(pk: int):
    return get_object_or_404(product_list(), pk=pk)


@login_required
@require_GET
def products(request):
    form = ProductFilterForm(request.GET or None)
    qs = product_list()
    error = None
    page = None
    if form.is_bound and not form.is_valid():
        qs = qs.none()
    elif form.is_bound:
        if form.cleaned_data["category"] is not None:
            category = form.cleaned_data["category"]
            qs = qs.filter(Q(category=category) | Q(category__parent=category))
        if form.cleaned_data["q"]:
            text = form.cleaned_data["q"].strip()
            qs = qs.filter(Q(model_code__istartswith=text) | Q(name__icontains=text))
    try:
        page = keyset_page(qs, order=PRODUCT_ORDER, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE)
    except DomainError as exc:
        error = exc
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "products": page.items if page else [],
        "error": error,
        "params": params.urlencode(),
        "can_edit": can_edit_master_data(request.user),
    }
    status = 400 if error or (form.is_bound and form.errors) else 200
    return render(request, "catalog/product_list.html", context, status=status)


@login_required
@require_GET
def product_detail(request, pk: int):
    product = _product_or_404(pk)
    context = {
        "product": product,
        "manuals": product.manuals.order_by("title", "id"),
        "can_edit": can_edit_master_data(request.user),
    }
    return render(request, "catalog/product_detail.html", context)


@roles_required(MASTER_DATA_ROLES)
@require_http_methods(["GET", "POST"])
def product_create_view(request):
    return form_page(
        request,
        ProductForm(request.POST) if request.method == "POST" else ProductForm(),
        "catalog/product_form.html",
        {"product": None},
        run=lambda form: product_create(actor=request.user, **form.cleaned_data),
        done=_("Product created."),
        then=lambda product: redirect("catalog:product", pk=product.pk),
    )


@roles_required(MASTER_DATA_ROLES)
@require_http_methods(["GET", "POST"])
def product_edit(request, pk: int):
    product = _product_or_404(pk)
    if request.method == "POST":
        form = ProductForm(request.POST, product=product)
    else:
        form = ProductForm(initial=ProductForm.initial_for(product), product=product)
    return form_page(
        request,
        form,
        "catalog/product_form.html",
        {"product": product},
        run=lambda form: product_update(actor=request.user, product=product, **form.cleaned_data),
        done=_("Product saved."),
        then=lambda _result: redirect("catalog:product", pk=product.pk),
    )


@roles_required(MASTER_DATA_ROLES)
@require_http_methods(["GET", "POST"])
def manual_add_view(request, pk: int):
    product = _product_or_404(pk)
    return form_page(
        request,
        ManualForm(request.POST, request.FILES) if request.method == "POST" else ManualForm(),
        "catalog/manual_form.html",
        {"product": product},
        run=lambda form: manual_add(
            actor=request.user, product=product, title=form.cleaned_data["title"], upload=form.cleaned_data["file"]
        ),
        done=_("Manual uploaded."),
        then=lambda _result: redirect("catalog:product", pk=product.pk),
    )


@login_required
@require_GET
def manual_download(request, pk: int):
    manual = get_object_or_404(ProductManual.objects.filter(product__in=product_list()), pk=pk)
    ext = os.path.splitext(manual.file.name)[1]
    filename = manual.title if manual.title.lower().endswith(ext.lower()) else f"{manual.title}{ext}"
    try:
        return download_response(manual.file, filename=filename, content_type=manual.content_type)
    except FileNotFoundError:
        raise Http404 from None


@login_required
@require_GET
def unit_detail(request, pk: int):
    """The unit and its warranty; the apps above add their cards through ``catalog.slots`` (the
    service history with its visits and forms, the 三包 counters). A fixed number of queries."""
    unit = unit_get_for(request.user, pk)
    context = {
        "unit": unit,
        "w": unit_warranty(unit),
        "address": unit.address,
        **unit_exchange_links(request.user, unit),
        "badges": UNIT_BADGES.render(request, unit),
        "side_panels": UNIT_SIDE.render(request, unit),
        "main_panels": UNIT_MAIN.render(request, unit),
    }
    return render(request, "catalog/unit_detail.html", context)
