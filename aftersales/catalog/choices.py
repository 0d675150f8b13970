from django.db import models
from django.utils.translation import gettext_lazy as _


class PurchaseChannel(models.TextChoices):
    STORE = "store", _("Store")
    ONLINE = "online", _("Online shop")
    DISTRIBUTOR = "distributor", _("Distributor")
    PROJECT = "project", _("Project / business sale")
    OTHER = "other", _("Other")


class WarrantyStatus(models.TextChoices):
    IN_WARRANTY = "in_warranty", _("In warranty")
    EXPIRED = "expired", _("Out of warranty")
    UNKNOWN = "unknown", _("Unknown (no purchase date)")
