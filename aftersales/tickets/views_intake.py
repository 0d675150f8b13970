"""htmx fragments of the intake page: customer search, inline customer create, the
picked customer's panel (units and addresses), unit lookup by serial number and inline
unit registration. Each answers a full page too when called without htmx."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from aftersales.catalog.selectors import unit_find_by_serial, unit_list_for, unit_warranty
from aftersales.catalog.services import unit_register
from aftersales.core.errors import ConflictError, DomainError
from aftersales.core.forms import form_add_domain_error
from aftersales.core.permissions import roles_required
from aftersales.core.ranges import parse_id
from aftersales.customers.selectors import address_list_for_customer, customer_get_for, customer_search
from aftersales.customers.services import customer_create

from .forms import CustomerInlineForm, UnitRegisterForm
from .permissions import INTAKE_ROLES

# Login, then a back-office intake role; anyone else gets 403.
intake_role_required = roles_required(INTAKE_ROLES)


def render_fragment(request, template: str, context: dict, *, status: int = 200):
    """The fragment for htmx; the same fragment inside the site layout otherwise."""
    if request.htmx:
        return render(request, template, context, status=status)
    return render(request, "tickets/intake/standalone.html", {**context, "fragment": template}, status=status)


def _as_int(value) -> int | None:
    return parse_id(value)


def customer_panel_context(user, customer, *, unit_id=None, address_id=None) -> dict:
    """The picked customer with his units (and their warranty) and addresses."""
    units = list(unit_list_for(user).filter(owner=customer).order_by("-purchase_date", "-id"))
    addresses = list(address_list_for_customer(customer))
    unit_id = _as_int(unit_id)
    address_id = _as_int(address_id)
    if address_id is None and addresses:
        address_id = addresses[0].pk
    if unit_id is None and len(units) == 1:
        unit_id = units[0].pk
    return {
        "customer": customer,
        "units": [{"unit": u, "warranty": unit_warranty(u)} for u in units],
        "addresses": addresses,
        "selected_unit": unit_id,
        "selected_address": address_id,
    }


def _panel_response(request, customer, *, unit_id=None, status=200):
    context = customer_panel_context(request.user, customer, unit_id=unit_id)
    if not request.htmx:
        query = {"customer": customer.pk}
        if unit_id:
            query["unit"] = unit_id
        return redirect(f"{reverse('tickets:intake')}?{urlencode(query)}")
    response = render(request, "tickets/intake/_customer_panel.html", {**context, "oob_clear": True}, status=status)
    response = retarget(response, "#customer-panel")
    return reswap(response, "innerHTML")


@require_GET
@intake_role_required
def customer_search_view(request):
    q = (request.GET.get("q") or "").strip()[:100]
    customers = customer_search(request.user, q)
    prefetch_related_objects(customers, "addresses")
    return render_fragment(request, "tickets/intake/_customer_results.html", {"q": q, "customers": customers})


@require_GET
@intake_role_required
def customer_pick(request):
    pk = _as_int(request.GET.get("customer"))
    if pk is None:
        return render_fragment(request, "tickets/intake/_customer_panel.html", {"customer": None})
    customer = customer_get_for(request.user, pk)
    context = customer_panel_context(request.user, customer, unit_id=request.GET.get("unit"))
    return render_fragment(request, "tickets/intake/_customer_panel.html", {**context, "oob_clear": True})


def _customer_initial(q: str) -> dict:
    """Prefill the new-customer form from what was typed in the search box."""
    q = (q or "").strip()
    digits = q.replace(" ", "").replace("-", "").lstrip("+")
    return {"phone": q} if digits.isdigit() else {"name": q}


@require_http_methods(["GET", "POST"])
@intake_role_required
def customer_create_view(request):
    template = "tickets/intake/_customer_form.html"
    if request.method == "GET":
        form = CustomerInlineForm(initial=_customer_initial(request.GET.get("q", "")))
        return render_fragment(request, template, {"form": form})
    form = CustomerInlineForm(request.POST)
    existing_id = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            customer = customer_create(
                actor=request.user,
                name=data["name"],
                phone=data["phone"],
                kind=data["kind"],
                company_name=data["company_name"],
                address={
                    "province": data["province"],
                    "city": data["city"],
                    "district": data["district"],
                    "street": data["street"],
                    "region": data["region"],
                },
            )
        except ConflictError as exc:
            form_add_domain_error(form, exc)
            existing_id = exc.extra.get("existing_id") if exc.code == "duplicate_phone" else None
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return _panel_response(request, customer)
    return render_fragment(request, template, {"form": form, "existing_id": existing_id}, status=422)


@require_GET
@intake_role_required
def unit_lookup(request):
    serial = (request.GET.get("serial") or "").strip()[:64]
    customer_id = _as_int(request.GET.get("customer"))
    unit = unit_find_by_serial(request.user, serial) if serial else None
    context = {
        "serial": serial,
        "unit": unit,
        "warranty": unit_warranty(unit) if unit else None,
        "customer_id": customer_id,
        "own": unit is not None and unit.owner_id == customer_id,
    }
    if context["own"] and request.htmx:
        # Re-render the customer's unit list with this unit selected (out-of-band swap).
        context.update(customer_panel_context(request.user, unit.owner, unit_id=unit.pk))
        context["unit"], context["warranty"] = unit, unit_warranty(unit)
    return render_fragment(request, "tickets/intake/_unit_lookup.html", context)


@require_http_methods(["GET", "POST"])
@intake_role_required
def unit_register_view(request):
    template = "tickets/intake/_unit_form.html"
    if request.method == "GET":
        form = UnitRegisterForm(
            user=request.user,
            initial={"customer": _as_int(request.GET.get("customer")), "serial_number": request.GET.get("serial", "")},
        )
        return render_fragment(request, template, {"form": form})
    form = UnitRegisterForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            unit = unit_register(
                actor=request.user,
                product=data["product"],
                serial_number=data["serial_number"],
                owner=data["customer"],
                purchase_date=data["purchase_date"],
                purchase_channel=data["purchase_channel"],
                store_name=data["store_name"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return _panel_response(request, data["customer"], unit_id=unit.pk)
    return render_fragment(request, template, {"form": form}, status=422)
