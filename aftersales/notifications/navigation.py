from django.utils.translation import gettext_lazy as _

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.navigation import MenuItem, register

register(
    "main",
    MenuItem(
        "notifications:inbox",
        _("Notifications"),
        icon="bell",
        weight=100,
        permission=ALL_ROLES,
        badge_url="notifications:unread",
        icon_only_wide=True,
    ),
)
