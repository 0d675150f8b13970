from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register


def _is_staff(user) -> bool:
    return user.is_staff


register(
    "main",
    MenuItem("admin:index", _("Administration"), icon="gear", weight=90, permission=_is_staff),
)
