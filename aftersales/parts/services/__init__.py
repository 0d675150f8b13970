"""Every write to spare-parts stock. Each service is atomic, attributed and audited.

The one primitive is ``_post``: it writes one immutable ``StockMove`` and applies the same
deltas to the matching ``StockLevel`` with a conditional F() UPDATE in the same
transaction::

    UPDATE parts_stocklevel SET on_hand = on_hand + q, reserved = reserved + r
     WHERE id = … AND on_hand >= -q AND reserved >= -r AND on_hand >= reserved + (r - q)

If no row qualifies (rowcount 0) the stock is not there and ``InsufficientStock`` is
raised; the transaction rolls back, nothing is written. Under concurrency PostgreSQL
re-checks the WHERE clause on the latest row version after a competing writer commits, so
of N technicians taking the last unit exactly one UPDATE matches. CheckConstraints on the
level (on_hand >= 0, reserved >= 0, reserved <= on_hand) are the backstop.

Moving-average cost is kept per part (not per warehouse): a transfer moves value between
locations at the same cost, receipts anywhere update one average, and every location is
valued with it. ``Part.avg_cost`` changes only on receipts (and opening stock), under a
row lock on the part.

One module per sub-domain; this package re-exports the public services so callers import
from ``aftersales.parts.services``. Modules: ``ledger`` (the primitive), ``catalogue``, ``reorder_rules``,
``receipts_transfers``, ``van_issues``, ``job_parts``, ``defective_returns``, ``adjustments_counts``; shared checks
in ``_common``.
"""

from ._common import (
    CLOSED_JOB_STATUSES,
    DEFECTIVE_DUE_DAYS,
    JOB_ROLES,
    IllegalTransition,
    InsufficientStock,
    _require_stock_staff,
    is_stock_staff,
    warehouse_usable_by,
    warehouse_usable_on_job,
)
from .adjustments_counts import (
    adjustment_create,
    count_add_line,
    count_approve,
    count_cancel,
    count_create,
    count_enter,
    opening_stock_post,
)
from .catalogue import PART_FIELDS, WAREHOUSE_FIELDS, part_create, part_update, warehouse_create, warehouse_update
from .defective_returns import (
    defective_return_receive,
    defective_return_remind,
    defective_return_waive,
)
from .job_parts import part_consume, part_reserve, part_return_unused, reservation_release
from .ledger import COST_PLACES, low_stock_alert_sync, low_stock_alerts_sync
from .receipts_transfers import receipt_create, transfer_allowed, transfer_create, transfer_transition
from .reorder_rules import (
    REORDER_LIMITS,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_set,
    reorder_rule_update,
)
from .van_issues import van_issue_decide, van_issue_request

__all__ = [
    "CLOSED_JOB_STATUSES",
    "COST_PLACES",
    "low_stock_alert_sync",
    "low_stock_alerts_sync",
    "DEFECTIVE_DUE_DAYS",
    "IllegalTransition",
    "InsufficientStock",
    "JOB_ROLES",
    "PART_FIELDS",
    "REORDER_LIMITS",
    "WAREHOUSE_FIELDS",
    "_require_stock_staff",
    "adjustment_create",
    "count_add_line",
    "count_approve",
    "count_cancel",
    "count_create",
    "count_enter",
    "defective_return_receive",
    "defective_return_remind",
    "defective_return_waive",
    "is_stock_staff",
    "opening_stock_post",
    "part_consume",
    "part_create",
    "part_reserve",
    "part_return_unused",
    "part_update",
    "receipt_create",
    "reorder_rule_create",
    "reorder_rule_delete",
    "reorder_rule_set",
    "reorder_rule_update",
    "reservation_release",
    "transfer_allowed",
    "transfer_create",
    "transfer_transition",
    "van_issue_decide",
    "van_issue_request",
    "warehouse_create",
    "warehouse_update",
    "warehouse_usable_by",
    "warehouse_usable_on_job",
]
