"""The public statistics page and the files of its publication."""

from django.urls import path

from custodes.web.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.page, name="page"),
    path("<path:name>", views.download, name="file"),
]
