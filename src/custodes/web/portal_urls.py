"""The portal's URLs, and only the portal's: nothing here leads to the staff app.

Static files are served by WhiteNoise (in the middleware), under STATIC_URL.
"""

from __future__ import annotations

from django.urls import include, path

from custodes.web.portal.leave import leave

urlpatterns = [
    path("leave/", leave, name="leave"),
    # The language form: POST to i18n/setlang/ (Django's set_language), kept for the visit only.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("custodes.web.portal.urls")),
]
