from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "aftersales.kpis"
    label = "kpis"
    verbose_name = _("Key performance indicators")

    def ready(self):
        from . import receivers

        receivers.connect()
