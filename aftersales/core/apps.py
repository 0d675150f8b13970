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
        admin_brand()


def admin_brand() -> None:
    """The admin site carries the product's name in the reader's language, and third-party
    apps get translated names (their models' words are in our catalog: ``core/third_party.py``)."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib import admin
    from django.utils.text import format_lazy

    admin.site.site_header = format_lazy("{} · {}", settings.APP_NAME, _("Administration"))
    admin.site.site_title = format_lazy("{} · {}", settings.APP_NAME, _("Administration"))
    admin.site.index_title = _("Master data and settings")
    if apps.is_installed("axes"):
        apps.get_app_config("axes").verbose_name = _("Sign-in protection")
