"""The dispatch panel on the request page: holder, appointment, and (for dispatchers) the suggestions."""

from django import template

from aftersales.accounts.choices import Role
from aftersales.tickets.choices import Status

from ..choices import UNASSIGNED_STATUSES
from ..forms import AppointmentForm, MoveForm
from ..selectors import DISPATCH_ROLES, active_offer, appointment_history, appointment_open

register = template.Library()

BOOKABLE = (Status.ACCEPTED, Status.SCHEDULED, Status.WAITING_PARTS)


@register.inclusion_tag("dispatch/_request_panel.html", takes_context=True)
def dispatch_panel(context, sr):
    user = context["request"].user
    is_dispatcher = user.has_role(*DISPATCH_ROLES)
    can_book = user.has_role(*DISPATCH_ROLES, Role.AGENT, Role.TECHNICIAN, Role.PARTNER)
    appt = appointment_open(sr)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "sr": sr,
        "offer": active_offer(sr),
        "appointment": appt,
        "history": appointment_history(sr),
        "show_suggestions": (is_dispatcher and sr.status in UNASSIGNED_STATUSES)
        or (user.role == Role.PARTNER and sr.assigned_technician_id is None and sr.status == Status.ASSIGNED),
        "can_book": can_book and sr.status in BOOKABLE and sr.assigned_technician_id is not None,
        "appointment_form": AppointmentForm(),
        "move_form": MoveForm(),
        "is_staff_view": user.role != Role.CUSTOMER,
    }
