from django.urls import path

from . import views

app_name = "parts"
urlpatterns = [
    path("", views.home, name="home"),
    path("catalogue/", views.part_list_view, name="parts"),
    path("catalogue/new/", views.part_new, name="part_new"),
    path("catalogue/<int:pk>/", views.part_detail, name="part"),
    path("catalogue/<int:pk>/edit/", views.part_edit, name="part_edit"),
    path("warehouses/", views.warehouse_list_view, name="warehouses"),
    path("warehouses/new/", views.warehouse_new, name="warehouse_new"),
    path("warehouses/<int:pk>/", views.warehouse_detail, name="warehouse"),
    path("warehouses/<int:pk>/edit/", views.warehouse_edit, name="warehouse_edit"),
    path("warehouses/<int:pk>/reorder-rules/", views.reorder_rules, name="reorder_rules"),
    path("reorder-rules/<int:pk>/edit/", views.reorder_rule_edit, name="reorder_rule_edit"),
    path("reorder-rules/<int:pk>/delete/", views.reorder_rule_delete_view, name="reorder_rule_delete"),
    path("levels.xlsx", views.levels_xlsx, name="levels_xlsx"),
    path("moves/", views.move_list_view, name="moves"),
    path("receipts/new/", views.receipt_new, name="receipt_new"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer"),
    path("van-issues/", views.van_issue_list, name="van_issues"),
    path("van-issues/<int:pk>/decide/", views.van_issue_decide_view, name="van_issue_decide"),
    path("jobs/<int:request_id>/", views.job_parts, name="job"),
    path("reservations/<int:pk>/release/", views.reservation_release_view, name="reservation_release"),
    path("defective/", views.defective_list, name="defective"),
    path("adjustments/new/", views.adjustment_new, name="adjustment_new"),
    path("counts/", views.count_list, name="counts"),
    path("counts/<int:pk>/", views.count_detail, name="count"),
    path("trace/", views.trace, name="trace"),
    path("replenishment/", views.replenishment, name="replenishment"),
    path("van/", views.my_van, name="my_van"),
    path("who-carries/", views.who_carries, name="who_carries"),
    path("import/", views.import_view, name="import"),
]
