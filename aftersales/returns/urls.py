from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("export.xlsx", views.export, name="export"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/receive/", views.receive, name="receive"),
    path("<int:pk>/inspect/", views.inspect, name="inspect"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/refund/", views.refund, name="refund"),
    path("<int:pk>/exchange/", views.exchange, name="exchange"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("policies/", views.policies, name="policies"),
    path("policies/new/", views.policy_create_view, name="policy_create"),
    path("policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("r/<str:token>/", views.public, name="public"),
]
