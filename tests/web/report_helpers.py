"""Portal reports for the staff side's tests: submitted through the portal's own action and
taken in through the reports app's."""

from __future__ import annotations

import io
from typing import Any

from custodes.web.portal.actions import Submitted, Upload, submit_report
from custodes.web.portal.models import Category, Channel, Mode, Report

__all__ = ["fresh", "png", "report_about"]


def png() -> bytes:
    """Return a small real PNG with a text chunk a cleaner should remove."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Reporter's own name")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def report_about(
    name: str = "",
    number: str = "",
    station: str = "",
    *,
    channel: str = Channel.PUBLIC,
    category: str = Category.ABUSE_OF_POSITION_SEXUAL,
    what: str = "He came to my call, then kept messaging me and turned up at my door.",
    files: list[Upload] | None = None,
) -> Submitted:
    """Submit an anonymous report through the portal about the officer it names."""
    content: dict[str, Any] = {"what_happened": what, "how_met": "call"}
    for field, value in (
        ("officer_name", name),
        ("officer_number", number),
        ("officer_station", station),
    ):
        if value:
            content[field] = value
    return submit_report(
        channel=channel,
        mode=Mode.ANONYMOUS,
        category=category,
        content=content,
        files=files or [],
    )


def fresh(report: Report) -> Report:
    """Return the report as the database holds it now."""
    return Report.objects.get(pk=report.pk)
