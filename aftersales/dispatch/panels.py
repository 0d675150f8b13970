"""What dispatch adds to the pages of the apps below it (``tickets.slots``); registered in ``apps.py``."""

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import user_is_partner
from aftersales.core.permissions import user_has_role
from aftersales.tickets.choices import Status

from .choices import UNASSIGNED_STATUSES
from .forms import MoveForm
from .permissions import BOOKING_ROLES, is_dispatcher
from .selectors import active_offer, appointment_history

BOOKABLE = (Status.ACCEPTED, Status.SCHEDULED, Status.WAITING_PARTS)
# Past the visit: the card tells what happened, not what is still to come.
FINISHED = (Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED, Status.CANCELLED)


def request_dispatch_context(request, sr) -> dict:
    """The dispatch card on the request page: holder, appointment, and (for dispatchers) the suggestions."""
    user = request.user
    dispatcher = is_dispatcher(user)
    can_book = user_has_role(user, BOOKING_ROLES)
    # Queries only when there can be something to show: an unassigned request has no offer and no visit.
    held = sr.assigned_technician_id is not None or sr.assigned_organization_id is not None
    history = appointment_history(sr) if held or sr.status not in UNASSIGNED_STATUSES + (Status.NEW,) else []
    appt = next((a for a in reversed(history) if a.status in ("proposed", "confirmed")), None)
    # With no visit open, the last one made (a finished job's visit), shown, never moved.
    visited = None if appt else next((a for a in reversed(history) if a.status == "visited"), None)
    return {
        "request": request,
        "sr": sr,
        "offer": active_offer(sr) if held else None,
        "appointment": appt,
        "visited": visited,
        "finished": sr.status in FINISHED,
        "history": history,
        "show_suggestions": (dispatcher and sr.status in UNASSIGNED_STATUSES)
        or (user_is_partner(user) and sr.assigned_technician_id is None and sr.status == Status.ASSIGNED),
        "can_book": can_book and sr.status in BOOKABLE and sr.assigned_technician_id is not None,
        # The "move the visit" form is written out in the template: only its choices are read
        # (not a form built for every page).
        "asked_by_choices": MoveForm.base_fields["asked_by"].choices,
        "is_staff_view": user.role != Role.CUSTOMER,
    }
