"""The WSGI entry point that `custodes serve` hands to gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodes.web.settings")
application = get_wsgi_application()
