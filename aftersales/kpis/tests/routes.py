"""KPI routes in the route × role matrix (see ``core/tests/matrix.py``). The measures are read by
managers, quality managers, administrators and partner staff (their own partner's figures); the
"my figures" panel by agents and technicians. There is no object of one's own: a key is the
measure's name."""

from aftersales.core.tests.matrix import Route
from aftersales.kpis.permissions import DASHBOARD_ROLES, ME_ROLES

KEY = {"key": "first_time_fix"}

ROUTES = [
    Route("kpis:dashboard", roles=DASHBOARD_ROLES),
    Route("kpis:export", roles=DASHBOARD_ROLES, params={"fmt": "xlsx"}),
    Route("kpis:me", roles=ME_ROLES),
    Route("kpis:rows", roles=DASHBOARD_ROLES, params=KEY),
    Route("kpis:rows_export", roles=DASHBOARD_ROLES, params=KEY),
    # API
    Route("GET /api/kpis/", roles=DASHBOARD_ROLES),
    Route("GET /api/kpis/{key}/series", roles=DASHBOARD_ROLES, params=KEY),
    Route("GET /api/kpis/{key}/breakdown", roles=DASHBOARD_ROLES, params=KEY, query="dimension=region"),
    Route("GET /api/kpis/{key}/rows", roles=DASHBOARD_ROLES, params=KEY),
]
