"""Who sees and does what with follow-ups, surveys and remedies (R-ROLE-1).

Follow-ups are office work: agents, the quality team, managers and administrators make the calls
(agents work their own list by default); quality managers read the calls and the answers too and
hand calls over; remedies and the figures belong to the quality team and the managers. Technicians, partners and customers see none of it here (the
customer answers his survey through its tokenised link, without logging in).
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.core.permissions import Scope, user_has_role

from .choices import CALL_ROLES, QUALITY_ROLES, READ_ROLES, SUPERVISOR_ROLES
from .models import FollowUp, Remedy, Survey, SurveyTemplate

__all__ = [
    "CALL_ROLES",
    "QUALITY_ROLES",
    "READ_ROLES",
    "REPORT_ROLES",
    "SUPERVISOR_ROLES",
    "followup_list_for",
    "remedy_list_for",
    "survey_list_for",
]

# Who reads the satisfaction and follow-up figures.
REPORT_ROLES = QUALITY_ROLES

FOLLOWUP_SCOPE = Scope(everything=READ_ROLES)
SURVEY_SCOPE = Scope(everything=READ_ROLES)
REMEDY_SCOPE = Scope(everything=QUALITY_ROLES)


def followup_list_for(user) -> QuerySet[FollowUp]:
    return FOLLOWUP_SCOPE.filter(user, FollowUp.objects.all())


def survey_list_for(user) -> QuerySet[Survey]:
    return SURVEY_SCOPE.filter(user, Survey.objects.all())


def remedy_list_for(user) -> QuerySet[Remedy]:
    return REMEDY_SCOPE.filter(user, Remedy.objects.all())


def template_list_for(user) -> QuerySet[SurveyTemplate]:
    return SurveyTemplate.objects.all() if user_has_role(user, READ_ROLES) else SurveyTemplate.objects.none()


def user_can_reassign(user) -> bool:
    return user_has_role(user, SUPERVISOR_ROLES)
