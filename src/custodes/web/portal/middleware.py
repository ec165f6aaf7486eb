"""The portal's response headers: nothing cached, nothing sent elsewhere, nothing loaded.

Every portal response, pages and static files alike, says:

- `Cache-Control: no-store` (and `Pragma: no-cache`): no page a reporter saw stays in the
  browser's cache or a proxy's, for whoever uses the computer next;
- `Referrer-Policy: same-origin`: no other site is ever told the portal's address. Not
  "no-referrer": under it Chromium and Firefox send `Origin: null` with the portal's own form
  POSTs and, over HTTPS, no Referer, so Django's CSRF check refuses every form. The referrer
  that same-origin allows goes only back to the portal, which logs no referrer;
- a Content-Security-Policy of the portal's own files only: no script, style, font, image or
  frame from anywhere else, no inline script, forms posting only to the portal;
- `X-Frame-Options: DENY` and `frame-ancestors 'none'`: no other site can frame it;
- a Permissions-Policy that grants no feature (camera, microphone, location, sensors…);
- `Cross-Origin-Resource-Policy: same-origin`, so no other site can embed its files.

It writes nothing to any log.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

__all__ = ["CSP", "PERMISSIONS_POLICY", "PortalHeadersMiddleware"]

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# Every policy-controlled feature Chromium knows, none allowed. (An unknown name makes the
# browser warn in its console, so only recognised ones are listed.)
_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "clipboard-read",
    "clipboard-write",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "gamepad",
    "geolocation",
    "gyroscope",
    "hid",
    "identity-credentials-get",
    "idle-detection",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "otp-credentials",
    "payment",
    "picture-in-picture",
    "publickey-credentials-create",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "storage-access",
    "usb",
    "window-management",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in _FEATURES)


class PortalHeadersMiddleware:
    """Put the portal's privacy and security headers on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        headers = response.headers
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
        headers["Referrer-Policy"] = "same-origin"
        headers["Content-Security-Policy"] = CSP
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["X-Content-Type-Options"] = "nosniff"
        if settings.SECURE_HSTS_SECONDS:
            # Sent always: behind a TLS proxy Django does not always see HTTPS.
            headers["Strict-Transport-Security"] = (
                f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload"
            )
        return response
