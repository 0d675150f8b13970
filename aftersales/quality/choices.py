"""Quality vocabulary and the case library's lifecycle (R-QA-4; seed 002 §7).

``CASE_TRANSITIONS`` is the whole state machine of a case; only ``quality.services`` applies it::

    draft ─publish→ published ─archive→ archived ─restore→ draft
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions

# The quality team and the managers keep the case library (seed 002 §7: case analysis).
QUALITY_ROLES = frozenset({Role.QUALITY, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
QUALITY_MANAGER_ROLES = frozenset({Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})


class CaseKind(models.TextChoices):
    GOOD = "good", _("Good case")
    BAD = "bad", _("Bad case")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class CaseAction(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    ARCHIVE = "archive", _("Archive")
    RESTORE = "restore", _("Back to draft")


S = CaseStatus
CASE_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(CaseAction.PUBLISH, frozenset({S.DRAFT}), S.PUBLISHED, QUALITY_ROLES),
    Transition(CaseAction.ARCHIVE, frozenset({S.DRAFT, S.PUBLISHED}), S.ARCHIVED, QUALITY_MANAGER_ROLES),
    Transition(CaseAction.RESTORE, frozenset({S.ARCHIVED}), S.DRAFT, QUALITY_MANAGER_ROLES),
)


# --- inspections (R-QA-1; seed 001 §3.4, §7.1) -------------------------------------------------


class InspectionMethod(models.TextChoices):
    CALL = "call", _("By phone call")
    ONSITE = "onsite", _("On site")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class InspectionAction(models.TextChoices):
    RECORD = "record", _("Record the result")
    CANCEL = "cancel", _("Cancel")


IS = InspectionStatus
INSPECTION_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(InspectionAction.RECORD, frozenset({IS.PLANNED}), IS.DONE, QUALITY_ROLES),
    Transition(InspectionAction.CANCEL, frozenset({IS.PLANNED}), IS.CANCELLED, QUALITY_ROLES, reason_required=True),
)


class CorrectiveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CorrectiveStep(models.TextChoices):
    COMPLETE = "complete", _("Mark done")


CORRECTIVE_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(CorrectiveStep.COMPLETE, frozenset({CorrectiveStatus.OPEN}), CorrectiveStatus.DONE, QUALITY_ROLES),
)
