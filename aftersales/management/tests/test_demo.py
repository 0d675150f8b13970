"""The management demo: runs (approved last month, draft this month), three plans with measured
figures, last month's report — all made through the services."""

import pytest

from aftersales.core.demos import DemoContext, demo_run
from aftersales.management.choices import PlanStatus, ReportStatus, RunStatus
from aftersales.management.models import Plan, Report, Run


@pytest.mark.django_db
def test_demo_loads_through_the_services():
    demo_run(DemoContext(seed=7, options={"requests": 60}))
    assert set(Run.objects.values_list("status", flat=True)) == {RunStatus.APPROVED, RunStatus.DRAFT}
    assert Run.objects.filter(status=RunStatus.APPROVED).count() == 2
    statuses = sorted(Plan.objects.values_list("status", flat=True))
    assert statuses == sorted([PlanStatus.EVALUATED, PlanStatus.IN_PROGRESS, PlanStatus.IN_PROGRESS])
    evaluated = Plan.objects.get(status=PlanStatus.EVALUATED)
    assert evaluated.baseline_den is not None and evaluated.after_den is not None
    assert Report.objects.get().status == ReportStatus.DONE
