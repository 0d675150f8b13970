"""Every write of the follow-up app (R-FB-1..3), by sub-domain:

- ``templates``: the survey's versions (the first one, a draft copy, publishing);
- ``followups``: scheduling a call when a request is completed, recording calls, handing over;
- ``surveys``: answers in the call and through the tokenised link, link expiry;
- ``remedies``: opening a remedy on a dissatisfied answer, recording its outcome, asking again.
"""

from .followups import (
    agent_pick,
    followup_assign,
    followup_from_request,
    followup_record,
    followup_schedule,
    followup_schedule_on_completion,
)
from .remedies import remedy_open_if_needed, remedy_resolve, remedy_triggers
from .surveys import (
    LinkClosed,
    followup_survey_add,
    survey_answer_link,
    survey_answers_clean,
    survey_expire_due,
    survey_link_send,
    survey_record_call,
)
from .templates import template_copy, template_default_ensure, template_publish

__all__ = [
    "LinkClosed",
    "agent_pick",
    "followup_assign",
    "followup_from_request",
    "followup_record",
    "followup_schedule",
    "followup_schedule_on_completion",
    "followup_survey_add",
    "remedy_open_if_needed",
    "remedy_resolve",
    "remedy_triggers",
    "survey_answer_link",
    "survey_answers_clean",
    "survey_expire_due",
    "survey_link_send",
    "survey_record_call",
    "template_copy",
    "template_default_ensure",
    "template_publish",
]
