"""Drive a service request to any status through the real services.

    from aftersales.tickets.tests.paths import drive_to

    request = drive_to(Status.IN_PROGRESS, users={"manager": manager, "technician": technician})

``drive_to`` creates a fresh request (or takes ``request=``) and walks a shortest legal
path over ``choices.TRANSITIONS`` (breadth-first), calling ``request_transition`` for each
step with an actor from ``users`` that may really do it (role *and* object scope, as
``services.transition_allowed`` says). ``users`` maps a role name ("manager",
"dispatcher", "technician", "partner", "customer", ...) to a user; office roles make the
easiest actors, and a "technician" (or ``technician=``) is needed to reach any status
past assignment. Steps that need a reason get one. Nothing is poked into fields.
"""

from __future__ import annotations

import itertools
from collections import deque

from aftersales.accounts.choices import Role
from aftersales.customers.services import customer_create
from aftersales.tickets.choices import TRANSITIONS, Action, Channel, ServiceType, Status
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import CREATE_ROLES, request_create, request_transition, transition_allowed

_phones = itertools.count(1)

# Office roles first: they may act on any request, so the walk never depends on scoping.
_ACTOR_PREFERENCE = [
    Role.MANAGER,
    Role.ADMIN,
    Role.DISPATCHER,
    Role.AGENT,
    Role.QUALITY,
    Role.PARTS_CLERK,
    Role.TECHNICIAN,
    Role.PARTNER,
    Role.CUSTOMER,
]


def unique_phone() -> str:
    """A valid, unused-looking Chinese mobile number (+86139xxxxxxxx) for test customers."""
    return f"+86139{next(_phones):08d}"


def shortest_path(target: str, *, start: str = Status.NEW, consultation: bool = False) -> list[str]:
    """The actions of a shortest legal path from ``start`` to ``target`` (BFS over TRANSITIONS).

    ``customer_responded`` is skipped (its target depends on history); ``resolve_at_intake``
    is only used when ``consultation`` is true, as the services allow."""
    seen = {start: []}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        if status == target:
            return seen[status]
        for t in TRANSITIONS.values():
            if status not in t.sources or t.target is None:
                continue
            if t.action == Action.RESOLVE_AT_INTAKE and not consultation:
                continue
            if t.target not in seen:
                seen[t.target] = [*seen[status], t.action]
                queue.append(t.target)
    raise ValueError(f"No legal path from {start} to {target}")


def _creator(users: dict):
    for role in _ACTOR_PREFERENCE:
        user = users.get(role)
        if user is not None and role in CREATE_ROLES and role != Role.CUSTOMER:
            return user
    raise ValueError("drive_to needs an office user (agent, dispatcher, quality, manager or admin) in users")


def _actor_for(request: ServiceRequest, action: str, users: dict):
    for role in _ACTOR_PREFERENCE:
        user = users.get(role)
        if user is not None and transition_allowed(user, request, action):
            return user
    raise ValueError(f"No user in {sorted(users)} may {action} request {request.number} ({request.status})")


def step(request: ServiceRequest, action: str, *, users: dict, technician=None, reason: str = "") -> ServiceRequest:
    """Apply one action with an allowed actor from ``users`` (a reason is supplied if needed)."""
    t = TRANSITIONS[action]
    actor = _actor_for(request, action, users)
    kwargs = {}
    if action == Action.ASSIGN:
        tech = technician or users.get(Role.TECHNICIAN)
        if tech is None:
            raise ValueError("assign needs a technician: pass technician= or users['technician']")
        kwargs["technician"] = tech
    # Reassigning a job someone holds needs a reason too (dispatch owns assignment, R-DSP-2).
    reassign = action == Action.ASSIGN and request.status in (Status.ASSIGNED, Status.ACCEPTED, Status.SCHEDULED)
    if t.reason_required or action == Action.RESOLVE_AT_INTAKE or reassign:
        reason = reason or f"test: {action}"
    return request_transition(actor=actor, request=request, action=action, reason=reason, **kwargs)


def drive_to(
    status: str,
    *,
    users: dict,
    request: ServiceRequest | None = None,
    customer=None,
    service_type: str | None = None,
    technician=None,
    **create_kwargs,
) -> ServiceRequest:
    """Return a request in ``status``, reached through real services along a shortest path.

    ``users``: role name -> user (at least one office user; a technician to go past
    "assigned"). ``request``: continue from this request instead of creating one.
    ``customer``/``service_type``/``create_kwargs`` go to ``request_create`` (a fresh
    customer is created when none is given; the service type defaults to repair; with
    ``service_type="consultation"`` "closed" is reached by answering at intake).
    ``technician``: who gets the job on "assign" (default ``users["technician"]``).
    """
    users = {str(k): v for k, v in users.items()}
    if request is None:
        creator = _creator(users)
        if customer is None:
            customer = customer_create(actor=creator, name="测试客户", phone=unique_phone())
        request = request_create(
            actor=creator,
            customer=customer,
            channel=create_kwargs.pop("channel", Channel.PHONE),
            service_type=service_type or ServiceType.REPAIR,
            description=create_kwargs.pop("description", "It does not work."),
            **create_kwargs,
        )
    path = shortest_path(status, start=request.status, consultation=request.service_type == ServiceType.CONSULTATION)
    for action in path:
        request = step(request, action, users=users, technician=technician)
    assert request.status == status, (request.status, status)
    return request
