"""Scenes for the follow-up tests, built through the real services.

    request, followup = completed_request(users, technician=tech, at=at(2026, 3, 3, 15))

``completed_request`` files a repair, walks it to "in progress" and completes it at ``at`` (the
follow-up is scheduled by the completion, in the same transaction). ``GOOD`` and ``LOW`` are
survey answers just above and at the remedy thresholds.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from aftersales.accounts.choices import Role
from aftersales.tickets.choices import Action, Status
from aftersales.tickets.services import request_transition
from aftersales.tickets.tests.paths import drive_to

from ..models import FollowUp

SH = ZoneInfo("Asia/Shanghai")

GOOD = {
    "overall": 4,
    "tangibles": 3,
    "reliability": 3,
    "responsiveness": 4,
    "assurance": 5,
    "empathy": 5,
    "recommend": 9,
    "reasons": ["punctual"],
    "comment": "师傅很专业",
}
LOW = {
    "overall": 2,
    "tangibles": 4,
    "reliability": 2,
    "responsiveness": 3,
    "assurance": 3,
    "empathy": 3,
    "recommend": 3,
    "reasons": ["not_fixed"],
    "comment": "修完第二天又坏了",
}


def at(y, m, d, hh=0, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def completed_request(users: dict, *, technician, at: dt.datetime | None = None, service_type="repair", **kwargs):
    """A request completed by ``technician`` at ``at`` (default now) and its follow-up."""
    users = {**users, Role.TECHNICIAN: technician}
    request = drive_to(Status.IN_PROGRESS, users=users, technician=technician, service_type=service_type, **kwargs)
    request = request_transition(actor=technician, request=request, action=Action.COMPLETE, reason="更换主板", now=at)
    return request, FollowUp.objects.filter(request=request).order_by("-id").first()


def world_feedback(world) -> None:
    """The route matrix's follow-ups, surveys and remedies (``core/tests/world.py``): shared office
    objects, the same for every role that may see them."""
    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.sla.models import FollowUpWindow
    from aftersales.sla.tests.calendars import seed_migration_data

    from ..services import followup_record

    if not FollowUpWindow.objects.exists():
        seed_migration_data()  # a database flushed by an earlier transactional test

    manager, tech = world.users[Role.MANAGER], world.users[Role.TECHNICIAN]
    UserFactory(role=Role.AGENT, organization=world.extra["own_org"], username="w-agent-2")
    users = {Role.MANAGER: manager}
    _request, followup = completed_request(users, technician=tech)
    _request2, low = completed_request(users, technician=tech)
    followup_record(actor=manager, followup=low, outcome="reached", answers=LOW)
    low.refresh_from_db()
    world.share("followup", followup)
    world.share("survey", low.survey)
    world.share("remedy", low.survey.remedy)
    world.share("survey_token", _link_survey(manager, tech))


def _link_survey(manager, tech):
    from ..selectors import policy_get
    from ..services import followup_record

    _request, followup = completed_request({Role.MANAGER: manager}, technician=tech)
    for _ in range(policy_get().max_attempts):
        followup = followup_record(actor=manager, followup=followup, outcome="no_answer", now=followup.next_call_at)
    return followup.survey
