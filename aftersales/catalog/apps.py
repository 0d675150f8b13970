from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "aftersales.catalog"
    label = "catalog"
    verbose_name = _("Products and warranty")

    def ready(self):
        from aftersales.core.slots import panel
        from aftersales.customers.slots import CUSTOMER_MAIN

        from . import panels

        CUSTOMER_MAIN.add(panel("catalog/_customer_units.html", panels.customer_units_context), order=10)
