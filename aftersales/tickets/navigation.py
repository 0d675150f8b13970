from django.utils.translation import gettext_lazy as _

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.navigation import MenuItem, register

from .permissions import INTAKE_ROLES

register(
    "main",
    MenuItem("tickets:queue", _("Service requests"), icon="list-task", weight=10, permission=ALL_ROLES),
    MenuItem("tickets:intake", _("New request"), icon="telephone-plus", weight=20, permission=INTAKE_ROLES),
)
