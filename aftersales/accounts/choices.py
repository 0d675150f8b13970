from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    OWN = "own", _("Own company")
    PARTNER = "partner", _("Authorized service partner")


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")
    PARTS_CLERK = "parts_clerk", _("Parts clerk")
    QUALITY = "quality", _("Quality / complaints")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    MANAGER = "manager", _("After-sales manager")
    ADMIN = "admin", _("Administrator")
    PARTNER = "partner", _("Partner staff")
    CUSTOMER = "customer", _("Customer")


# Staff of the own company who see every service request.
BACK_OFFICE_ROLES = frozenset(
    {Role.AGENT, Role.DISPATCHER, Role.PARTS_CLERK, Role.QUALITY, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN}
)
