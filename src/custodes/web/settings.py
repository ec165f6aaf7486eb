"""Django settings, read only from the environment (see docs/configuration.md)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import dj_database_url

from custodes.signing import SigningError, parse_public_keys
from custodes.web.env import ConfigError, Env
from custodes.web.secrets import load_secret
from custodes.web.settings_common import PORTAL_FILE_TYPES as _PORTAL_FILE_TYPES

env = Env()


def _owner_only(path: Path, mode: int) -> None:
    """Give `path` exactly `mode` (owner-only), or stop start-up saying why not."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)
    except OSError as exc:
        raise ConfigError(f"{path} cannot be made owner-only: {exc.strerror}") from None


MODE = env.choice("CUSTODES_MODE", "development", ("development", "production", "test"))
PRODUCTION = MODE == "production"
DATA_DIR = Path(env.string("CUSTODES_DATA_DIR", str(Path.cwd() / "var" / "web"))).resolve()
# Owner-only: it holds the development database (session keys among it) and secrets.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
_owner_only(DATA_DIR, 0o700)

SECRET_KEY = load_secret(env, "CUSTODES_SECRET_KEY", DATA_DIR, PRODUCTION, nbytes=48)
# Field-encryption keys: "version:base64key" pairs, comma-separated; the highest version encrypts.
FIELD_KEYS = load_secret(env, "CUSTODES_FIELD_KEYS", DATA_DIR, PRODUCTION)
PSEUDONYM_KEY = load_secret(env, "CUSTODES_PSEUDONYM_KEY", DATA_DIR, PRODUCTION)
# Keys the trail's hash chain, so an editor with database access cannot re-forge the chain.
TRAIL_KEY = load_secret(env, "CUSTODES_TRAIL_KEY", DATA_DIR, PRODUCTION)
if ":" not in FIELD_KEYS:
    FIELD_KEYS = f"1:{FIELD_KEYS}"
# Public keys only: the audit runs `alerts import` accepts, and the trail checkpoints `trail
# verify --checkpoint` accepts, are those signed by a private key held away from the web app.
try:
    AUDIT_TRUSTED_KEYS = parse_public_keys(
        env.secret("CUSTODES_AUDIT_TRUSTED_KEYS"), "CUSTODES_AUDIT_TRUSTED_KEYS"
    )
    CHECKPOINT_TRUSTED_KEYS = parse_public_keys(
        env.secret("CUSTODES_CHECKPOINT_TRUSTED_KEYS"), "CUSTODES_CHECKPOINT_TRUSTED_KEYS"
    )
except SigningError as exc:
    raise ConfigError(str(exc)) from None

DEBUG = env.boolean("CUSTODES_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ConfigError("CUSTODES_DEBUG cannot be true in production mode")
ALLOWED_HOSTS = env.items(
    "CUSTODES_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigError("CUSTODES_ALLOWED_HOSTS must be set in production mode")

# A secret too (it may hold the role's password): DATABASE_URL or DATABASE_URL_FILE.
DATABASE_URL = env.secret("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'custodes.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
    _sqlite = Path(str(DATABASES["default"]["NAME"]))
    if str(_sqlite) not in ("", ":memory:"):
        # Made empty (a valid database) before SQLite makes it world-readable; journals and
        # write-ahead logs take the database file's mode.
        if not _sqlite.exists():
            os.close(os.open(_sqlite, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        _owner_only(_sqlite, 0o600)
# The role the application connects as on PostgreSQL: not the tables' owner, so RLS binds it.
DB_APP_ROLE = env.string("CUSTODES_DB_APP_ROLE", "custodes_app")
# The reporting portal's own role: adds reports and reads only the one a receipt opens.
DB_PORTAL_ROLE = env.string("CUSTODES_DB_PORTAL_ROLE", "custodes_portal")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "custodes.web.needtoknow",
    "custodes.web.accounts",
    "custodes.web.trail",
    "custodes.web.alerts",
    "custodes.web.cases",
    "custodes.web.portal",
    "custodes.web.reports",
    "custodes.web.registry",
    "custodes.web.vetting",
    "custodes.web.risk",
    "custodes.web.stats",
    "custodes.web.dbsecurity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files get the CSP and HSTS too (WhiteNoise answers early).
    "custodes.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "custodes.web.middleware.DatabaseUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "custodes.web.urls"
WSGI_APPLICATION = "custodes.web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "custodes.web.navigation.navigation",
            ],
        },
    }
]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

# Sign-in throttling (custodes.web.accounts.throttle): failures lock the account name tried,
# for a time that doubles with each lock-out in a row up to a cap. An address is locked only
# at a far higher ceiling, so one person behind a shared proxy cannot lock out the rest.
LOGIN_FAILURE_LIMIT = env.integer("CUSTODES_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT = dt.timedelta(minutes=env.integer("CUSTODES_LOGIN_LOCKOUT_MINUTES", 5, minimum=1))
LOGIN_LOCKOUT_MAX = dt.timedelta(
    minutes=env.integer("CUSTODES_LOGIN_LOCKOUT_MAX_MINUTES", 60, minimum=1)
)
if LOGIN_LOCKOUT_MAX < LOGIN_LOCKOUT:
    raise ConfigError("CUSTODES_LOGIN_LOCKOUT_MAX_MINUTES is below CUSTODES_LOGIN_LOCKOUT_MINUTES")
LOGIN_ADDRESS_FAILURE_LIMIT = env.integer("CUSTODES_LOGIN_ADDRESS_FAILURE_LIMIT", 100, minimum=2)
if LOGIN_ADDRESS_FAILURE_LIMIT <= LOGIN_FAILURE_LIMIT:
    raise ConfigError(
        "CUSTODES_LOGIN_ADDRESS_FAILURE_LIMIT must be above CUSTODES_LOGIN_FAILURE_LIMIT: "
        "everyone behind one proxy shares an address"
    )
# How many proxies in front of the app append the address they saw to X-Forwarded-For. 0
# ignores the header, which anyone can send; with N the client is the Nth entry from the right.
TRUSTED_PROXY_HOPS = env.integer("CUSTODES_TRUSTED_PROXY_HOPS", 0)

# Idle sessions end: every request pushes the expiry on, so only idleness runs it out.
SESSION_COOKIE_AGE = env.integer("CUSTODES_SESSION_IDLE_SECONDS", 900, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "custodes_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
SECURE = env.boolean("CUSTODES_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.boolean("CUSTODES_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = env.integer("CUSTODES_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# No referrer ever leaves the site; same-site form POSTs keep the Origin the CSRF check needs.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A refused form says why, in the site's own page, rather than Django's bare 403.
CSRF_FAILURE_VIEW = "custodes.web.views.csrf_failure"

# How long break-glass access lasts.
BREAK_GLASS_MINUTES = env.integer("CUSTODES_BREAK_GLASS_MINUTES", 240, minimum=5)

# The reporting portal (custodes.web.portal; the portal's own settings read the same values).
# Receipts are found by an Argon2id hash keyed with this secret, so a database dump alone
# cannot be searched for guessed receipts.
PORTAL_RECEIPT_SECRET = load_secret(env, "CUSTODES_PORTAL_RECEIPT_SECRET", DATA_DIR, PRODUCTION)
# Days from a report's arrival by which a handler must acknowledge it.
PORTAL_ACKNOWLEDGE_DAYS = env.integer("CUSTODES_PORTAL_ACKNOWLEDGE_DAYS", 7, minimum=1)
PORTAL_FILE_MAX_BYTES = env.integer("CUSTODES_PORTAL_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# The kinds of file a reporter may give, as found by reading the file (not by its name).
PORTAL_FILE_TYPES = env.items("CUSTODES_PORTAL_FILE_TYPES", _PORTAL_FILE_TYPES)

# The statistics publication `/statistics/` shows to everyone, signed in or not (a folder
# `custodes stats publish` wrote); unset, the page says nothing is published yet.
_PUBLIC_STATS_DIR = env.string("CUSTODES_PUBLIC_STATS_DIR", "")
PUBLIC_STATS_DIR = Path(_PUBLIC_STATS_DIR).resolve() if _PUBLIC_STATS_DIR else None

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [Path(__file__).parent / "static"]
# Outside production, serve straight from the source folders; `custodes serve` collects them.
WHITENOISE_USE_FINDERS = not PRODUCTION
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
OTP_TOTP_ISSUER = "custodes"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
}
