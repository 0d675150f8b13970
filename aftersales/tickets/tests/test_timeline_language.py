"""Text the system writes on the timeline is a message key with params, shown in the
reader's language (page and API); what a person typed stays as written."""

import pytest
from django.test import Client

from aftersales.core.messages import msg
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.models import ServiceRequestEvent
from aftersales.tickets.services import request_add_note, request_create, request_transition, request_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def sr(agent):
    return request_create(
        actor=agent, customer=CustomerFactory(), channel="phone", service_type="repair", description="不制冷"
    )


def web(user, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_system_note_is_stored_as_a_key_and_read_in_each_language(agent, sr):
    event = request_add_note(
        actor=agent, request=sr, text=msg("field.checked_out", visit="SF2026-000001", outcome="completed")
    )
    event.refresh_from_db()
    assert (event.reason, event.message, event.params) == (
        "",
        "field.checked_out",
        {"visit": "SF2026-000001", "outcome": "completed"},
    )
    english = web(agent, "en").get(f"/api/requests/{sr.pk}/timeline").json()[-1]
    chinese = web(agent, "zh-hans").get(f"/api/requests/{sr.pk}/timeline").json()[-1]
    assert english["reason"] == "SF2026-000001: checked out: Repaired / done."
    assert chinese["reason"].startswith("SF2026-000001: 已离场：") and "Repaired" not in chinese["reason"]
    assert english["message"] == chinese["message"] == "field.checked_out"
    assert english["params"] == {"visit": "SF2026-000001", "outcome": "completed"}


def test_a_persons_words_stay_as_written(agent, sr):
    event = request_add_note(actor=agent, request=sr, text="  客户要求上午上门 ")
    assert (event.reason, event.message) == ("客户要求上午上门", "")
    html = web(agent, "en").get(f"/requests/{sr.pk}/").content.decode()
    assert "客户要求上午上门" in html


def test_a_system_reason_on_a_transition(agent, sr):
    request_transition(actor=agent, request=sr, action="cancel", reason=msg("dispatch.offer_expired", n=30))
    event = ServiceRequestEvent.objects.filter(request=sr, action="cancel").get()
    assert event.reason == "" and event.message == "dispatch.offer_expired"
    assert "30" in web(agent, "zh-hans").get(f"/requests/{sr.pk}/").content.decode()


def test_changed_details_are_named_in_the_readers_language(agent, manager, sr):
    request_update(actor=manager, request=sr, priority="high")
    english = web(agent, "en").get(f"/requests/{sr.pk}/").content.decode()
    chinese = web(agent, "zh-hans").get(f"/requests/{sr.pk}/").content.decode()
    assert "Priority: Normal → High" in english
    assert "优先级：普通 → 高" in chinese
    assert "normal → high" not in chinese and "priority:" not in chinese
