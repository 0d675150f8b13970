"""Complaint routes in the route × role matrix (see ``core/tests/matrix.py``).

Complaints are shared among the back-office roles that read them (``READ_ROLES``): the world
holds one complaint for everybody, nothing foreign. The tracking link is public (its token)."""

from aftersales.complaints.permissions import READ_ROLES
from aftersales.core.tests.matrix import Route

ROUTES = [
    Route("complaints:worklist", roles=READ_ROLES),
    Route("complaints:detail", obj="complaint", roles=READ_ROLES),
    Route("complaints:track", obj="complaint_token", public=True, kwargs=lambda c: {"token": c.token}),
]
