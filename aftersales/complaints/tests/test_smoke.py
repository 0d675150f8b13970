import pytest

from aftersales.accounts.choices import Role
from aftersales.complaints.tests.factories import make_complaint

pytestmark = pytest.mark.django_db


def test_create(make_user):
    agent = make_user(Role.AGENT)
    make_user(Role.QUALITY)
    c = make_complaint(agent)
    assert c.status == "open"
    assert c.due_at
    a = make_complaint(agent, anonymous=True, severity="major")
    assert a.escalation_level == 1
