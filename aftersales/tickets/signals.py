"""Sent after commit, so receivers (SLA clocks, notifications, webhooks) see committed rows.

request_changed(sender=ServiceRequest, request_id=int, kind=str, action=str)
"""

from django.dispatch import Signal

request_changed = Signal()
