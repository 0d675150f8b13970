"""Dispatch's messages: job offers to technicians, visit times to customers, and the
notes and reasons it leaves on the timeline. Registered at start-up (``CoreConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import Choice, LocalTime, register
from aftersales.tickets.choices import Priority, ServiceType

from .choices import AskedBy

OFFER_PARAMS = {"type": Choice(ServiceType), "priority": Choice(Priority), "deadline": LocalTime()}

# To the technician (in the app, and by e-mail when he has an address).
register(
    "dispatch.offer",
    text=_(
        "Job %(number)s: %(type)s, priority %(priority)s.\n"
        "Customer: %(customer)s, %(phone)s\n"
        "Address: %(address)s\n"
        "Problem: %(problem)s\n"
        "Please accept or decline by %(deadline)s."
    ),
    subject=_("New job %(number)s"),
    label=_("New job offer"),
    icon="bi-briefcase",
    params=OFFER_PARAMS,
)
register(
    "dispatch.offer_open",
    text=_(
        "Job %(number)s: %(type)s, priority %(priority)s.\n"
        "Customer: %(customer)s, %(phone)s\n"
        "Address: %(address)s\n"
        "Problem: %(problem)s"
    ),
    subject=_("New job %(number)s"),
    label=_("New job offer"),
    icon="bi-briefcase",
    params=OFFER_PARAMS,
)

# To the customer (by e-mail).
register(
    "dispatch.customer_visit_booked",
    text=_("Service request %(number)s: our technician will visit %(window)s."),
    subject=_("Your visit is booked"),
    label=_("Visit booked"),
)
register(
    "dispatch.customer_visit_moved",
    text=_("Service request %(number)s: the visit moves to %(window)s. Reason: %(reason)s"),
    subject=_("Your visit has a new time"),
    label=_("Visit moved"),
)
register(
    "dispatch.customer_on_the_way",
    text=_("Service request %(number)s: %(name)s is on the way and expects to arrive at %(eta)s."),
    subject=_("Your technician is on the way"),
    label=_("Technician on the way"),
    params={"eta": LocalTime("%H:%M")},
)
register(
    "dispatch.customer_new_eta",
    text=_("Service request %(number)s: the technician's plan changed; expected arrival about %(time)s."),
    subject=_("New expected arrival"),
    label=_("New expected arrival"),
    params={"time": LocalTime("%H:%M")},
)

# On the timeline.
register(
    "dispatch.visit_moved",
    text=_("Visit moved from %(old)s to %(new)s, asked by %(who)s: %(reason)s"),
    params={"who": Choice(AskedBy)},
)
register("dispatch.on_the_way", text=_("On the way; expected arrival %(eta)s."), params={"eta": LocalTime()})
register("dispatch.offer_expired", text=_("No answer within %(n)d minutes; offered to the next technician."))
register("dispatch.route_moved", text=_("Route optimisation of %(day)s: from %(from)s to %(to)s, saves travel."))
