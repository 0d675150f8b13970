"""Customer pages. Reads go through the scoped selectors (foreign customers answer 404);
writes are for back-office roles only and go through ``customers.services``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core.errors import DomainError
from aftersales.core.forms import form_page
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import roles_required
from aftersales.core.phones import phone_display

from .forms import AddressForm, CustomerForm
from .permissions import WRITE_ROLES, customer_can_write
from .selectors import address_list_for_customer, customer_get_for, customer_list_for, customer_search
from .services import address_create, customer_update
from .slots import CUSTOMER_MAIN

PAGE_SIZE = 25
SEARCH_LIMIT = 50
LIST_ORDER = ["-created_at", "-id"]


def _rows(customers) -> list[dict]:
    prefetch_related_objects(customers, "addresses")
    rows = []
    for customer in customers:
        addresses = list(customer.addresses.all())  # ordered default-first by the model
        rows.append(
            {
                "customer": customer,
                "phone": phone_display(customer.phone),
                "address": addresses[0] if addresses else None,
            }
        )
    return rows


@login_required
@require_GET
def customer_list(request):
    q = (request.GET.get("q") or "").strip()
    page = None
    error = None
    if q:
        customers = customer_search(request.user, q, limit=SEARCH_LIMIT)
    else:
        try:
            page = keyset_page(
                customer_list_for(request.user),
                order=LIST_ORDER,
                cursor=request.GET.get("cursor") or None,
                size=PAGE_SIZE,
            )
            customers = page.items
        except DomainError as exc:
            error = exc
            customers = []
    context = {
        "q": q,
        "rows": _rows(customers),
        "page": page,
        "error": error,
        "search_limit": SEARCH_LIMIT,
        "can_write": customer_can_write(request.user),
    }
    return render(request, "customers/customer_list.html", context, status=400 if error else 200)


@login_required
@require_GET
def customer_detail(request, pk: int):
    """The customer, his addresses; the apps above add their cards through ``customers.slots``
    (the products he owns, his service requests)."""
    user = request.user
    customer = customer_get_for(user, pk)
    context = {
        "customer": customer,
        "phone": phone_display(customer.phone),
        "phone_alt": phone_display(customer.phone_alt),
        "addresses": list(address_list_for_customer(customer)),
        "main_panels": CUSTOMER_MAIN.render(request, customer),
        "can_write": customer_can_write(user),
    }
    return render(request, "customers/customer_detail.html", context)


@roles_required(WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = customer_get_for(request.user, pk)
    if request.method == "POST":
        form = CustomerForm(request.POST)
    else:
        form = CustomerForm(initial=CustomerForm.initial_for(customer))
    return form_page(
        request,
        form,
        "customers/customer_form.html",
        {"customer": customer},
        run=lambda form: customer_update(actor=request.user, customer=customer, **form.cleaned_data),
        done=_("Customer details saved."),
        then=lambda _result: redirect("customers:detail", pk=customer.pk),
    )


@roles_required(WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def address_add(request, pk: int):
    customer = customer_get_for(request.user, pk)
    return form_page(
        request,
        AddressForm(request.POST) if request.method == "POST" else AddressForm(),
        "customers/address_form.html",
        {"customer": customer},
        run=lambda form: address_create(actor=request.user, customer=customer, **form.service_kwargs()),
        done=_("Address added."),
        then=lambda _result: redirect("customers:detail", pk=customer.pk),
    )
