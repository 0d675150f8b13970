"""Demo measures (``manage.py demo_data``): the SLA clocks of the demo history computed (the
worker may not have run yet), then every fact and daily aggregate rebuilt from the raw rows, so the
dashboard is filled on the first login. In scale mode the same, for the bulk history."""

from __future__ import annotations

from .models import KpiDaily
from .services import kpi_rebuild

DEMO_ORDER = 95


def demo_present() -> bool:
    return KpiDaily.objects.exists()


def _build(ctx) -> None:
    from aftersales.sla.services import sla_refresh_pending

    clocks = 0
    while True:
        done = sla_refresh_pending(limit=5000)
        clocks += done
        if not done:
            break
    result = kpi_rebuild()
    ctx.log(f"{clocks} requests' SLA clocks computed; {result.facts} measure facts, {result.daily_rows} daily rows")


def demo_load(ctx) -> None:
    _build(ctx)


def demo_bulk(ctx) -> None:
    _build(ctx)
