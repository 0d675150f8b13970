from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register

from .permissions import DEFECTIVE_ROLES, READER_ROLES, STOCK_ROLES, VAN_ISSUE_ROLES, VAN_ROLES

register(
    "main",
    MenuItem("parts:home", _("Spare parts"), icon="boxes", weight=80, permission=STOCK_ROLES),
    MenuItem("parts:my_van", _("My van"), icon="truck", weight=81, permission=VAN_ROLES),
)
# The pills on top of the parts pages (readers see them; each pill only for who may open it).
register(
    "parts",
    MenuItem("parts:home", _("Overview"), weight=10, permission=READER_ROLES),
    MenuItem("parts:parts", _("Catalogue"), weight=20, permission=READER_ROLES, active_prefix="parts:part"),
    MenuItem("parts:warehouses", _("Warehouses"), weight=30, permission=READER_ROLES, active_prefix="parts:warehouse"),
    MenuItem("parts:moves", _("Moves"), weight=40, permission=READER_ROLES),
    MenuItem("parts:transfers", _("Transfers"), weight=50, permission=READER_ROLES, active_prefix="parts:transfer"),
    MenuItem("parts:van_issues", _("Van issues"), weight=60, permission=VAN_ISSUE_ROLES),
    MenuItem("parts:defective", _("Defective returns"), weight=70, permission=DEFECTIVE_ROLES),
    MenuItem("parts:counts", _("Stock counts"), weight=80, permission=STOCK_ROLES, active_prefix="parts:count"),
    MenuItem("parts:trace", _("Traceability"), weight=90, permission=READER_ROLES),
    MenuItem("parts:replenishment", _("Replenishment"), weight=100, permission=READER_ROLES),
    MenuItem("parts:import", _("Import"), weight=110, permission=STOCK_ROLES),
)
