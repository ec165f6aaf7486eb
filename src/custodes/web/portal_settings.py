"""The reporting portal's own settings: a separate surface, read only from the environment.

The portal (`custodes serve --portal`) runs as its own process with these settings and
`custodes.web.portal_urls`. It installs the portal app and nothing of the staff side: no
admin, no staff accounts or two-factor devices, no sessions table. It shares the database, the
data directory and the field keys with the staff app (`settings_common`), and has its own
secret, its own cookie names and its own hosts. Its logging never writes a client's address,
user agent or the time of a request (`custodes.web.portal.logfilter`).
See docs/configuration.md and the README's "The reporting portal".
"""

from __future__ import annotations

from pathlib import Path

from custodes.web.env import ConfigError, Env
from custodes.web.secrets import load_secret
from custodes.web.settings_common import PORTAL_FILE_TYPES as _FILE_TYPES
from custodes.web.settings_common import data_dir, databases

env = Env()

MODE = env.choice("CUSTODES_MODE", "development", ("development", "production", "test"))
PRODUCTION = MODE == "production"
DATA_DIR = data_dir(env)

# Its own secret: a leak of the staff app's key forges nothing here, and the reverse.
SECRET_KEY = load_secret(env, "CUSTODES_PORTAL_SECRET_KEY", DATA_DIR, PRODUCTION, nbytes=48)
if env.secret("CUSTODES_SECRET_KEY") == SECRET_KEY:
    raise ConfigError("CUSTODES_PORTAL_SECRET_KEY must differ from CUSTODES_SECRET_KEY")
# The same field keys as the staff app: it opens what the portal seals.
FIELD_KEYS = load_secret(env, "CUSTODES_FIELD_KEYS", DATA_DIR, PRODUCTION)
if ":" not in FIELD_KEYS:
    FIELD_KEYS = f"1:{FIELD_KEYS}"
PORTAL_RECEIPT_SECRET = load_secret(env, "CUSTODES_PORTAL_RECEIPT_SECRET", DATA_DIR, PRODUCTION)
PORTAL_ACKNOWLEDGE_DAYS = env.integer("CUSTODES_PORTAL_ACKNOWLEDGE_DAYS", 7, minimum=1)
PORTAL_FILE_MAX_BYTES = env.integer("CUSTODES_PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
PORTAL_FILE_TYPES = env.items("CUSTODES_PORTAL_FILE_TYPES", _FILE_TYPES)
# Where "Leave this site" goes: a plain redirect in the reporter's browser; we fetch nothing.
PORTAL_LEAVE_URL = env.string("CUSTODES_PORTAL_LEAVE_URL", "https://www.bbc.co.uk/weather")
if not PORTAL_LEAVE_URL.startswith("https://"):
    raise ConfigError("CUSTODES_PORTAL_LEAVE_URL must be an https:// address")
# The access log: method, path and status only. Whatever collects the portal's output may
# stamp each line with the time it arrived (journald, docker), which would date a reporter's
# visit, so it is off in production unless asked for (README, "The reporting portal").
PORTAL_ACCESS_LOG = env.boolean("CUSTODES_PORTAL_ACCESS_LOG", not PRODUCTION)

DEBUG = env.boolean("CUSTODES_PORTAL_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ConfigError("CUSTODES_PORTAL_DEBUG cannot be true in production mode")
ALLOWED_HOSTS = env.items(
    "CUSTODES_PORTAL_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigError("CUSTODES_PORTAL_ALLOWED_HOSTS must be set in production mode")

DATABASES = databases(env, DATA_DIR)

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "custodes.web.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files get the headers too (WhiteNoise answers early).
    "custodes.web.portal.middleware.PortalHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "custodes.web.portal_urls"
WSGI_APPLICATION = "custodes.web.portal_wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csrf",
            ],
        },
    }
]

# Sessions live in a signed cookie (no sessions table, nothing about a visit on the server),
# end when the browser closes and after a short idleness. Signed, not encrypted: keep nothing
# in them a person at the same computer should not read.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
SESSION_COOKIE_NAME = "portal_session"
SESSION_COOKIE_AGE = env.integer("CUSTODES_PORTAL_SESSION_IDLE_SECONDS", 900, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_NAME = "portal_csrf"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
# A browser-session cookie: the CSRF token outlives no visit.
CSRF_COOKIE_AGE = None
CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"
SECURE = env.boolean("CUSTODES_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.boolean("CUSTODES_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = env.integer("CUSTODES_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Nothing to any other site; see portal/middleware.py for why not "no-referrer".
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Ready for translation: English and Welsh; the reporter's browser language picks one
# (LocaleMiddleware), or the language form (`i18n/setlang/`), remembered only for the visit.
USE_I18N = True
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [Path(__file__).parent / "portal" / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_AGE = None
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Strict"
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
# Its own collected files, apart from the staff app's.
STATIC_ROOT = DATA_DIR / "portal-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production, serve straight from the source folders; `custodes serve` collects them.
WHITENOISE_USE_FINDERS = not PRODUCTION
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No handler may write a client's address or user agent: every one carries the filter, and
# Django's own loggers (django.request, django.security, django.server) go only to it.
_FILTERED = {"handlers": ["console"], "level": "INFO", "propagate": False}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_details": {"()": "custodes.web.portal.logfilter.ClientDetailsFilter"}},
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_details"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {**_FILTERED, "level": "WARNING"},
        "django.request": _FILTERED,
        "django.server": _FILTERED,
        "django.security": _FILTERED,
        "custodes": _FILTERED,
    },
}
