import pytest

from aftersales.accounts.choices import Role


@pytest.fixture
def qm(make_user):
    return make_user(Role.QUALITY_MANAGER, first_name="经理", last_name="钱")


@pytest.fixture
def quality_user(make_user):
    return make_user(Role.QUALITY)
