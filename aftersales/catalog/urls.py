from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.products, name="products"),
    path("products/new/", views.product_create_view, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/manuals/add/", views.manual_add_view, name="manual_add"),
    path("manuals/<int:pk>/", views.manual_download, name="manual"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
]
