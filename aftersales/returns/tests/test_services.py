"""The RMA flow through the services (R-RET-1): each step, each refusal, and nothing written on refusal.
The field counters (repairs of a fault, days in repair, waiting for parts) feed the check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.catalog.models import ProductUnit
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.core.states import IllegalTransition
from aftersales.notifications.models import OutboxMessage
from aftersales.returns import services
from aftersales.returns.choices import (
    Exclusion,
    FaultFinding,
    GoodsCondition,
    OldUnitFate,
    Reason,
    Remedy,
    Resolution,
    Rule,
    Stage,
    Status,
)
from aftersales.returns.models import EligibilityCheck, ReturnPolicy, Rma, RmaEvent
from aftersales.returns.selectors import policy_for_unit, refunds_at_risk, rma_list_for
from aftersales.returns.tests.factories import file_rma, make_unit, walk
from aftersales.tickets.choices import ServiceType
from aftersales.tickets.choices import Status as RequestStatus

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def parts_clerk(make_user):
    return make_user(Role.PARTS_CLERK)


# --- filing --------------------------------------------------------------------------------------------


def test_create_files_an_rma_with_its_defaults_and_tells_the_customer(agent):
    unit = make_unit(agent, sold_days_ago=3, online=True)
    rma = file_rma(agent, unit)
    assert rma.number.startswith("RM") and rma.status == Status.REQUESTED
    assert rma.customer_id == unit.owner_id
    assert rma.sale_date == unit.purchase_date and rma.requested_on == TODAY()
    assert rma.distance_sale is True  # bought online
    assert rma.policy == ReturnPolicy.objects.get(product_category=None)  # China's defaults, seeded
    assert [e.kind for e in rma.events.all()] == [RmaEvent.Kind.CREATED]
    assert AuditEvent.objects.filter(action="rma.create", object_id=str(rma.pk)).exists()
    mail = OutboxMessage.objects.get(key="returns.customer_requested")
    assert mail.address == unit.owner.email and mail.channel == "email"
    assert rma.public_token in mail.params["url"] and mail.params["serial"] == unit.serial_number


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PARTS_CLERK, Role.PARTNER, Role.CUSTOMER, Role.DISPATCHER])
def test_only_office_staff_file(make_user, agent, role):
    unit = make_unit(agent)
    with pytest.raises(PermissionDeniedError):
        file_rma(make_user(role), unit)
    assert not Rma.objects.exists()


def test_bad_claims_are_refused_and_nothing_is_written(agent):
    unit = make_unit(agent, sold_days_ago=10)
    cases = [
        ({"reason": "maybe"}, "reason"),
        ({"description": "  "}, "description"),
        ({"requested_on": TODAY() - dt.timedelta(days=11)}, "requested_on"),  # before the sale
        ({"requested_on": TODAY() + dt.timedelta(days=1)}, "requested_on"),
        ({"delivered_on": TODAY() - dt.timedelta(days=20)}, "delivered_on"),
        ({"exclusion": "broken"}, "exclusion"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as err:
            file_rma(agent, unit, **kwargs)
        assert field in err.value.fields, kwargs
    assert not Rma.objects.exists() and not OutboxMessage.objects.exists()


def test_one_open_rma_per_unit(agent):
    unit = make_unit(agent)
    file_rma(agent, unit)
    with pytest.raises(ConflictError):
        file_rma(agent, unit)
    assert Rma.objects.count() == 1


# --- the check on the claim ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sold, rule, remedies",
    [
        (7, Rule.FAULT_7D, [Remedy.RETURN, Remedy.EXCHANGE, Remedy.REPAIR]),
        (8, Rule.FAULT_15D, [Remedy.EXCHANGE, Remedy.REPAIR]),
        (15, Rule.FAULT_15D, [Remedy.EXCHANGE, Remedy.REPAIR]),
        (16, Rule.IN_PERIOD, [Remedy.REPAIR]),
        (400, Rule.OUT_OF_PERIOD, []),
    ],
)
def test_check_keeps_the_rule_its_text_and_the_dates(agent, sold, rule, remedies):
    unit = make_unit(agent, sold_days_ago=sold)
    rma = walk(file_rma(agent, unit), agent, to="checked")
    assert rma.status == Status.CHECKED
    check = rma.eligibility
    assert (check.rule, check.remedies, check.stage, check.provisional) == (rule, remedies, Stage.CLAIM, True)
    assert check.message == f"returns.rule.{rule}"
    assert check.dates["day"] == sold and check.dates["sale_date"] == unit.purchase_date.isoformat()
    assert check.dates["request_date"] == TODAY().isoformat()
    assert check.facts["sale_date"] == unit.purchase_date.isoformat()
    assert check.terms["return_days"] == 7 and check.policy.product_category is None
    assert (f"day {sold} " in check.text) is (rule in (Rule.FAULT_7D, Rule.FAULT_15D))
    event = rma.events.filter(action="check").get()
    assert event.params["rule"]["key"] == check.message


def test_checking_again_keeps_every_check(agent):
    rma = file_rma(agent, make_unit(agent))
    services.rma_check(actor=agent, rma=rma)
    services.rma_check(actor=agent, rma=rma)
    assert EligibilityCheck.objects.filter(rma=rma).count() == 2


def test_parts_clerk_cannot_check_nor_decide(agent, parts_clerk):
    rma = file_rma(agent, make_unit(agent))
    with pytest.raises(PermissionDeniedError):
        services.rma_check(actor=parts_clerk, rma=rma)
    rma = walk(rma, agent, to="inspected")
    with pytest.raises(PermissionDeniedError):
        services.rma_decide(actor=parts_clerk, rma=rma, resolution=Resolution.EXCHANGE)
    assert Rma.objects.get().status == Status.INSPECTED


# --- inspection and decision ----------------------------------------------------------------------------------


def test_inspection_confirms_and_the_check_is_no_longer_provisional(agent, parts_clerk):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=5)), agent, to="checked")
    rma = services.rma_inspect(
        actor=parts_clerk,
        rma=rma,
        fault_finding=FaultFinding.CONFIRMED,
        goods_condition=GoodsCondition.INTACT,
        returned_on=TODAY(),
        notes="压缩机不启动",
    )
    assert rma.status == Status.INSPECTED and rma.inspected_by == parts_clerk and rma.returned_on == TODAY()
    assert rma.eligibility.stage == Stage.INSPECTION and not rma.eligibility.provisional
    assert rma.eligibility.rule == Rule.FAULT_7D


def test_no_fault_found_leaves_only_a_refusal(agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=2)), agent, finding=FaultFinding.NOT_FOUND)
    assert rma.eligibility.rule == Rule.NO_FAULT and rma.eligibility.remedies == []
    with pytest.raises(ValidationFailed):
        services.rma_decide(actor=agent, rma=rma, resolution=Resolution.RETURN)
    with pytest.raises(ValidationFailed):  # a refusal needs a reason
        services.rma_decide(actor=agent, rma=rma, resolution=Resolution.REFUSE)
    assert Rma.objects.get().status == Status.INSPECTED
    rma = services.rma_decide(actor=agent, rma=rma, resolution=Resolution.REFUSE, reason="检测无故障")
    assert (rma.status, rma.decision_rule, rma.decision_reason) == (Status.REFUSED, Rule.NO_FAULT, "检测无故障")
    assert rma.closed_at is not None


def test_a_remedy_the_rule_does_not_allow_is_refused(agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=10)), agent)  # day 10: exchange or repair
    with pytest.raises(ValidationFailed) as err:
        services.rma_decide(actor=agent, rma=rma, resolution=Resolution.RETURN)
    assert "resolution" in err.value.fields
    assert Rma.objects.get().resolution == ""


def test_decision_stores_the_rule_its_text_and_the_dates_used(agent):
    unit = make_unit(agent, sold_days_ago=10)
    rma = walk(file_rma(agent, unit), agent, to="decided", resolution=Resolution.EXCHANGE)
    assert rma.status == Status.AWAITING_EXCHANGE
    assert rma.decision_rule == Rule.FAULT_15D and rma.decision_message == "returns.rule.fault_15d"
    assert rma.decision_params == {
        "sale": unit.purchase_date.isoformat(),
        "day": 10,
        "limit": 15,
        "until": rma.decision_dates["exchange_until"],
    }
    assert rma.decision_dates["day"] == 10 and rma.decision_dates["sale_date"] == unit.purchase_date.isoformat()
    assert "day 10" in rma.decision_text
    assert rma.decided_by == agent
    assert OutboxMessage.objects.filter(key="returns.customer_decided", params__resolution="exchange").exists()


def test_decisions_only_after_the_inspection(agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=3)), agent, to="checked")
    with pytest.raises(IllegalTransition):
        services.rma_decide(actor=agent, rma=rma, resolution=Resolution.RETURN)
    # ... but a clear case may be refused without one.
    rma = services.rma_decide(actor=agent, rma=rma, resolution=Resolution.REFUSE, reason="客户撤回")
    assert rma.status == Status.REFUSED


# --- exchange: the new unit's warranty starts afresh ---------------------------------------------------------------


def test_exchange_registers_the_new_unit_with_a_fresh_warranty(agent):
    unit = make_unit(agent, sold_days_ago=10)
    rma = walk(file_rma(agent, unit), agent, to="decided", resolution=Resolution.EXCHANGE)
    today = TODAY()
    rma = services.rma_exchange(
        actor=agent, rma=rma, serial_number="rt-new-001", old_unit_fate=OldUnitFate.MANUFACTURER
    )
    new = rma.new_unit
    assert rma.status == Status.EXCHANGED and rma.exchanged_on == today
    assert (new.serial_number, new.owner_id, new.product_id) == ("RT-NEW-001", unit.owner_id, unit.product_id)
    assert new.exchanged_from_id == unit.pk and new.warranty_start == today
    from aftersales.catalog.warranty import add_months

    assert new.warranty_end == add_months(today, 12) - dt.timedelta(days=1)
    assert new.purchase_date == unit.purchase_date  # the sale stays the sale
    assert rma.old_unit_fate == OldUnitFate.MANUFACTURER
    mail = OutboxMessage.objects.get(key="returns.customer_exchanged")
    assert mail.params["serial"] == "RT-NEW-001" and mail.params["end"] == new.warranty_end.isoformat()
    assert AuditEvent.objects.filter(action="unit.exchange", object_id=str(new.pk)).exists()


def test_exchanged_unit_restarts_its_三包_dates(agent):
    """A unit exchanged 20 days after the sale fails 5 days later: day 5 of its own, so it may be returned."""
    unit = make_unit(agent, sold_days_ago=25)
    rma = walk(
        file_rma(agent, unit, requested_on=TODAY() - dt.timedelta(days=5)),
        agent,
        to="decided",
        resolution=Resolution.REPAIR,
    )
    assert rma.eligibility.rule == Rule.IN_PERIOD  # day 20 of the old unit: repair only
    from aftersales.catalog.services import unit_exchange

    new = unit_exchange(actor=agent, unit=unit, serial_number="RT-X-1", exchanged_on=TODAY() - dt.timedelta(days=5))
    again = walk(file_rma(agent, new), agent, to="checked")
    assert again.sale_date == TODAY() - dt.timedelta(days=5)
    assert again.eligibility.rule == Rule.FAULT_7D and Remedy.RETURN in again.eligibility.remedies
    assert again.eligibility.dates["exchanged"] is True and again.eligibility.dates["day"] == 5


def test_exchange_refuses_a_serial_already_registered(agent):
    unit = make_unit(agent, sold_days_ago=10)
    other = make_unit(agent)
    rma = walk(file_rma(agent, unit), agent, to="decided", resolution=Resolution.EXCHANGE)
    with pytest.raises(ConflictError):
        services.rma_exchange(actor=agent, rma=rma, serial_number=other.serial_number, old_unit_fate=OldUnitFate.SCRAP)
    assert Rma.objects.get(pk=rma.pk).status == Status.AWAITING_EXCHANGE
    assert ProductUnit.objects.count() == 2


def test_parts_clerk_hands_over_the_new_unit(agent, parts_clerk):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=10)), agent, to="decided", resolution=Resolution.EXCHANGE)
    rma = services.rma_exchange(
        actor=parts_clerk, rma=rma, serial_number="RT-PC-1", old_unit_fate=OldUnitFate.REFURBISH
    )
    assert rma.status == Status.EXCHANGED


# --- return: the refund is due 7 days after the unit is received ----------------------------------------------------


def test_refund_due_seven_days_after_receipt_and_refund_recorded(agent, parts_clerk):
    unit = make_unit(agent, sold_days_ago=3)
    rma = walk(
        file_rma(agent, unit, requested_on=TODAY() - dt.timedelta(days=2)),
        agent,
        to="decided",
        resolution=Resolution.RETURN,
    )
    assert rma.status == Status.AWAITING_REFUND and rma.refund_due is None  # not back yet
    with pytest.raises(ConflictError):
        services.rma_refund(actor=agent, rma=rma, amount="3999.00", method="original", old_unit_fate="refurbish")
    received = TODAY() - dt.timedelta(days=1)
    rma = services.rma_receive(actor=parts_clerk, rma=rma, returned_on=received)
    assert rma.refund_due == received + dt.timedelta(days=7)
    rma = services.rma_refund(
        actor=agent, rma=rma, amount="3999.00", method="wechat", reference="WX42", old_unit_fate=OldUnitFate.REFURBISH
    )
    assert (rma.status, rma.refund_amount, rma.refunded_on) == (Status.REFUNDED, Decimal("3999.00"), TODAY())
    assert OutboxMessage.objects.filter(key="returns.customer_refunded").exists()


def test_refund_received_at_inspection_falls_due_at_the_decision(agent):
    unit = make_unit(agent, sold_days_ago=2)
    rma = walk(file_rma(agent, unit, requested_on=TODAY() - dt.timedelta(days=2)), agent, to="checked")
    services.rma_inspect(
        actor=agent,
        rma=rma,
        fault_finding="confirmed",
        goods_condition="intact",
        returned_on=TODAY() - dt.timedelta(days=2),
    )
    rma = services.rma_decide(actor=agent, rma=Rma.objects.get(pk=rma.pk), resolution=Resolution.RETURN)
    assert rma.refund_due == TODAY() + dt.timedelta(days=5)


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "99999999999"])
def test_bad_refund_amounts_are_refused(agent, amount):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=3)), agent, to="decided", resolution=Resolution.RETURN)
    services.rma_receive(actor=agent, rma=rma)
    with pytest.raises(ValidationFailed):
        services.rma_refund(actor=agent, rma=rma, amount=amount, method="cash", old_unit_fate="scrap")
    assert Rma.objects.get(pk=rma.pk).status == Status.AWAITING_REFUND


def test_refunds_at_risk_and_overdue(agent):
    rows = []
    for back in (1, 6, 9):  # due in 6 days, due tomorrow, overdue by 2 days
        unit = make_unit(agent, sold_days_ago=12)
        rma = walk(file_rma(agent, unit, requested_on=TODAY() - dt.timedelta(days=10)), agent, to="checked")
        rma = services.rma_inspect(
            actor=agent,
            rma=rma,
            fault_finding="confirmed",
            goods_condition="intact",
            returned_on=TODAY() - dt.timedelta(days=back),
        )
        rows.append(rma)
    # Day 2 of the claim: return, exchange or repair.
    for rma in rows:
        services.rma_inspect(actor=agent, rma=rma, fault_finding="confirmed", goods_condition="intact")
        services.rma_decide(actor=agent, rma=Rma.objects.get(pk=rma.pk), resolution=Resolution.RETURN)
    risky = refunds_at_risk(agent)
    assert [(r.pk, r.refund_state) for r in risky] == [(rows[2].pk, "overdue"), (rows[1].pk, "at_risk")]


def test_refund_reminders_once_when_at_risk_and_once_when_overdue(agent, manager):
    """Due on day 7 after receipt; at risk from 2 days before (day 5), overdue from day 8."""
    unit = make_unit(agent, sold_days_ago=3)
    rma = walk(
        file_rma(agent, unit, requested_on=TODAY() - dt.timedelta(days=2)),
        agent,
        to="decided",
        resolution=Resolution.RETURN,
    )
    rma = services.rma_receive(actor=agent, rma=rma, returned_on=TODAY())
    due = rma.refund_due
    assert due == TODAY() + dt.timedelta(days=7)

    def run(day):
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        return services.refund_reminders_send(now=moment)

    def told(key):
        return sorted(OutboxMessage.objects.filter(key=key).values_list("recipient__username", flat=True))

    assert run(due - dt.timedelta(days=3)) == 0  # day 4: on time
    assert told("returns.refund_at_risk") == []
    assert run(due - dt.timedelta(days=2)) == 1  # day 5: at risk, the filing agent is told
    assert told("returns.refund_at_risk") == [agent.username]
    assert run(due - dt.timedelta(days=1)) == 0 and run(due) == 0  # told once
    assert told("returns.refund_overdue") == []
    assert run(due + dt.timedelta(days=1)) == 1  # day 8: overdue, the agent and the managers
    assert told("returns.refund_overdue") == sorted([agent.username, manager.username])
    assert run(due + dt.timedelta(days=5)) == 0
    assert Rma.objects.get(pk=rma.pk).refund_reminded == "overdue"
    assert AuditEvent.objects.filter(action="rma.refund_reminder", object_id=str(rma.pk)).count() == 2


def test_a_paid_refund_is_not_reminded(agent):
    unit = make_unit(agent, sold_days_ago=3)
    rma = walk(
        file_rma(agent, unit, requested_on=TODAY() - dt.timedelta(days=2)),
        agent,
        to="decided",
        resolution=Resolution.RETURN,
    )
    rma = services.rma_receive(actor=agent, rma=rma, returned_on=TODAY() - dt.timedelta(days=1))
    services.rma_refund(actor=agent, rma=rma, amount="10.00", method="cash", old_unit_fate="scrap")
    assert services.refund_reminders_send() == 0


# --- repair ---------------------------------------------------------------------------------------------------------


def test_repair_decision_opens_a_repair_request_and_notes_the_origin(agent):
    from aftersales.tickets.services import request_create

    unit = make_unit(agent, sold_days_ago=40)
    origin = request_create(
        actor=agent,
        customer=unit.owner,
        channel="phone",
        service_type=ServiceType.RETURN_EXCHANGE,
        description="要求换货",
        unit=unit,
    )
    rma = walk(file_rma(agent, unit, request=origin), agent, to="decided", resolution=Resolution.REPAIR)
    assert rma.status == Status.REPAIR
    repair = rma.repair_request
    assert (
        repair.service_type == ServiceType.REPAIR
        and repair.unit == unit
        and repair.status == RequestStatus.ACKNOWLEDGED
    )
    assert rma.number in repair.description
    notes = [e.params for e in origin.events.filter(message="returns.request_note")]
    assert [n["status"] for n in notes] == ["requested", "checked", "inspected", "repair"]


# --- distance sales: the 7-day no-reason return -----------------------------------------------------------------------


def test_no_reason_return_of_a_distance_sale(agent):
    unit = make_unit(agent, sold_days_ago=9, online=True)
    delivered = TODAY() - dt.timedelta(days=6)
    rma = walk(
        file_rma(agent, unit, reason=Reason.NO_REASON, description="不想要了", delivered_on=delivered),
        agent,
        to="checked",
    )
    assert (rma.eligibility.rule, rma.eligibility.remedies, rma.eligibility.provisional) == (
        Rule.NO_REASON_7D,
        ["return"],
        True,
    )
    rma = services.rma_inspect(actor=agent, rma=rma, fault_finding="not_found", goods_condition="intact")
    assert rma.eligibility.rule == Rule.NO_REASON_7D and not rma.eligibility.provisional
    # Used and scratched: the inspection takes the return away.
    rma = services.rma_inspect(actor=agent, rma=rma, fault_finding="not_found", goods_condition="not_intact")
    assert (rma.eligibility.rule, rma.eligibility.message) == (
        Rule.NO_REASON_REFUSED,
        "returns.rule.no_reason_refused.not_intact",
    )


def test_custom_made_goods_are_excluded(agent):
    unit = make_unit(agent, sold_days_ago=3, online=True)
    rma = walk(
        file_rma(agent, unit, reason=Reason.NO_REASON, description="尺寸不合适", exclusion=Exclusion.CUSTOM_MADE),
        agent,
        to="checked",
    )
    assert rma.eligibility.message == "returns.rule.no_reason_refused.excluded" and rma.eligibility.remedies == []
    assert "Custom-made" in rma.eligibility.text


def test_a_category_policy_without_no_reason_return(agent, manager):
    from aftersales.catalog.services import category_create

    furniture = category_create(actor=manager, code="RET-SOFA", name="定制沙发")
    services.policy_create(actor=manager, name="定制家具", product_category=furniture, no_reason_return=False)
    unit = make_unit(agent, sold_days_ago=2, online=True, category=furniture)
    assert policy_for_unit(unit).name == "定制家具"
    rma = walk(file_rma(agent, unit, reason=Reason.NO_REASON, description="不要了"), agent, to="checked")
    assert rma.eligibility.message == "returns.rule.no_reason_refused.policy"
    assert rma.eligibility.policy.name == "定制家具"


# --- the field counters feed the check ----------------------------------------------------------------------------------


def _in_warranty_unit(office, days: int):
    return make_unit(office, sold_days_ago=days)


def test_third_failure_of_a_fault_repaired_twice_gives_exchange_or_return(manager, technician):
    from aftersales.field.tests.factories import field_job, visit_complete

    unit = _in_warranty_unit(manager, 120)
    first = field_job(technician, manager, unit=unit)
    visit_complete(first)
    once = walk(file_rma(manager, unit, fault=first.cause.fault), manager, to="checked")
    assert (
        once.eligibility.rule == Rule.IN_PERIOD and once.eligibility.dates["repairs_same_fault"] == 1
    )  # second failure
    services.rma_cancel(actor=manager, rma=once, reason="先维修")
    visit_complete(field_job(technician, manager, unit=unit, cause=first.cause, part=first.part))
    rma = walk(file_rma(manager, unit, fault=first.cause.fault), manager, to="checked")
    check = rma.eligibility
    assert check.rule == Rule.REPEAT_FAULT and check.dates["repairs_same_fault"] == 2
    assert {"return", "exchange"} <= set(check.remedies)


def test_days_in_repair_from_field_give_exchange(manager, technician):
    from aftersales.field.tests.factories import field_job, visit_complete

    unit = _in_warranty_unit(manager, 200)
    job = field_job(technician, manager, unit=unit, created_at=timezone.now() - dt.timedelta(days=40))
    visit_complete(job)
    rma = walk(file_rma(manager, unit), manager, to="checked")
    assert rma.eligibility.rule == Rule.REPAIR_TIME
    assert rma.eligibility.dates["days_in_repair"] == 40 and rma.eligibility.dates["extension_days"] == 40


def test_days_waiting_for_parts_from_field_give_exchange(manager, technician):
    from aftersales.field import services as field
    from aftersales.field.choices import Outcome, SecondVisitReason
    from aftersales.field.tests.factories import field_job

    unit = _in_warranty_unit(manager, 300)
    filed = timezone.now() - dt.timedelta(days=95)
    job = field_job(technician, manager, unit=unit, created_at=filed)
    t = job.technician
    visit = field.visit_check_in(actor=t, request=job.request, now=filed + dt.timedelta(hours=2))
    field.visit_diagnose(
        actor=t,
        visit=visit,
        cause=job.cause,
        inspection_result="缺压缩机",
        solution="等件",
        now=filed + dt.timedelta(hours=3),
    )
    field.visit_check_out(
        actor=t,
        visit=visit,
        outcome=Outcome.SECOND_VISIT,
        second_visit_reason=SecondVisitReason.WAITING_PARTS,
        reason="缺件",
        now=filed + dt.timedelta(days=1),
    )
    rma = walk(file_rma(manager, unit), manager, to="checked")
    dates = rma.eligibility.dates
    assert dates["days_waiting_parts"] == 94 and dates["days_in_repair"] == 95
    assert rma.eligibility.rule == Rule.PARTS_WAIT and rma.eligibility.remedies == ["exchange", "repair"]


# --- the customer's choice --------------------------------------------------------------------------------------------


def test_customer_chooses_through_his_link_and_the_agent_is_told(agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=3)), agent, to="checked")
    rma = services.rma_customer_choose(rma=rma, remedy=Remedy.EXCHANGE)
    assert rma.customer_choice == Remedy.EXCHANGE
    assert rma.events.filter(kind=RmaEvent.Kind.CHOSEN, actor=None).exists()
    assert OutboxMessage.objects.filter(key="returns.customer_chose", recipient=agent, channel="in_app").exists()
    with pytest.raises(ValidationFailed):
        services.rma_customer_choose(rma=rma, remedy="cash")


def test_a_choice_no_longer_offered_is_cleared_by_the_next_check(agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=3)), agent, to="checked")
    services.rma_customer_choose(rma=rma, remedy=Remedy.RETURN)
    rma = services.rma_inspect(actor=agent, rma=rma, fault_finding="not_found", goods_condition="intact")
    assert rma.customer_choice == ""


def test_no_choice_before_the_check_or_after_the_decision(agent):
    rma = file_rma(agent, make_unit(agent, sold_days_ago=3))
    with pytest.raises(IllegalTransition):
        services.rma_customer_choose(rma=rma, remedy=Remedy.RETURN)
    rma = walk(rma, agent, to="decided", resolution=Resolution.REPAIR)
    with pytest.raises(IllegalTransition):
        services.rma_customer_choose(rma=rma, remedy=Remedy.RETURN)


# --- partners and cancelling ----------------------------------------------------------------------------------------------


def test_partner_sees_and_inspects_only_its_own(agent, make_user, partner_org, partner_user):
    own = file_rma(agent, make_unit(agent), organization=partner_org)
    other = file_rma(agent, make_unit(agent))
    assert list(rma_list_for(partner_user)) == [own]
    services.rma_check(actor=agent, rma=own)
    services.rma_check(actor=agent, rma=other)
    services.rma_inspect(actor=partner_user, rma=own, fault_finding="confirmed", goods_condition="intact")
    with pytest.raises(NotFoundError):
        services.rma_inspect(actor=partner_user, rma=other, fault_finding="confirmed", goods_condition="intact")
    with pytest.raises(PermissionDeniedError):
        services.rma_decide(actor=partner_user, rma=own, resolution=Resolution.REPAIR)


def test_cancel_needs_a_reason(agent):
    rma = file_rma(agent, make_unit(agent))
    with pytest.raises(ValidationFailed):
        services.rma_cancel(actor=agent, rma=rma, reason=" ")
    rma = services.rma_cancel(actor=agent, rma=rma, reason="客户撤回")
    assert rma.status == Status.CANCELLED
    with pytest.raises(IllegalTransition):
        services.rma_check(actor=agent, rma=rma)


# --- policies ---------------------------------------------------------------------------------------------------------------


def test_policy_update_is_audited_and_checked(manager, agent):
    policy = ReturnPolicy.objects.get(product_category=None)
    with pytest.raises(PermissionDeniedError):
        services.policy_update(actor=agent, policy=policy, return_days=10)
    with pytest.raises(ValidationFailed):
        services.policy_update(actor=manager, policy=policy, return_days=20)  # beyond the exchange window
    with pytest.raises(ValidationFailed):
        services.policy_update(actor=manager, policy=policy, repair_days=-1)
    services.policy_update(actor=manager, policy=policy, repair_days=20)
    assert ReturnPolicy.objects.get(pk=policy.pk).repair_days == 20
    assert AuditEvent.objects.filter(action="return_policy.update").count() == 1


def test_a_category_has_one_policy(manager):
    from aftersales.catalog.services import category_create

    cat = category_create(actor=manager, code="RET-TV", name="电视")
    services.policy_create(actor=manager, name="电视", product_category=cat)
    with pytest.raises(ConflictError):
        services.policy_create(actor=manager, name="电视 2", product_category=cat)
