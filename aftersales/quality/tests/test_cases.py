"""The case library (R-QA-4): services, search in Chinese, pages and API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from aftersales.core.audit import AuditEvent
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.states import IllegalTransition
from aftersales.quality.models import Case
from aftersales.quality.selectors import case_search, tags_normalise
from aftersales.quality.services import case_from_complaint, case_transition, case_update

from .factories import closed_complaint, make_case

pytestmark = pytest.mark.django_db


# --- services ----------------------------------------------------------------------------------


def test_create_normalises_tags_and_audits(quality_user):
    case = make_case(quality_user, tags="漏水，热水器, 漏水 ,Install")
    assert case.status == "draft"
    assert case.tags == ",漏水,热水器,install,"
    assert case.tag_list == ["漏水", "热水器", "install"]
    assert AuditEvent.objects.filter(action="quality.case.create").count() == 1


@pytest.mark.parametrize(
    "field,value",
    [("title", "  "), ("kind", "meh"), ("summary", ""), ("lessons", ""), ("title", "x" * 201)],
)
def test_create_refuses_bad_input_and_writes_nothing(quality_user, field, value):
    with pytest.raises(ValidationFailed) as exc:
        make_case(quality_user, **{field: value})
    assert field in exc.value.fields
    assert not Case.objects.exists()


def test_only_the_quality_team_and_managers_write(agent, technician, manager):
    for user in (agent, technician):
        with pytest.raises(PermissionDeniedError):
            make_case(user)
    assert make_case(manager).pk


def test_search_finds_chinese_substrings(quality_user):
    leak = make_case(quality_user)
    make_case(quality_user, title="服务态度好", kind="good", summary="师傅耐心讲解", lessons="讲解到位", tags="讲解")
    assert list(case_search(quality_user, q="漏水")) == [leak]
    assert list(case_search(quality_user, q="试水 接口")) == [leak]
    assert list(case_search(quality_user, tag="漏水")) == [leak]
    assert list(case_search(quality_user, tag="漏")) == []  # tags match whole
    assert case_search(quality_user, kind="good").get().title == "服务态度好"
    assert list(case_search(quality_user, q="没有的词")) == []


def test_tags_normalise_lists_and_strings():
    assert tags_normalise(["A", "a", " b "]) == ",a,b,"
    assert tags_normalise("") == ""


def test_lifecycle_through_the_table(quality_user, qm):
    case = make_case(quality_user)
    case = case_transition(actor=quality_user, case=case, action="publish")
    assert case.status == "published"
    with pytest.raises(PermissionDeniedError):
        case_transition(actor=quality_user, case=case, action="archive")
    case = case_transition(actor=qm, case=case, action="archive")
    with pytest.raises(IllegalTransition):
        case_transition(actor=qm, case=case, action="publish")
    assert case_transition(actor=qm, case=case, action="restore").status == "draft"


def test_update_changes_only_what_is_given(quality_user):
    case = make_case(quality_user)
    case = case_update(actor=quality_user, case=case, lessons="新教训", tags=["新"])
    assert (case.lessons, case.tags, case.title) == ("新教训", ",新,", "热水器底部漏水")
    with pytest.raises(ValidationFailed):
        case_update(actor=quality_user, case=case, status="published")
    case.refresh_from_db()
    assert case.status == "draft"


def test_case_from_a_closed_complaint_carries_lessons_not_identity(quality_user):
    complaint = closed_complaint(quality_user)
    case = case_from_complaint(actor=quality_user, complaint=complaint)
    assert case.kind == "bad" and case.complaint == complaint
    assert case.lessons == "上门前确认鞋套，离开前清理现场。"
    assert complaint.number in case.title
    text = case.summary + case.analysis + case.lessons + case.tags
    assert complaint.customer.name not in text and complaint.customer.phone not in text
    with pytest.raises(ConflictError):
        case_from_complaint(actor=quality_user, complaint=complaint)


def test_an_open_complaint_cannot_become_a_case(quality_user):
    from aftersales.complaints.tests.factories import make_complaint

    complaint = make_complaint(quality_user)
    with pytest.raises(ValidationFailed):
        case_from_complaint(actor=quality_user, complaint=complaint)
    assert not Case.objects.exists()


def test_request_outside_scope_is_not_found(quality_user, technician):
    with pytest.raises(NotFoundError):
        make_case(quality_user, request=object())


# --- pages ---------------------------------------------------------------------------------------


def test_list_search_and_detail_pages(client, quality_user):
    leak = make_case(quality_user)
    make_case(quality_user, title="讲解到位", summary="好", lessons="好", kind="good", tags="")
    client.force_login(quality_user)
    page = client.get(reverse("quality:case_list"), {"q": "漏水"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "热水器底部漏水" in body and "讲解到位" not in body
    detail = client.get(reverse("quality:case_detail", args=[leak.pk]))
    assert detail.status_code == 200 and "安装后必须试水" in detail.content.decode()


def test_create_page_and_invalid_input(client, quality_user):
    client.force_login(quality_user)
    url = reverse("quality:case_create")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "", "kind": "bad", "summary": "x", "lessons": "y"})
    assert bad.status_code == 400 and not Case.objects.exists()
    bad = client.post(url, {"title": "t", "kind": "bad", "summary": "x", "lessons": "y", "request_number": "NOPE"})
    assert bad.status_code == 400 and not Case.objects.exists()
    ok = client.post(url, {"title": "<b>t</b>", "kind": "good", "summary": "x", "lessons": "y", "tags": "a,b"})
    case = Case.objects.get()
    assert ok.status_code == 302 and ok["Location"] == case.get_absolute_url()
    assert "&lt;b&gt;t&lt;/b&gt;" in client.get(ok["Location"]).content.decode()


def test_edit_and_transition_pages(client, quality_user):
    case = make_case(quality_user)
    client.force_login(quality_user)
    url = reverse("quality:case_edit", args=[case.pk])
    assert client.get(url).status_code == 200
    data = {"title": "新标题", "kind": "bad", "summary": "x", "lessons": "y", "tags": "漏水"}
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.title == "新标题"
    assert client.post(reverse("quality:case_transition", args=[case.pk, "publish"])).status_code == 302
    case.refresh_from_db()
    assert case.status == "published"
    client.post(reverse("quality:case_transition", args=[case.pk, "bogus"]))
    case.refresh_from_db()
    assert case.status == "published"


def test_from_complaint_page(client, quality_user):
    complaint = closed_complaint(quality_user)
    client.force_login(quality_user)
    url = reverse("quality:case_from_complaint")
    assert client.post(url, {"complaint_number": "NOPE"})["Location"] == reverse("quality:case_list")
    response = client.post(url, {"complaint_number": complaint.number})
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()


def test_pages_are_forbidden_to_other_roles(client, agent, technician):
    for user in (agent, technician):
        client.force_login(user)
        assert client.get(reverse("quality:case_list")).status_code == 403


# --- API -------------------------------------------------------------------------------------------


def _post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_api_create_search_patch_transition(client, quality_user):
    client.force_login(quality_user)
    body = {"title": "热水器底部漏水", "kind": "bad", "summary": "漏水", "lessons": "试水", "tags": ["漏水"]}
    first = _post(client, "/api/quality/cases", body, HTTP_IDEMPOTENCY_KEY="k1")
    again = _post(client, "/api/quality/cases", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert Case.objects.count() == 1
    case_id = first.json()["id"]
    found = client.get("/api/quality/cases", {"q": "漏水"}).json()
    assert found["count"] == 1 and found["items"][0]["tags"] == ["漏水"]
    assert client.get("/api/quality/cases", {"q": "空调"}).json()["count"] == 0
    patched = client.patch(
        f"/api/quality/cases/{case_id}", json.dumps({"title": "新"}), content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["title"] == "新"
    moved = _post(client, f"/api/quality/cases/{case_id}/transition", {"action": "publish"})
    assert moved.json()["status"] == "published"
    assert _post(client, f"/api/quality/cases/{case_id}/transition", {"action": "publish"}).status_code == 409


def test_api_refuses_bad_input(client, quality_user):
    client.force_login(quality_user)
    assert _post(client, "/api/quality/cases", {"title": "t"}).status_code == 422
    body = {"title": "t", "kind": "bad", "summary": "s", "lessons": "l", "request_id": 987654}
    assert _post(client, "/api/quality/cases", body).status_code == 400
    assert _post(client, "/api/quality/cases", {**body, "request_id": None, "extra": 1}).status_code == 422
    assert not Case.objects.exists()
    assert client.get("/api/quality/cases/987654").status_code == 404


def test_api_from_complaint(client, quality_user):
    complaint = closed_complaint(quality_user)
    client.force_login(quality_user)
    response = _post(client, "/api/quality/cases/from-complaint", {"complaint_id": complaint.pk, "tags": ["鞋套"]})
    assert response.status_code == 201
    assert response.json()["complaint_number"] == complaint.number and response.json()["tags"] == ["鞋套"]
    assert _post(client, "/api/quality/cases/from-complaint", {"complaint_id": complaint.pk}).status_code == 409
