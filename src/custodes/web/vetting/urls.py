"""Vetting's URLs."""

from django.urls import path

from custodes.web.vetting import views

app_name = "vetting"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("backlog/", views.backlog, name="backlog"),
    path("task/<int:pk>/", views.task_detail, name="task"),
    path("task/<int:pk>/decide/", views.task_decide, name="task-decide"),
    path("clearance/<int:pk>/", views.clearance_detail, name="clearance"),
    path("clearance/<int:pk>/review/", views.clearance_review, name="clearance-review"),
    path("person/<str:key>/", views.person_detail, name="person"),
    path("person/<str:key>/clearance/", views.person_record, name="person-record"),
]
