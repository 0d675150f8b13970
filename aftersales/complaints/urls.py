from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("<int:pk>/", views.detail, name="detail"),
    path("t/<str:token>/", views.track, name="track"),
]
