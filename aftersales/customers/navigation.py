from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import BACK_OFFICE_ROLES
from aftersales.core.navigation import RECORDS, MenuItem, register

register(
    "main",
    MenuItem("customers:list", _("Customers"), icon="people", weight=60, permission=BACK_OFFICE_ROLES, group=RECORDS),
)
