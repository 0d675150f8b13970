"""Receivers, connected in PartsConfig.ready(): parts events become notifications."""

from __future__ import annotations

from django.db import transaction


def on_parts_event(sender, kind: str, object_id: int, data: dict, **kwargs) -> None:
    """Low stock tells the parts team; an overdue old part tells its technician and the team
    (in the app and by e-mail, through the outbox; texts in ``parts/messages.py``)."""
    from aftersales.accounts.choices import Role
    from aftersales.accounts.selectors import user_list_with_role
    from aftersales.notifications.models import Channel
    from aftersales.notifications.services import message_send

    from .models import DefectiveReturn, StockAlert

    team = list(user_list_with_role(Role.PARTS_CLERK))
    channels = (Channel.IN_APP, Channel.EMAIL)
    if kind == "low_stock":
        alert = StockAlert.objects.select_related("part", "warehouse").filter(pk=object_id).first()
        if alert is None or not team:
            return
        params = {
            "part": str(alert.part),
            "warehouse": str(alert.warehouse),
            "available": alert.available,
            "point": alert.threshold,
        }
        with transaction.atomic():
            message_send(key="parts.low_stock", params=params, to=team, channels=channels, link=alert.part)
    elif kind == "defective_overdue":
        item = DefectiveReturn.objects.select_related("part", "request", "technician").filter(pk=object_id).first()
        if item is None:
            return
        params = {
            "part": str(item.part),
            "number": item.request.number if item.request_id else "—",
            "due": item.due_date,
        }
        people = list({p.pk: p for p in team + ([item.technician] if item.technician_id else [])}.values())
        if people:
            with transaction.atomic():
                message_send(
                    key="parts.defective_overdue", params=params, to=people, channels=channels, link=item.request
                )
