from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/from-complaint/", views.case_from_complaint, name="case_from_complaint"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/<str:action>/", views.case_transition, name="case_transition"),
]
