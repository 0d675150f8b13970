"""Warnings, breach flip and the escalation matrix, swept at chosen moments (any database)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from aftersales.accounts.choices import Role
from aftersales.core.messages import render_value
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.notifications.models import Notification, OutboxMessage
from aftersales.sla.escalation import SYSTEM_USERNAME, sla_due_count, sla_sweep
from aftersales.sla.models import EscalationLevel, SlaClock, SlaEscalation
from aftersales.sla.services import sla_refresh
from aftersales.tickets.models import ServiceRequestEvent
from aftersales.tickets.services import request_create, request_transition, request_update

from .calendars import at

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
FILED = at(2026, 3, 9, 9)  # Monday


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.DISPATCHER, email="supervisor@example.com")


@pytest.fixture
def boss(make_user):
    return make_user(Role.MANAGER, email="boss@example.com")


def file_request(agent, **kwargs):
    fields = dict(customer=CustomerFactory(), channel="phone", service_type="consultation", description="噪音大")
    fields.update(kwargs)
    fields.setdefault("now", FILED)
    request = request_create(actor=agent, **fields)
    sla_refresh(request.pk, now=fields["now"])
    return request


def clock(request, kind="first_response"):
    return SlaClock.objects.get(request=request, kind=kind)


def sweep(now, capture):
    with capture(execute=True):
        return sla_sweep(now=now)


def levels(request, kind="first_response"):
    return list(
        SlaEscalation.objects.filter(request=request, kind=kind).order_by("level").values_list("level", flat=True)
    )


# --- warnings -------------------------------------------------------------------------


def test_warning_at_the_share_of_the_target_and_only_once(agent, supervisor, django_capture_on_commit_callbacks):
    request = file_request(agent, priority="urgent")  # first response 1 h, warning at 80 % = 48 min
    assert clock(request).warning_at == clock(request).warn_at == FILED + 48 * MIN  # on the work list
    assert sweep(FILED + 47 * MIN, django_capture_on_commit_callbacks).warned == 0
    result = sweep(FILED + 48 * MIN, django_capture_on_commit_callbacks)
    assert (result.warned, result.flipped, result.escalated) == (1, 0, 0)
    c = clock(request)
    assert c.warned_at == FILED + 48 * MIN and c.state == "running" and c.warn_at is None
    log = SlaEscalation.objects.get(request=request)
    assert (log.level, log.kind, log.due_at) == (0, "first_response", FILED + H)
    # Level 0 tells whoever filed it (and the assignee, none yet); not the dispatchers.
    (note,) = Notification.objects.linked_to(request)
    assert note.recipient == agent and note.key == "sla.warning"
    assert "First response: warning, due at 2026-03-09 10:00 (12 min left)" in note.text
    assert sweep(FILED + 50 * MIN, django_capture_on_commit_callbacks).warned == 0
    assert SlaEscalation.objects.filter(request=request).count() == 1


def test_no_warning_for_paused_or_stopped_clocks(agent, django_capture_on_commit_callbacks):
    request = file_request(agent, priority="urgent")
    request_transition(actor=agent, request=request, action="acknowledge", now=FILED + 10 * MIN)
    # The refresh has not run yet: the request already left the clock's statuses.
    assert sweep(FILED + 50 * MIN, django_capture_on_commit_callbacks).warned == 0
    sla_refresh(request.pk, now=FILED + 50 * MIN)
    assert clock(request).state == "met"
    assert sweep(FILED + 2 * H, django_capture_on_commit_callbacks).as_dict()["flipped"] == 0
    assert not SlaEscalation.objects.exists()


# --- breach and the levels --------------------------------------------------------------


def test_breach_is_flipped_with_breach_by_and_level_one_acts(agent, supervisor, django_capture_on_commit_callbacks):
    request = file_request(agent, priority="urgent")
    request.refresh_from_db()
    changed = request.updated_at
    result = sweep(FILED + H + 25 * MIN, django_capture_on_commit_callbacks)
    # No warning once breached: the escalation speaks instead.
    assert (result.flipped, result.warned, result.escalated) == (1, 0, 1)
    c = clock(request)
    assert (c.state, c.breached_at, c.breach_by_seconds) == ("breached", FILED + H, 25 * 60)
    assert (c.escalation_level, c.escalation_anchor_at) == (1, FILED + H)
    assert c.escalate_at == FILED + 3 * H  # level 2: two hours after the breach
    log = SlaEscalation.objects.get(request=request, level=1)
    assert log.breach_by_seconds == 25 * 60 and log.actions[0] == {"action": "notify", "people": 2, "email": False}
    assert set(Notification.objects.linked_to(request).values_list("recipient__username", flat=True)) == {
        agent.username,
        supervisor.username,
    }
    # On the request's timeline, by the system user.
    note = ServiceRequestEvent.objects.filter(request=request, kind="note").get()
    assert note.actor.username == SYSTEM_USERNAME
    # The system's note does not move the request in the queue's "Recently changed": nobody
    # changed it (a level that raises the priority or reassigns does, through the services).
    request.refresh_from_db()
    assert request.updated_at == changed and note.at == FILED + H + 25 * MIN
    assert note.reason == "" and note.message == "sla.escalation"  # stored as a key with params
    assert note.text.startswith("SLA escalation level 1 (Level 1: agent and supervisor): ")
    assert "First response overdue by 25 min since 2026-03-09 10:00; notified 2." in note.text
    # The same note, read in Chinese: nothing English left in it.
    with translation.override("zh-hans"):
        assert (
            note.text == "SLA 1 级升级（一级：客服与主管）：首次响应自 2026-03-09 10:00 起已超时 25 分钟；已通知 2 人。"
        )


def test_each_level_once_at_its_delay_priority_raised_and_mailed(
    agent, supervisor, boss, django_capture_on_commit_callbacks
):
    request = file_request(agent)  # normal: first response 24 h on 24×7
    due = FILED + 24 * H
    sweep(due + MIN, django_capture_on_commit_callbacks)
    assert levels(request) == [1]
    sweep(due + H, django_capture_on_commit_callbacks)
    assert levels(request) == [1]
    mail.outbox.clear()
    request.refresh_from_db()
    changed = request.updated_at  # level 1's note left it
    sweep(due + 2 * H, django_capture_on_commit_callbacks)  # level 2: priority → high, e-mail
    assert levels(request) == [1, 2]
    request.refresh_from_db()
    assert request.priority == "high" and request.updated_at != changed  # a change: "Recently changed"
    update = ServiceRequestEvent.objects.filter(request=request, kind="update").get()
    assert update.actor.username == SYSTEM_USERNAME
    assert update.at == request.updated_at == due + 2 * H  # the sweep's moment (replayed by the demo)
    assert [m.to for m in mail.outbox] == [["supervisor@example.com"]]
    assert request.number in mail.outbox[0].subject
    mailed = OutboxMessage.objects.filter(recipient=supervisor, channel="email", key="sla.escalation").get()
    assert mailed.status == "sent" and mailed.link_id == str(request.pk)
    sweep(due + 8 * H, django_capture_on_commit_callbacks)  # level 3: urgent, the manager
    request.refresh_from_db()
    assert request.priority == "urgent"
    assert levels(request) == [1, 2, 3]
    # Urgent moves the first-response deadline much earlier (1 h): still breached, but
    # the levels keep counting from the first breach, so level 4 is not due yet.
    c = clock(request)
    assert c.due_at == FILED + H and c.state == "breached" and c.escalation_level == 3
    sweep(due + 9 * H, django_capture_on_commit_callbacks)
    assert levels(request) == [1, 2, 3]
    sweep(due + 24 * H, django_capture_on_commit_callbacks)
    assert levels(request) == [1, 2, 3, 4]
    assert clock(request).escalate_at is None  # nothing more to do
    sweep(due + 48 * H, django_capture_on_commit_callbacks)
    assert levels(request) == [1, 2, 3, 4]
    assert ServiceRequestEvent.objects.filter(request=request, kind="note").count() == 4


def test_late_sweep_runs_every_missed_level_once(agent, supervisor, boss, django_capture_on_commit_callbacks):
    request = file_request(agent)
    result = sweep(FILED + 24 * H + 30 * H, django_capture_on_commit_callbacks)  # the worker was down a day
    assert result.escalated == 4
    assert levels(request) == [1, 2, 3, 4]
    assert sweep(FILED + 80 * H, django_capture_on_commit_callbacks).escalated == 0


def test_reassign_where_the_status_allows_it(agent, dispatcher, technician, django_capture_on_commit_callbacks):
    EscalationLevel.objects.filter(level=1).update(reassign_technician=technician)
    request = file_request(agent, service_type="repair")  # arrival 24 h in the city
    request_transition(actor=agent, request=request, action="acknowledge", now=FILED + 10 * MIN)
    sla_refresh(request.pk, now=FILED + 10 * MIN)
    sweep(FILED + 25 * H, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert (request.status, request.assigned_technician_id) == ("assigned", technician.pk)
    # Appointment contact and arrival breach together: the first level 1 reassigns, the
    # second finds it done.
    first, second = SlaEscalation.objects.filter(request=request, level=1).order_by("id")
    assert {"action": "reassign", "technician": technician.pk, "organization": None, "done": True} in first.actions
    assert {
        "action": "reassign",
        "technician": technician.pk,
        "organization": None,
        "done": False,
        "why": {"key": "sla.why.already_assigned", "params": {}},
    } in second.actions
    assign = ServiceRequestEvent.objects.get(request=request, action="assign")
    assert assign.actor.username == SYSTEM_USERNAME and "SLA escalation" in assign.text


def test_reassign_not_allowed_only_notifies_and_says_why(
    agent, dispatcher, technician, make_user, django_capture_on_commit_callbacks
):
    other = make_user(Role.TECHNICIAN)
    EscalationLevel.objects.filter(level=1).update(reassign_technician=other)
    request = file_request(agent, service_type="repair")
    request_transition(actor=agent, request=request, action="acknowledge", now=FILED + 10 * MIN)
    request_transition(actor=dispatcher, request=request, action="assign", technician=technician, now=FILED + H)
    request_transition(actor=technician, request=request, action="accept", now=FILED + 2 * H)
    request_transition(actor=technician, request=request, action="wait_parts", reason="等压缩机", now=FILED + 3 * H)
    sla_refresh(request.pk, now=FILED + 3 * H)
    sweep(FILED + 25 * H, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert (request.status, request.assigned_technician_id) == ("waiting_parts", technician.pk)
    log = SlaEscalation.objects.get(request=request, kind="arrival", level=1)
    (entry,) = [a for a in log.actions if a["action"] == "reassign"]
    assert entry["done"] is False and "Waiting for parts" in render_value(entry["why"], "en")
    # The assigned technician hears about it (level 1 tells the assignee).
    assert Notification.objects.linked_to(request).filter(recipient=technician, key="sla.escalation").exists()


def test_cancelled_or_met_late_is_not_escalated(agent, supervisor, django_capture_on_commit_callbacks):
    cancelled = file_request(agent, priority="urgent")
    late = file_request(agent, priority="urgent")
    request_transition(actor=agent, request=cancelled, action="cancel", reason="重复", now=FILED + 2 * H)
    request_transition(actor=agent, request=late, action="acknowledge", now=FILED + 2 * H)
    for r in (cancelled, late):
        sla_refresh(r.pk, now=FILED + 2 * H)
        c = clock(r)
        assert c.state == "breached" and c.escalate_at is None
    assert sweep(FILED + 3 * H, django_capture_on_commit_callbacks).escalated == 0
    assert not SlaEscalation.objects.exists()


def test_refresh_schedules_a_breach_it_finds(agent, supervisor, django_capture_on_commit_callbacks):
    request = file_request(agent, priority="urgent")
    sla_refresh(request.pk, now=FILED + 2 * H)  # computed breached by a refresh, not the sweep
    c = clock(request)
    assert (c.state, c.escalation_anchor_at, c.escalate_at) == ("breached", FILED + H, FILED + H)
    assert sweep(FILED + 2 * H, django_capture_on_commit_callbacks).escalated == 1


def test_matrix_per_target_and_inactive_levels(agent, supervisor, boss, django_capture_on_commit_callbacks):
    EscalationLevel.objects.filter(level=2).update(is_active=False)
    own = EscalationLevel.objects.create(kind="first_response", level=1, name="FR only", notify_role=Role.MANAGER)
    request = file_request(agent, priority="urgent")
    sweep(FILED + 5 * H, django_capture_on_commit_callbacks)
    # Only the first-response rows apply: one level, the manager told, no warning level.
    assert levels(request) == [1]
    assert SlaEscalation.objects.get(request=request).level_name == own.name
    assert set(Notification.objects.linked_to(request).values_list("recipient", flat=True)) == {boss.pk}


def test_sweep_command(agent, capsys):
    file_request(agent, priority="urgent")
    call_command("sla_sweep", "--now", (FILED + 2 * H).isoformat())
    out = capsys.readouterr().out
    assert "flipped 1, warned 0, escalated 1" in out
    call_command("sla_sweep", "--now", (FILED + 2 * H).isoformat(), "--json")
    assert '"escalated": 0' in capsys.readouterr().out


def test_due_count_adds_breaches_warnings_and_levels_up_to_a_limit(agent, django_capture_on_commit_callbacks):
    file_request(agent, priority="urgent")  # first response: warning at 48 min, due at 1 h
    file_request(agent, priority="urgent")
    assert sla_due_count(10, now=FILED + 47 * MIN) == 0
    assert sla_due_count(10, now=FILED + 50 * MIN) == 2  # two warnings
    # Two breaches to flip and the two warnings not sent yet (the flip's pass drops them).
    assert sla_due_count(10, now=FILED + 2 * H) == 4
    assert sla_due_count(3, now=FILED + 2 * H) == 3
    sweep(FILED + 2 * H, django_capture_on_commit_callbacks)  # flipped, level 1 done
    assert sla_due_count(10, now=FILED + 2 * H) == 0
    assert sla_due_count(10, now=FILED + 30 * H) == 2  # level 2 due on each


def test_helper_sweeps_only_where_locked_rows_can_be_skipped(agent, settings):
    """SLA_SWEEPERS - 1 helpers on PostgreSQL; none on SQLite, which takes one writer at a time."""
    from django.db import connection

    from aftersales.sla import tasks

    settings.SLA_SWEEPERS = 2
    expected = 1 if connection.features.has_select_for_update_skip_locked else 0
    assert tasks.sla_sweep_helpers() == expected
    settings.SLA_SWEEPERS = 1
    assert tasks.sla_sweep_helpers() == 0


def test_a_warning_moved_later_is_sent_again_then(agent, django_capture_on_commit_callbacks):
    request = file_request(agent, priority="urgent")
    sweep(FILED + 50 * MIN, django_capture_on_commit_callbacks)
    request_update(actor=agent, request=request, priority="normal")  # 24 h now: warning at 19:12 h
    sla_refresh(request.pk, now=FILED + 55 * MIN)
    c = clock(request)
    assert c.warned_at is None and c.warn_at == FILED + 24 * H * 0.8
    assert sweep(FILED + 10 * H, django_capture_on_commit_callbacks).warned == 0
    assert sweep(FILED + 20 * H, django_capture_on_commit_callbacks).warned == 1
    assert levels(request) == [0, 0]


def test_a_stale_work_list_entry_is_dropped(agent, django_capture_on_commit_callbacks):
    request = file_request(agent, priority="urgent")
    # Warned by someone else already, but still listed (e.g. written by an older version).
    SlaClock.objects.filter(request=request).update(warned_at=FILED + 49 * MIN)
    assert sweep(FILED + 50 * MIN, django_capture_on_commit_callbacks).warned == 0
    assert clock(request).warn_at is None


def test_pending_breach_from_before_the_sweep_existed_is_scheduled_by_recompute(agent, supervisor):
    request = file_request(agent, priority="urgent")
    sla_refresh(request.pk, now=FILED + 2 * H)
    SlaClock.objects.filter(request=request).update(escalation_anchor_at=None, escalate_at=None)
    sla_refresh(request.pk, now=FILED + 3 * H)
    assert clock(request).escalate_at == FILED + H
