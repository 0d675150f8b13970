"""Every move type through the services, with the ledger invariant checked after each."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from aftersales.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.parts.choices import (
    AlertKind,
    CountStatus,
    DefectiveStatus,
    MoveType,
    ReservationStatus,
    Store,
    Tracking,
    TransferAction,
    TransferStatus,
    VanIssueStatus,
    WarehouseKind,
)
from aftersales.parts.models import StockAlert, StockLevel, StockMove
from aftersales.parts.selectors import (
    job_parts_cost,
    ledger_drift,
    low_stock_for,
    part_availability,
    replenishment_suggestions,
    stock_value_by_warehouse,
    trace_for,
)
from aftersales.parts.services import (
    IllegalTransition,
    InsufficientStock,
    adjustment_create,
    count_add_line,
    count_approve,
    count_create,
    count_enter,
    defective_return_receive,
    defective_return_remind,
    defective_return_waive,
    part_consume,
    part_reserve,
    part_return_unused,
    reorder_rule_set,
    reservation_release,
    transfer_create,
    transfer_transition,
    van_issue_decide,
    van_issue_request,
)
from aftersales.parts.signals import parts_event
from aftersales.tickets.choices import Status

from .factories import job_for, make_part, make_van, make_warehouse, stock

pytestmark = pytest.mark.django_db


def level(part, wh, store=Store.GOOD, lot=""):
    lv = StockLevel.objects.filter(part=part, warehouse=wh, store=store, lot=lot).first()
    return (lv.on_hand, lv.reserved) if lv else (0, 0)


@pytest.fixture(autouse=True)
def _no_drift():
    yield
    assert ledger_drift() == []


def test_receipt_updates_levels_and_moving_average(clerk):
    part = make_part(clerk, cost="10.00")
    wh = make_warehouse(clerk)
    stock(clerk, wh, part, 10, unit_cost=Decimal("10.00"))
    stock(clerk, wh, part, 10, unit_cost=Decimal("20.00"))
    part.refresh_from_db()
    assert part.avg_cost == Decimal("15.0000")
    assert level(part, wh) == (20, 0)
    assert StockMove.objects.filter(move_type=MoveType.RECEIPT).count() == 2
    [row] = stock_value_by_warehouse(clerk)
    assert row["value"] == Decimal("300.00")
    assert AuditEvent.objects.filter(action="receipt.create").count() == 2


def test_receipt_refused_for_technician_and_bad_lines(clerk, technician):
    part = make_part(clerk)
    wh = make_warehouse(clerk)
    with pytest.raises(PermissionDeniedError):
        stock(technician, wh, part, 1)
    with pytest.raises(ValidationFailed):
        stock(clerk, wh, part, 0)
    serial = make_part(clerk, tracking=Tracking.SERIAL)
    with pytest.raises(ValidationFailed):
        stock(clerk, wh, serial, 2, lot="SN1")
    with pytest.raises(ValidationFailed):
        stock(clerk, wh, serial, 1)
    assert StockMove.objects.count() == 0


def test_transfer_lifecycle(clerk, partner_user, make_user):
    part = make_part(clerk)
    central = make_warehouse(clerk)
    outlet = make_warehouse(clerk, kind=WarehouseKind.OUTLET, organization=partner_user.organization)
    stock(clerk, central, part, 5)
    t = transfer_create(actor=clerk, source=central, destination=outlet, lines=[{"part": part, "quantity": 3}])
    with pytest.raises(IllegalTransition):
        transfer_transition(actor=clerk, transfer=t, action=TransferAction.SHIP)
    with pytest.raises(PermissionDeniedError):
        transfer_transition(actor=partner_user, transfer=t, action=TransferAction.APPROVE)
    t = transfer_transition(actor=clerk, transfer=t, action=TransferAction.APPROVE)
    t = transfer_transition(actor=clerk, transfer=t, action=TransferAction.SHIP)
    assert level(part, central) == (2, 0) and level(part, outlet) == (0, 0)
    t = transfer_transition(actor=clerk, transfer=t, action=TransferAction.DISPATCH)
    assert t.status == TransferStatus.IN_TRANSIT
    t = transfer_transition(actor=partner_user, transfer=t, action=TransferAction.RECEIVE)
    assert t.status == TransferStatus.RECEIVED
    assert level(part, outlet) == (3, 0)
    with pytest.raises(ValidationFailed):
        transfer_transition(actor=clerk, transfer=t, action=TransferAction.CANCEL)


def test_transfer_ship_without_stock_writes_nothing(clerk):
    part = make_part(clerk)
    a, b = make_warehouse(clerk), make_warehouse(clerk)
    stock(clerk, a, part, 1)
    t = transfer_create(actor=clerk, source=a, destination=b, lines=[{"part": part, "quantity": 2}])
    transfer_transition(actor=clerk, transfer=t, action=TransferAction.APPROVE)
    with pytest.raises(InsufficientStock) as exc:
        transfer_transition(actor=clerk, transfer=t, action=TransferAction.SHIP)
    assert exc.value.code == "insufficient_stock"
    t.refresh_from_db()
    assert t.status == TransferStatus.APPROVED and level(part, a) == (1, 0)


def test_reject_and_cancel_need_reason(clerk):
    part = make_part(clerk)
    a, b = make_warehouse(clerk), make_warehouse(clerk)
    t = transfer_create(actor=clerk, source=a, destination=b, lines=[{"part": part, "quantity": 1}])
    with pytest.raises(ValidationFailed):
        transfer_transition(actor=clerk, transfer=t, action=TransferAction.REJECT)
    t = transfer_transition(actor=clerk, transfer=t, action=TransferAction.REJECT, reason="no budget")
    assert t.status == TransferStatus.REJECTED


def test_van_issue_request_and_approve(clerk, technician, make_user):
    from aftersales.accounts.choices import Role

    other = make_user(Role.TECHNICIAN)
    part = make_part(clerk)
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    stock(clerk, central, part, 4)
    with pytest.raises(PermissionDeniedError):
        van_issue_request(actor=other, van=van, source=central, lines=[{"part": part, "quantity": 1}])
    issue = van_issue_request(actor=technician, van=van, source=central, lines=[{"part": part, "quantity": 3}])
    with pytest.raises(PermissionDeniedError):
        van_issue_decide(actor=technician, issue=issue, approve=True)
    issue = van_issue_decide(actor=clerk, issue=issue, approve=True)
    assert issue.status == VanIssueStatus.APPROVED
    assert level(part, central) == (1, 0) and level(part, van) == (3, 0)
    with pytest.raises(IllegalTransition):
        van_issue_decide(actor=clerk, issue=issue, approve=False, reason="x")


def test_reserve_consume_release_and_return(clerk, technician, manager):
    part = make_part(clerk, cost="50.00")
    van = make_van(clerk, technician)
    stock(clerk, van, part, 3)
    job = job_for(technician, manager)
    res = part_reserve(actor=technician, request=job, part=part, quantity=2)
    assert level(part, van) == (3, 2)
    with pytest.raises(InsufficientStock):  # only 1 unreserved
        part_consume(actor=technician, request=job, part=part, quantity=2)
    c = part_consume(actor=technician, request=job, part=part, quantity=1, reservation=res)
    res.refresh_from_db()
    assert res.status == ReservationStatus.CONSUMED
    assert level(part, van) == (2, 0)  # 1 consumed, the other reserved unit released
    assert c.unit_cost == Decimal("50.0000") and c.unit == job.unit
    res2 = part_reserve(actor=technician, request=job, part=part, quantity=1)
    reservation_release(actor=technician, reservation=res2)
    assert level(part, van) == (2, 0)
    c2 = part_consume(actor=technician, request=job, part=part, quantity=2)
    assert level(part, van) == (0, 0)
    part_return_unused(actor=technician, consumption=c2, quantity=1)
    assert level(part, van) == (1, 0)
    with pytest.raises(ValidationFailed):
        part_return_unused(actor=technician, consumption=c2, quantity=2)
    assert job_parts_cost(job)["total"] == Decimal("100.00")
    types = set(StockMove.objects.values_list("move_type", flat=True))
    assert {MoveType.RESERVE, MoveType.UNRESERVE, MoveType.CONSUME, MoveType.RETURN_UNUSED} <= types


def test_consume_scoping(clerk, technician, manager, make_user, partner_user):
    from aftersales.accounts.choices import Role

    part = make_part(clerk)
    central = make_warehouse(clerk)
    stock(clerk, central, part, 3)
    job = job_for(technician, manager)
    other = make_user(Role.TECHNICIAN)
    make_van(clerk, other)
    with pytest.raises(NotFoundError):
        part_consume(actor=other, request=job, part=part, quantity=1)
    with pytest.raises(PermissionDeniedError):  # a technician takes only from his van
        part_consume(actor=technician, request=job, part=part, quantity=1, warehouse=central)
    with pytest.raises(NotFoundError):
        part_consume(actor=partner_user, request=job, part=part, quantity=1, warehouse=central)
    part_consume(actor=clerk, request=job, part=part, quantity=1, warehouse=central)
    cancelled = job_for(technician, manager, Status.CANCELLED)
    with pytest.raises(IllegalTransition):
        part_consume(actor=clerk, request=cancelled, part=part, quantity=1, warehouse=central)


def test_defective_return_cycle_and_reminders(clerk, technician, manager):
    part = make_part(clerk, tracking=Tracking.SERIAL, return_required=True)
    van = make_van(clerk, technician)
    central = make_warehouse(clerk)
    stock(clerk, van, part, 1, lot="CMP-0001")
    job = job_for(technician, manager)
    c = part_consume(actor=technician, request=job, part=part, quantity=1, lot="CMP-0001", old_serial="OLD-777")
    ret = c.defective_return
    assert ret.status == DefectiveStatus.PENDING and ret.technician == technician
    sent = []
    parts_event.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="t_remind")
    try:
        later = ret.due_date + datetime.timedelta(days=2)
        from django.utils import timezone

        now = timezone.make_aware(datetime.datetime.combine(later, datetime.time(10)))
        assert defective_return_remind(now=now) == [ret.pk]
        assert defective_return_remind(now=now) == []  # once a day
    finally:
        parts_event.disconnect(dispatch_uid="t_remind")
    ret = defective_return_receive(actor=clerk, defective_return=ret, warehouse=central)
    assert ret.status == DefectiveStatus.RECEIVED
    assert level(part, central, Store.DEFECTIVE, "OLD-777") == (1, 0)
    with pytest.raises(IllegalTransition):
        defective_return_waive(actor=clerk, defective_return=ret, reason="lost")
    tr = trace_for(clerk, "CMP-0001")
    assert tr.receipts and tr.jobs[0].request == job and tr.returns[0].old_serial == "OLD-777"
    assert trace_for(clerk, "OLD-777").returns


def test_reminders_sent_on_commit(clerk, technician, manager, django_capture_on_commit_callbacks):
    part = make_part(clerk, return_required=True)
    van = make_van(clerk, technician)
    stock(clerk, van, part, 1)
    job = job_for(technician, manager)
    c = part_consume(actor=technician, request=job, part=part, quantity=1)
    sent = []
    parts_event.connect(lambda **kw: sent.append(kw["kind"]), weak=False, dispatch_uid="t_commit")
    try:
        from django.utils import timezone

        now = timezone.now() + datetime.timedelta(days=10)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            defective_return_remind(now=now)
        assert sent == [] and len(callbacks) == 1
        callbacks[0]()
        assert sent == [AlertKind.DEFECTIVE_OVERDUE]
    finally:
        parts_event.disconnect(dispatch_uid="t_commit")
    assert c.defective_return.pk


def test_adjustment(clerk):
    part = make_part(clerk)
    wh = make_warehouse(clerk)
    stock(clerk, wh, part, 2)
    with pytest.raises(ValidationFailed):
        adjustment_create(actor=clerk, warehouse=wh, part=part, quantity=-1, reason=" ")
    adjustment_create(actor=clerk, warehouse=wh, part=part, quantity=-1, reason="damaged in storage")
    assert level(part, wh) == (1, 0)
    with pytest.raises(InsufficientStock):
        adjustment_create(actor=clerk, warehouse=wh, part=part, quantity=-5, reason="x")


def test_stock_count_sheet_variances_approve(clerk):
    a, b = make_part(clerk), make_part(clerk)
    wh = make_warehouse(clerk)
    stock(clerk, wh, a, 5)
    count = count_create(actor=clerk, warehouse=wh)
    lines = list(count.lines.all())
    assert [(ln.part_id, ln.expected) for ln in lines] == [(a.pk, 5)]
    extra = count_add_line(actor=clerk, count=count, part=b)
    with pytest.raises(IllegalTransition):
        count_approve(actor=clerk, count=count)
    count = count_enter(actor=clerk, count=count, counted={lines[0].pk: 4})
    assert count.status == CountStatus.OPEN
    with pytest.raises(ValidationFailed):
        count_enter(actor=clerk, count=count, counted={extra.pk: -1})
    count = count_enter(actor=clerk, count=count, counted={extra.pk: 2})
    assert count.status == CountStatus.COUNTED
    count_approve(actor=clerk, count=count)
    assert level(a, wh) == (4, 0) and level(b, wh) == (2, 0)
    assert StockMove.objects.filter(move_type=MoveType.COUNT).count() == 2


def test_low_stock_alert_on_commit_and_suggestions(clerk, technician, manager, django_capture_on_commit_callbacks):
    part = make_part(clerk)
    van = make_van(clerk, technician)
    stock(clerk, van, part, 5)
    reorder_rule_set(actor=clerk, part=part, warehouse=van, reorder_point=2, reorder_quantity=4, lead_time_days=7)
    job = job_for(technician, manager)
    sent = []
    parts_event.connect(lambda **kw: sent.append(kw["kind"]), weak=False, dispatch_uid="t_low")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            part_consume(actor=technician, request=job, part=part, quantity=2)
        assert sent == []
        with django_capture_on_commit_callbacks(execute=True):
            part_consume(actor=technician, request=job, part=part, quantity=1)
        assert sent == [AlertKind.LOW_STOCK]
        with django_capture_on_commit_callbacks(execute=True):
            part_consume(actor=technician, request=job, part=part, quantity=1)
        assert sent == [AlertKind.LOW_STOCK]  # one open alert, not one per move
    finally:
        parts_event.disconnect(dispatch_uid="t_low")
    assert StockAlert.objects.filter(resolved_at__isnull=True).count() == 1
    [s] = replenishment_suggestions(clerk)
    assert s.available == 1 and s.avg_weekly == pytest.approx(4 / 8)
    assert s.method.startswith(f"Reorder point {s.suggested_reorder_point} = average daily use 0.07 × lead time 7 days")
    [low] = low_stock_for(clerk)  # the one list, with the alert's row
    assert (low.available, low.order_quantity) == (1, 4 + 2 - 1)
    stock(clerk, van, part, 10)
    assert StockAlert.objects.filter(resolved_at__isnull=True).count() == 0


def test_part_availability(clerk, technician, manager):
    part = make_part(clerk)
    van = make_van(clerk, technician)
    central = make_warehouse(clerk)
    stock(clerk, van, part, 2)
    stock(clerk, central, part, 7)
    job = job_for(technician, manager)
    part_reserve(actor=technician, request=job, part=part, quantity=2)
    result = part_availability([part.pk])
    assert [(c.code, c.available) for c in result[part.pk]] == [(central.code, 7)]
    stock(clerk, van, part, 1)
    carriers = part_availability([part.pk])[part.pk]
    assert carriers[-1].technician_id == technician.pk and carriers[-1].available == 1


def test_parts_check_detects_injected_drift(clerk, capsys):
    part = make_part(clerk)
    wh = make_warehouse(clerk)
    stock(clerk, wh, part, 3)
    call_command("parts_check")
    assert "OK" in capsys.readouterr().out
    with connection.cursor() as cur:
        cur.execute("UPDATE parts_stocklevel SET on_hand = on_hand + 1")
    with pytest.raises(CommandError):
        call_command("parts_check")
    assert "DRIFT" in capsys.readouterr().out
    with connection.cursor() as cur:
        cur.execute("UPDATE parts_stocklevel SET on_hand = on_hand - 1")
