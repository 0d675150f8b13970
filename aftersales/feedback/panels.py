"""The follow-up card on the request page (``tickets.slots.REQUEST_SIDE``)."""

from __future__ import annotations

from aftersales.core.permissions import user_has_role

from .choices import CALL_ROLES, QUALITY_ROLES
from .models import Survey
from .selectors import followup_for_request


def request_feedback_context(request, sr) -> dict | None:
    """Office staff who work follow-ups see the request's call, its survey and any remedy."""
    user = request.user
    if not user_has_role(user, CALL_ROLES):
        return None
    followup = followup_for_request(sr.pk)
    if followup is None:
        return None
    # The latest answer and the remedy it opened, in one query.
    survey = (
        Survey.objects.filter(request_id=sr.pk, status="answered")
        .select_related("remedy")
        .order_by("-answered_at", "-id")
        .first()
    )
    remedy = getattr(survey, "remedy", None) if survey is not None else None
    return {
        "followup": followup,
        "survey": survey,
        "remedy": remedy,
        "show_remedy_link": user_has_role(user, QUALITY_ROLES),
    }
