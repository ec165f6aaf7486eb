"""Early intervention's URLs."""

from django.urls import path

from custodes.web.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.risk_list, name="list"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/open-case/", views.entry_open_case, name="open-case"),
    path("entries/<int:pk>/plan/", views.plan_new, name="plan-new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan-review"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan-close"),
    path("runs/<int:pk>/report/", views.run_report, name="report"),
]
