"""A change marks its request for the measures after it commits, in one statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from aftersales.customers.tests.factories import CustomerFactory
from aftersales.kpis.models import KpiPending
from aftersales.kpis.services import MARK_CHUNK, kpi_mark
from aftersales.tickets.services import request_create


@pytest.mark.django_db(transaction=True)
def test_a_create_marks_its_request_with_one_statement_after_its_commit(agent, monkeypatch):
    # No drain queued (in tests Huey runs inline): only the create and its mark are counted.
    monkeypatch.setattr(HUEY, "put_if_empty", lambda *args, **kwargs: False)
    customer = CustomerFactory()
    with CaptureQueriesContext(connection) as ctx:
        sr = request_create(
            actor=agent, customer=customer, channel="phone", service_type="repair", description="热水器底部漏水"
        )
    sqls = [q["sql"] for q in ctx.captured_queries]
    commit = max(i for i, sql in enumerate(sqls) if sql == "COMMIT")
    after = sqls[commit + 1 :]
    # Not BEGIN, INSERT, COMMIT: the mark is a statement of its own. (Marks that rolled-back
    # transactions left in the connection's set, from earlier tests, may be read and written too.)
    assert [sql for sql in after if sql.startswith('INSERT INTO "kpis_kpipending"')], after
    assert not [sql for sql in after if sql in ("BEGIN", "COMMIT") or sql.startswith("SAVEPOINT")], after
    assert ("request", sr.pk) in set(KpiPending.objects.values_list("kind", "subject"))


@pytest.mark.django_db(transaction=True)
def test_marks_are_idempotent_and_chunked():
    kpi_mark(requests=[1, 2, 2, 0, None], complaints=[7])
    kpi_mark(requests=[2, 3])
    got = sorted(KpiPending.objects.values_list("kind", "subject"))
    assert got == [("complaint", 7), ("request", 1), ("request", 2), ("request", 3)]
    many = range(10, 10 + 2 * MARK_CHUNK + 5)
    kpi_mark(requests=many)
    assert KpiPending.objects.filter(kind="request", subject__gte=10).count() == len(many)


def test_a_mark_inside_a_transaction_goes_with_it(db):
    from django.db import transaction

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        kpi_mark(requests=[5])
        assert KpiPending.objects.filter(subject=5).exists()
        raise Undo
    assert not KpiPending.objects.filter(subject=5).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_rules", [True, False])
def test_a_new_request_is_refreshed_once_after_its_sla_clocks(agent, monkeypatch, with_rules):
    """The KPI drain leaves a request whose clocks are pending; the SLA drain marks it again
    when it has recomputed them (clocks or none), and the next KPI drain refreshes it."""
    import datetime as dt

    from django.utils import timezone

    from aftersales.kpis.models import KpiFact
    from aftersales.kpis.services import CLOCKS_SETTLE, kpi_check, kpi_refresh_pending
    from aftersales.sla.models import SlaClock, SlaRefreshPending
    from aftersales.sla.services import sla_refresh_pending

    if with_rules:
        from aftersales.sla.tests.calendars import seed_migration_data

        seed_migration_data()
    monkeypatch.setattr(HUEY, "put_if_empty", lambda *args, **kwargs: False)
    sr = request_create(
        actor=agent, customer=CustomerFactory(), channel="phone", service_type="repair", description="显示E4故障"
    )
    assert SlaRefreshPending.objects.filter(request_id=sr.pk).exists()
    assert kpi_refresh_pending() == 0
    assert KpiPending.objects.filter(kind="request", subject=sr.pk).exists()
    assert not KpiFact.objects.filter(request=sr.pk).exists()

    assert sla_refresh_pending() == 1
    assert SlaClock.objects.filter(request_id=sr.pk).exists() is with_rules
    assert kpi_refresh_pending() == 1
    assert not KpiPending.objects.exists()
    assert KpiFact.objects.filter(request=sr.pk, kpi="volume").exists()
    assert kpi_check() == []  # the aggregates equal a recomputation from the raw rows

    # A stale SLA mark (a worker that stopped) does not hold the measures back.
    other = request_create(
        actor=agent, customer=CustomerFactory(), channel="phone", service_type="repair", description="热水器底部漏水"
    )
    SlaRefreshPending.objects.filter(request_id=other.pk).update(
        marked_at=timezone.now() - CLOCKS_SETTLE - dt.timedelta(seconds=1)
    )
    assert kpi_refresh_pending() == 1
    assert KpiFact.objects.filter(request=other.pk, kpi="volume").exists()
    assert sla_refresh_pending() == 1
    assert kpi_refresh_pending() == 1
    assert kpi_check() == []


def test_a_kpi_drain_leaves_what_comes_in_meanwhile_to_the_next_batch(db, monkeypatch):
    from aftersales.kpis import services

    kpi_mark(complaints=[1, 2])
    real = services.kpi_refresh

    def and_a_change_meanwhile(**kwargs):
        kpi_mark(complaints=[3])
        return real(**kwargs)

    monkeypatch.setattr(services, "kpi_refresh", and_a_change_meanwhile)
    assert services.kpi_refresh_pending() == 2
    assert list(KpiPending.objects.values_list("subject", flat=True)) == [3]
    monkeypatch.setattr(services, "kpi_refresh", real)
    monkeypatch.setattr(services, "REFRESH_CHUNK", 1)
    kpi_mark(complaints=[1, 2])
    assert services.kpi_refresh_pending() == 3  # full chunks: a backlog is drained in one call
    assert not KpiPending.objects.exists()
