"""What the staff side does to a portal report in these tests, run as the staff process would.

The portal server's database is not the test process's (pytest-django's test database), so a
handler's reply is made in a `python` subprocess with the staff settings and the server's
environment: the same database, field keys and data directory as the portal it serves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.web.portal_server import PortalServer

__all__ = ["handler_reply", "staff_read"]

_SCRIPT = r"""
import json, sys
import django
django.setup()
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import User
from custodes.web.portal.actions import report_view
from custodes.web.portal.models import Report
args = json.loads(sys.argv[1])
found = None
for report in Report.objects.exclude(status="expired"):
    view = report_view(report)
    if args["marker"] in view["content"].get("what_happened", ""):
        found = report
        break
assert found is not None, "no report with the marker"
if args.get("reply"):
    from custodes.web.portal.handling import handler_message
    handler = User.objects.filter(username="intake-handler-1").first()
    if handler is None:
        handler, _ = create_user(
            None, "intake-handler-1", "correct horse battery staple",
            role="intake-handler", force="Portal force", unit="Intake",
            first_name="Ira", last_name="Handler",
        )
    handler_message(found, handler_id=handler.pk, text=args["reply"], question=args["question"])
view = report_view(found)
print(json.dumps({
    "id": str(found.pk), "reference": found.reference, "channel": found.channel,
    "mode": found.mode, "category": found.category, "content": view["content"],
    "messages": [
        {"sender": m["sender"], "text": m["text"], "files": [f["name"] for f in m["files"]]}
        for m in view["messages"]
    ],
    "files": [f["name"] for f in view["files"]],
}))
"""


def _run(server: PortalServer, args: dict[str, Any]) -> dict[str, Any]:
    env = {**server.env, "DJANGO_SETTINGS_MODULE": "custodes.web.settings"}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(args)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def staff_read(server: PortalServer, marker: str) -> dict[str, Any]:
    """The report whose "what happened" holds `marker`, opened as the staff side opens it."""
    return _run(server, {"marker": marker})


def handler_reply(
    server: PortalServer, marker: str, text: str, *, question: bool = False
) -> dict[str, Any]:
    """An intake handler's reply (or question) to the report holding `marker`."""
    return _run(server, {"marker": marker, "reply": text, "question": question})
