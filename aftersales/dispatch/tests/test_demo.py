import random

import pytest

from aftersales.dispatch.demo import demo_dispatch
from aftersales.dispatch.models import DispatchPolicy, TechnicianProfile
from aftersales.tickets.demo import demo_reference_ensure


@pytest.mark.django_db
def test_demo_dispatch_profiles_for_demo_technicians():
    demo_reference_ensure()
    profiles = demo_dispatch(rng=random.Random(1))
    names = {p.user.username for p in profiles}
    assert {"tech", "partnertech", "tech2", "partnertech2"} <= names
    assert all(p.skills.exists() and p.regions.exists() for p in profiles)
    assert DispatchPolicy.objects.count() == 3
    demo_dispatch(rng=random.Random(2))  # idempotent
    assert TechnicianProfile.objects.count() == len(profiles)
