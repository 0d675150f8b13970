from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("export/", views.export, name="export"),
    path("new/", views.intake, name="intake"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("t/<str:token>/", views.track, name="track"),
    path("t/<str:token>/answer/", views.track_respond, name="track_respond"),
]
