import pytest

from aftersales.accounts.choices import Role

from .world import seed_default_schemes


@pytest.fixture
def qm(make_user):
    return make_user(Role.QUALITY_MANAGER)


@pytest.fixture
def quality_user(make_user):
    return make_user(Role.QUALITY)


@pytest.fixture
def schemes(db):
    seed_default_schemes()
    from aftersales.management.models import Scheme

    return {s.role: s for s in Scheme.objects.all()}
