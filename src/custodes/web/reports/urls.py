"""Report URLs: the queue, a report, its actions and its files."""

from django.urls import path

from custodes.web.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/act/<str:action>/", views.act, name="act"),
    path("<str:reference>/files/<uuid:file_id>/<str:copy>/", views.file_view, name="file"),
]
