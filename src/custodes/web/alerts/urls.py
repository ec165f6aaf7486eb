"""Alert URLs."""

from django.urls import path

from custodes.web.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("audit/", views.audit_queue, name="audit-queue"),
    path("audit/<int:pk>/", views.audit_alert_detail, name="audit-detail"),
    path(
        "audit/<int:pk>/<str:action>/",
        views.audit_alert_triage,
        name="audit-triage",
    ),
]
