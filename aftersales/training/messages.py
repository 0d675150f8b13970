"""Training messages (registered at start-up by ``CoreConfig.ready``); stored as keys with parameters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import Choice, LocalTime, register
from aftersales.tickets.choices import ServiceType

# A skill inside other messages (nested): its service type in the reader's language.
register("training.skill", text=_("%(service_type)s · %(category)s"), params={"service_type": Choice(ServiceType)})
register("training.skill_any", text=_("%(service_type)s (any product)"), params={"service_type": Choice(ServiceType)})

register(
    "training.session_planned",
    text=_("Training planned: %(course)s on %(at)s, %(place)s."),
    subject=_("Training: %(course)s"),
    label=_("Training"),
    icon="bi-mortarboard",
    params={"at": LocalTime()},
)
register(
    "training.certified",
    text=_("Certified for %(skill)s until %(expires)s (%(course)s, score %(score)s)."),
    label=_("Certification"),
    icon="bi-patch-check text-success",
)
register(
    "training.cert_expiring",
    text=_("The certification of %(person)s for %(skill)s expires on %(expires)s: book the %(course)s course."),
    subject=_("Certification expires on %(expires)s: %(person)s"),
    label=_("Certification"),
    icon="bi-patch-exclamation text-warning",
)
register(
    "training.cert_lapsed",
    text=_(
        "The certification of %(person)s for %(skill)s lapsed on %(expires)s: no %(skill)s jobs are dispatched "
        "to him until he passes %(course)s again."
    ),
    subject=_("Certification lapsed: %(person)s"),
    label=_("Certification"),
    icon="bi-patch-minus text-danger",
)
