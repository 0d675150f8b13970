from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.<str:fmt>", views.dashboard_export, name="export"),
    path("me/", views.me, name="me"),
    path("<slug:key>/rows", views.rows, name="rows"),
    path("<slug:key>/rows.xlsx", views.rows_export, name="rows_export"),
]
