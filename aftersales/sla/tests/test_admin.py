"""Admins can open and edit calendars, days and rules; clocks are read-only."""

import pytest
from django.urls import reverse

from aftersales.sla.models import Calendar, CalendarDay, EscalationLevel, SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "calendar",
        "calendarday",
        "slapolicy",
        "complaintcategory",
        "followupwindow",
        "slaclock",
        "escalationlevel",
        "slaescalation",
    ],
)
def test_changelists_open(client, admin_user, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:sla_{model}_changelist")).status_code == 200


def test_change_pages_open(client, admin_user):
    client.force_login(admin_user)
    standard = Calendar.objects.get(code="standard")
    day = CalendarDay.objects.filter(calendar=standard).first()
    policy = SlaPolicy.objects.first()
    level = EscalationLevel.objects.get(level=2)
    for name, pk in (
        ("calendar", standard.pk),
        ("calendarday", day.pk),
        ("slapolicy", policy.pk),
        ("escalationlevel", level.pk),
    ):
        assert client.get(reverse(f"admin:sla_{name}_change", args=[pk])).status_code == 200


def test_policy_list_links_to_the_preview(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:sla_slapolicy_changelist")).content.decode()
    assert reverse("sla:preview") in html


def test_matrix_seeded_and_system_user():
    from aftersales.accounts.models import User

    assert list(EscalationLevel.objects.order_by("level").values_list("level", flat=True)) == [0, 1, 2, 3, 4]
    system = User.objects.get(username="system")  # one system account since sla 0005
    assert not system.is_active and not system.has_usable_password() and system.is_back_office
