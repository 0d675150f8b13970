from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language switch uses set_language)
from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("aftersales.accounts.urls")),
    path("customers/", include("aftersales.customers.urls")),
    path("catalog/", include("aftersales.catalog.urls")),
    path("parts/", include("aftersales.parts.urls")),
    path("dispatch/", include("aftersales.dispatch.urls")),
    path("field/", include("aftersales.field.urls")),
    path("sla/", include("aftersales.sla.urls")),
    path("notifications/", include("aftersales.notifications.urls")),
    path("complaints/", include("aftersales.complaints.urls")),
    path("returns/", include("aftersales.returns.urls")),
    path("quality/", include("aftersales.quality.urls")),
    path("feedback/", include("aftersales.feedback.urls")),
    path("training/", include("aftersales.training.urls")),
    path("kpis/", include("aftersales.kpis.urls")),
    path("management/", include("aftersales.management.urls")),
    path("", include("aftersales.tickets.urls")),
]
