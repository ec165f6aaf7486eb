"""Case URLs."""

from django.urls import path

from custodes.web.cases import steps, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("break-glass/", views.break_glass_view, name="break-glass"),
    path("new/", steps.new_case, name="new"),
    path("my-work/", views.my_work, name="my-work"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/parties/", views.add_party_view, name="add-party"),
    path("<str:reference>/steps/<str:step>/", steps.take_step, name="step"),
]
