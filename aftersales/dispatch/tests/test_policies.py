"""Dispatch policies outside the admin: services (create, update, delete: atomic, audited, one validation) and
pages (list for the dispatch roles, writes for managers and administrators)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.customers.tests.factories import RegionFactory
from aftersales.dispatch import services
from aftersales.dispatch.models import DispatchPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(db):
    return RegionFactory()


@pytest.fixture
def other_reg(db):
    return RegionFactory(code="310104", name="上海市徐汇区")


def _audits(action):
    return AuditEvent.objects.filter(action=action)


# --- services ---------------------------------------------------------------------------------------


def test_policy_update_and_delete_are_audited(manager, reg, other_reg):
    policy = services.policy_create(actor=manager, mode="suggest", region=reg, service_type="repair")
    assert _audits("dispatch_policy.create").count() == 1
    services.policy_update(actor=manager, policy=policy, mode="pool", accept_minutes=15, region=other_reg)
    policy.refresh_from_db()
    assert (policy.mode, policy.accept_minutes, policy.region_id) == ("pool", 15, other_reg.pk)
    changes = _audits("dispatch_policy.update").get().changes
    assert changes["mode"] == ["suggest", "pool"] and changes["region"] == [reg.pk, other_reg.pk]
    services.policy_update(actor=manager, policy=policy, mode="pool")  # no change, no audit row
    assert _audits("dispatch_policy.update").count() == 1
    services.policy_delete(actor=manager, policy=policy)
    assert not DispatchPolicy.objects.exists()
    assert _audits("dispatch_policy.delete").get().changes["mode"] == ["pool", None]


def test_policy_update_validates_like_create_and_changes_nothing(manager, reg):
    a = services.policy_create(actor=manager, mode="suggest", region=reg)
    b = services.policy_create(actor=manager, mode="auto", region=reg, service_type="repair")
    with pytest.raises(ValidationFailed) as exc:
        services.policy_update(actor=manager, policy=b, mode="sometimes", accept_minutes=0, service_type="nope")
    assert set(exc.value.fields) == {"mode", "accept_minutes", "service_type"}
    with pytest.raises(ConflictError) as exc:
        services.policy_update(actor=manager, policy=b, service_type=None)  # would duplicate a
    assert exc.value.code == "policy_exists" and "service_type" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.policy_update(actor=manager, policy=b, note="x")
    with pytest.raises(ValidationFailed) as exc:
        services.policy_create(actor=manager, mode="manual", accept_minutes="soon")
    assert "accept_minutes" in exc.value.fields
    b.refresh_from_db()
    assert (b.mode, b.service_type, b.accept_minutes) == ("auto", "repair", 30)
    assert DispatchPolicy.objects.count() == 2 and a.mode == "suggest"
    assert not _audits("dispatch_policy.update").exists()


def test_policy_writes_need_manager_or_admin(dispatcher, agent, manager, admin_user):
    policy = services.policy_create(actor=admin_user, mode="suggest")
    for actor in (dispatcher, agent):
        with pytest.raises(PermissionDeniedError):
            services.policy_create(actor=actor, mode="auto", service_type="repair")
        with pytest.raises(PermissionDeniedError):
            services.policy_update(actor=actor, policy=policy, mode="auto")
        with pytest.raises(PermissionDeniedError):
            services.policy_delete(actor=actor, policy=policy)
    policy.refresh_from_db()
    assert policy.mode == "suggest" and DispatchPolicy.objects.count() == 1


# --- pages --------------------------------------------------------------------------------------------


def test_policy_pages_manager_creates_edits_deletes(client, manager, reg):
    client.force_login(manager)
    r = client.get(reverse("dispatch:policies"))
    assert r.status_code == 200 and reverse("dispatch:policy_create") in r.content.decode()
    assert client.get(reverse("dispatch:policy_create")).status_code == 200
    r = client.post(
        reverse("dispatch:policy_create"),
        {"region": reg.pk, "service_type": "repair", "mode": "auto", "accept_minutes": "20"},
    )
    assert r.status_code == 302
    policy = DispatchPolicy.objects.get()
    assert (policy.region, policy.service_type, policy.mode, policy.accept_minutes) == (reg, "repair", "auto", 20)
    r = client.get(reverse("dispatch:policies"))
    assert "Auto-assign the best candidate" in r.content.decode()
    url = reverse("dispatch:policy_edit", args=[policy.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"region": "", "service_type": "", "mode": "pool", "accept_minutes": "10"})
    assert r.status_code == 302
    policy.refresh_from_db()
    assert (policy.region, policy.service_type, policy.mode, policy.accept_minutes) == (None, None, "pool", 10)
    r = client.post(reverse("dispatch:policy_delete", args=[policy.pk]))
    assert r.status_code == 302 and not DispatchPolicy.objects.exists()


def test_policy_pages_invalid_input_changes_nothing(client, manager, reg):
    client.force_login(manager)
    r = client.post(reverse("dispatch:policy_create"), {"mode": "often", "accept_minutes": "0"})
    assert r.status_code == 400 and not DispatchPolicy.objects.exists()
    assert r.context["form"].errors["mode"]
    r = client.post(reverse("dispatch:policy_create"), {"mode": "auto", "accept_minutes": "5000"})
    assert r.status_code == 400 and "Between 1 and 1440 minutes." in r.context["form"].errors["accept_minutes"]
    assert not DispatchPolicy.objects.exists()
    a = services.policy_create(actor=manager, mode="suggest", region=reg)
    b = services.policy_create(actor=manager, mode="auto")
    r = client.post(
        reverse("dispatch:policy_edit", args=[b.pk]), {"region": reg.pk, "mode": "manual", "accept_minutes": "5"}
    )
    assert r.status_code == 400 and "exists already" in r.content.decode()
    b.refresh_from_db()
    assert (b.region, b.mode, b.accept_minutes) == (None, "auto", 30)
    assert client.get(reverse("dispatch:policy_edit", args=[999999])).status_code == 404
    assert client.post(reverse("dispatch:policy_delete", args=[999999])).status_code == 404
    assert DispatchPolicy.objects.count() == 2 and a.pk


def test_policy_pages_forbidden(client, dispatcher, agent, technician, manager):
    policy = services.policy_create(actor=manager, mode="suggest")
    # a dispatcher reads the list but cannot write
    client.force_login(dispatcher)
    r = client.get(reverse("dispatch:policies"))
    assert r.status_code == 200 and reverse("dispatch:policy_create") not in r.content.decode()
    assert client.get(reverse("dispatch:policy_create")).status_code == 403
    assert client.post(reverse("dispatch:policy_create"), {"mode": "auto", "accept_minutes": "5"}).status_code == 403
    assert client.post(reverse("dispatch:policy_edit", args=[policy.pk]), {"mode": "auto"}).status_code == 403
    assert client.post(reverse("dispatch:policy_delete", args=[policy.pk])).status_code == 403
    # other roles may not open dispatch pages (a wrong role answers 403 everywhere)
    for user in (agent, technician):
        client.force_login(user)
        assert client.get(reverse("dispatch:policies")).status_code == 403
        assert client.post(reverse("dispatch:policy_delete", args=[policy.pk])).status_code == 403
    policy.refresh_from_db()
    assert policy.mode == "suggest" and DispatchPolicy.objects.count() == 1


def test_policy_list_query_count_is_pinned(client, manager, reg, other_reg, django_assert_max_num_queries):
    client.force_login(manager)
    services.policy_create(actor=manager, mode="suggest")
    url = reverse("dispatch:policies")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for region_ in (reg, other_reg):
        for st in ("repair", "installation", None):
            services.policy_create(actor=manager, mode="auto", region=region_, service_type=st)
    with django_assert_max_num_queries(len(few)):
        r = client.get(url)
    assert len(r.context["policies"]) == 7


# --- API ------------------------------------------------------------------------------------------


def _api(client, method, path, body=None):
    import json

    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)("/api/dispatch" + path, **kwargs)


def test_policy_api_create_list_update_delete(client, manager, dispatcher, reg):
    client.force_login(manager)
    created = _api(client, "post", "/policies", {"region_id": reg.pk, "service_type": "repair", "mode": "pool"})
    assert created.status_code == 201 and created.json()["region_code"] == reg.code
    pk = created.json()["id"]
    again = _api(client, "post", "/policies", {"region_id": reg.pk, "service_type": "repair", "mode": "auto"})
    assert again.status_code == 409 and DispatchPolicy.objects.count() == 1
    changed = _api(
        client,
        "put",
        f"/policies/{pk}",
        {"region_id": reg.pk, "service_type": "repair", "mode": "auto", "accept_minutes": 10},
    )
    assert changed.status_code == 200 and changed.json()["mode"] == "auto"
    client.force_login(dispatcher)
    assert [p["id"] for p in _api(client, "get", "/policies").json()] == [pk]
    client.force_login(manager)
    assert _api(client, "delete", f"/policies/{pk}").status_code == 204
    assert not DispatchPolicy.objects.exists()


def test_policy_api_forbidden(client, dispatcher, agent, technician, manager, reg):
    policy = services.policy_create(actor=manager, mode="suggest", region=reg)
    client.force_login(dispatcher)  # reads, never writes
    assert _api(client, "post", "/policies", {"mode": "pool"}).status_code == 403
    assert _api(client, "put", f"/policies/{policy.pk}", {"mode": "pool"}).status_code == 403
    assert _api(client, "delete", f"/policies/{policy.pk}").status_code == 403
    for user in (agent, technician):
        client.force_login(user)
        assert _api(client, "get", "/policies").status_code == 403
        assert _api(client, "put", f"/policies/{policy.pk}", {"mode": "pool"}).status_code == 403
    policy.refresh_from_db()
    assert policy.mode == "suggest"


def test_policy_api_invalid_input_changes_nothing(client, manager, reg):
    policy = services.policy_create(actor=manager, mode="suggest", region=reg)
    client.force_login(manager)
    bad = _api(client, "post", "/policies", {"mode": "nope"})
    assert bad.status_code == 400 and "mode" in bad.json()["fields"]
    unknown_region = _api(client, "post", "/policies", {"region_id": 999999, "mode": "pool"})
    assert unknown_region.status_code == 400 and "region_id" in unknown_region.json()["fields"]
    minutes = _api(client, "put", f"/policies/{policy.pk}", {"region_id": reg.pk, "mode": "pool", "accept_minutes": -5})
    assert minutes.status_code in (400, 422)
    assert DispatchPolicy.objects.count() == 1
    policy.refresh_from_db()
    assert (policy.mode, policy.accept_minutes) == ("suggest", 30)
