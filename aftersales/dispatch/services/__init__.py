"""Every dispatch write: technician profiles, assignment and offers, the pool, acceptance, timeouts, appointments.

Exactly one holder per job: every path that gives a job to someone locks the request row first
(``select_for_update``), checks that nobody holds it, and records a ``DispatchOffer``; the database allows one
pending-or-accepted offer per request. Request state only moves through ``tickets.services``; its assign /
accept / decline come back here through ``tickets.slots.REQUEST_ASSIGNMENT`` (``request_assignment_apply``).
Route plans live in ``routes.py``.

One module per sub-domain, re-exported here: ``profiles``, ``assignment``, ``offers``, ``appointments``,
``policies``; shared locking and offer helpers in ``_common``.
"""

from ._common import AlreadyAssigned
from .appointments import (
    appointment_confirm,
    appointment_create,
    appointment_depart,
    appointment_move,
    appointment_visited,
)
from .assignment import dispatch_assign, dispatch_auto, pool_claim
from .offers import (
    offer_accept,
    offer_decline,
    offer_expire,
    offers_due,
    offers_expire_due,
    request_assignment_apply,
)
from .policies import POLICY_FIELDS, policy_create, policy_delete, policy_update
from .profiles import PROFILE_FIELDS, absence_add, profile_save

__all__ = [
    "AlreadyAssigned",
    "POLICY_FIELDS",
    "PROFILE_FIELDS",
    "absence_add",
    "appointment_confirm",
    "appointment_create",
    "appointment_depart",
    "appointment_move",
    "appointment_visited",
    "dispatch_assign",
    "dispatch_auto",
    "offer_accept",
    "offer_decline",
    "offer_expire",
    "offers_due",
    "offers_expire_due",
    "policy_create",
    "policy_delete",
    "policy_update",
    "pool_claim",
    "profile_save",
    "request_assignment_apply",
]
