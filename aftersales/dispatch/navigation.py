from django.utils.translation import gettext_lazy as _

from aftersales.accounts.permissions import user_is_partner
from aftersales.core.navigation import MenuItem, register

from .permissions import DISPATCH_ROLES, TECHNICIAN_ROLES

register(
    "main",
    MenuItem("dispatch:board", _("Dispatch board"), icon="kanban", weight=30, permission=DISPATCH_ROLES),
    MenuItem("dispatch:my_day", _("My day"), icon="sun", weight=31, permission=TECHNICIAN_ROLES),
    # Office dispatchers reach the technicians from the board; partner staff have no board.
    MenuItem("dispatch:technicians", _("Technicians"), icon="person-badge", weight=32, permission=user_is_partner),
)
