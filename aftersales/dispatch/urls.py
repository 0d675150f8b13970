from django.urls import path

from . import views

app_name = "dispatch"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/optimise/", views.optimise_all, name="optimise_all"),
    path("board/rebalance/", views.rebalance_view, name="rebalance"),
    path("board/rebalance/apply/", views.rebalance_apply_view, name="rebalance_apply"),
    path("plans/<int:technician_id>/optimise/", views.optimise, name="optimise"),
    path("requests/<int:pk>/suggestions/", views.suggestions_panel, name="suggestions"),
    path("requests/<int:pk>/assign/", views.assign, name="assign"),
    path("requests/<int:pk>/appointment/", views.appointment_create_view, name="appointment_create"),
    path("requests/<int:pk>/book/", views.book_panel, name="book"),
    path("requests/<int:pk>/answer/<str:answer>/", views.offer_answer, name="offer_answer"),
    path("appointments/<int:pk>/move/", views.appointment_move_view, name="appointment_move"),
    path("appointments/<int:pk>/depart/", views.appointment_depart_view, name="appointment_depart"),
    path("my-day/", views.my_day_view, name="my_day"),
    path("pool/<int:pk>/claim/", views.claim, name="claim"),
    path("policies/", views.policies, name="policies"),
    path("policies/new/", views.policy_create_view, name="policy_create"),
    path("policies/<int:pk>/", views.policy_edit_view, name="policy_edit"),
    path("policies/<int:pk>/delete/", views.policy_delete_view, name="policy_delete"),
    path("technicians/", views.technicians, name="technicians"),
    path("technicians/<int:technician_id>/", views.technician_edit, name="technician_edit"),
    path("technicians/<int:technician_id>/absence/", views.absence_add_view, name="absence_add"),
]
