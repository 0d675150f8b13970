from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from .messages import kinds_discover

        # Every app's message kinds (``<app>/messages.py``), before any text is rendered.
        kinds_discover()
