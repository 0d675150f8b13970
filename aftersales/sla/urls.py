from django.urls import path

from . import views, views_settings

app_name = "sla"
urlpatterns = [
    path("at-risk/", views.at_risk, name="at_risk"),
    path("breached/", views.breached, name="breached"),
    path("escalations/", views.escalations, name="escalations"),
    path("preview/", views.preview, name="preview"),
    # the standards themselves (managers and administrators)
    path("rules/", views_settings.rules, name="rules"),
    path("rules/new/", views_settings.rule_create, name="rule_create"),
    path("rules/preview/", views_settings.rule_preview, name="rule_preview"),
    path("rules/<int:pk>/", views_settings.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/active/", views_settings.rule_active, name="rule_active"),
    path("calendars/", views_settings.calendars, name="calendars"),
    path("calendars/new/", views_settings.calendar_create, name="calendar_create"),
    path("calendars/<int:pk>/", views_settings.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/preview/", views_settings.calendar_preview, name="calendar_preview"),
    path("calendars/<int:pk>/days/", views_settings.calendar_day_add, name="calendar_day_add"),
    path(
        "calendars/<int:pk>/days/<int:day_pk>/delete/", views_settings.calendar_day_delete, name="calendar_day_delete"
    ),
    path("escalation/", views_settings.levels, name="levels"),
    path("escalation/new/", views_settings.level_create, name="level_create"),
    path("escalation/preview/", views_settings.level_preview, name="level_preview"),
    path("escalation/<int:pk>/", views_settings.level_edit, name="level_edit"),
    path("escalation/<int:pk>/active/", views_settings.level_active, name="level_active"),
]
