"""Alert URLs."""

from django.urls import path

from custodes.web.alerts import views

app_name = "alerts"
urlpatterns = [path("", views.alert_list, name="list")]
