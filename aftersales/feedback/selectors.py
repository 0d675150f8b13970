"""Reads with rules: the worklists, one follow-up / survey / remedy for a user (404 outside his
scope), the survey behind a link, and the figures per agent, technician and partner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization, User

from .choices import (
    OPEN_FOLLOWUP_STATUSES,
    Dimension,
    FollowUpResult,
    FollowUpStatus,
    RemedyStatus,
    SurveyStatus,
    TemplateStatus,
)
from .models import FeedbackPolicy, FollowUp, Remedy, Survey, SurveyTemplate
from .permissions import followup_list_for, remedy_list_for, survey_list_for

# --- configuration --------------------------------------------------------------------------


def policy_get() -> FeedbackPolicy:
    """The follow-up policy (its defaults when nobody has saved one)."""
    return FeedbackPolicy.objects.order_by("pk").first() or FeedbackPolicy()


def template_current() -> SurveyTemplate | None:
    """The survey version in use."""
    return SurveyTemplate.objects.filter(status=TemplateStatus.PUBLISHED).first()


def template_questions(template: SurveyTemplate, service_type: str) -> list:
    """The extra questions asked for ``service_type`` (its own and those for every type)."""
    return [q for q in template.questions.all() if q.service_type in ("", service_type)]


# --- follow-ups --------------------------------------------------------------------------------

WORKLIST_VIEWS = ("now", "later", "link", "done")
FOLLOWUP_RELATED = (
    "request",
    "request__customer",
    "request__product",
    "request__assigned_technician",
    "request__assigned_organization",
    "agent",
)


def followup_get_for(user, pk: int) -> FollowUp:
    obj = followup_list_for(user).select_related(*FOLLOWUP_RELATED, "template", "remedy").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def followup_worklist(user, *, view: str = "now", mine: bool = True, now: dt.datetime | None = None):
    """The agent's list, soonest due first: ``now`` the calls to make now (retry time reached),
    ``later`` the calls not due yet (window not open or waiting to call again), ``link`` the
    customers who got the survey link, ``done`` the recent results."""
    now = now or timezone.now()
    qs = followup_list_for(user).select_related(*FOLLOWUP_RELATED)
    if mine:
        qs = qs.filter(agent=user)
    if view == "now":
        qs = qs.filter(status=FollowUpStatus.OPEN, next_call_at__lte=now).order_by("due_by", "id")
    elif view == "later":
        qs = qs.filter(status=FollowUpStatus.OPEN, next_call_at__gt=now).order_by("next_call_at", "id")
    elif view == "link":
        qs = qs.filter(status=FollowUpStatus.LINK_SENT).order_by("due_by", "id")
    else:
        qs = qs.exclude(status__in=OPEN_FOLLOWUP_STATUSES).order_by("-closed_at", "-id")
    return qs


def followup_counts(user, *, mine: bool, now: dt.datetime | None = None) -> dict[str, int]:
    """How many follow-ups each worklist tab holds (one query)."""
    now = now or timezone.now()
    qs = followup_list_for(user)
    if mine:
        qs = qs.filter(agent=user)
    return qs.aggregate(
        now=Count("id", filter=Q(status=FollowUpStatus.OPEN, next_call_at__lte=now)),
        later=Count("id", filter=Q(status=FollowUpStatus.OPEN, next_call_at__gt=now)),
        link=Count("id", filter=Q(status=FollowUpStatus.LINK_SENT)),
        overdue=Count("id", filter=Q(status=FollowUpStatus.OPEN, due_by__lt=now)),
    )


def followup_for_request(request_id: int) -> FollowUp | None:
    """The request's follow-up in progress, else its latest one."""
    rows = list(
        FollowUp.objects.filter(request_id=request_id).select_related("agent").order_by("-created_at", "-id")[:5]
    )
    for row in rows:
        if row.is_open:
            return row
    return rows[0] if rows else None


def agents_for_assignment() -> QuerySet[User]:
    """Who can be handed follow-ups: active agents (and the quality team)."""
    return User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.QUALITY]).order_by("role", "id")


# --- surveys ------------------------------------------------------------------------------------

SURVEY_RELATED = ("request", "customer", "agent", "technician", "organization", "template")


def survey_get_for(user, pk: int) -> Survey:
    obj = survey_list_for(user).select_related(*SURVEY_RELATED).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def survey_by_token(token: str) -> Survey:
    """The survey behind a customer's link, or 404 (no login: the token is the key)."""
    token = (token or "")[:64]
    survey = (
        Survey.objects.select_related("request", "request__product", "template", "technician")
        .filter(token=token or "-")
        .first()
    )
    if survey is None or not token:
        raise Http404
    return survey


def survey_answered_list_for(user, *, start=None, end=None):
    qs = survey_list_for(user).filter(status=SurveyStatus.ANSWERED).select_related(*SURVEY_RELATED)
    if start is not None:
        qs = qs.filter(answered_at__gte=start)
    if end is not None:
        qs = qs.filter(answered_at__lt=end)
    return qs.order_by("-answered_at", "-id")


# --- remedies -----------------------------------------------------------------------------------

REMEDY_RELATED = ("request", "request__customer", "survey", "assignee", "resolved_by", "complaint")


def remedy_get_for(user, pk: int) -> Remedy:
    obj = remedy_list_for(user).select_related(*REMEDY_RELATED).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def remedy_complaint(remedy: Remedy):
    """The complaint a complaint remedy opened in the complaints app (None without one)."""
    return remedy.complaint if remedy.complaint_id else None


def remedy_worklist(user, *, show: str = "open"):
    qs = remedy_list_for(user).select_related(*REMEDY_RELATED)
    if show == "open":
        return qs.filter(status=RemedyStatus.OPEN).order_by("due_at", "id")
    return qs.filter(status=RemedyStatus.RESOLVED).order_by("-resolved_at", "-id")


# --- figures ------------------------------------------------------------------------------------

SATISFIED_FROM = 4  # an overall score of 4 or 5 counts as satisfied (满意率)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class FigureRow:
    key: object
    name: str
    surveys: int = 0
    satisfied: int = 0
    overall: float | None = None
    dimensions: dict = field(default_factory=dict)
    promoters: int = 0
    detractors: int = 0
    recommend_answers: int = 0
    remedies: int = 0
    due: int = 0
    followed_up: int = 0
    on_time: int = 0
    reached: int = 0

    @property
    def satisfaction_rate(self):
        return _rate(self.satisfied, self.surveys)

    @property
    def nps(self):
        if not self.recommend_answers:
            return None
        return round(100.0 * (self.promoters - self.detractors) / self.recommend_answers, 1)

    @property
    def followup_rate(self):
        return _rate(self.followed_up, self.due)

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.followed_up)

    def dimension_list(self):
        return [self.dimensions.get(d.value) for d in Dimension]


def _survey_aggregates() -> dict:
    return {
        "surveys": Count("id"),
        "satisfied": Count("id", filter=Q(overall__gte=SATISFIED_FROM)),
        "overall_avg": Avg("overall"),
        "promoters": Count("id", filter=Q(recommend__gte=9)),
        "detractors": Count("id", filter=Q(recommend__lte=6)),
        "recommend_answers": Count("id", filter=Q(recommend__isnull=False)),
        "remedies": Count("remedy"),
        **{f"{d.value}_avg": Avg(d.value) for d in Dimension},
    }


def _survey_figures(qs, group: str) -> dict:
    return {row[group]: row for row in qs.values(group).annotate(**_survey_aggregates()).order_by()}


def _fill(row: FigureRow, data: dict | None) -> None:
    if not data:
        return
    row.surveys, row.satisfied = data["surveys"], data["satisfied"]
    row.overall = round(data["overall_avg"], 2) if data["overall_avg"] is not None else None
    row.promoters, row.detractors = data["promoters"], data["detractors"]
    row.recommend_answers, row.remedies = data["recommend_answers"], data["remedies"]
    row.dimensions = {
        d.value: (round(data[f"{d.value}_avg"], 2) if data[f"{d.value}_avg"] is not None else None) for d in Dimension
    }


@dataclass
class Figures:
    start: dt.datetime
    end: dt.datetime
    total: FigureRow
    agents: list[FigureRow]
    technicians: list[FigureRow]
    partners: list[FigureRow]


def figures(user, *, start: dt.datetime, end: dt.datetime) -> Figures:
    """Satisfaction (surveys answered in [start, end)) and follow-up work (follow-ups due in
    [start, end)) per agent, technician and service organization."""
    surveys = survey_list_for(user).filter(status=SurveyStatus.ANSWERED, answered_at__gte=start, answered_at__lt=end)
    followups = (
        followup_list_for(user).filter(due_by__gte=start, due_by__lt=end).exclude(status=FollowUpStatus.CANCELLED)
    )
    done = Q(closed_at__isnull=False)
    work = {
        row["agent"]: row
        for row in followups.values("agent")
        .annotate(
            due=Count("id"),
            followed_up=Count("id", filter=done),
            on_time=Count("id", filter=done & Q(on_time=True)),
            reached=Count("id", filter=Q(result__in=[FollowUpResult.REACHED, FollowUpResult.LINK_ANSWERED])),
        )
        .order_by()
    }
    by_agent = _survey_figures(surveys, "agent")
    by_tech = _survey_figures(surveys, "technician")
    by_org = _survey_figures(surveys, "organization")
    total = FigureRow(key=None, name="")
    _fill(total, surveys.aggregate(**_survey_aggregates()))
    total_work = followups.aggregate(
        due=Count("id"), followed_up=Count("id", filter=done), on_time=Count("id", filter=done & Q(on_time=True))
    )
    total.due, total.followed_up, total.on_time = total_work["due"], total_work["followed_up"], total_work["on_time"]

    users = User.objects.in_bulk([k for k in {*work, *by_agent, *by_tech} if k is not None])
    orgs = Organization.objects.in_bulk([k for k in by_org if k is not None])

    def name_of(obj) -> str:
        return obj.display_name if isinstance(obj, User) else str(obj) if obj is not None else ""

    agents = []
    for key in sorted({*work, *by_agent}, key=lambda k: (k is None, name_of(users.get(k)))):
        row = FigureRow(key=key, name=name_of(users.get(key)))
        _fill(row, by_agent.get(key))
        if key in work:
            w = work[key]
            row.due, row.followed_up, row.on_time, row.reached = w["due"], w["followed_up"], w["on_time"], w["reached"]
        agents.append(row)
    technicians = []
    for key in sorted(by_tech, key=lambda k: (k is None, name_of(users.get(k)))):
        row = FigureRow(key=key, name=name_of(users.get(key)))
        _fill(row, by_tech[key])
        technicians.append(row)
    partners = []
    for key in sorted(by_org, key=lambda k: (k is None, name_of(orgs.get(k)))):
        row = FigureRow(key=key, name=name_of(orgs.get(key)))
        _fill(row, by_org[key])
        partners.append(row)
    return Figures(start=start, end=end, total=total, agents=agents, technicians=technicians, partners=partners)
