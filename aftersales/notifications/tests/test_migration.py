"""The data migrations: notifications and timeline text frozen in one language become
message keys with params where they can be recognised; a person's words stay as written.

Migrates the database back to before the change, writes rows as the old code did, and
migrates forward again (commits: transactional_db)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from aftersales.accounts.choices import Role
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.notifications.models import Notification
from aftersales.sla.models import EscalationLevel
from aftersales.tickets.models import ServiceRequestEvent
from aftersales.tickets.services import request_create

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("notifications", "0002_more_verbs"),
    ("tickets", "0004_region_priority_index"),
    ("sla", "0004_escalation_defaults"),
    ("dispatch", "0003_appointment_visited"),
    ("field", "0002_unit_flag_facts"),
]
ESCALATION_ZH = (
    "SLA 1 级升级（一级：客服与主管 Agent and supervisor）：首次响应自 2026-03-09 10:00 起已超时 25 分钟；已通知 2 人。"
)
OFFER_EN = (
    "Job SR2603-000001: Repair, priority Normal.\nCustomer: 王女士, 13900001111\nAddress: 上海市\n"
    "Problem: 不制冷\nPlease accept or decline by 2026-03-09 11:00."
)


def test_frozen_texts_become_message_keys(make_user):
    from aftersales.sla.escalation import system_user

    agent, technician = make_user(Role.AGENT), make_user(Role.TECHNICIAN)
    system = system_user()
    request = request_create(
        actor=agent, customer=CustomerFactory(), channel="phone", service_type="repair", description="不制冷"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldNotification = old.get_model("notifications", "Notification")
    OldEvent = old.get_model("tickets", "ServiceRequestEvent")
    OldLevel = old.get_model("sla", "EscalationLevel")
    OldLevel.objects.update_or_create(kind="", level=4, defaults={"name": "四级：总监 Director"})  # as 0004 seeded it
    OldNotification.objects.create(
        recipient_id=agent.pk, verb="sla_escalation", request_id=request.pk, text=ESCALATION_ZH
    )
    OldNotification.objects.create(
        recipient_id=technician.pk, verb="dispatch_offer", request_id=request.pk, text=OFFER_EN
    )
    OldNotification.objects.create(recipient_id=agent.pk, verb="sla_warning", text="某种看不懂的旧预警")
    OldNotification.objects.create(recipient_id=agent.pk, verb="info", text="随便说点什么")
    event = {"request_id": request.pk, "data": {}}
    OldEvent.objects.create(actor_id=system.pk, kind="note", reason=ESCALATION_ZH, **event)
    OldEvent.objects.create(
        actor_id=technician.pk, kind="note", reason="SF2026-000001: 已签到（第 1 次上门）。", **event
    )
    OldEvent.objects.create(actor_id=agent.pk, kind="note", reason="客户要求上午上门", **event)
    OldEvent.objects.create(
        actor_id=system.pk,
        kind="transition",
        action="decline",
        reason="No answer within 30 minutes; offered to the next technician.",
        **event,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # Notifications: recognised ones read in either language, linked to their request.
    escalation = Notification.objects.get(key="sla.escalation")
    assert escalation.params["level"] == 1 and escalation.params["target"] == "first_response"
    assert escalation.params["name"] == "Level 1: agent and supervisor"  # the old bilingual name, recognised
    assert (escalation.link_label, escalation.href) == (request.number, f"/requests/{request.pk}/")
    with translation.override("en"):
        assert escalation.text.startswith("SLA escalation level 1 (Level 1: agent and supervisor): First response")
    with translation.override("zh-hans"):
        assert escalation.text == ESCALATION_ZH.replace("一级：客服与主管 Agent and supervisor", "一级：客服与主管")
    offer = Notification.objects.get(key="dispatch.offer")
    assert offer.params["type"] == "repair" and offer.params["priority"] == "normal"
    with translation.override("zh-hans"):
        assert offer.text.startswith("工单 SR2603-000001：维修，优先级 普通。")
    unknown = Notification.objects.get(key="sla.warning")  # kept as written, under its kind
    with translation.override("en"):
        assert unknown.text == "某种看不懂的旧预警" and unknown.kind_label == "SLA warning"
    assert Notification.objects.get(key="core.text").text == "随便说点什么"

    # Timeline: system text converted, a person's words untouched.
    events = list(ServiceRequestEvent.objects.filter(request=request).exclude(kind="created"))
    assert [(e.reason, e.message) for e in events if e.reason] == [("客户要求上午上门", "")]
    converted = {e.message: e for e in events if e.message}
    assert set(converted) == {"sla.escalation", "field.checked_in", "dispatch.offer_expired"}
    with translation.override("en"):
        assert converted["field.checked_in"].text == "SF2026-000001: checked in (visit 1)."
        assert converted["dispatch.offer_expired"].text.startswith("No answer within 30 minutes")
    with translation.override("zh-hans"):
        assert (
            converted["dispatch.offer_expired"].text != "No answer within 30 minutes; offered to the next technician."
        )

    # The seeded escalation level names are English source names now, shown translated.
    level = EscalationLevel.objects.get(level=4, kind="")
    assert level.name == "Level 4: director"
    with translation.override("zh-hans"):
        assert level.display_name == "四级：总监"
