from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("me/", views.me, name="me"),
    path("people/<int:pk>/", views.person, name="person"),
    path("certifications/", views.certifications, name="certifications"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:pk>/<str:action>/", views.session_transition, name="session_transition"),
]
