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
urlpatterns += [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/sample/", views.inspection_sample, name="inspection_sample"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/record/", views.inspection_record, name="inspection_record"),
    path("inspections/<int:pk>/cancel/", views.inspection_cancel, name="inspection_cancel"),
    path("inspections/<int:pk>/actions/", views.corrective_add, name="corrective_add"),
    path("corrective-actions/<int:pk>/done/", views.corrective_complete, name="corrective_complete"),
]
