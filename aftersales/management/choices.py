"""Management vocabulary and lifecycles (R-KPI-3 scorecards, R-QA-3 improvement plans, the
monthly report).

``RUN_TRANSITIONS``: a monthly assessment run is a draft (computed again at will) until a manager
approves it; an approved run is frozen::

    draft ─approve→ approved

``PLAN_TRANSITIONS``: an improvement plan::

    planned ─start→ in_progress ─complete→ done ─evaluate→ evaluated
    planned / in_progress ─cancel→ cancelled   (reason required)

``REPORT_TRANSITIONS``: a monthly report made by the worker::

    queued ─start→ running ─finish→ done
    queued / running ─fail→ failed ─retry→ queued
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions


class SchemeRole(models.TextChoices):
    """Whom a scorecard scheme assesses; each maps to the measures' person dimension."""

    TECHNICIAN = "technician", _("Technicians")
    AGENT = "agent", _("Agents")


# The user role assessed and the measures' dimension that holds the person's id.
SCHEME_PEOPLE = {SchemeRole.TECHNICIAN: Role.TECHNICIAN, SchemeRole.AGENT: Role.AGENT}
SCHEME_DIMENSION = {SchemeRole.TECHNICIAN: "technician", SchemeRole.AGENT: "agent"}


class Method(models.TextChoices):
    """How a line's measured value becomes points."""

    LINEAR = "linear", _("Linear from the floor to the target")
    THRESHOLD = "threshold", _("All or nothing at the target")


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class RunAction(models.TextChoices):
    APPROVE = "approve", _("Approve")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("management", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("management", "In progress")
    DONE = "done", pgettext_lazy("management", "Done")
    EVALUATED = "evaluated", _("Evaluated")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_PLAN_STATUSES = frozenset({PlanStatus.PLANNED, PlanStatus.IN_PROGRESS})


class PlanAction(models.TextChoices):
    START = "start", pgettext_lazy("management", "Start")
    COMPLETE = "complete", _("Mark done")
    EVALUATE = "evaluate", _("Evaluate the effect")
    CANCEL = "cancel", _("Cancel")


class PlanOrigin(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    DASHBOARD = "dashboard", _("KPI dashboard")
    COMPLAINT = "complaint", _("Complaint")
    INSPECTION = "inspection", pgettext_lazy("management", "Inspection")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportAction(models.TextChoices):
    START = "start", _("Start")
    FINISH = "finish", _("Finish")
    FAIL = "fail", _("Fail")
    RETRY = "retry", _("Retry")


# Who reads the scorecards and the reports; who changes schemes and approves runs.
READ_ROLES = frozenset({Role.MANAGER, Role.QUALITY_MANAGER, Role.ADMIN})
APPROVE_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
# Improvement plans: the managers and the quality team (plans are raised from inspections too).
PLAN_ROLES = frozenset({Role.MANAGER, Role.QUALITY_MANAGER, Role.QUALITY, Role.ADMIN})

RUN_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(RunAction.APPROVE, {RunStatus.DRAFT}, RunStatus.APPROVED, APPROVE_ROLES),
)

P = PlanStatus
PLAN_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(PlanAction.START, {P.PLANNED}, P.IN_PROGRESS, PLAN_ROLES),
    Transition(PlanAction.COMPLETE, {P.IN_PROGRESS}, P.DONE, PLAN_ROLES),
    Transition(PlanAction.EVALUATE, {P.DONE}, P.EVALUATED, PLAN_ROLES),
    Transition(PlanAction.CANCEL, {P.PLANNED, P.IN_PROGRESS}, P.CANCELLED, PLAN_ROLES, reason_required=True),
)

R = ReportStatus
REPORT_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(ReportAction.START, {R.QUEUED}, R.RUNNING),
    Transition(ReportAction.FINISH, {R.RUNNING}, R.DONE),
    Transition(ReportAction.FAIL, {R.QUEUED, R.RUNNING}, R.FAILED),
    Transition(ReportAction.RETRY, {R.FAILED}, R.QUEUED),
)
