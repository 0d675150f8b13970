from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.navigation import QUALITY, MenuItem, register

from .permissions import PLAN_ROLES, READ_ROLES, REPORT_ROLES, SELF_ROLES

register(
    "main",
    MenuItem(
        "management:scorecards",
        _("Management"),
        icon="clipboard-data",
        weight=50,
        permission=READ_ROLES,
        active_prefix="management:",
        group=QUALITY,
    ),
    # The quality team works on improvement plans only.
    MenuItem(
        "management:plan_list",
        _("Improvement plans"),
        icon="clipboard-check",
        weight=50,
        permission=frozenset({Role.QUALITY}),
        active_prefix="management:plan",
        group=QUALITY,
    ),
    MenuItem("management:me", _("My scorecard"), icon="award", weight=50, permission=SELF_ROLES),
)
# The tabs on top of the management pages.
register(
    "management",
    MenuItem(
        "management:scorecards",
        _("Scorecards"),
        icon="award",
        weight=10,
        permission=READ_ROLES,
        active_prefix="management:s",
    ),
    MenuItem(
        "management:plan_list",
        _("Improvement plans"),
        icon="clipboard-check",
        weight=20,
        permission=PLAN_ROLES,
        active_prefix="management:plan",
    ),
    MenuItem(
        "management:report_list",
        _("Monthly reports"),
        icon="file-earmark-bar-graph",
        weight=30,
        permission=REPORT_ROLES,
        active_prefix="management:report",
    ),
)
