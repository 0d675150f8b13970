"""The complaint pages: worklists, intake, the complaint page and its steps, exports, and the
complainant's tracking page. Success, forbidden and invalid input for each; the worklist's query
count is pinned."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.accounts.choices import Role
from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import drive_to, make_complaint, make_customer

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_worklists_by_role(agent, handler, qm):
    mine = drive_to("investigating", handler=handler)
    other = make_complaint(agent)
    page = login(handler).get(reverse("complaints:worklist"))
    assert page.status_code == 200 and page.context["view"] == "mine"
    assert [c.pk for c, _ in page.context["rows"]] == [mine.pk]
    page = login(handler).get(reverse("complaints:worklist") + "?view=unassigned")
    assert [c.pk for c, _ in page.context["rows"]] == [other.pk]
    # Managers start on the escalated list; agents on every open complaint, without "mine".
    assert login(qm).get(reverse("complaints:worklist")).context["view"] == "escalated"
    page = login(agent).get(reverse("complaints:worklist") + "?view=mine")
    assert page.context["view"] == "open" and {c.pk for c, _ in page.context["rows"]} == {mine.pk, other.pk}


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PARTNER, Role.CUSTOMER, Role.DISPATCHER, Role.PARTS_CLERK])
def test_other_roles_get_403(make_user, role, agent):
    c = make_complaint(agent)
    client = login(make_user(role))
    for url in (
        reverse("complaints:worklist"),
        reverse("complaints:detail", args=[c.pk]),
        reverse("complaints:intake"),
    ):
        assert client.get(url).status_code == 403


def test_worklist_search_finds_number_code_and_phone(agent, handler):
    c = make_complaint(agent, customer=make_customer(agent, phone="+8613711112222"))
    make_complaint(agent)
    client = login(handler)
    for q in (c.number, c.tracking_code.lower(), "13711112222"):
        rows = client.get(reverse("complaints:worklist"), {"view": "open", "q": q}).context["rows"]
        assert [x.pk for x, _ in rows] == [c.pk], q


def test_worklist_query_count_does_not_grow_with_rows(agent, handler, django_assert_max_num_queries):
    for _ in range(3):
        drive_to("investigating", handler=handler)
    client = login(handler)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("complaints:worklist") + "?view=open")
    for _ in range(12):
        drive_to("investigating", handler=handler)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("complaints:worklist") + "?view=open")
    assert len(response.context["rows"]) == 15


def test_bad_cursor_is_a_400_not_a_500(handler):
    assert login(handler).get(reverse("complaints:worklist") + "?cursor=zzz").status_code == 400


def test_intake_takes_a_named_complaint(agent):
    response = login(agent).post(
        reverse("complaints:intake"),
        {
            "channel": "email",
            "category": "billing",
            "severity": "normal",
            "description": "上门费收了两次",
            "demand": "退款",
            "contact_name": "赵先生",
            "contact_phone": "13612345678",
        },
    )
    c = Complaint.objects.get()
    assert response.status_code == 302 and response.url == c.get_absolute_url()
    assert (c.channel, c.category, c.contact_name, c.contact_phone) == ("email", "billing", "赵先生", "+8613612345678")


def test_intake_from_a_request_number(agent, technician):
    from aftersales.tickets.services import request_create

    sr = request_create(
        actor=agent, customer=make_customer(agent), channel="phone", service_type="repair", description="x"
    )
    client = login(agent)
    assert client.get(reverse("complaints:intake") + f"?request={sr.number}").context["form"].initial == {
        "request_number": sr.number
    }
    response = client.post(
        reverse("complaints:intake"),
        {
            "channel": "phone",
            "category": "delay",
            "severity": "normal",
            "description": "迟到",
            "request_number": sr.number.lower(),
        },
    )
    assert response.status_code == 302
    assert list(Complaint.objects.get().requests.all()) == [sr]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"description": ""}, "description"),
        ({"category": "nope"}, "category"),
        ({"request_number": "SR0000-999999"}, "request_number"),
        ({"contact_phone": "123"}, "contact_phone"),
    ],
)
def test_intake_refuses_bad_input(agent, data, field):
    base = {"channel": "phone", "category": "other", "severity": "normal", "description": "x"}
    response = login(agent).post(reverse("complaints:intake"), {**base, **data})
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_the_complaint_page_offers_the_next_steps(agent, handler, qm):
    c = make_complaint(agent)
    page = login(handler).get(reverse("complaints:detail", args=[c.pk]))
    assert page.status_code == 200
    assert [t.action for t in page.context["actions"]] == ["assign"]
    assert c.tracking_code in page.content.decode()
    # A manager may also close by decision; an agent reads only.
    assert "decide" in [t.action for t in login(qm).get(reverse("complaints:detail", args=[c.pk])).context["actions"]]
    page = login(agent).get(reverse("complaints:detail", args=[c.pk]))
    assert page.context["actions"] == [] and page.context["note_form"] is None


def test_every_step_through_the_pages(agent, handler):
    c = make_complaint(agent)
    client = login(handler)

    def post(name, data, **kw):
        response = client.post(reverse(f"complaints:{name}", args=[c.pk]), data, **kw)
        assert response.status_code == 302
        return Complaint.objects.get(pk=c.pk)

    assert post("assign", {"assign-investigator": handler.pk}).status == "investigating"
    post("note", {"text": "已核实"})
    assert (
        post("edit", {"edit-category": "quality", "edit-severity": "normal", "edit-demand": "换货"}).category
        == "quality"
    )
    assert post("propose", {"propose-solution": "换货", "propose-investigation": "质量问题"}).status == "proposed"
    assert post("respond", {"respond-answer": "reject", "respond-note": "不要换货"}).status == "investigating"
    post("propose", {"propose-solution": "退款"})
    assert post("respond", {"respond-answer": "accept"}).status == "accepted"
    assert post("follow_up", {"follow_up-note": "已退款"}).status == "followed_up"
    c = post("close", {"close-lessons": "质检加强"})
    assert (c.status, c.closed_by) == ("closed", "acceptance")


def test_a_refused_step_says_why_and_changes_nothing(agent, handler):
    c = make_complaint(agent)
    client = login(handler)
    response = client.post(reverse("complaints:close", args=[c.pk]), {"close-lessons": "x"}, follow=True)
    assert response.status_code == 200
    assert any("cannot be moved" in str(m) for m in response.context["messages"])
    response = client.post(reverse("complaints:propose", args=[c.pk]), {}, follow=True)
    assert any("Proposed solution" in str(m) for m in response.context["messages"])
    assert Complaint.objects.get(pk=c.pk).status == "open"


def test_decide_is_for_managers(agent, handler, qm):
    c = make_complaint(agent)
    assert login(handler).post(reverse("complaints:decide", args=[c.pk]), {"decide-decision": "x"}).status_code == 403
    login(qm).post(reverse("complaints:decide", args=[c.pk]), {"decide-decision": "客户撤诉"})
    assert Complaint.objects.get(pk=c.pk).closed_by == "decision"


def test_unknown_complaint_is_404(handler):
    client = login(handler)
    assert client.get(reverse("complaints:detail", args=[987654])).status_code == 404
    assert client.post(reverse("complaints:note", args=[987654]), {"text": "x"}).status_code == 404


def test_exports_neutralise_formulas(agent, handler):
    make_complaint(agent, demand='=HYPERLINK("http://evil","x")')
    client = login(handler)
    csv_text = client.get(reverse("complaints:export") + "?view=open&format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    wb = load_workbook(io.BytesIO(client.get(reverse("complaints:export") + "?view=open").content))
    values = [cell.value for row in wb.active.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil","x")' in values


# --- the complainant's link -------------------------------------------------------------------------


def test_the_tracking_page_needs_no_login_and_shows_no_internal_notes(agent, handler):
    from aftersales.complaints.services import complaint_note

    c = drive_to("investigating", handler=handler)
    complaint_note(actor=handler, complaint=c, text="内部：师傅有前科")
    page = Client().get(reverse("complaints:track", args=[c.token]))
    assert page.status_code == 200
    body = page.content.decode()
    assert c.number in body and "师傅有前科" not in body and page.context["form"] is None
    assert Client().get(reverse("complaints:track", args=["not-a-token"])).status_code == 404


def test_the_complainant_accepts_through_the_link(handler):
    c = drive_to("proposed", handler=handler)
    client = Client()
    assert client.get(reverse("complaints:track", args=[c.token])).context["form"] is not None
    response = client.post(reverse("complaints:track_respond", args=[c.token]), {"answer": "accept"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=c.pk).response == "accepted"
    # A second answer: the step is gone (400 with the message), nothing changes.
    response = client.post(reverse("complaints:track_respond", args=[c.token]), {"answer": "reject", "note": "x"})
    assert response.status_code == 400 and Complaint.objects.get(pk=c.pk).status == "accepted"


def test_a_rejection_through_the_link_needs_a_reason(handler):
    c = drive_to("proposed", handler=handler)
    response = Client().post(reverse("complaints:track_respond", args=[c.token]), {"answer": "reject"})
    assert response.status_code == 400 and "note" in response.context["form"].errors
    assert Complaint.objects.get(pk=c.pk).status == "proposed"


def test_the_tracking_page_in_chinese(handler):
    c = drive_to("proposed", handler=handler)
    body = (
        Client(headers={"accept-language": "zh-hans"}).get(reverse("complaints:track", args=[c.token])).content.decode()
    )
    assert "您的投诉" in body
