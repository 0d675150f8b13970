"""/api/complaints: every action of the pages in the API — success, forbidden, invalid input —
creates idempotent, and the complainant's side through the link without a login."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aftersales.accounts.choices import Role
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import drive_to, make_complaint, make_customer

pytestmark = pytest.mark.django_db
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00"
    b"\x00\x00\rIDATx\xdac\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def api(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_create_is_idempotent(agent):
    body = {"category": "quality", "description": "柜门脱落", "contact_name": "钱女士", "contact_phone": "13588887777"}
    client = api(agent)
    first = post(client, "/api/complaints", body, **{"Idempotency-Key": "k1"})
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == "open" and data["contact_phone"] == "+8613588887777" and data["deadline"] == "on_time"
    again = post(client, "/api/complaints", body, **{"Idempotency-Key": "k1"})
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Complaint.objects.count() == 1


def test_create_from_a_request_and_refusals(agent, make_user):
    from aftersales.tickets.services import request_create

    sr = request_create(
        actor=agent, customer=make_customer(agent), channel="phone", service_type="repair", description="x"
    )
    client = api(agent)
    made = post(client, "/api/complaints", {"category": "delay", "description": "迟到两小时", "request_id": sr.pk})
    assert made.status_code == 201 and made.json()["request_ids"] == [sr.pk]
    assert post(client, "/api/complaints", {"category": "delay", "description": "x", "request_id": 987654}).json()[
        "fields"
    ] == {"request_id": ["Not found."]}
    assert post(client, "/api/complaints", {"category": "rude", "description": "x"}).status_code == 422
    assert post(client, "/api/complaints", {"category": "other", "description": "x", "extra": 1}).status_code == 422
    assert (
        post(api(make_user(Role.TECHNICIAN)), "/api/complaints", {"category": "other", "description": "x"}).status_code
        == 403
    )
    assert post(api(), "/api/complaints", {"category": "other", "description": "x"}).status_code == 401


def test_list_views_and_detail(agent, handler):
    mine = drive_to("investigating", handler=handler)
    make_complaint(agent)
    client = api(handler)
    assert [c["id"] for c in client.get("/api/complaints?view=mine").json()["items"]] == [mine.pk]
    assert len(client.get("/api/complaints?view=open").json()["items"]) == 2
    assert client.get("/api/complaints?view=bogus").status_code == 400
    detail = client.get(f"/api/complaints/{mine.pk}").json()
    assert detail["investigator"]["id"] == handler.pk
    assert [a["action"] for a in detail["allowed_actions"]] == ["assign", "propose"]
    assert client.get("/api/complaints/987654").status_code == 404
    assert api(handler).get(f"/api/complaints/{mine.pk}/timeline").status_code == 200


def test_every_step_through_the_api(agent, handler, qm):
    c = make_complaint(agent)
    client = api(handler)
    url = f"/api/complaints/{c.pk}"
    assert post(client, f"{url}/assign", {"investigator_id": handler.pk}).json()["status"] == "investigating"
    assert post(client, f"{url}/notes", {"text": "核实中"}).status_code == 201
    upload = client.post(f"{url}/evidence", {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")})
    assert upload.status_code == 201, upload.content
    evidence_id = upload.json()[0]["id"]
    assert client.get(f"/api/complaints/evidence/{evidence_id}").status_code == 200
    patched = client.patch(url, json.dumps({"severity": "major"}), content_type="application/json")
    assert patched.status_code == 200 and patched.json()["escalation_level"] == 1
    assert post(client, f"{url}/propose", {"solution": "赔偿"}).json()["status"] == "proposed"
    assert post(client, f"{url}/respond", {"accepted": False}).status_code == 400  # a reason is required
    assert post(client, f"{url}/respond", {"accepted": True, "note": "好"}).json()["status"] == "accepted"
    assert post(client, f"{url}/close", {"lessons": "x"}).status_code == 409  # the follow-up first
    assert post(client, f"{url}/follow-up", {"note": "满意"}).json()["status"] == "followed_up"
    assert client.get(f"{url}/lessons").status_code == 404
    closed = post(client, f"{url}/close", {"lessons": "加强培训"}).json()
    assert (closed["status"], closed["closed_by"]) == ("closed", "acceptance")
    lessons = client.get(f"{url}/lessons").json()
    assert lessons["lessons"] == "加强培训" and "contact_name" not in lessons


def test_decide_needs_a_manager(agent, handler, qm):
    c = make_complaint(agent)
    body = {"decision": "客户撤诉"}
    assert post(api(handler), f"/api/complaints/{c.pk}/decide", body).status_code == 403
    assert post(api(qm), f"/api/complaints/{c.pk}/decide", {"decision": ""}).status_code == 422
    assert post(api(qm), f"/api/complaints/{c.pk}/decide", body).json()["closed_by"] == "decision"


def test_agents_read_but_cannot_act(agent, handler):
    c = make_complaint(agent)
    client = api(agent)
    assert client.get(f"/api/complaints/{c.pk}").status_code == 200
    assert post(client, f"/api/complaints/{c.pk}/notes", {"text": "x"}).status_code == 403


def test_the_link_in_the_api(handler):
    c = drive_to("proposed", handler=handler)
    anon = api()
    seen = anon.get(f"/api/complaints/track/{c.token}").json()
    assert seen["can_answer"] and seen["solution"] and "contact_name" not in seen
    assert post(anon, f"/api/complaints/track/{c.token}/answer", {"accepted": False}).status_code == 400
    answered = post(anon, f"/api/complaints/track/{c.token}/answer", {"accepted": False, "note": "不满意"}).json()
    assert answered["status"] == "investigating" and answered["response"] == "rejected"
    assert post(anon, f"/api/complaints/track/{c.token}/answer", {"accepted": True}).status_code == 409
    assert anon.get("/api/complaints/track/nope").status_code == 404
