"""Security headers on every response, and the database's view of who is asking."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse

__all__ = ["CSP", "DatabaseUserMiddleware", "SecurityHeadersMiddleware"]

# Nothing inline, nothing from elsewhere: pages load only this site's own files.
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Add the content security policy, and forbid caching of any signed-in page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        # Not "no-referrer": under it browsers send "Origin: null" with every form POST, which
        # Django's CSRF check refuses. "same-origin" still sends nothing to any other site.
        response.headers["Referrer-Policy"] = "same-origin"
        # Django sends HSTS only on HTTPS requests; behind a TLS proxy that is not always
        # visible to it, so send it always (browsers ignore it over plain HTTP).
        if settings.SECURE_HSTS_SECONDS:
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload",
            )
        user = getattr(request, "user", None)
        # Personal data must not linger in browser or proxy caches.
        if (user is not None and user.is_authenticated) or response.get("X-Personal-Data"):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response


class DatabaseUserMiddleware:
    """Tell PostgreSQL who the request is for, for row-level security, for this transaction only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            return self.get_response(request)
        user = getattr(request, "user", None)
        user_id = str(user.pk) if user is not None and user.is_authenticated else ""
        # ATOMIC_REQUESTS opens the view's transaction only after every middleware has run,
        # so the request's transaction opens here and the view's nests inside it.
        with transaction.atomic():
            with connection.cursor() as cursor:
                # is_local=true: the setting ends with the transaction, so pooled
                # connections never carry one request's user into the next.
                cursor.execute("SELECT set_config('custodes.user_id', %s, true)", [user_id])
            return self.get_response(request)
