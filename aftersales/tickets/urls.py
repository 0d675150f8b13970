from django.urls import path

from . import views, views_intake

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="home"),
    path("requests/", views.queue, name="queue"),
    path("requests/new/", views.intake, name="intake"),
    path("requests/new/customers/", views_intake.customer_search_view, name="intake_customer_search"),
    path("requests/new/customer/", views_intake.customer_pick, name="intake_customer_pick"),
    path("requests/new/customer/create/", views_intake.customer_create_view, name="intake_customer_create"),
    path("requests/new/unit/lookup/", views_intake.unit_lookup, name="intake_unit_lookup"),
    path("requests/new/unit/register/", views_intake.unit_register_view, name="intake_unit_register"),
    path("requests/<int:pk>/", views.detail, name="detail"),
    path("requests/<int:pk>/transition/", views.transition, name="transition"),
    path("requests/<int:pk>/note/", views.note_add, name="note"),
    path("requests/<int:pk>/upload/", views.attachment_upload, name="upload"),
    path("requests/<int:pk>/edit/", views.request_edit, name="edit"),
    path("requests/attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
