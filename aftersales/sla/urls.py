from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("at-risk/", views.at_risk, name="at_risk"),
    path("breached/", views.breached, name="breached"),
    path("escalations/", views.escalations, name="escalations"),
    path("preview/", views.preview, name="preview"),
]
