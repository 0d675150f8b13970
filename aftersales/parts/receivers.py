"""Receivers, connected in PartsConfig.ready(): parts events become notifications."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _


def on_parts_event(sender, kind: str, object_id: int, data: dict, **kwargs) -> None:
    """Low stock tells the parts team; an overdue old part tells its technician and the team."""
    from aftersales.accounts.choices import Role
    from aftersales.accounts.selectors import user_list_with_role
    from aftersales.notifications.models import Verb
    from aftersales.notifications.services import Draft, notify

    from .models import DefectiveReturn, StockAlert

    team = list(user_list_with_role(Role.PARTS_CLERK))
    drafts = []
    if kind == "low_stock":
        alert = StockAlert.objects.select_related("part", "warehouse").filter(pk=object_id).first()
        if alert is None:
            return
        text = _("%(part)s at %(warehouse)s: %(available)s available, reorder point %(point)s.") % {
            "part": alert.part,
            "warehouse": alert.warehouse,
            "available": alert.available,
            "point": alert.threshold,
        }
        drafts = [Draft(recipient=u, verb=Verb.LOW_STOCK, text=text, email=True, subject=_("Low stock")) for u in team]
    elif kind == "defective_overdue":
        item = DefectiveReturn.objects.select_related("part", "request", "technician").filter(pk=object_id).first()
        if item is None:
            return
        text = _("Old part %(part)s from %(number)s was due back on %(due)s.") % {
            "part": item.part,
            "number": item.request.number if item.request_id else "—",
            "due": item.due_date,
        }
        people = team + ([item.technician] if item.technician_id else [])
        drafts = [
            Draft(
                recipient=u,
                verb=Verb.DEFECTIVE_OVERDUE,
                text=text,
                request=item.request,
                email=True,
                subject=_("Old part overdue"),
            )
            for u in {p.pk: p for p in people}.values()
        ]
    if drafts:
        with transaction.atomic():
            notify(drafts)
