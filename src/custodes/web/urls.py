"""Top-level URLs. There is no Django admin: every write goes through audited actions."""

from django.urls import include, path

from custodes.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("custodes.web.accounts.urls")),
    path("cases/", include("custodes.web.cases.urls")),
    path("alerts/", include("custodes.web.alerts.urls")),
    path("registry/", include("custodes.web.registry.urls")),
    path("reports/", include("custodes.web.reports.urls")),
    path("risk/", include("custodes.web.risk.urls")),
    # Before any other vetting page: staff declare changes of their own circumstances here.
    path("vetting/declare/", include("custodes.web.vetting.urls_declare")),
    # The vetting unit's queue, backlog, tasks, clearances and people.
    path("vetting/", include("custodes.web.vetting.urls")),
    # Withdrawal assessments, appeals and transferees (the other vetting pages are vetting.urls).
    path("vetting/", include("custodes.web.vetting.urls_withdrawal")),
    # Public: no sign-in (custodes.web.stats.views), only what a publication published.
    path("statistics/", include("custodes.web.stats.urls")),
]
