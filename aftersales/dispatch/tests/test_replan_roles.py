"""Who may re-plan a technician's day (issue 11): docs/api.md, docs/features.md and the code say
the same thing. Reading a plan follows the technician's scope (office staff all, partner staff
their organization's technicians, a technician his own); re-planning it is for the dispatch roles
(dispatcher, manager, admin) only, on the API and on the board's button alike."""

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.dispatch.models import RoutePlan

from .factories import region, tech_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return timezone.localdate().isoformat()


@pytest.fixture
def partner_tech(dispatcher, partner_technician):
    tech_profile(dispatcher, partner_technician, region=region())
    return partner_technician


@pytest.fixture
def own_tech(dispatcher, technician):
    tech_profile(dispatcher, technician, region=region())
    return technician


def _client(client, user):
    client.force_login(user)
    return client


def _plan(client, technician, day):
    return client.get(f"/api/dispatch/plans/{technician.pk}/{day}")


def _replan(client, technician, day):
    return client.post(f"/api/dispatch/plans/{technician.pk}/{day}/optimise")


def _refused(client, technician, day, api_status=(403,)):
    """Neither the API nor the board's button re-plans; nothing is stored."""
    r = _replan(client, technician, day)
    assert r.status_code in api_status and r.json()["code"] in ("forbidden", "not_found")
    page = client.post(reverse("dispatch:optimise", args=[technician.pk]) + f"?day={day}")
    assert page.status_code in (403, 404)
    assert not RoutePlan.objects.filter(technician=technician).exists()


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.MANAGER, Role.ADMIN])
def test_dispatch_roles_replan_any_technician(client, make_user, own_tech, partner_tech, day, role):
    c = _client(client, make_user(role))
    for technician in (own_tech, partner_tech):
        assert _replan(c, technician, day).status_code == 200
    page = c.post(reverse("dispatch:optimise", args=[partner_tech.pk]) + f"?day={day}")
    assert page.status_code == 302


def test_partner_staff_read_but_do_not_replan_their_technicians_day(client, partner_user, partner_tech, day):
    c = _client(client, partner_user)
    assert _plan(c, partner_tech, day).status_code == 200
    _refused(c, partner_tech, day)


def test_partner_staff_do_not_see_other_organizations_plans(client, partner_user, own_tech, day):
    c = _client(client, partner_user)
    assert _plan(c, own_tech, day).status_code == 404
    _refused(c, own_tech, day, api_status=(403, 404))


def test_technician_reads_but_does_not_replan_his_own_day(client, own_tech, day):
    c = _client(client, own_tech)
    assert _plan(c, own_tech, day).status_code == 200
    _refused(c, own_tech, day)


@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTS_CLERK, Role.QUALITY])
def test_other_office_staff_read_but_do_not_replan(client, make_user, own_tech, day, role):
    c = _client(client, make_user(role))
    assert _plan(c, own_tech, day).status_code == 200
    _refused(c, own_tech, day)
