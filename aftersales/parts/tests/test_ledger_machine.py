"""A hypothesis state machine over receive / transfer / reserve / consume / return /
adjust / count and reorder rules set or removed: the levels always equal the ledger and never
go negative, the services refuse exactly what a simple model says is not there, and the open
low-stock alerts are exactly the low-stock list (one rule, one list)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from aftersales.accounts.choices import Role
from aftersales.accounts.tests.factories import OrganizationFactory, UserFactory
from aftersales.parts.choices import ReservationStatus, TransferAction
from aftersales.parts.models import ReorderRule, StockLevel
from aftersales.parts.selectors import ledger_drift, low_stock_alert_drift, low_stock_for
from aftersales.parts.services import (
    InsufficientStock,
    adjustment_create,
    count_approve,
    count_create,
    count_enter,
    part_consume,
    part_reserve,
    part_return_unused,
    reorder_rule_delete,
    reorder_rule_set,
    reservation_release,
    transfer_create,
    transfer_transition,
)

from .factories import job_for, make_part, make_van, make_warehouse, stock


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        org = OrganizationFactory()
        self.clerk = UserFactory(role=Role.PARTS_CLERK, organization=org)
        manager = UserFactory(role=Role.MANAGER, organization=org)
        self.tech = UserFactory(role=Role.TECHNICIAN, organization=org)
        self.part = make_part(self.clerk)
        self.whs = [make_warehouse(self.clerk), make_van(self.clerk, self.tech)]
        self.job = job_for(self.tech, manager)
        self.model = {w.pk: [0, 0] for w in self.whs}  # on_hand, reserved
        self.reservations = []
        self.consumptions = []

    def _avail(self, wh):
        on_hand, reserved = self.model[wh.pk]
        return on_hand - reserved

    @rule(i=st.integers(0, 1), qty=st.integers(1, 5))
    def receive(self, i, qty):
        stock(self.clerk, self.whs[i], self.part, qty)
        self.model[self.whs[i].pk][0] += qty

    @rule(i=st.integers(0, 1), qty=st.integers(1, 5))
    def transfer(self, i, qty):
        src, dst = self.whs[i], self.whs[1 - i]
        t = transfer_create(actor=self.clerk, source=src, destination=dst, lines=[{"part": self.part, "quantity": qty}])
        transfer_transition(actor=self.clerk, transfer=t, action=TransferAction.APPROVE)
        try:
            transfer_transition(actor=self.clerk, transfer=t, action=TransferAction.SHIP)
        except InsufficientStock:
            assert self._avail(src) < qty
            return
        assert self._avail(src) >= qty
        transfer_transition(actor=self.clerk, transfer=t, action=TransferAction.RECEIVE)
        self.model[src.pk][0] -= qty
        self.model[dst.pk][0] += qty

    @rule(i=st.integers(0, 1), qty=st.integers(1, 3))
    def reserve(self, i, qty):
        wh = self.whs[i]
        try:
            r = part_reserve(actor=self.clerk, request=self.job, part=self.part, quantity=qty, warehouse=wh)
        except InsufficientStock:
            assert self._avail(wh) < qty
            return
        assert self._avail(wh) >= qty
        self.model[wh.pk][1] += qty
        self.reservations.append(r)

    @rule(data=st.data())
    def release_or_consume_reservation(self, data):
        active = [r for r in self.reservations if r.status == ReservationStatus.ACTIVE]
        if not active:
            return
        r = data.draw(st.sampled_from(active))
        if data.draw(st.booleans()):
            reservation_release(actor=self.clerk, reservation=r)
            self.model[r.warehouse_id][1] -= r.quantity
        else:
            qty = data.draw(st.integers(1, r.quantity))
            c = part_consume(actor=self.clerk, request=self.job, part=self.part, quantity=qty, reservation=r)
            self.model[r.warehouse_id][0] -= qty
            self.model[r.warehouse_id][1] -= r.quantity
            self.consumptions.append(c)
        r.status = "done"

    @rule(i=st.integers(0, 1), qty=st.integers(1, 4))
    def consume(self, i, qty):
        wh = self.whs[i]
        try:
            c = part_consume(actor=self.clerk, request=self.job, part=self.part, quantity=qty, warehouse=wh)
        except InsufficientStock:
            assert self._avail(wh) < qty
            return
        assert self._avail(wh) >= qty
        self.model[wh.pk][0] -= qty
        self.consumptions.append(c)

    @rule(data=st.data())
    def return_unused(self, data):
        open_ = [c for c in self.consumptions if c.quantity - c.returned_quantity > 0]
        if not open_:
            return
        c = data.draw(st.sampled_from(open_))
        qty = data.draw(st.integers(1, c.quantity - c.returned_quantity))
        part_return_unused(actor=self.clerk, consumption=c, quantity=qty)
        c.returned_quantity += qty
        self.model[c.warehouse_id][0] += qty

    @rule(i=st.integers(0, 1), delta=st.integers(-4, 4).filter(bool))
    def adjust(self, i, delta):
        wh = self.whs[i]
        try:
            adjustment_create(actor=self.clerk, warehouse=wh, part=self.part, quantity=delta, reason="hypothesis")
        except InsufficientStock:
            assert self._avail(wh) + delta < 0
            return
        self.model[wh.pk][0] += delta

    @rule(i=st.integers(0, 1), counted=st.integers(0, 8))
    def count(self, i, counted):
        wh = self.whs[i]
        sheet = count_create(actor=self.clerk, warehouse=wh)
        lines = list(sheet.lines.all())
        if not lines:
            from aftersales.parts.services import count_cancel

            count_cancel(actor=self.clerk, count=sheet)
            return
        count_enter(actor=self.clerk, count=sheet, counted={lines[0].pk: counted})
        try:
            count_approve(actor=self.clerk, count=sheet)
        except InsufficientStock:
            assert counted < self.model[wh.pk][1]  # cannot count below what is reserved
            from aftersales.parts.services import count_cancel

            count_cancel(actor=self.clerk, count=sheet)
            return
        self.model[wh.pk][0] = counted

    @rule(i=st.integers(0, 1), point=st.integers(0, 6))
    def set_reorder_point(self, i, point):
        reorder_rule_set(
            actor=self.clerk, part=self.part, warehouse=self.whs[i], reorder_point=point, reorder_quantity=5
        )

    @rule(i=st.integers(0, 1))
    def remove_reorder_rule(self, i):
        rule = ReorderRule.objects.filter(part=self.part, warehouse=self.whs[i]).first()
        if rule is not None:
            reorder_rule_delete(actor=self.clerk, rule=rule)

    @invariant()
    def low_stock_alerts_are_the_low_stock_list(self):
        if not hasattr(self, "whs"):
            return
        assert low_stock_alert_drift() == {"missing": set(), "stale": set()}
        points = dict(ReorderRule.objects.filter(part=self.part).values_list("warehouse_id", "reorder_point"))
        expected = {wh.pk for wh in self.whs if wh.pk in points and self._avail(wh) <= points[wh.pk]}
        mine = {wh.pk for wh in self.whs}  # the database keeps earlier examples' warehouses
        assert {row.warehouse.pk for row in low_stock_for(self.clerk)} & mine == expected

    @invariant()
    def levels_match_model_and_ledger(self):
        if not hasattr(self, "whs"):
            return
        for wh in self.whs:
            agg = StockLevel.objects.filter(warehouse=wh, part=self.part)
            on_hand = sum(lv.on_hand for lv in agg)
            reserved = sum(lv.reserved for lv in agg)
            assert [on_hand, reserved] == self.model[wh.pk]
            assert 0 <= reserved <= on_hand
        assert ledger_drift() == []


@pytest.mark.django_db
def test_ledger_state_machine():
    LedgerMachine.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    runner = LedgerMachine.TestCase("runTest")
    runner.runTest()
