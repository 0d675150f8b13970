"""An anonymous complaint (002 §5 匿名投诉) never stores or shows a name, phone or address: not in
any database row (the audit trail, the timeline, the outbox and inbox included), not in an API
answer, not in an export, not on a page — even when the agent typed them before ticking
"anonymous". A named complaint handled the same way is the positive control: the same search
finds its name and phone, so the search itself works."""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from aftersales.complaints.escalation import complaint_sweep
from aftersales.complaints.models import Complaint
from aftersales.sla.tests.calendars import at

pytestmark = pytest.mark.django_db
FILED = at(2026, 3, 2, 9)

SECRET_NAME = "李秘密"
SECRET_STREET = "幸福路88号"
SECRET_PHONES = ("13800138000", "+8613800138000", "138 0013 8000", "138-0013-8000")
OPEN_NAME = "王公开"
OPEN_PHONE = "13900009999"


def database_text() -> str:
    """Every row of every table, as text."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            for row in cursor.fetchall():
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def leaks(text: str) -> list[str]:
    return [s for s in (SECRET_NAME, SECRET_STREET, *SECRET_PHONES) if s in text]


def xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def walk(client, handler_client, number_field="number", *, anonymous=True, name="", phone=""):
    """Take a complaint on the intake page and handle it all the way, through pages, the API and
    the complainant's link; returns the complaint."""
    form = {
        "channel": "phone",
        "category": "attitude",
        "severity": "major",
        "description": "师傅上门态度恶劣，还乱收费",
        "demand": "道歉并退还多收的费用",
        "contact_name": name,
        "contact_phone": phone,
    }
    if anonymous:
        form["anonymous"] = "on"
    before = set(Complaint.objects.values_list("pk", flat=True))
    response = client.post(reverse("complaints:intake"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    (pk,) = set(Complaint.objects.values_list("pk", flat=True)) - before
    c = Complaint.objects.get(pk=pk)
    # The handler works it through the API; the complainant answers through the link (a rejection,
    # which escalates), then the page records the second answer; follow-up, lessons, close.
    api = f"/api/complaints/{pk}"
    post = lambda url, body: handler_client.post(url, json.dumps(body), content_type="application/json")  # noqa: E731
    me = handler_client.get("/api/complaints?view=unassigned").json()["items"][0]
    assert me["number"] == c.number
    assert post(f"{api}/assign", {"investigator_id": handler_client.user_id}).status_code == 200
    assert post(f"{api}/notes", {"text": "调取派工记录，与师傅核实"}).status_code == 201
    assert post(f"{api}/propose", {"solution": "退还50元并由站长致歉"}).status_code == 200
    anon = Client()
    assert (
        post_json(anon, f"/api/complaints/track/{c.token}/answer", {"accepted": False, "note": "太少"}).status_code
        == 200
    )
    assert post(f"{api}/propose", {"solution": "退还100元并由站长上门致歉"}).status_code == 200
    assert anon.post(reverse("complaints:track_respond", args=[c.token]), {"answer": "accept"}).status_code == 302
    assert post(f"{api}/follow-up", {"note": "已退款，已致歉"}).status_code == 200
    complaint_sweep(now=FILED.replace(year=2030))
    assert post(f"{api}/close", {"lessons": "收费须按价目表开单"}).status_code == 200
    return Complaint.objects.get(pk=pk)


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def clients(agent, handler, qm, aftersales_manager):
    agent_client, handler_client = Client(), Client()
    agent_client.force_login(agent)
    handler_client.force_login(handler)
    handler_client.user_id = handler.pk
    return agent_client, handler_client


def everything_shown(handler_client, c) -> str:
    """Every page, API answer and export that could show the complaint (each must answer 200)."""
    parts = []

    def get(client, url, *, binary=False):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        parts.append(xlsx_text(response.content) if binary else response.content.decode("utf-8"))

    for view in ("mine", "unassigned", "due", "escalated", "open", "closed"):
        get(handler_client, f"/api/complaints?view={view}")
        get(handler_client, reverse("complaints:worklist") + f"?view={view}")
        get(handler_client, reverse("complaints:export") + f"?view={view}&format=csv")
        get(handler_client, reverse("complaints:export") + f"?view={view}", binary=True)
    for url in (
        f"/api/complaints/{c.pk}",
        f"/api/complaints/{c.pk}/timeline",
        f"/api/complaints/{c.pk}/evidence",
        f"/api/complaints/{c.pk}/lessons",
        f"/api/complaints/track/{c.token}",
        reverse("complaints:detail", args=[c.pk]),
        reverse("complaints:track", args=[c.token]),
        reverse("notifications:inbox"),
    ):
        get(handler_client, url)
    get(Client(), reverse("complaints:track", args=[c.token]))
    return "\n".join(parts)


def test_an_anonymous_complaint_names_nobody_anywhere(clients):
    agent_client, handler_client = clients
    # The agent typed the caller's name and phone, then the caller asked to stay anonymous.
    c = walk(agent_client, handler_client, name=SECRET_NAME, phone=SECRET_PHONES[0])
    assert (c.anonymous, c.status, c.closed_by, c.escalation_level) == (True, "closed", "acceptance", 2)
    assert (c.customer_id, c.contact_name, c.contact_phone) == (None, "", "")
    # The API refuses an identity with "anonymous" outright, naming only the fields.
    count = Complaint.objects.count()
    refused = post_json(
        agent_client,
        "/api/complaints",
        {
            "category": "other",
            "description": "x",
            "anonymous": True,
            "contact_name": SECRET_NAME,
            "contact_phone": SECRET_PHONES[1],
        },
    )
    assert refused.status_code == 400 and Complaint.objects.count() == count
    assert not leaks(refused.content.decode())

    assert not leaks(database_text()), "the database holds the anonymous complainant's identity"
    shown = everything_shown(handler_client, c)
    assert c.tracking_code in shown  # the search below reads what was really shown
    assert not leaks(shown), "a page, API answer or export shows the anonymous complainant's identity"


def test_the_search_finds_a_named_complainant(clients):
    """The positive control: the same walk with a named complainant leaves his name and phone in
    the complaint, its API answer and its export, where the search above would have found them."""
    agent_client, handler_client = clients
    c = walk(agent_client, handler_client, anonymous=False, name=OPEN_NAME, phone=OPEN_PHONE)
    assert c.contact_name == OPEN_NAME
    db = database_text()
    assert OPEN_NAME in db and OPEN_PHONE in db
    shown = everything_shown(handler_client, c)
    assert OPEN_NAME in shown and OPEN_PHONE in shown
