"""Declaring changes of circumstance: the declarer's own page, and one declaration."""

from django.urls import path

from custodes.web.vetting import views_declare

app_name = "vetting-declare"
urlpatterns = [
    path("", views_declare.declare_page, name="page"),
    path("<uuid:pk>/", views_declare.declaration_detail, name="detail"),
]
