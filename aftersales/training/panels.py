"""What training adds to the pages of the apps below it (``dispatch.slots``); registered in ``apps.py``."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from aftersales.accounts.permissions import user_partner_org_id
from aftersales.dispatch.selectors import profile_list, request_skill, skill_level, technician_blocks


def suggestions_blocked(request, sr, suggestions) -> str:
    """Under the dispatcher's suggestions: the technicians who have the job's skill but are not proposed
    because their certification for it lapsed (or never was), with the reason. Four queries."""
    profiles = profile_list().filter(is_dispatchable=True).prefetch_related("skills")
    org = user_partner_org_id(request.user)
    if org is not None:
        profiles = profiles.filter(user__organization_id=org)
    st, category = request_skill(sr)
    skilled = [p for p in profiles if skill_level(p, st, category) > 0]
    blocked = technician_blocks([p.user_id for p in skilled], [(st, category)], day=timezone.localdate())
    rows = [(p.user, blocked[(p.user_id, st, category)]) for p in skilled if (p.user_id, st, category) in blocked]
    if not rows:
        return ""
    return render_to_string("training/_suggestions_blocked.html", {"rows": rows}, request=request)
