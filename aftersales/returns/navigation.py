from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register

from .permissions import POLICY_VIEW_ROLES, VIEW_ROLES

register(
    "main",
    MenuItem("returns:worklist", _("Returns"), icon="arrow-return-left", weight=45, permission=VIEW_ROLES),
)
register(
    "returns",
    MenuItem("returns:worklist", _("Worklist"), weight=10, permission=VIEW_ROLES, active_prefix="returns:detail"),
    MenuItem(
        "returns:policies",
        _("Return policies"),
        weight=20,
        permission=POLICY_VIEW_ROLES,
        active_prefix="returns:policy",
    ),
)
