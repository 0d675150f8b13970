import pytest

from aftersales.accounts.choices import Role


@pytest.fixture
def quality_user(make_user):
    return make_user(Role.QUALITY, first_name="小周", last_name="周")


@pytest.fixture
def qm(make_user):
    return make_user(Role.QUALITY_MANAGER)
