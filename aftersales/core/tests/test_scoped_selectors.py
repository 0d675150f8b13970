"""A test per scoped selector (issue 10): for every role, which of the world's objects each
``<entity>_list_for(user)`` returns — his own, a foreign one — and that every yes/no check
derived from a ``Scope`` answers exactly like the queryset it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.accounts.permissions import ALL_ROLES, STAFF_ROLES
from aftersales.catalog import permissions as catalog
from aftersales.complaints import permissions as complaints
from aftersales.customers import permissions as customers
from aftersales.dispatch import permissions as dispatch
from aftersales.feedback import permissions as feedback
from aftersales.field import permissions as field
from aftersales.parts import permissions as parts
from aftersales.returns import permissions as returns
from aftersales.sla import permissions as sla
from aftersales.tickets import permissions as tickets

from .world import ROLES

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    selector: object
    kind: str
    own: frozenset  # roles that see their own object of this kind
    everything: frozenset  # roles that also see foreign ones
    key: str = "pk"  # how a row of the selector names the world's object


CASES = {
    "tickets.request_list_for": Case(tickets.request_list_for, "request", ALL_ROLES, BACK_OFFICE_ROLES),
    "tickets.attachment_list_for": Case(tickets.attachment_list_for, "attachment", ALL_ROLES, BACK_OFFICE_ROLES),
    "customers.customer_list_for": Case(customers.customer_list_for, "customer", ALL_ROLES, BACK_OFFICE_ROLES),
    "catalog.unit_list_for": Case(catalog.unit_list_for, "unit", ALL_ROLES, BACK_OFFICE_ROLES),
    "dispatch.profile_list_for": Case(
        dispatch.profile_list_for, "technician", STAFF_ROLES - {Role.CUSTOMER}, BACK_OFFICE_ROLES, key="user_id"
    ),
    "dispatch.technicians_editable_for": Case(
        dispatch.technicians_editable_for, "technician", dispatch.CREW_ROLES, dispatch.DISPATCH_ROLES
    ),
    "dispatch.policy_list_for": Case(
        dispatch.policy_list_for, "policy", dispatch.DISPATCH_ROLES, dispatch.DISPATCH_ROLES
    ),
    "dispatch.appointment_list_for": Case(dispatch.appointment_list_for, "appointment", ALL_ROLES, BACK_OFFICE_ROLES),
    "field.visit_list_for": Case(field.visit_list_for, "visit", ALL_ROLES, BACK_OFFICE_ROLES),
    "field.visit_part_list_for": Case(field.visit_part_list_for, "visit_part", ALL_ROLES, BACK_OFFICE_ROLES),
    "field.visit_photo_list_for": Case(field.visit_photo_list_for, "visit_photo", ALL_ROLES, BACK_OFFICE_ROLES),
    "field.payment_list_for": Case(field.payment_list_for, "payment", ALL_ROLES, BACK_OFFICE_ROLES),
    "field.quote_list_for": Case(field.quote_list_for, "quote", ALL_ROLES, BACK_OFFICE_ROLES),
    "parts.part_list_for": Case(parts.part_list_for, "part", STAFF_ROLES, STAFF_ROLES),
    "parts.warehouse_list_for": Case(parts.warehouse_list_for, "warehouse", STAFF_ROLES, BACK_OFFICE_ROLES),
    "parts.warehouse_usable_list_for": Case(
        parts.warehouse_usable_list_for, "warehouse", parts.JOB_ROLES, parts.STOCK_ROLES
    ),
    "parts.warehouse_source_list_for": Case(parts.warehouse_source_list_for, "warehouse", STAFF_ROLES, STAFF_ROLES),
    "parts.move_list_for": Case(parts.move_list_for, "move", STAFF_ROLES, BACK_OFFICE_ROLES),
    "parts.van_issue_list_for": Case(parts.van_issue_list_for, "van_issue", parts.VAN_ISSUE_ROLES, parts.STOCK_ROLES),
    "parts.adjustment_list_for": Case(parts.adjustment_list_for, "adjustment", parts.STOCK_ROLES, parts.STOCK_ROLES),
    "parts.count_list_for": Case(parts.count_list_for, "count", parts.STOCK_ROLES, parts.STOCK_ROLES),
    "parts.transfer_list_for": Case(parts.transfer_list_for, "transfer", STAFF_ROLES, BACK_OFFICE_ROLES),
    "parts.reservation_list_for": Case(parts.reservation_list_for, "reservation", ALL_ROLES, BACK_OFFICE_ROLES),
    "parts.defective_list_for": Case(parts.defective_list_for, "defective", ALL_ROLES, BACK_OFFICE_ROLES),
    "complaints.complaint_list_for": Case(
        complaints.complaint_list_for, "complaint", complaints.READ_ROLES, complaints.READ_ROLES
    ),
    "complaints.evidence_list_for": Case(
        complaints.evidence_list_for, "complaint_evidence", complaints.READ_ROLES, complaints.READ_ROLES
    ),
    "returns.rma_list_for": Case(returns.rma_list_for, "rma", returns.VIEW_ROLES, BACK_OFFICE_ROLES),
    "feedback.followup_list_for": Case(
        feedback.followup_list_for, "followup", feedback.READ_ROLES, feedback.READ_ROLES
    ),
    "feedback.survey_list_for": Case(feedback.survey_list_for, "survey", feedback.READ_ROLES, feedback.READ_ROLES),
    "feedback.remedy_list_for": Case(
        feedback.remedy_list_for, "remedy", feedback.QUALITY_ROLES, feedback.QUALITY_ROLES
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_scoped_selector(world, name):
    case = CASES[name]
    wrong = []
    for role in ROLES:
        user = world.user(role)
        rows = case.selector(user)
        for side in ("own", "foreign"):
            obj = world.obj(case.kind, role, side)
            if obj is None:
                continue
            seen = rows.filter(**{case.key: obj.pk}).exists()
            if side == "own":
                expected = role in case.own or role == Role.ADMIN  # administrators are superusers
            else:
                expected = role in case.everything or role == Role.ADMIN
            if seen != expected:
                wrong.append(f"{role} {side} {case.kind}: {'sees' if seen else 'does not see'} it")
    assert not wrong, f"{name}: " + "; ".join(wrong)


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    for name, case in CASES.items():
        assert not case.selector(AnonymousUser()).exists(), name
    assert not sla.escalation_list_for(AnonymousUser()).exists()


def test_sla_clock_scope(world):
    """Service levels are internal: staff read the clocks of the requests they may see, customers none."""
    from aftersales.sla.models import SlaClock

    for role in ROLES:
        user = world.user(role)
        qs = sla.clock_list_for(user)
        if role in sla.CLOCK_ROLES or role == Role.ADMIN:
            visible = set(tickets.request_list_for(user).values_list("pk", flat=True))
            assert set(qs.values_list("request_id", flat=True)) <= visible
            assert qs.count() == SlaClock.objects.filter(request_id__in=visible).count()
        else:
            assert qs.query.is_empty(), role


def test_escalation_log_scope(world):
    """The escalation log is for managers, dispatchers and quality staff (the world has no escalation row;
    the scope itself is the rule)."""
    for role in ROLES:
        qs = sla.escalation_list_for(world.user(role))
        assert (qs.query.is_empty()) == (role not in sla.ESCALATION_ROLES and role != Role.ADMIN), role
        assert sla.can_read_escalations(world.user(role)) == (role in sla.ESCALATION_ROLES or role == Role.ADMIN)


# --- the in-memory checks answer like their querysets ---------------------------------------------


def _scope_cases():
    from aftersales.accounts.models import User
    from aftersales.complaints.models import Complaint
    from aftersales.dispatch.models import TechnicianProfile
    from aftersales.parts.models import StockMove, VanIssue, Warehouse
    from aftersales.returns.models import Rma
    from aftersales.tickets.models import ServiceRequest

    return {
        "complaints.COMPLAINT_SCOPE": (complaints.COMPLAINT_SCOPE, Complaint),
        "tickets.REQUEST_SCOPE": (tickets.REQUEST_SCOPE, ServiceRequest),
        "dispatch.PROFILE_SCOPE": (dispatch.PROFILE_SCOPE, TechnicianProfile),
        "dispatch.CREW_SCOPE": (dispatch.CREW_SCOPE, User),
        "parts.WAREHOUSE_SCOPE": (parts.WAREHOUSE_SCOPE, Warehouse),
        "parts.WAREHOUSE_USE_SCOPE": (parts.WAREHOUSE_USE_SCOPE, Warehouse),
        "parts.MOVE_SCOPE": (parts.MOVE_SCOPE, StockMove),
        "parts.VAN_ISSUE_SCOPE": (parts.VAN_ISSUE_SCOPE, VanIssue),
        "parts.STOCK_TEAM_SCOPE": (parts.STOCK_TEAM_SCOPE, Warehouse),
        "parts.STAFF_SCOPE": (parts.STAFF_SCOPE, Warehouse),
        "sla.ESCALATION_SCOPE": (sla.ESCALATION_SCOPE, ServiceRequest),
        "returns.RMA_SCOPE": (returns.RMA_SCOPE, Rma),
    }


@pytest.mark.parametrize(
    "name",
    [
        "tickets.REQUEST_SCOPE",
        "dispatch.PROFILE_SCOPE",
        "dispatch.CREW_SCOPE",
        "parts.WAREHOUSE_SCOPE",
        "parts.WAREHOUSE_USE_SCOPE",
        "parts.MOVE_SCOPE",
        "parts.VAN_ISSUE_SCOPE",
        "parts.STOCK_TEAM_SCOPE",
        "parts.STAFF_SCOPE",
        "sla.ESCALATION_SCOPE",
        "complaints.COMPLAINT_SCOPE",
        "returns.RMA_SCOPE",
    ],
)
def test_scope_allows_agrees_with_its_queryset(world, name):
    """For every role and every row of the model in the world: ``allows`` says yes exactly for the rows
    ``filter`` returns. The predicates used on hot paths (``request_can_act``, ``warehouse_usable_by``,
    ``technician_can_edit`` ...) are these ``allows``."""
    scope, model = _scope_cases()[name]
    rows = list(model.objects.all())
    assert rows, f"the world has no {model.__name__}"
    users = [world.user(role) for role in ROLES] + [world.extra["T2"], world.extra["PT"]]
    for user in users:
        allowed = set(scope.filter(user, model.objects.all()).values_list("pk", flat=True))
        for row in rows:
            assert scope.allows(user, row) == (row.pk in allowed), (name, user.role, row.pk)


def test_named_predicates_are_the_scopes(world):
    """The yes/no checks the services call are read from the scopes (not written a second time)."""
    T, PT = world.users[Role.TECHNICIAN], world.extra["PT"]
    for role in ROLES:
        user = world.user(role)
        for side in ("own", "foreign"):
            request = world.obj("request", role, side)
            assert (
                tickets.request_can_act(user, request) == tickets.request_list_for(user).filter(pk=request.pk).exists()
            )
            warehouse = world.obj("warehouse", role, side)
            assert parts.warehouse_usable_by(user, warehouse) == (
                parts.warehouse_usable_list_for(user).filter(pk=warehouse.pk).exists()
            )
        for tech in (T, PT, world.extra["T2"]):
            assert (
                dispatch.technician_can_edit(user, tech)
                == dispatch.technicians_editable_for(user).filter(pk=tech.pk).exists()
            )
    from aftersales.tickets.services import can_act_on

    assert can_act_on is tickets.request_can_act
