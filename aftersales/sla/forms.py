from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.catalog.models import ProductCategory
from aftersales.core.formfields import DayField, MomentField
from aftersales.core.forms import BootstrapMixin
from aftersales.customers.choices import CustomerTier, RegionClass
from aftersales.tickets.choices import Channel, Priority, ServiceType, Status

from .defaults import calendar_name, level_name, rule_name
from .models import Calendar, CalendarDay, TargetKind, Weekday
from .rules import RequestFacts


class PreviewForm(forms.Form):
    """A request that does not exist: which rules would apply and when it would be due."""

    service_type = forms.ChoiceField(label=_("Service type"), choices=ServiceType.choices, initial=ServiceType.REPAIR)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    customer_tier = forms.TypedChoiceField(
        label=_("Customer tier"), choices=CustomerTier.choices, coerce=int, initial=CustomerTier.RETURNING
    )
    region_class = forms.ChoiceField(label=_("Region class"), choices=RegionClass.choices, initial=RegionClass.REMOTE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    product_category = forms.ModelChoiceField(
        label=_("Product category"),
        queryset=ProductCategory.objects.order_by("name"),
        required=False,
        empty_label=_("Any / not known"),
    )
    filed_at = MomentField(
        label=_("Filed at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filed_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def facts(self) -> RequestFacts:
        data = self.cleaned_data
        category = data.get("product_category")
        return RequestFacts(
            service_type=data["service_type"],
            priority=data["priority"],
            customer_tier=data["customer_tier"],
            region_class=data["region_class"],
            channel=data["channel"],
            product_category_id=category.pk if category else None,
        )


class EscalationFilterForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All"))] + [(str(n), str(n) if n else _("0 (warning)")) for n in range(0, 10)],
    )
    kind = forms.ChoiceField(label=_("Target"), required=False, choices=[("", _("All"))] + list(TargetKind.choices))
    date_from = DayField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DayField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ClockFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Target"), required=False, choices=[("", _("All"))] + list(TargetKind.choices))


# --- the settings pages: rules, calendars, the escalation matrix ----------------------


class DurationWidget(forms.MultiWidget):
    """A number and a unit: "30 minutes", "24 hours", "2 days"."""

    template_name = "sla/settings/_duration_widget.html"

    def __init__(self, attrs=None):
        number = forms.NumberInput(
            attrs={"min": 0, "max": 525600, "step": 1, "class": "form-control", "inputmode": "numeric"}
        )
        unit = forms.Select(choices=DURATION_UNITS, attrs={"class": "form-select"})
        super().__init__([number, unit], attrs)

    def get_context(self, name, value, attrs):
        # The number and the unit keep their own Bootstrap classes (a form's mixin sets one for all).
        self.attrs.pop("class", None)
        attrs = {k: v for k, v in (attrs or {}).items() if k != "class"}
        return super().get_context(name, value, attrs)

    def decompress(self, value):
        if not value:
            return [None, "h"]
        minutes = int(value.total_seconds() // 60)
        if minutes and minutes % (24 * 60) == 0 and minutes >= 72 * 60:
            return [minutes // (24 * 60), "d"]
        if minutes and minutes % 60 == 0:
            return [minutes // 60, "h"]
        return [minutes, "min"]


DURATION_UNITS = [("min", _("minutes")), ("h", _("hours")), ("d", _("days"))]
UNIT_MINUTES = {"min": 1, "h": 60, "d": 24 * 60}


class DurationField(forms.MultiValueField):
    """A length typed as a whole number and a unit; empty = not set (None)."""

    widget = DurationWidget

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        fields = (
            forms.IntegerField(min_value=0, max_value=525600, required=False),
            forms.ChoiceField(choices=DURATION_UNITS, required=False),
        )
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, **kwargs)

    def compress(self, data_list):
        if not data_list or data_list[0] in (None, ""):
            return None
        number, unit = data_list
        if not self.allow_zero and number == 0:
            raise forms.ValidationError(_("A target must be longer than zero."), code="zero")
        minutes = int(number) * UNIT_MINUTES.get(unit or "h", 60)
        if minutes > 365 * 24 * 60:
            raise forms.ValidationError(_("At most 365 days."), code="too_long")
        return datetime.timedelta(minutes=minutes)


def _any(choices, label=None):
    return [("", label or _("Any"))] + list(choices)


class RuleForm(BootstrapMixin, forms.Form):
    """A rule's fields, named as ``services.policy_create`` takes them; the service checks the rules."""

    name = forms.CharField(label=_("Name"), max_length=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    precedence = forms.IntegerField(
        label=_("Precedence"),
        min_value=0,
        max_value=10000,
        initial=100,
        help_text=_("Among equally specific rules, the lower number wins."),
    )
    warning_percent = forms.IntegerField(
        label=_("Warn at % of target"),
        min_value=1,
        max_value=100,
        initial=80,
        help_text=_("A warning is due when this share of the target is used."),
    )
    calendar = forms.ModelChoiceField(
        label=_("Business calendar"),
        queryset=Calendar.objects.order_by("name"),
        required=False,
        empty_label=_("The default calendar"),
        help_text=_("For targets on working time."),
    )
    calendar.label_from_instance = lambda calendar: calendar.display_name
    pause_statuses = forms.MultipleChoiceField(
        label=_("Clocks pause while the request is"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[Status.WAITING_CUSTOMER.value],
    )
    service_type = forms.ChoiceField(label=_("Service type"), required=False, choices=_any(ServiceType.choices))
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=_any(Priority.choices))
    customer_tier = forms.TypedChoiceField(
        label=_("Customer tier"), required=False, coerce=int, empty_value=None, choices=_any(CustomerTier.choices)
    )
    region_class = forms.ChoiceField(label=_("Region class"), required=False, choices=_any(RegionClass.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_any(Channel.choices))
    product_category = forms.ModelChoiceField(
        label=_("Product category"),
        queryset=ProductCategory.objects.order_by("name"),
        required=False,
        empty_label=_("Any"),
    )
    first_response = DurationField(label=_("First response within"), required=False)
    first_response_business = forms.BooleanField(label=_("on working time"), required=False)
    appointment_contact = DurationField(label=_("Appointment contact within"), required=False)
    appointment_contact_business = forms.BooleanField(label=_("on working time"), required=False)
    arrival = DurationField(label=_("On site within"), required=False)
    arrival_business = forms.BooleanField(label=_("on working time"), required=False)
    resolution = DurationField(label=_("Resolved within"), required=False)
    resolution_business = forms.BooleanField(label=_("on working time"), required=False)

    CRITERIA = ("service_type", "priority", "customer_tier", "region_class", "channel", "product_category")
    TARGETS = tuple(TargetKind.values)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services.standards import PAUSABLE_STATUSES

        self.fields["pause_statuses"].choices = [(v, label) for v, label in Status.choices if v in PAUSABLE_STATUSES]
        self.fields["pause_statuses"].widget.attrs["class"] = "form-check-input"
        name = self.initial.get("name") or ""
        if name and rule_name(name) != name:
            self.fields["name"].help_text = _("Shown as “%(name)s” while unchanged.") % {"name": rule_name(name)}

    @classmethod
    def initial_for(cls, policy) -> dict:
        from .services.standards import POLICY_FIELDS

        return {field: getattr(policy, field) for field in POLICY_FIELDS}

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        for field in ("service_type", "priority", "region_class", "channel"):
            data[field] = data[field] or None
        return data

    def target_rows(self):
        """(duration field, business checkbox) per target, for the template."""
        return [(self[kind], self[f"{kind}_business"]) for kind in self.TARGETS]

    def criteria_fields(self):
        return [self[name] for name in self.CRITERIA]


SHIFTS_HELP = _("Shifts like 09:00-12:00, 13:30-18:00; empty = no work that day.")


def parse_shifts(text: str) -> list[tuple[datetime.time, datetime.time]]:
    """ "09:00-12:00, 13:30-18:00" → [(09:00, 12:00), (13:30, 18:00)]; 24:00 or 00:00 as an end is midnight."""
    out = []
    for chunk in (text or "").replace("，", ",").replace("；", ",").replace(";", ",").split(","):
        chunk = chunk.strip().replace("–", "-").replace("~", "-").replace("～", "-").replace("：", ":")
        if not chunk:
            continue
        try:
            start_text, end_text = (part.strip() for part in chunk.split("-"))
            start = datetime.datetime.strptime(start_text, "%H:%M").time()
            end = datetime.time(0) if end_text == "24:00" else datetime.datetime.strptime(end_text, "%H:%M").time()
        except ValueError:
            raise forms.ValidationError(
                _("Write shifts like 09:00-12:00, 13:30-18:00 (“%(text)s” is not one).") % {"text": chunk[:20]},
                code="shifts",
            ) from None
        out.append((start, end))
    return out


def shifts_text(periods) -> str:
    return ", ".join(f"{s:%H:%M}-{'24:00' if e == datetime.time(0) else format(e, '%H:%M')}" for s, e in periods)


class ShiftsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", SHIFTS_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        return parse_shifts(super().clean(value))


class CalendarForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, - and _; used by imports and the API.")
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Shanghai")
    is_24x7 = forms.BooleanField(label=_("24×7 (every hour counts)"), required=False)
    is_default = forms.BooleanField(
        label=_("Default calendar"), required=False, help_text=_("Used by rules that name no calendar.")
    )
    make_up_weekday = forms.TypedChoiceField(
        label=_("Make-up working days (调休) work like"),
        coerce=int,
        choices=Weekday.choices,
        initial=Weekday.MONDAY,
        help_text=_("For a make-up day without hours of its own."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.initial.get("name") or ""
        if name and calendar_name(name) != name:
            self.fields["name"].help_text = _("Shown as “%(name)s” while unchanged.") % {"name": calendar_name(name)}
        for day, label in Weekday.choices:
            self.fields[f"weekday_{day}"] = ShiftsField(label=label, help_text="")
            self.fields[f"weekday_{day}"].widget.attrs.update(
                {"class": "form-control form-control-sm", "placeholder": _("no work")}
            )

    @staticmethod
    def initial_for(calendar) -> dict:
        initial = {
            f: getattr(calendar, f) for f in ("name", "code", "time_zone", "is_24x7", "is_default", "make_up_weekday")
        }
        weekly: dict[int, list] = {d: [] for d in range(7)}
        for p in calendar.periods.all():
            weekly[p.weekday].append((p.start, p.end))
        for day, periods in weekly.items():
            initial[f"weekday_{day}"] = shifts_text(periods)
        return initial

    def weekday_fields(self):
        return [self[f"weekday_{day}"] for day in range(7)]

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["weekly"] = {day: data.pop(f"weekday_{day}") for day in range(7)}
        return data


class CalendarDayForm(BootstrapMixin, forms.Form):
    control_size = "sm"

    date = DayField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False, help_text=_("E.g. 国庆节, 春节调休上班."))
    periods = ShiftsField(
        label=_("Hours (working day)"), help_text=_("Empty: the hours of the weekday below (or the calendar's).")
    )
    follow_weekday = forms.TypedChoiceField(
        label=_("Works like"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("The calendar's make-up weekday"))] + list(Weekday.choices),
    )


class CalendarPreviewForm(forms.Form):
    """When a request would be received, for the previews (default: now)."""

    received_at = MomentField(
        label=_("Request received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def moment(self):
        value = self.cleaned_data.get("received_at") if self.is_valid() else None
        return value or timezone.now().replace(second=0, microsecond=0)


class LevelForm(BootstrapMixin, forms.Form):
    level = forms.IntegerField(
        label=_("Level"), min_value=0, max_value=9, help_text=_("0 = the warning before the breach.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Target"),
        required=False,
        choices=[("", _("Every target without rows of its own"))] + list(TargetKind.choices),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    delay = DurationField(
        label=_("After the breach"), required=False, allow_zero=True, help_text=_("Ignored for the warning (level 0).")
    )
    notify_role = forms.ChoiceField(
        label=_("Notify everyone with role"), required=False, choices=[("", _("Nobody by role"))] + list(Role.choices)
    )
    notify_users = forms.ModelMultipleChoiceField(
        label=_("Notify these people"),
        required=False,
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    notify_assignee = forms.BooleanField(label=_("Notify the assigned technician"), required=False)
    notify_creator = forms.BooleanField(label=_("Notify who filed the request"), required=False)
    in_app = forms.BooleanField(label=_("In-app notification"), required=False, initial=True)
    email = forms.BooleanField(label=_("E-mail"), required=False)
    raise_priority_to = forms.ChoiceField(
        label=_("Raise priority to at least"),
        required=False,
        choices=[("", _("Leave the priority"))] + list(Priority.choices),
    )
    reassign_technician = forms.ModelChoiceField(
        label=_("Reassign to technician"), required=False, queryset=None, empty_label=_("Nobody")
    )
    reassign_organization = forms.ModelChoiceField(
        label=_("Or move to organization's queue"), required=False, queryset=None, empty_label=_("No")
    )
    act_as = forms.ModelChoiceField(
        label=_("Act as"),
        required=False,
        queryset=None,
        empty_label=_("The system account"),
        help_text=_("Whose name the priority change and reassignment carry."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from aftersales.accounts.models import Organization, User

        name = self.initial.get("name") or ""
        if name and level_name(name) != name:
            self.fields["name"].help_text = _("Shown as “%(name)s” while unchanged.") % {"name": level_name(name)}
        staff = (
            User.objects.filter(is_active=True).exclude(role=Role.CUSTOMER).order_by("last_name", "first_name", "id")
        )
        self.fields["notify_users"].queryset = staff
        self.fields["act_as"].queryset = staff
        self.fields["reassign_technician"].queryset = staff.filter(role=Role.TECHNICIAN)
        self.fields["reassign_organization"].queryset = Organization.objects.order_by("name")
        for name in ("notify_users", "act_as"):
            self.fields[name].label_from_instance = lambda u: f"{u.display_name} · {u.get_role_display()}"
        self.fields["reassign_technician"].label_from_instance = lambda u: u.display_name

    @staticmethod
    def initial_for(level) -> dict:
        from .services.standards import LEVEL_FIELDS

        initial = {f: getattr(level, f) for f in LEVEL_FIELDS}
        initial["notify_users"] = list(level.notify_users.all())
        return initial

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["delay"] = data.get("delay") or datetime.timedelta(0)
        data["kind"] = data.get("kind") or ""
        return data


class LevelPreviewForm(forms.Form):
    """The escalation preview: which target, under which rule, received when."""

    kind = forms.ChoiceField(label=_("Target"), required=False, choices=list(TargetKind.choices))
    rule = forms.ModelChoiceField(label=_("Rule"), required=False, queryset=None, empty_label=None)
    received_at = CalendarPreviewForm.base_fields["received_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import SlaPolicy

        self.fields["rule"].queryset = SlaPolicy.objects.filter(is_active=True).order_by("precedence", "id")
        self.fields["rule"].label_from_instance = lambda rule: rule.display_name
