from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # Every app declares its menu entries in <app>/navigation.py (see core/navigation.py).
        autodiscover_modules("navigation")
        from .messages import kinds_discover

        # Every app's message kinds (``<app>/messages.py``), before any text is rendered.
        kinds_discover()
