"""Training vocabulary and the session lifecycle (R-QA-2; seed 002 §3, §6, §7).

``SESSION_TRANSITIONS`` is the whole state machine of a session; only ``training.services`` applies it::

    planned ─hold→ held ─close→ closed          (attendance and scores are final once closed)
    planned ─cancel→ cancelled                 (with a reason)
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions

# The quality team and the managers run training: courses, sessions, attendance, the due lists.
TRAINING_ROLES = frozenset({Role.QUALITY, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
# Everybody who is trained (every member of staff, own company or partner) reads his own record.
LEARNER_ROLES = frozenset(r for r in Role.values if r != Role.CUSTOMER)


class CourseKind(models.TextChoices):
    PHILOSOPHY = "philosophy", _("Service philosophy")
    CASE_ANALYSIS = "case_analysis", _("Case analysis")
    PRODUCT = "product", _("Product knowledge")
    COMPLAINT_DRILL = "complaint_drill", _("Complaint handling drill")
    ETIQUETTE = "etiquette", _("Reception etiquette")
    PSYCHOLOGY = "psychology", _("Customer psychology")
    SKILLS = "skills", _("Service skills")
    SAFETY = "safety", _("Safety")


class CourseFormat(models.TextChoices):
    GROUP_STUDY = "group_study", _("Group study")
    WORKSHOP = "workshop", _("Group workshop")
    LECTURE = "lecture", _("Lecture")
    DRILL = "drill", _("Drill")
    HANDS_ON = "hands_on", _("Hands-on training")


# Seed 002: §6 service culture training (service philosophy: group study, monthly; case analysis:
# workshop, quarterly; customer psychology: lecture, yearly) and §7 drills (complaint handling:
# monthly; reception etiquette: quarterly; product knowledge: half-yearly). 0: no recurrence.
KIND_DEFAULTS: dict[str, tuple[int, str]] = {
    CourseKind.PHILOSOPHY: (1, CourseFormat.GROUP_STUDY),
    CourseKind.CASE_ANALYSIS: (3, CourseFormat.WORKSHOP),
    CourseKind.PRODUCT: (6, CourseFormat.LECTURE),
    CourseKind.COMPLAINT_DRILL: (1, CourseFormat.DRILL),
    CourseKind.ETIQUETTE: (3, CourseFormat.DRILL),
    CourseKind.PSYCHOLOGY: (12, CourseFormat.LECTURE),
    CourseKind.SKILLS: (12, CourseFormat.HANDS_ON),
    CourseKind.SAFETY: (12, CourseFormat.HANDS_ON),
}


class Recurrence(models.IntegerChoices):
    NONE = 0, _("Once")
    MONTHLY = 1, _("Monthly")
    QUARTERLY = 3, _("Quarterly")
    HALF_YEARLY = 6, _("Half-yearly")
    YEARLY = 12, _("Yearly")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("training session", "Planned")
    HELD = "held", _("Held")
    CLOSED = "closed", pgettext_lazy("training session", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


class SessionAction(models.TextChoices):
    HOLD = "hold", _("Mark as held")
    CLOSE = "close", _("Close (results final)")
    CANCEL = "cancel", _("Cancel")


S = SessionStatus
SESSION_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(SessionAction.HOLD, frozenset({S.PLANNED}), S.HELD, TRAINING_ROLES),
    Transition(SessionAction.CLOSE, frozenset({S.HELD}), S.CLOSED, TRAINING_ROLES),
    Transition(SessionAction.CANCEL, frozenset({S.PLANNED}), S.CANCELLED, TRAINING_ROLES, reason_required=True),
)


class Presence(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class DueState(models.TextChoices):
    """Where a person stands with a recurring course on a day (``selectors.due_rows``)."""

    NEVER = "never", _("Not trained yet")
    OVERDUE = "overdue", _("Overdue")
    DUE = "due", _("Due this month")
    OK = "ok", _("Up to date")


class CertState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expires soon")
    LAPSED = "lapsed", _("Lapsed")
