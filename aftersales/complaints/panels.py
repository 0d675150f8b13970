"""What complaints adds to the pages of the apps below it (``tickets.slots``); registered in ``apps.py``."""

from __future__ import annotations

from aftersales.core.permissions import user_has_role

from .permissions import INTAKE_ROLES, READ_ROLES


def request_complaints_context(request, sr) -> dict | None:
    """The complaints about a service request (one query) and a way to file one, for the staff who
    read complaints; nothing for anyone else (technicians and partners never see complaints)."""
    user = request.user
    if not user_has_role(user, READ_ROLES):
        return None
    complaints = list(sr.complaints.order_by("-created_at", "-id"))
    return {"complaints": complaints, "sr": sr, "can_file": user_has_role(user, INTAKE_ROLES)}
