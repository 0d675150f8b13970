from django.urls import path

from . import views
from .views_documents import document_urlpatterns

app_name = "field"

urlpatterns = [
    path("jobs/<int:request_id>/", views.job, name="job"),
    path("jobs/<int:request_id>/prep/", views.prep, name="prep"),
    path("jobs/<int:request_id>/check-in/", views.check_in, name="check_in"),
    path("visits/<int:pk>/diagnose/", views.diagnose, name="diagnose"),
    path("visits/<int:pk>/quote/", views.quote, name="quote"),
    path("visits/<int:pk>/quote/<str:answer>/", views.quote_answer, name="quote_answer"),
    path("visits/<int:pk>/parts/", views.part_use, name="part_use"),
    path("visits/<int:pk>/photos/", views.photos, name="photos"),
    path("visits/<int:pk>/checks/", views.checks, name="checks"),
    path("visits/<int:pk>/sign/", views.sign, name="sign"),
    path("visits/<int:pk>/payments/", views.payment, name="payment"),
    path("visits/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("q/<str:token>/", views.consent, name="consent"),
    *document_urlpatterns,
]
