"""Spare-parts vocabulary and the transfer-order state machine (R-PRT-1).

``TRANSFER_TRANSITIONS`` is the whole transfer lifecycle: for each action, the statuses it
may start from, where it goes and who may take it. Only ``services.transfer_transition``
applies it. Stock moves: ``ship`` posts TRANSFER_OUT at the source, ``receive`` posts
TRANSFER_IN at the destination; between the two the goods are "in transit" (on no shelf).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions

# Who runs the stores: every stock document, count and adjustment.
STOCK_ROLES = frozenset({Role.PARTS_CLERK, Role.MANAGER, Role.ADMIN})


class Tracking(models.TextChoices):
    NONE = "none", _("Not tracked")
    BATCH = "batch", _("By batch")
    SERIAL = "serial", _("By serial number")


class WarehouseKind(models.TextChoices):
    CENTRAL = "central", _("Central warehouse")
    REGIONAL = "regional", _("Regional warehouse")
    OUTLET = "outlet", _("Partner outlet")
    VAN = "van", _("Technician van")


# Shared stock: a technician may pick parts up at the counter of these (of his own
# organization, in a region he serves) besides taking them from his own van.
SHARED_WAREHOUSE_KINDS = frozenset({WarehouseKind.REGIONAL, WarehouseKind.OUTLET})


class Store(models.TextChoices):
    """Every warehouse has two stores: sellable parts and old/defective parts (旧件)."""

    GOOD = "good", _("Good")
    DEFECTIVE = "defective", _("Defective")


class MoveType(models.TextChoices):
    RECEIPT = "receipt", _("Purchase receipt")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    ISSUE_OUT = "issue_out", _("Issue to van (out)")
    ISSUE_IN = "issue_in", _("Issue to van (in)")
    RESERVE = "reserve", _("Reservation")
    UNRESERVE = "unreserve", _("Reservation released")
    CONSUME = "consume", _("Consumption on a job")
    RETURN_UNUSED = "return_unused", _("Return of unused part")
    DEFECTIVE_IN = "defective_in", _("Defective part returned")
    ADJUST = "adjust", _("Adjustment")
    COUNT = "count", _("Stock count adjustment")
    OPENING = "opening", _("Opening stock")


class DocType(models.TextChoices):
    RECEIPT = "receipt", _("Purchase receipt")
    TRANSFER = "transfer", _("Transfer order")
    VAN_ISSUE = "van_issue", _("Van issue")
    RESERVATION = "reservation", _("Reservation")
    CONSUMPTION = "consumption", _("Consumption")
    RETURN = "return", _("Return of unused parts")
    DEFECTIVE_RETURN = "defective_return", _("Defective return")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT = "count", _("Stock count")
    IMPORT = "import", _("Opening stock import")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    SHIPPED = "shipped", _("Shipped")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class TransferAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    SHIP = "ship", _("Ship")
    DISPATCH = "dispatch", _("Hand to carrier (in transit)")
    RECEIVE = "receive", _("Receive")
    CANCEL = "cancel", _("Cancel")


T = TransferStatus
TRANSFER_TRANSITIONS: dict[str, Transition] = transitions(
    Transition(TransferAction.APPROVE, frozenset({T.REQUESTED}), T.APPROVED, STOCK_ROLES),
    Transition(TransferAction.REJECT, frozenset({T.REQUESTED}), T.REJECTED, STOCK_ROLES, reason_required=True),
    Transition(TransferAction.SHIP, frozenset({T.APPROVED}), T.SHIPPED, STOCK_ROLES),
    Transition(TransferAction.DISPATCH, frozenset({T.SHIPPED}), T.IN_TRANSIT, STOCK_ROLES),
    # The receiving side may be a partner outlet: its staff book the goods in.
    Transition(TransferAction.RECEIVE, frozenset({T.SHIPPED, T.IN_TRANSIT}), T.RECEIVED, STOCK_ROLES | {Role.PARTNER}),
    Transition(
        TransferAction.CANCEL, frozenset({T.REQUESTED, T.APPROVED}), T.CANCELLED, STOCK_ROLES, reason_required=True
    ),
)


def transfer_actions_from(status: str) -> list[Transition]:
    return [t for t in TRANSFER_TRANSITIONS.values() if status in t.sources]


class VanIssueStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved (issued)")
    REJECTED = "rejected", _("Rejected")


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("reservation", "Active")
    CONSUMED = "consumed", _("Consumed")
    RELEASED = "released", _("Released")


# The other lifecycles of parts, applied with ``core.states.transition_apply`` by the services.
VAN_ISSUE_TRANSITIONS = transitions(
    Transition("approve", {VanIssueStatus.REQUESTED}, VanIssueStatus.APPROVED),
    Transition("reject", {VanIssueStatus.REQUESTED}, VanIssueStatus.REJECTED, reason_required=True),
)
RESERVATION_TRANSITIONS = transitions(
    Transition("consume", {ReservationStatus.ACTIVE}, ReservationStatus.CONSUMED),
    Transition("release", {ReservationStatus.ACTIVE}, ReservationStatus.RELEASED),
)


class DefectiveStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting return")
    RECEIVED = "received", _("Received")
    WAIVED = "waived", _("Waived")


DEFECTIVE_TRANSITIONS = transitions(
    Transition("receive", {DefectiveStatus.PENDING}, DefectiveStatus.RECEIVED),
    Transition("waive", {DefectiveStatus.PENDING}, DefectiveStatus.WAIVED, reason_required=True),
)


class CountStatus(models.TextChoices):
    OPEN = "open", _("Sheet issued")
    COUNTED = "counted", _("Counted")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


COUNT_TRANSITIONS = transitions(
    # Entering counts: "counted" once every line has a count, "open" while some are missing.
    Transition("enter_all", {CountStatus.OPEN, CountStatus.COUNTED}, CountStatus.COUNTED),
    Transition("enter_some", {CountStatus.OPEN, CountStatus.COUNTED}, CountStatus.OPEN),
    Transition("approve", {CountStatus.COUNTED}, CountStatus.APPROVED),
    Transition("cancel", {CountStatus.OPEN, CountStatus.COUNTED}, CountStatus.CANCELLED),
)


class AlertKind(models.TextChoices):
    LOW_STOCK = "low_stock", _("Below reorder point")
    DEFECTIVE_OVERDUE = "defective_overdue", _("Defective return overdue")
