"""The portal's pages (the pages helper fills these in)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from custodes.web.portal import org_views, views

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    # The reporter's pages (public and colleague channels).
    path("", views.start, name="start"),
    path("report/public/", views.report, {"channel": "public"}, name="report-public"),
    path("report/colleague/", views.report, {"channel": "colleague"}, name="report-colleague"),
    path("return/", views.return_to_report, name="return"),
    path("your-report/", views.your_report, name="your-report"),
    path("your-report/close/", views.close_report, name="close-report"),
    # Support organisations (org_views.py): two-factor sign-in, their reports.
    path("organisation/sign-in/", org_views.org_sign_in, name="org-sign-in"),
    path("organisation/sign-out/", org_views.org_sign_out, name="org-sign-out"),
    path("organisation/reports/", org_views.org_reports, name="org-reports"),
    path("organisation/reports/new/", org_views.org_report_new, name="org-report-new"),
    path("organisation/reports/<str:reference>/", org_views.org_report, name="org-report"),
]
