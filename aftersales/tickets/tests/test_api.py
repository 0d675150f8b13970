"""/api/requests: intake, queue, scoping, lifecycle over the API, notes, files, schema."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.services import api_token_create
from aftersales.catalog.tests.factories import UnitFactory
from aftersales.customers.tests.factories import AddressFactory, CustomerFactory
from aftersales.tickets.choices import Action, Status
from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent
from aftersales.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db
URL = "/api/requests"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def api(user):
    client = Client()
    client.force_login(user)
    return client


def new_request(agent, customer=None, **kwargs):
    kwargs = {"channel": "phone", "service_type": "repair", "description": "洗衣机不脱水", **kwargs}
    return request_create(actor=agent, customer=customer or CustomerFactory(), **kwargs)


def assigned(agent, dispatcher, technician, **kwargs):
    req = new_request(agent, **kwargs)
    request_transition(actor=agent, request=req, action=Action.ACKNOWLEDGE)
    return request_transition(actor=dispatcher, request=req, action=Action.ASSIGN, technician=technician)


def move(client, req, action, **extra):
    return client.post(f"{URL}/{req.pk}/transitions", {"action": action, **extra}, content_type="application/json")


# --- create ---------------------------------------------------------------------------


def test_agent_files_a_request_with_warranty_from_the_unit(agent):
    unit = UnitFactory()
    address = AddressFactory(customer=unit.owner)
    r = api(agent).post(
        URL,
        {
            "customer_id": unit.owner_id,
            "unit_id": unit.pk,
            "channel": "wechat",
            "service_type": "repair",
            "priority": "high",
            "description": "沙发塌陷",
            "acknowledge": True,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["number"].startswith("SR")
    assert body["status"] == "acknowledged"
    assert body["in_warranty"] is True
    assert body["product"]["model_code"] == unit.product.model_code
    assert body["address_id"] == address.pk
    assert body["region"]["code"] == address.region.code
    assert body["customer"]["id"] == unit.owner_id
    assert {a["action"] for a in body["allowed_actions"]} == {"cancel", "resolve_remotely", "wait_customer"}


def test_consultation_answered_at_once_is_closed_as_first_contact(agent):
    customer = CustomerFactory()
    r = api(agent).post(
        URL,
        {
            "customer_id": customer.pk,
            "channel": "phone",
            "service_type": "consultation",
            "description": "怎么清洗滤网？",
            "answer": "拆下滤网用清水冲洗。",
        },
        content_type="application/json",
    )
    assert r.status_code == 201
    assert (r.json()["status"], r.json()["first_contact_resolution"]) == ("closed", True)


def test_customer_files_for_himself_only(customer_user):
    me = CustomerFactory(user=customer_user)
    someone = CustomerFactory()
    client = api(customer_user)
    payload = {"channel": "portal", "service_type": "repair", "description": "不制冷"}
    r = client.post(URL, {**payload, "customer_id": me.pk}, content_type="application/json")
    assert r.status_code == 201
    r = client.post(URL, {**payload, "customer_id": someone.pk}, content_type="application/json")
    assert r.status_code == 400
    assert "customer_id" in r.json()["fields"]
    assert ServiceRequest.objects.count() == 1


def test_technician_cannot_file_requests(technician):
    r = api(technician).post(
        URL,
        {"customer_id": CustomerFactory().pk, "channel": "phone", "service_type": "repair", "description": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"channel": "fax"}, 422, "channel"),
        ({"service_type": "magic"}, 422, "service_type"),
        ({"priority": "asap"}, 422, "priority"),
        ({"description": ""}, 422, "description"),
        ({"description": "   "}, 400, "description"),
        ({"description": "a\x00b"}, 422, "description"),
        ({"customer_id": 0}, 422, "customer_id"),
        ({"customer_id": 2**70}, 422, "customer_id"),
        ({"contact_phone": "123"}, 400, "contact_phone"),
        ({"answer": "已答复"}, 400, "answer"),
    ],
)
def test_invalid_intake_is_a_4xx_and_writes_nothing(agent, overrides, status, field):
    payload = {"customer_id": CustomerFactory().pk, "channel": "phone", "service_type": "repair", "description": "x"}
    r = api(agent).post(URL, {**payload, **overrides}, content_type="application/json")
    assert r.status_code == status, r.json()
    assert field in r.json()["fields"]
    assert not ServiceRequest.objects.exists()


def test_unit_of_another_customer_is_refused(agent):
    unit = UnitFactory()
    r = api(agent).post(
        URL,
        {
            "customer_id": CustomerFactory().pk,
            "unit_id": unit.pk,
            "channel": "phone",
            "service_type": "repair",
            "description": "x",
        },
        content_type="application/json",
    )
    assert r.status_code == 400
    assert "unit" in r.json()["fields"]


def test_retry_with_the_same_idempotency_key_does_not_duplicate(agent):
    payload = {"customer_id": CustomerFactory().pk, "channel": "phone", "service_type": "repair", "description": "x"}
    client = api(agent)
    first = client.post(URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    again = client.post(URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert ServiceRequest.objects.count() == 1


# --- list and scoping -----------------------------------------------------------------


def test_queue_filters_sorts_and_pages(agent):
    low = new_request(agent, priority="low")
    urgent = new_request(agent, priority="urgent", service_type="installation")
    normal = new_request(agent)
    request_transition(actor=agent, request=normal, action=Action.ACKNOWLEDGE)
    client = api(agent)
    body = client.get(URL).json()
    assert [x["id"] for x in body["items"]] == [normal.pk, urgent.pk, low.pk]
    assert (body["count"], body["count_capped"]) == (3, False)
    assert [x["id"] for x in client.get(URL, {"sort": "priority"}).json()["items"]] == [urgent.pk, normal.pk, low.pk]
    assert [x["id"] for x in client.get(URL, {"status": "new"}).json()["items"]] == [urgent.pk, low.pk]
    both = client.get(f"{URL}?status=new&status=acknowledged&service_type=repair").json()["items"]
    assert [x["id"] for x in both] == [normal.pk, low.pk]
    assert [x["id"] for x in client.get(URL, {"q": urgent.number}).json()["items"]] == [urgent.pk]
    page1 = client.get(URL, {"size": 2}).json()
    page2 = client.get(URL, {"size": 2, "cursor": page1["next_cursor"]}).json()
    assert [x["id"] for x in page1["items"] + page2["items"]] == [normal.pk, urgent.pk, low.pk]
    assert page2["prev_cursor"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"sort": "nonsense"}, 400),
        ({"status": "lost"}, 422),
        ({"created_from": "yesterday"}, 422),
        ({"created_from": "0001-01-01"}, 422),
        ({"created_to": "9999-12-31"}, 422),
        ({"region": "999999"}, 400),
        ({"cursor": "%%%"}, 400),
        ({"size": 101}, 422),
        ({"q": "x" * 101}, 422),
    ],
)
def test_bad_queue_parameters_are_a_4xx(agent, params, status):
    r = api(agent).get(URL, params)
    assert r.status_code == status, r.json()
    assert r.json()["code"] == "invalid"


def test_queue_query_count_does_not_grow_with_rows(agent, dispatcher, technician):
    client = api(agent)
    assigned(agent, dispatcher, technician, unit=None)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    for _ in range(6):
        assigned(agent, dispatcher, technician, customer=CustomerFactory())
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(URL).json()["items"]) == 7
    assert len(large) == len(small)


def test_technician_and_partner_see_only_their_jobs(agent, dispatcher, technician, partner_user, partner_technician):
    mine = assigned(agent, dispatcher, technician)
    partners = assigned(agent, dispatcher, partner_technician)
    unassigned = new_request(agent)
    tech, partner = api(technician), api(partner_user)
    assert [x["id"] for x in tech.get(URL).json()["items"]] == [mine.pk]
    assert [x["id"] for x in partner.get(URL).json()["items"]] == [partners.pk]
    for client, foreign in ((tech, partners), (tech, unassigned), (partner, mine)):
        assert client.get(f"{URL}/{foreign.pk}").status_code == 404
        assert client.get(f"{URL}/by-number/{foreign.number}").status_code == 404
        assert client.get(f"{URL}/{foreign.pk}/timeline").status_code == 404
        assert move(client, foreign, "accept").status_code == 404
    assert tech.get(f"{URL}/by-number/{mine.number.lower()}").json()["id"] == mine.pk


# --- lifecycle ------------------------------------------------------------------------


def test_full_lifecycle_over_the_api(agent, dispatcher, technician):
    req = new_request(agent)
    office, dispatch = api(agent), api(dispatcher)
    _, secret = api_token_create(actor=technician, user=technician, name="app")
    field = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert [a["action"] for a in office.get(f"{URL}/{req.pk}/actions").json()] == ["acknowledge", "cancel"]
    assert move(office, req, "acknowledge").json()["status"] == "acknowledged"
    r = move(dispatch, req, "assign", technician_id=technician.pk)
    assert r.status_code == 200
    assert r.json()["assigned_technician"]["id"] == technician.pk
    assert r.json()["assigned_organization"]["id"] == technician.organization_id
    for action, status in (("accept", "accepted"), ("start", "in_progress")):
        r = move(field, req, action)
        assert (r.status_code, r.json()["status"]) == (200, status)
    r = move(field, req, "complete", reason="更换排水泵")
    assert (r.json()["status"], r.json()["resolution"]) == ("completed", "更换排水泵")
    assert r.json()["completed_at"]
    move(office, req, "follow_up")
    r = move(office, req, "close")
    assert (r.json()["status"], r.json()["allowed_actions"][0]["action"]) == ("closed", "reopen")

    # The status changes (the apps above add notes, e.g. the follow-up call's schedule).
    timeline = [e for e in office.get(f"{URL}/{req.pk}/timeline").json() if e["kind"] != "note"]
    assert [e["to_status"] for e in timeline] == [
        "new",
        "acknowledged",
        "assigned",
        "accepted",
        "in_progress",
        "completed",
        "followed_up",
        "closed",
    ]
    assert timeline[3]["actor"]["id"] == technician.pk
    assert timeline[3]["action_label"]


def test_illegal_step_is_409_and_changes_nothing(agent, dispatcher):
    req = new_request(agent)
    r = move(api(dispatcher), req, "complete")
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["status"], r.json()["action"]) == ("illegal_transition", "new", "complete")
    req.refresh_from_db()
    assert req.status == Status.NEW
    assert req.events.count() == 1


def test_role_without_the_step_gets_403(agent, dispatcher, technician):
    req = assigned(agent, dispatcher, technician)
    r = move(api(agent), req, "accept")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({"action": "teleport"}, 422, "action"),
        ({"action": "decline"}, 400, "reason"),
        ({"action": "decline", "reason": "   "}, 400, "reason"),
    ],
)
def test_invalid_transition_input(agent, dispatcher, technician, extra, status, field):
    req = assigned(agent, dispatcher, technician)
    r = api(technician).post(f"{URL}/{req.pk}/transitions", extra, content_type="application/json")
    assert r.status_code == status, r.json()
    assert field in r.json()["fields"]
    req.refresh_from_db()
    assert req.status == Status.ASSIGNED


def test_assign_needs_an_active_technician(agent, dispatcher):
    req = new_request(agent, acknowledge=True)
    client = api(dispatcher)
    r = move(client, req, "assign", technician_id=agent.pk)
    assert r.status_code == 400
    assert "technician_id" in r.json()["fields"]
    r = move(client, req, "assign")
    assert r.status_code == 400
    r = move(client, req, "assign", organization_id=999999)
    assert "organization_id" in r.json()["fields"]


def test_decline_with_reason_returns_the_job(agent, dispatcher, technician):
    req = assigned(agent, dispatcher, technician)
    r = move(api(technician), req, "decline", reason="不在服务区域")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["assigned_technician"], r.json()["allowed_actions"]) == (
        "acknowledged",
        None,
        [],
    )
    assert api(technician).get(f"{URL}/{req.pk}").status_code == 404


# --- details, notes, files ------------------------------------------------------------


def test_office_patches_details_with_a_timeline_row(agent):
    req = new_request(agent)
    r = api(agent).patch(f"{URL}/{req.pk}", {"priority": "urgent"}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["priority"] == "urgent"
    event = req.events.get(kind=ServiceRequestEvent.Kind.UPDATE)
    assert event.data["changes"]["priority"] == ["normal", "urgent"]


def test_patch_is_refused_for_field_staff_closed_requests_and_bad_values(agent, dispatcher, technician):
    req = assigned(agent, dispatcher, technician)
    assert (
        api(technician).patch(f"{URL}/{req.pk}", {"priority": "low"}, content_type="application/json").status_code
        == 403
    )
    client = api(agent)
    assert client.patch(f"{URL}/{req.pk}", {"priority": "asap"}, content_type="application/json").status_code == 422
    assert client.patch(f"{URL}/{req.pk}", {"description": None}, content_type="application/json").status_code == 400
    r = client.patch(f"{URL}/{req.pk}", {"address_id": AddressFactory().pk}, content_type="application/json")
    assert "address_id" in r.json()["fields"]
    move(client, req, "cancel", reason="客户取消")
    r = client.patch(f"{URL}/{req.pk}", {"priority": "low"}, content_type="application/json")
    assert r.status_code == 409


def test_notes(agent, dispatcher, technician):
    req = assigned(agent, dispatcher, technician)
    r = api(technician).post(f"{URL}/{req.pk}/notes", {"text": "已电话联系客户"}, content_type="application/json")
    assert r.status_code == 201
    assert (r.json()["kind"], r.json()["reason"]) == ("note", "已电话联系客户")
    assert (
        api(technician).post(f"{URL}/{req.pk}/notes", {"text": ""}, content_type="application/json").status_code == 422
    )
    other = new_request(agent)
    r = api(technician).post(f"{URL}/{other.pk}/notes", {"text": "x"}, content_type="application/json")
    assert r.status_code == 404


def test_attachments_upload_list_download(agent, dispatcher, technician):
    req = assigned(agent, dispatcher, technician)
    client = api(technician)
    r = client.post(f"{URL}/{req.pk}/attachments", {"file": SimpleUploadedFile("现场.png", PNG)})
    assert r.status_code == 201, r.json()
    attachment = r.json()
    assert (attachment["kind"], attachment["content_type"], attachment["original_name"]) == (
        "image",
        "image/png",
        "现场.png",
    )
    assert [a["id"] for a in client.get(f"{URL}/{req.pk}/attachments").json()] == [attachment["id"]]
    r = client.get(f"{URL}/attachments/{attachment['id']}")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PNG
    assert (r["Content-Type"], r["X-Content-Type-Options"]) == ("image/png", "nosniff")
    other = new_request(agent)
    assert (
        api(technician).post(f"{URL}/{other.pk}/attachments", {"file": SimpleUploadedFile("a.png", PNG)}).status_code
        == 404
    )


def test_attachment_of_a_foreign_request_is_404_and_svg_is_refused(agent, dispatcher, technician, partner_user):
    req = assigned(agent, dispatcher, technician)
    client = api(technician)
    r = client.post(
        f"{URL}/{req.pk}/attachments",
        {"file": SimpleUploadedFile("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')},
    )
    assert r.status_code == 400
    assert (r.json()["code"], list(r.json()["fields"])) == ("file_type", ["file"])
    ok = client.post(f"{URL}/{req.pk}/attachments", {"file": SimpleUploadedFile("a.png", PNG)}).json()
    assert api(partner_user).get(f"{URL}/attachments/{ok['id']}").status_code == 404
    assert client.post(f"{URL}/{req.pk}/attachments", {}).status_code == 422


# --- the schema -----------------------------------------------------------------------


def test_openapi_schema_lists_every_router(agent):
    r = Client().get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/requests", "/api/requests/{request_id}/transitions", "/api/customers", "/api/catalog/units"):
        assert path in paths
    actions = r.json()["components"]["schemas"]["Action"]["enum"]
    assert set(actions) == set(Action.values)


def test_api_docs_use_local_assets_not_a_cdn(agent):
    r = api(agent).get("/api/docs")
    assert r.status_code == 200
    page = r.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
