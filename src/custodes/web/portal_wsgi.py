"""The WSGI entry point for the reporting portal (`custodes serve --portal` uses it)."""

import os

from django.core.wsgi import get_wsgi_application

# Not setdefault: this entry point is the portal, whatever the environment says.
os.environ["DJANGO_SETTINGS_MODULE"] = "custodes.web.portal_settings"
application = get_wsgi_application()
