"""Dispatch vocabulary: policy modes, offer states, appointment states, and the planning constants."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.states import Transition, transitions
from aftersales.tickets.choices import Priority, ServiceType, Status


class DispatchMode(models.TextChoices):
    MANUAL = "manual", _("Manual: the dispatcher chooses")
    SUGGEST = "suggest", _("Suggest: ranked candidates, the dispatcher confirms")
    AUTO = "auto", _("Auto-assign the best candidate")
    POOL = "pool", _("Grab pool: the first qualified technician to claim it")


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("No answer in time")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DELEGATED = "delegated", _("Passed to a technician of the partner")


# An offer that holds the job: at most one per request (database constraint).
ACTIVE_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED)

# The offer's lifecycle, applied with ``core.states.transition_apply`` by the dispatch services.
OFFER_TRANSITIONS = transitions(
    Transition("accept", {OfferStatus.PENDING}, OfferStatus.ACCEPTED),
    Transition("decline", {OfferStatus.PENDING}, OfferStatus.DECLINED, reason_required=True),
    Transition("expire", {OfferStatus.PENDING}, OfferStatus.EXPIRED),
    # Someone else gets the job (a reassignment), or a partner passes its job to one of its technicians.
    Transition("withdraw", set(ACTIVE_OFFER_STATUSES), OfferStatus.WITHDRAWN),
    Transition("delegate", set(ACTIVE_OFFER_STATUSES), OfferStatus.DELEGATED),
)


class OfferVia(models.TextChoices):
    DISPATCHER = "dispatcher", _("Dispatcher")
    AUTO = "auto", _("Auto-assign")
    POOL = "pool", _("Claimed from the pool")
    REDISPATCH = "redispatch", _("Re-dispatched")
    PARTNER = "partner", _("Service partner")


class AppointmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    MOVED = "moved", _("Moved")
    CANCELLED = "cancelled", _("Cancelled")
    VISITED = "visited", _("Visited")


_OPEN_VISIT = {AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED}
APPOINTMENT_TRANSITIONS = transitions(
    Transition("confirm", {AppointmentStatus.PROPOSED}, AppointmentStatus.CONFIRMED),
    Transition("move", _OPEN_VISIT, AppointmentStatus.MOVED, reason_required=True),
    Transition("cancel", _OPEN_VISIT, AppointmentStatus.CANCELLED),
    Transition("visited", _OPEN_VISIT, AppointmentStatus.VISITED),
)


class AskedBy(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    COMPANY = "company", _("Company")


class AbsenceReason(models.TextChoices):
    LEAVE = "leave", _("Leave")
    SICK = "sick", _("Sick")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


# Statuses in which a request waits for a technician.
UNASSIGNED_STATUSES = (Status.ACKNOWLEDGED, Status.REOPENED)
# Statuses of a job a technician holds and has not started yet (they go into day plans).
HELD_STATUSES = (Status.ASSIGNED, Status.ACCEPTED, Status.SCHEDULED)

# Planned visit length by service type, in minutes (a site can change it here).
VISIT_MINUTES = {
    ServiceType.INSTALLATION: 90,
    ServiceType.REPAIR: 60,
    ServiceType.MAINTENANCE: 45,
    ServiceType.RETURN_EXCHANGE: 30,
    ServiceType.COMPLAINT: 45,
    ServiceType.CONSULTATION: 30,
}

# "Leaving now": the arrival estimate must lie between a few minutes ago and this far ahead.
DEPART_ETA_GRACE = dt.timedelta(minutes=5)
DEPART_ETA_AHEAD = dt.timedelta(hours=12)
# The drive "Leaving now" assumes when nothing better is known, and the least it assumes.
DEPART_TRAVEL_DEFAULT = dt.timedelta(minutes=30)
DEPART_TRAVEL_MIN = dt.timedelta(minutes=10)

ROUTE_PRIORITY = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.NORMAL: 3, Priority.LOW: 4}
