"""Management's objects in the route × role matrix world (``core/tests/world.py``): a scheme and
its draft run for this month, an improvement plan, a finished monthly report. All shared by the
roles that read them (nothing is anyone's own)."""

import datetime as dt

from django.utils import timezone

from aftersales.accounts.choices import Role


def seed_default_schemes() -> None:
    """Put back the schemes the data migration seeds (a flushed database)."""
    import importlib

    from django.apps import apps

    importlib.import_module("aftersales.management.migrations.0002_default_schemes").forwards(apps, None)


def world_extend(w) -> None:
    from aftersales.management.models import Scheme
    from aftersales.management.services import plan_create, report_run_now, run_compute

    seed_default_schemes()
    manager = w.users[Role.MANAGER]
    scheme = Scheme.objects.get(name="技师月度考核")
    w.share("mgmt_scheme", scheme)
    w.share("mgmt_run", run_compute(actor=manager, scheme=scheme, month=timezone.localdate()))
    w.share(
        "mgmt_plan",
        plan_create(
            actor=manager,
            problem="华东区满意度偏低",
            measure="上门前电话确认，培训沟通话术",
            department="售后服务部",
            owner=manager,
            deadline=timezone.localdate() + dt.timedelta(days=30),
            kpi="satisfaction",
            filters={"region": w.extra["region"].pk},
        ),
    )
    w.share("mgmt_report", report_run_now(month=timezone.localdate(), actor=manager, language="en"))
