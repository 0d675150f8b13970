"""The SLA's messages: warnings and escalations (notifications, e-mails, timeline notes)
and why a rule applies. Registered at start-up (``CoreConfig.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import Choice, Duration, Known, LocalTime, Param, register
from aftersales.tickets.choices import Priority, Status

from .defaults import LEVEL_NAMES, OLD_LEVEL_NAMES, RULE_NAMES
from .models import TargetKind

TARGET = Choice(TargetKind)
LEVEL = Known(LEVEL_NAMES, aliases=OLD_LEVEL_NAMES)

register(
    "sla.warning",
    text=_("%(target)s: warning, due at %(due)s (%(left)s left)."),
    subject=_("[%(number)s] %(target)s: warning, due at %(due)s (%(left)s left)."),
    label=_("SLA warning"),
    icon="bi-hourglass-split text-warning",
    params={"target": TARGET, "due": LocalTime(), "left": Duration()},
)
register(
    "sla.escalation",
    text=_("SLA escalation level %(level)d (%(name)s): %(target)s overdue by %(late)s since %(due)s; %(actions)s."),
    subject=_("[%(number)s] SLA escalation level %(level)d (%(name)s): %(target)s overdue by %(late)s since %(due)s"),
    label=_("SLA escalation"),
    icon="bi-exclamation-octagon text-danger",
    params={"target": TARGET, "name": LEVEL, "late": Duration(), "due": LocalTime()},
)
register(
    "sla.reassign_reason",
    text=_("SLA escalation %(level)s"),
    params={"level": LEVEL},
)

# The actions of a level, listed in the escalation text (nested messages, never alone).
register("sla.action.notified", text=_("notified %(n)d"), parse=False)
register("sla.action.notified_email", text=_("notified %(n)d, also by e-mail"), parse=False)
register(
    "sla.action.priority",
    text=_("priority %(old)s → %(new)s"),
    params={"old": Choice(Priority), "new": Choice(Priority)},
    parse=False,
)
register("sla.action.priority_kept", text=_("priority not raised: %(why)s"), parse=False)
register("sla.action.reassigned", text=_("reassigned"), parse=False)
register("sla.action.not_reassigned", text=_("not reassigned: %(why)s"), parse=False)
register("sla.why.already_assigned", text=_("already assigned there"), parse=False)
register(
    "sla.why.not_reassignable",
    text=_("a request that is “%(status)s” cannot be reassigned; notified only"),
    params={"status": Choice(Status)},
    parse=False,
)


# --- why a rule applies (the SLA panel, the preview) -------------------------------------


class Criteria(Param):
    """A rule's criteria, stored as [[attribute, value], …]: "type=Repair, tier=★★"."""

    def format(self, value):
        from .rules import criterion_text

        if not isinstance(value, list):
            return super().format(value)
        if not value:
            return gettext("any request")
        return ", ".join(criterion_text(attr, raw) for attr, raw in value)


class Count(Param):
    def format(self, value):
        if not isinstance(value, int):
            return super().format(value)
        return ngettext("%(n)d criterion", "%(n)d criteria", value) % {"n": value}


register(
    "sla.rule_matched",
    text=_("matched: %(criteria)s; %(count)s"),
    params={"criteria": Criteria(), "count": Count()},
    parse=False,
)
register(
    "sla.rule_tie",
    text=_("rule “%(name)s” won a tie on precedence %(precedence)d"),
    params={"name": Known(RULE_NAMES)},
    parse=False,
)
register("sla.no_calendar", text=_("no default calendar: counted 24×7"), parse=False)
