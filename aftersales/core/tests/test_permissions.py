"""core.permissions: the shared vocabulary and the one answer to a wrong role."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from aftersales.accounts.choices import BACK_OFFICE_ROLES, Role
from aftersales.accounts.permissions import ALL_ROLES, STAFF_ROLES, user_is_partner, user_partner_org_id
from aftersales.core.permissions import Scope, roles_required, user_has_role

pytestmark = pytest.mark.django_db


def test_role_vocabulary(make_user, partner_org):
    agent, admin, partner, customer = (
        make_user(Role.AGENT),
        make_user(Role.ADMIN),
        make_user(Role.PARTNER, organization=partner_org),
        make_user(Role.CUSTOMER),
    )
    assert user_has_role(agent, BACK_OFFICE_ROLES) and not user_has_role(customer, STAFF_ROLES)
    assert user_has_role(admin, {Role.TECHNICIAN})  # administrators are superusers
    assert not user_has_role(AnonymousUser(), ALL_ROLES) and not user_has_role(None, ALL_ROLES)
    assert user_is_partner(partner) and not user_is_partner(agent) and not user_is_partner(AnonymousUser())
    assert user_partner_org_id(partner) == partner_org.pk and user_partner_org_id(agent) is None


def test_scope_reads_one_rule_both_ways(make_user, partner_org):
    from aftersales.accounts.models import User

    partner = make_user(Role.PARTNER, organization=partner_org)
    lonely = make_user(Role.PARTNER, organization=partner_org)
    User.objects.filter(pk=lonely.pk).update(organization=None)
    lonely.refresh_from_db()
    mine = make_user(Role.TECHNICIAN, organization=partner_org)
    other = make_user(Role.TECHNICIAN)
    scope = Scope(everything=frozenset({Role.MANAGER}), own={Role.PARTNER: (("organization_id", "organization_id"),)})
    technicians = User.objects.filter(role=Role.TECHNICIAN)
    assert list(scope.filter(partner, technicians)) == [mine]
    assert scope.allows(partner, mine) and not scope.allows(partner, other)
    # a partner without an organization owns nothing (None never matches None)
    assert not scope.filter(lonely, technicians).exists() and not scope.allows(lonely, other)
    assert scope.filter(make_user(Role.MANAGER), technicians).count() == 2
    assert not scope.filter(make_user(Role.AGENT), technicians).exists()
    assert scope.q(make_user(Role.MANAGER)) is None
    assert scope.roles_with_rows() == {Role.MANAGER, Role.PARTNER}


def test_roles_required_answers_login_403_or_the_view(make_user, rf: RequestFactory):
    view = roles_required({Role.DISPATCHER})(lambda request: HttpResponse("ok"))
    request = rf.get("/x")
    request.user = AnonymousUser()
    assert view(request).status_code == 302
    from django.core.exceptions import PermissionDenied

    request.user = make_user(Role.AGENT)
    with pytest.raises(PermissionDenied):
        view(request)
    request.user = make_user(Role.DISPATCHER)
    assert view(request).content == b"ok"
    assert view.allowed_roles == frozenset({Role.DISPATCHER})


def test_a_wrong_role_gets_403_before_the_body_is_validated(client, make_user):
    """The API's role gate runs with authentication: a technician posting nonsense to a parts-team
    operation learns nothing about what a valid body looks like."""
    client.force_login(make_user(Role.TECHNICIAN))
    r = client.post("/api/parts/adjustments", json.dumps({"nonsense": True}), content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    client.force_login(make_user(Role.PARTS_CLERK))
    r = client.post("/api/parts/adjustments", json.dumps({"nonsense": True}), content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    client.logout()
    assert client.post("/api/parts/adjustments", "{}", content_type="application/json").status_code == 401


def test_the_openapi_schema_keeps_the_security_schemes():
    from aftersales.api import api

    schema = api.get_openapi_schema()
    gated = schema["paths"]["/api/parts/adjustments"]["post"]["security"]
    assert gated == [{"BearerToken": []}, {"SessionAuth": []}]
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "SessionAuth"}


def test_a_bearer_token_passes_the_role_gate(client, make_user):
    from aftersales.accounts.services import api_token_create

    clerk = make_user(Role.PARTS_CLERK)
    _, secret = api_token_create(actor=clerk, user=clerk, name="matrix")
    r = client.get("/api/parts/adjustments", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r.status_code == 200
    technician = make_user(Role.TECHNICIAN)
    _, secret = api_token_create(actor=technician, user=technician, name="matrix")
    assert client.get("/api/parts/adjustments", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 403
