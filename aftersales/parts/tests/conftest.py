import pytest

from aftersales.accounts.choices import Role


@pytest.fixture
def clerk(make_user):
    return make_user(Role.PARTS_CLERK)
