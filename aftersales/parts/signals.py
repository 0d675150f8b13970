"""Sent after commit so receivers (notifications, webhooks) see committed rows.

parts_event(sender=StockAlert | DefectiveReturn, kind=str, object_id=int, data=dict)

kinds: "low_stock" (a part fell to or below its reorder point at a warehouse),
"defective_overdue" (a reminder for an old part not returned by its due date).
"""

from django.dispatch import Signal

parts_event = Signal()
