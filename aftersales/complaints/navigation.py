from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register

from .permissions import READ_ROLES

register(
    "main",
    MenuItem(
        "complaints:worklist",
        _("Complaints"),
        icon="megaphone",
        weight=45,
        permission=READ_ROLES,
        active_prefix="complaints:",
    ),
)
