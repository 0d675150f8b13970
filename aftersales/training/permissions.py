"""Who may see and do what in training (R-ROLE-1), in one place.

- Courses, sessions, attendance and the due lists: the quality team and the managers
  (``TRAINING_ROLES``), who run the training.
- A person's training record: himself (``/training/me/``); the training roles and the dispatchers
  (who need to know who is certified) everybody's; partner staff their own organization's people.
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.core.permissions import Scope

from .choices import LEARNER_ROLES, TRAINING_ROLES
from .models import Course, Session

__all__ = [
    "LEARNER_ROLES",
    "RECORD_ROLES",
    "TRAINING_ROLES",
    "course_list_for",
    "people_list_for",
    "session_list_for",
]

TRAINING_SCOPE = Scope(everything=TRAINING_ROLES)
RECORD_EVERYONE = TRAINING_ROLES | {Role.DISPATCHER}
RECORD_ROLES = RECORD_EVERYONE | {Role.PARTNER}
PERSON_SCOPE = Scope(everything=RECORD_EVERYONE, own={Role.PARTNER: (("organization_id", "organization_id"),)})


def course_list_for(user) -> QuerySet[Course]:
    return TRAINING_SCOPE.filter(user, Course.objects.all())


def session_list_for(user) -> QuerySet[Session]:
    return TRAINING_SCOPE.filter(user, Session.objects.all())


def people_list_for(user) -> QuerySet[User]:
    """The people whose training record ``user`` may read (staff only, never customers)."""
    return PERSON_SCOPE.filter(user, User.objects.exclude(role=Role.CUSTOMER))


def person_can_read(user, person) -> bool:
    if user is None or not user.is_authenticated or person is None or person.role == Role.CUSTOMER:
        return False
    return user.pk == person.pk or PERSON_SCOPE.allows(user, person)
