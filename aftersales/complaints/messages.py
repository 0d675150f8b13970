"""The complaints' messages: timeline lines, notifications to staff, texts to the complainant.
Registered at start-up (``CoreConfig.ready``); stored as keys with parameters. No message to
anyone carries a complainant's name or phone."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import Choice, Known, LocalTime, Param, register
from aftersales.tickets.choices import Channel

from .choices import Category, EscalationReason, Severity
from .defaults import LEVEL_NAMES


class FieldNames(Param):
    """A list of the complaint's field names, shown by their names in the reader's language."""

    def format(self, value):
        from .models import Complaint

        if not isinstance(value, list):
            return super().format(value)
        names = []
        for name in value:
            try:
                names.append(force_str(Complaint._meta.get_field(str(name)).verbose_name))
            except FieldDoesNotExist:
                names.append(str(name))
        return ", ".join(names)


CATEGORY = Choice(Category)
SEVERITY = Choice(Severity)
LEVEL = Known(LEVEL_NAMES)

# --- the timeline ---------------------------------------------------------------------------
register(
    "complaints.received",
    text=_("Complaint received (%(channel)s): %(category)s, %(severity)s; reply due %(due)s."),
    params={"channel": Choice(Channel), "category": CATEGORY, "severity": SEVERITY, "due": LocalTime()},
)
register(
    "complaints.investigator_named",
    text=_("Investigator: %(name)s."),
)
register(
    "complaints.escalated",
    text=_("Escalated to level %(level)d (%(name)s): %(reason)s."),
    params={"name": LEVEL, "reason": Choice(EscalationReason)},
)
register("complaints.changed", text=_("Changed: %(fields)s."), params={"fields": FieldNames()})
register("complaints.filed_about", text=_("Complaint %(number)s was filed about this request."))
register(
    "complaints.deadline_changed",
    text=_("Category now %(category)s; reply due %(due)s."),
    params={"category": CATEGORY, "due": LocalTime()},
)

# --- notifications to staff -----------------------------------------------------------------
register(
    "complaints.assigned",
    text=_("Complaint %(number)s (%(category)s, %(severity)s) is yours to investigate; reply due %(due)s."),
    subject=_("[%(number)s] Complaint to investigate"),
    label=_("Complaint to investigate"),
    icon="bi-megaphone text-warning",
    params={"category": CATEGORY, "severity": SEVERITY, "due": LocalTime()},
)
register(
    "complaints.new",
    text=_("New complaint %(number)s (%(category)s, %(severity)s) needs an investigator; reply due %(due)s."),
    subject=_("[%(number)s] New complaint"),
    label=_("New complaint"),
    icon="bi-megaphone",
    params={"category": CATEGORY, "severity": SEVERITY, "due": LocalTime()},
)
register(
    "complaints.escalation",
    text=_("Complaint %(number)s escalated to level %(level)d (%(name)s): %(reason)s. Reply due %(due)s."),
    subject=_("[%(number)s] Complaint escalated to level %(level)d (%(name)s)"),
    label=_("Complaint escalation"),
    icon="bi-exclamation-octagon text-danger",
    params={"name": LEVEL, "reason": Choice(EscalationReason), "due": LocalTime()},
)
register(
    "complaints.customer_accepted",
    text=_("Complaint %(number)s: the customer accepted the solution."),
    subject=_("[%(number)s] Solution accepted"),
    label=_("Complaint answered"),
    icon="bi-hand-thumbs-up text-success",
)
register(
    "complaints.customer_rejected",
    text=_("Complaint %(number)s: the customer rejected the solution."),
    subject=_("[%(number)s] Solution rejected"),
    label=_("Complaint answered"),
    icon="bi-hand-thumbs-down text-danger",
)

# --- to the complainant (through the tracking link) ------------------------------------------
register(
    "complaints.ack",
    text=_(
        "We have received your complaint %(number)s (tracking code %(code)s) and will answer by %(due)s. "
        "Follow it and answer us through your link."
    ),
    subject=_("Your complaint %(number)s"),
    label=_("Complaint received"),
    params={"due": LocalTime()},
)
register(
    "complaints.solution_ready",
    text=_("Our answer to your complaint %(number)s is ready: please accept or reject it through your link."),
    subject=_("Your complaint %(number)s: our answer"),
    label=_("Complaint answer"),
)
register(
    "complaints.closed_notice",
    text=_("Your complaint %(number)s is closed. Thank you for telling us."),
    subject=_("Your complaint %(number)s is closed"),
    label=_("Complaint closed"),
)
