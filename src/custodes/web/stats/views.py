"""The public statistics page: open to everyone, signed in or not, and showing only what a
publication published (see `published.py`). It reads no record, so it records nothing."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from custodes.web.stats.published import (
    SUPPRESSED,
    content_type,
    published_file,
    read_published,
)

__all__ = ["download", "page"]

# A chart opened on its own draws with nothing else: no script, nothing fetched.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@require_http_methods(["GET", "HEAD"])
def page(request: HttpRequest) -> HttpResponse:
    """Show the publication CUSTODES_PUBLIC_STATS_DIR names, or say nothing is published."""
    publication = read_published(settings.PUBLIC_STATS_DIR)
    return render(
        request,
        "stats/page.html",
        {"publication": publication, "suppressed": SUPPRESSED},
    )


@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, name: str) -> FileResponse:
    """Serve one file the publication lists (data, its package, a chart); else 404."""
    folder = settings.PUBLIC_STATS_DIR
    publication = read_published(folder)
    if folder is None or publication is None:
        raise Http404("nothing is published")
    path = published_file(folder, publication.files, name)
    if path is None:
        raise Http404("the publication lists no such file")
    response = FileResponse(
        path.open("rb"),
        content_type=content_type(name),
        as_attachment=not name.startswith("charts/"),
        filename=path.name,
    )
    if name.startswith("charts/"):
        response["Content-Security-Policy"] = SVG_CSP
    return response
