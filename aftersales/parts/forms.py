"""Forms of the parts pages. Lines are entered as text, one per line —
``PART-CODE QUANTITY [BATCH/SERIAL] [UNIT COST]`` — so a clerk can paste from Excel."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.forms import BootstrapMixin

from .choices import Store, Tracking, WarehouseKind
from .models import Part, Warehouse

MAX_LINES = 200


class LinesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "PT-PCB-AC35 2\nPT-CMP-R32 1 CMP2026001 850.00"})

    def __init__(self, *args, with_cost=False, **kwargs):
        self.with_cost = with_cost
        kwargs.setdefault("help_text", _("One line per part: code, quantity, then batch/serial and unit cost if any."))
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        rows = [r.split() for r in value.replace("\t", " ").splitlines() if r.strip()]
        if not rows:
            raise forms.ValidationError(_("Add at least one line."))
        if len(rows) > MAX_LINES:
            raise forms.ValidationError(_("At most %(n)s lines.") % {"n": MAX_LINES})
        parts = {p.code: p for p in Part.objects.filter(code__in=[r[0].upper() for r in rows])}
        out, errors = [], []
        for n, row in enumerate(rows, start=1):
            part = parts.get(row[0].upper())
            if part is None:
                errors.append(_("Line %(n)s: unknown part %(c)s.") % {"n": n, "c": row[0]})
                continue
            try:
                qty = int(row[1]) if len(row) > 1 else 0
            except ValueError:
                qty = 0
            if qty < 1 or qty > 1_000_000:
                errors.append(_("Line %(n)s: enter a quantity of at least 1.") % {"n": n})
                continue
            rest = row[2:]
            lot = ""
            if part.tracking != Tracking.NONE and rest:
                lot = rest.pop(0)
            line = {"part": part, "quantity": qty, "lot": lot}
            if self.with_cost and rest:
                try:
                    line["unit_cost"] = Decimal(rest[0])
                except InvalidOperation:
                    errors.append(_("Line %(n)s: the unit cost is not a number.") % {"n": n})
                    continue
            out.append(line)
        if errors:
            raise forms.ValidationError(errors)
        return out


def _warehouses(qs):
    return forms.ModelChoiceField(queryset=qs, label=_("Warehouse"))


class PartForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("Part code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    specification = forms.CharField(label=_("Specification"), max_length=200, required=False)
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=16, initial="件")
    cost = forms.DecimalField(label=_("Standard cost"), min_value=0, max_digits=12, decimal_places=2)
    price = forms.DecimalField(label=_("Price"), min_value=0, max_digits=12, decimal_places=2)
    tracking = forms.ChoiceField(label=_("Tracking"), choices=Tracking.choices)
    warranty_months = forms.IntegerField(label=_("Parts warranty (months)"), min_value=0, max_value=600, initial=6)
    return_required = forms.BooleanField(label=_("Old part must be returned"), required=False)
    compatible_products = forms.CharField(
        label=_("Compatible models"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Product model codes, separated by commas."),
    )

    def clean_compatible_products(self):
        from aftersales.catalog.selectors import products_by_model_codes

        products, unknown = products_by_model_codes(self.cleaned_data.get("compatible_products", ""))
        if unknown:
            raise forms.ValidationError(_("Unknown product model %(m)s.") % {"m": ", ".join(unknown)})
        return products


class PartEditForm(PartForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)

    @classmethod
    def initial_for(cls, part: Part) -> dict:
        initial = {name: getattr(part, name) for name in cls.base_fields if name != "compatible_products"}
        initial["compatible_products"] = ", ".join(
            p.model_code for p in part.compatible_products.order_by("model_code")
        )
        return initial


class WarehouseForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=WarehouseKind.choices)
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None)
    technician = forms.ModelChoiceField(label=_("Technician (van)"), queryset=None, required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from aftersales.accounts.models import Organization, User
        from aftersales.customers.models import Region

        self.fields["organization"].queryset = Organization.objects.filter(is_active=True)
        self.fields["technician"].queryset = User.objects.filter(role="technician", is_active=True)
        self.fields["region"].queryset = Region.objects.all()


class WarehouseEditForm(BootstrapMixin, forms.Form):
    """Code, name, region and open/closed for every warehouse; kind (never "van") and
    organization too for the others: a van keeps its kind and its technician's organization."""

    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=[c for c in WarehouseKind.choices if c[0] != WarehouseKind.VAN])
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=None,
        required=False,
        help_text=_("Technicians serving this region may pick parts up at a regional warehouse or partner outlet."),
    )
    is_active = forms.BooleanField(
        label=_("Open"), required=False, help_text=_("A warehouse can be closed once it holds no stock.")
    )

    def __init__(self, *args, warehouse: Warehouse, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "code": warehouse.code,
                "name": warehouse.name,
                "kind": warehouse.kind,
                "organization": warehouse.organization_id,
                "region": warehouse.region_id,
                "is_active": warehouse.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        from aftersales.accounts.models import Organization
        from aftersales.customers.models import Region

        if warehouse.kind == WarehouseKind.VAN:
            del self.fields["kind"]
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = Organization.objects.filter(
                Q(is_active=True) | Q(pk=warehouse.organization_id)
            )
        self.fields["region"].queryset = Region.objects.all()


class ReorderRuleEditForm(BootstrapMixin, forms.Form):
    reorder_point = forms.IntegerField(
        label=_("Reorder point"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("Order when available stock falls to this or below."),
    )
    reorder_quantity = forms.IntegerField(label=_("Reorder quantity"), min_value=1, max_value=1_000_000)
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), min_value=0, max_value=365, initial=7)
    safety_stock = forms.IntegerField(label=_("Safety stock"), min_value=0, max_value=1_000_000, initial=0)


class ReorderRuleForm(ReorderRuleEditForm):
    part = forms.CharField(label=_("Part code"), max_length=64)
    field_order = ["part", "reorder_point", "reorder_quantity", "lead_time_days", "safety_stock"]

    def clean_part(self):
        part = Part.objects.filter(code=self.cleaned_data["part"].strip().upper(), is_active=True).first()
        if part is None:
            raise forms.ValidationError(_("Unknown part."))
        return part


class ReceiptForm(BootstrapMixin, forms.Form):
    warehouse = _warehouses(Warehouse.objects.filter(is_active=True))
    supplier = forms.CharField(label=_("Supplier"), max_length=200)
    supplier_ref = forms.CharField(label=_("Supplier's delivery note"), max_length=64, required=False)
    lines = LinesField(label=_("Lines"), with_cost=True)


class TransferForm(BootstrapMixin, forms.Form):
    source = forms.ModelChoiceField(
        label=pgettext_lazy("warehouse", "From"), queryset=Warehouse.objects.filter(is_active=True)
    )
    destination = forms.ModelChoiceField(
        label=pgettext_lazy("warehouse", "To"), queryset=Warehouse.objects.filter(is_active=True)
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    lines = LinesField(label=_("Lines"))


class VanIssueForm(BootstrapMixin, forms.Form):
    """Ask for parts on a van: the lines are picked from the catalogue (a quantity in ``q.<part id>`` per
    part of the picker), next to what the van holds and what the source has; the parts team issues the
    oldest batches and serials."""

    van = forms.ModelChoiceField(
        label=_("Van"), queryset=Warehouse.objects.filter(kind=WarehouseKind.VAN), empty_label=None
    )
    source = forms.ModelChoiceField(
        label=pgettext_lazy("van issue", "From warehouse"),
        queryset=Warehouse.objects.filter(is_active=True).exclude(kind=WarehouseKind.VAN),
        empty_label=None,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, vans=None, sources=None, parts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if vans is not None:
            self.fields["van"].queryset = vans
        if sources is not None:
            self.fields["source"].queryset = sources.exclude(kind=WarehouseKind.VAN).order_by("code")
        self.parts = parts if parts is not None else Part.objects.all()

    @staticmethod
    def chosen(data) -> dict[str, int]:
        """{"part id": quantity} as typed in the picker (fields ``q.<part id>``); a quantity
        that is not a whole number from 0 to 1,000,000 counts as -1, so the form can say so."""
        out: dict[str, int] = {}
        if data is None:
            return out
        for name in list(data.keys())[: MAX_LINES * 20]:
            if not name.startswith("q."):
                continue
            raw = (data.get(name) or "").strip()
            if not raw:
                continue
            try:
                n = int(raw)
            except ValueError:
                n = -1
            out[name[2:102]] = n if 0 <= n <= 1_000_000 else -1
        return out

    def clean(self):
        cleaned = super().clean()
        chosen = {k: n for k, n in self.chosen(self.data).items() if n != 0}
        if any(n < 0 for n in chosen.values()):
            raise forms.ValidationError(_("Enter each quantity as a whole number from 0 to 1,000,000."))
        if not chosen:
            raise forms.ValidationError(_("Enter the quantity of at least one part."))
        if len(chosen) > MAX_LINES:
            raise forms.ValidationError(_("At most %(n)s lines.") % {"n": MAX_LINES})
        ids = {key: int(key) if key.isdigit() and len(key) < 19 else 0 for key in chosen}
        parts = {p.pk: p for p in self.parts.filter(pk__in=set(ids.values()), is_active=True)}
        lines = []
        for key, n in chosen.items():
            if ids[key] not in parts:
                raise forms.ValidationError(_("Unknown part."))
            lines.append({"part": parts[ids[key]], "quantity": n, "lot": ""})
        cleaned["lines"] = lines
        return cleaned


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class JobPartForm(BootstrapMixin, forms.Form):
    part = forms.CharField(label=_("Part code"), max_length=64)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1_000_000, initial=1)
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False)
    lot = forms.CharField(label=_("Batch / serial"), max_length=64, required=False)
    old_serial = forms.CharField(label=_("Old part serial"), max_length=64, required=False)

    def __init__(self, *args, warehouses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if warehouses is not None:
            self.fields["warehouse"].queryset = warehouses

    def clean_part(self):
        part = Part.objects.filter(code=self.cleaned_data["part"].strip().upper(), is_active=True).first()
        if part is None:
            raise forms.ValidationError(_("Unknown part."))
        return part


class AdjustmentForm(BootstrapMixin, forms.Form):
    warehouse = _warehouses(Warehouse.objects.filter(is_active=True))
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.filter(is_active=True))
    store = forms.ChoiceField(label=pgettext_lazy("stock", "Store"), choices=Store.choices)
    lot = forms.CharField(label=_("Batch / serial"), max_length=64, required=False)
    quantity = forms.IntegerField(label=_("Change (+/-)"), min_value=-1_000_000, max_value=1_000_000)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CountCreateForm(BootstrapMixin, forms.Form):
    warehouse = _warehouses(Warehouse.objects.filter(is_active=True))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReceiveDefectiveForm(BootstrapMixin, forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Into the defective store of"), queryset=Warehouse.objects.none())

    def __init__(self, *args, warehouses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if warehouses is not None:
            self.fields["warehouse"].queryset = warehouses


class ImportForm(BootstrapMixin, forms.Form):
    KIND_CHOICES = [("catalogue", _("Parts catalogue")), ("opening", _("Opening stock"))]
    kind = forms.ChoiceField(label=_("What"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Dry run (check only)"), required=False, initial=True)


class TraceForm(BootstrapMixin, forms.Form):
    lot = forms.CharField(label=_("Batch or serial number"), max_length=64)
