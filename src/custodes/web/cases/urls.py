"""Case URLs."""

from django.urls import path

from custodes.web.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("break-glass/", views.break_glass_view, name="break-glass"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/parties/", views.add_party_view, name="add-party"),
]
