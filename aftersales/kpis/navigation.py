from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register

from .permissions import DASHBOARD_ROLES, ME_ROLES

register(
    "main",
    MenuItem(
        "kpis:dashboard", _("KPIs"), icon="graph-up", weight=49, permission=DASHBOARD_ROLES, active_prefix="kpis:"
    ),
    MenuItem("kpis:me", _("My figures"), icon="speedometer2", weight=49, permission=ME_ROLES, active_prefix="kpis:me"),
)
