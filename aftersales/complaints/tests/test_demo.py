import pytest
from django.core.management import call_command
from django.utils import timezone

from aftersales.complaints.models import Complaint
from aftersales.complaints.selectors import complaint_deadline_state


@pytest.mark.django_db
def test_demo_complaints_give_a_healthy_picture(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_data", "--no-progress", "--seed", "7", verbosity=0)
    now = timezone.now()
    # The complaints demo's own (feedback's demo adds the complaints its dissatisfied answers opened).
    complaints = list(Complaint.objects.exclude(source="survey"))
    states = [complaint_deadline_state(c, now=now).key for c in complaints]
    assert len(complaints) == 8
    assert "on_time" in states and "at_risk" in states and "overdue" in states
    assert {c.status for c in complaints} >= {"open", "investigating", "proposed", "closed"}
    assert any(c.anonymous and not c.contact_name and not c.contact_phone for c in complaints)
    assert sum(1 for c in complaints if c.escalation_level >= 1) >= 2
    assert {c.closed_by for c in complaints if c.status == "closed"} == {"acceptance", "decision"}
    assert any(c.requests.exists() and c.technician_id for c in complaints)
