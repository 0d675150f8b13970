"""What the follow-up app writes: timeline notes on the request, the survey link to the
customer, and the remedy notice to the quality team and the managers. Registered at start-up
(``CoreConfig.ready``); rendered in each reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import Choice, Known, LocalTime, register

from .choices import CallOutcome, Dimension, RemedyKind, RemedyOutcome, SurveyChannel
from .defaults import NAMES

register(
    "feedback.followup_scheduled",
    text=_("Follow-up call due from %(due_from)s to %(due_by)s; agent: %(agent)s."),
    label=_("Follow-up"),
    icon="bi-telephone-outbound",
    params={"due_from": LocalTime(), "due_by": LocalTime()},
)
register(
    "feedback.call_retry",
    text=_("Follow-up call %(n)s of %(max)s: %(outcome)s. Next call from %(next)s."),
    params={"outcome": Choice(CallOutcome), "next": LocalTime()},
)
register(
    "feedback.call_final",
    text=_("Follow-up call %(n)s of %(max)s: %(outcome)s. Last attempt: the survey link was sent to the customer."),
    params={"outcome": Choice(CallOutcome)},
)
register("feedback.call_closed", text=_("Follow-up call: %(outcome)s."), params={"outcome": Choice(CallOutcome)})
register("feedback.call_reached", text=_("Follow-up call: customer reached."))
register(
    "feedback.survey_answered",
    text=_("Satisfaction survey (%(channel)s): overall %(overall)s/5, likelihood to recommend %(recommend)s/10."),
    params={"channel": Choice(SurveyChannel)},
)
register(
    "feedback.survey_link",
    text=_(
        "Thank you for choosing us. How did we do on service request %(number)s? "
        "Please tell us here: %(url)s (valid until %(until)s)."
    ),
    subject=_("How did we do? Service request %(number)s"),
    label=_("Satisfaction survey"),
    icon="bi-star",
    params={"until": LocalTime()},
)
register(
    "feedback.remedy_opened",
    text=_("%(remedy)s: %(kind)s for %(number)s after a dissatisfied answer (%(why)s). Due %(due)s."),
    subject=_("[%(number)s] Remedy %(remedy)s: dissatisfied customer"),
    label=_("Remedy opened"),
    icon="bi-exclamation-octagon text-danger",
    params={"kind": Choice(RemedyKind), "due": LocalTime()},
)
register(
    "feedback.remedy_resolved",
    text=_("%(remedy)s: outcome recorded: %(outcome)s. %(note)s"),
    params={"outcome": Choice(RemedyOutcome)},
)
register(
    "feedback.remedy_return_visit",
    text=_("Return visit %(remedy)s after the follow-up survey: %(why)s."),
)
register(
    "feedback.recheck_scheduled",
    text=_("%(remedy)s: the customer will be asked again, by %(due_by)s."),
    params={"due_by": LocalTime()},
)
register(
    "feedback.complaint_from_survey",
    text=_(
        "Dissatisfied answer in the follow-up survey of %(number)s (%(remedy)s): %(why)s. Customer's words: %(comment)s"
    ),
)
# Why a remedy was opened: nested in the messages above.
register("feedback.why_overall", text=_("overall satisfaction %(score)s, at most %(max)s"))
register(
    "feedback.why_dimension",
    text=_("%(dimension)s %(score)s, at most %(max)s"),
    params={"dimension": Choice(Dimension)},
)
register("feedback.why_recommend", text=_("likelihood to recommend %(score)s, at most %(max)s"))
register("feedback.why_reason", text=_("reason: %(reason)s"), params={"reason": Known(NAMES)})
