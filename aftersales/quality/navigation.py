from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import QUALITY, MenuItem, register

from .permissions import INSPECTION_READ_ROLES, QUALITY_ROLES

register(
    "main",
    MenuItem(
        "quality:case_list",
        _("Case library"),
        icon="journal-bookmark",
        weight=47,
        permission=QUALITY_ROLES,
        active_prefix="quality:case",
        group=QUALITY,
    ),
)
register(
    "main",
    MenuItem(
        "quality:inspection_list",
        _("Inspections"),
        icon="clipboard-check",
        weight=48,
        permission=INSPECTION_READ_ROLES,
        active_prefix="quality:inspection",
        group=QUALITY,
    ),
)
