"""Admins can open and edit calendars, days and rules; clocks are read-only."""

import pytest
from django.urls import reverse

from aftersales.sla.models import Calendar, CalendarDay, SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["calendar", "calendarday", "slapolicy", "complaintcategory", "followupwindow", "slaclock"]
)
def test_changelists_open(client, admin_user, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:sla_{model}_changelist")).status_code == 200


def test_change_pages_open(client, admin_user):
    client.force_login(admin_user)
    standard = Calendar.objects.get(code="standard")
    day = CalendarDay.objects.filter(calendar=standard).first()
    policy = SlaPolicy.objects.first()
    for name, pk in (("calendar", standard.pk), ("calendarday", day.pk), ("slapolicy", policy.pk)):
        assert client.get(reverse(f"admin:sla_{name}_change", args=[pk])).status_code == 200
