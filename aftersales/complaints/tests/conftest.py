import pytest

from aftersales.accounts.choices import Role


@pytest.fixture
def handler(make_user):
    return make_user(Role.QUALITY, first_name="小周", last_name="周")


@pytest.fixture
def qm(make_user):
    return make_user(Role.QUALITY_MANAGER, first_name="质量", last_name="钱")


@pytest.fixture
def aftersales_manager(make_user):
    return make_user(Role.MANAGER)
