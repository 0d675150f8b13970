"""Notification routes in the route × role matrix (see ``core/tests/matrix.py``): everybody's own inbox."""

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.tests.matrix import Route

ROUTES = [
    Route("notifications:inbox", roles=ALL_ROLES),
    Route("notifications:unread", roles=ALL_ROLES),
    Route("notifications:mark_read", "POST", roles=ALL_ROLES, ok=302),
]
