import random

import pytest
from django.core.management import call_command

from aftersales.accounts.models import User
from aftersales.core.demos import DemoContext, demo_run
from aftersales.parts.choices import DefectiveStatus, TransferStatus
from aftersales.parts.demo import demo_parts
from aftersales.parts.models import Consumption, DefectiveReturn, TransferOrder, Warehouse
from aftersales.parts.selectors import defective_overdue_for, ledger_drift


@pytest.mark.django_db
def test_demo_parts_is_consistent_and_idempotent(capsys):
    demo_run(
        DemoContext(seed=7, options={"customers": 30, "requests": 80}),
        only={"accounts", "customers", "catalog", "tickets"},
    )
    admin = User.objects.get(username="admin")
    result = demo_parts(rng=random.Random(7))
    assert result["created"] and result["vans"] == 2
    assert Warehouse.objects.filter(name="上海中心仓").exists()
    assert {t.status for t in TransferOrder.objects.all()} >= {
        TransferStatus.RECEIVED,
        TransferStatus.IN_TRANSIT,
        TransferStatus.REQUESTED,
    }
    assert Consumption.objects.exists()
    assert DefectiveReturn.objects.filter(status=DefectiveStatus.PENDING).exists()
    assert defective_overdue_for(admin).exists()
    assert ledger_drift() == []
    call_command("parts_check")
    assert "OK" in capsys.readouterr().out
    assert demo_parts(rng=random.Random(7)) == {"created": False}
