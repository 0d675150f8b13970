"""Parts events reach people: low stock the parts team, an overdue old part its technician too."""

import datetime

from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.notifications.models import Notification
from aftersales.parts.services import defective_return_remind, part_consume, reorder_rule_set

from .factories import job_for, make_part, make_van, stock


def test_low_stock_notifies_the_parts_team(clerk, technician, manager, make_user, django_capture_on_commit_callbacks):
    other_clerk = make_user(Role.PARTS_CLERK)
    part = make_part(clerk)
    van = make_van(clerk, technician)
    stock(clerk, van, part, 3)
    reorder_rule_set(actor=clerk, part=part, warehouse=van, reorder_point=2, reorder_quantity=4, lead_time_days=7)
    with django_capture_on_commit_callbacks(execute=True):
        part_consume(actor=technician, request=job_for(technician, manager), part=part, quantity=1)
    told = set(Notification.objects.filter(key="parts.low_stock").values_list("recipient_id", flat=True))
    assert told == {clerk.pk, other_clerk.pk}


def test_overdue_old_part_tells_its_technician(clerk, technician, manager, django_capture_on_commit_callbacks):
    part = make_part(clerk, return_required=True)
    van = make_van(clerk, technician)
    stock(clerk, van, part, 1)
    sr = job_for(technician, manager)
    part_consume(actor=technician, request=sr, part=part, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        defective_return_remind(now=timezone.now() + datetime.timedelta(days=10))
    notes = Notification.objects.filter(key="parts.defective_overdue")
    assert {n.recipient_id for n in notes} == {technician.pk, clerk.pk}
    assert all(n.link_id == str(sr.pk) and sr.number in n.text for n in notes)
