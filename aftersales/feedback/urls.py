from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("followups/<int:pk>/", views.followup_detail, name="followup"),
    path("followups/<int:pk>/call/", views.followup_call, name="followup_call"),
    path("followups/<int:pk>/survey/", views.followup_survey, name="followup_survey"),
    path("followups/<int:pk>/assign/", views.followup_reassign, name="followup_assign"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("remedies/", views.remedy_list, name="remedies"),
    path("remedies/<int:pk>/", views.remedy_detail, name="remedy"),
    path("remedies/<int:pk>/resolve/", views.remedy_resolve_view, name="remedy_resolve"),
    path("figures/", views.figures_view, name="figures"),
    path("s/<str:token>/", views.survey_public, name="survey_public"),
]
