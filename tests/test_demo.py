"""`custodes demo`, the README's first command, end to end in a real subprocess."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from custodes.signing import load_signing_key
from tests.conftest import DemoRun, run_demo


def test_the_demo_audits_a_force_and_fills_the_alert_queue_once(
    demo_run: DemoRun, tmp_path: Path
) -> None:
    # The session's one run of the demo (the browser tests serve copies of it).
    first, web, demo = demo_run.printed, demo_run.data, demo_run.out
    audited = re.search(r"([\d,]+) look-ups by 2,000 staff; ([\d.]+)% explained", first)
    assert audited, first[-3000:]
    assert float(audited[2]) >= 95.0
    loaded = re.search(r"Alert queue: run 1, ([\d,]+) alerts, loaded\.", first)
    assert loaded, first[-3000:]
    assert (demo / "audit" / "report.html").stat().st_size > 100_000

    # The run is signed with the demo's own key pair, kept out of the web app's data
    # directory; the web app trusts only the public half, and recorded which key signed.
    keys = demo / "keys"
    private = keys / "audit-signing.key"
    assert private.stat().st_mode & 0o777 == 0o600
    key = load_signing_key(private)
    assert (keys / "audit-signing.key.pub").read_text().strip() == key.public.line
    assert f"Signed with audit key {key.key_id}" in first
    assert (demo / "audit" / "manifest.sig").read_text().startswith(f"ed25519:{key.key_id}:")
    assert not list((web).rglob("*.key"))
    with sqlite3.connect(web / "custodes.sqlite3") as db:
        (alerts,) = db.execute("SELECT count(*) FROM alerts_auditalert").fetchone()
        signer = db.execute("SELECT signed_by FROM alerts_auditrun").fetchone()
    assert alerts == int(loaded[1].replace(",", "")) > 0
    assert signer == (key.key_id,)

    # The registry has data too: a barred list screened against the demo force's roster,
    # which leaves matches for the vetting officer, each raised to vetting as an alert.
    registry = re.search(r"Registry: ([\d,]+) entries .*; (\d+) matches for the vetting", first)
    assert registry, first[-3000:]
    to_review = int(registry[2])
    assert to_review > 0
    with sqlite3.connect(web / "custodes.sqlite3") as db:
        (raised,) = db.execute(
            "SELECT count(*) FROM alerts_alert WHERE kind = 'registry-match'"
        ).fetchone()
    assert raised == to_review

    # The caseload's statistics are published for the public page, under the 10-5 rule.
    stats = re.search(
        r"Statistics: (\d+) tables, ([\d,]+) cells from every case, ([\d,]+) withheld", first
    )
    assert stats, first[-3000:]
    assert int(stats[1]) >= 5 and int(stats[3].replace(",", "")) > 0
    published = demo / "statistics"
    assert (published / "datapackage.json").is_file()
    assert (published / "data" / "referral_compliance.csv").is_file()

    # The force's vetting records: the tasks raised are exactly the data's truth, and the
    # demo's vetting officer, placed where nothing planted is near them, sees them all.
    vetting = re.search(
        r"re-vetting tasks expected (\d+), raised (\d+); expected but not raised 0; "
        r"raised but not expected 0",
        first,
    )
    assert vetting and vetting[1] == vetting[2] and int(vetting[1]) > 100, first[-3000:]
    assert re.search(r"The vetting officer sees all \d+ open tasks", first), first[-3000:]
    assert (demo / "vetting" / "vetting-truth.csv").is_file()

    # Run again, as someone typing `make demo` twice would (in a copy: the browser tests serve
    # the session's demo as it was left): the queue is not filled twice.
    demo_run.copy(tmp_path)
    again = run_demo(tmp_path)
    web = tmp_path / "data"
    assert "Alert queue: run 1, " in again and "alerts, already loaded." in again
    # The same key signs the second run: the pair is made once and kept.
    assert f"Signed with audit key {key.key_id}" in again
    assert "Demo audit key pair" not in again
    with sqlite3.connect(web / "custodes.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM alerts_auditalert").fetchone() == (alerts,)
        # Nor the registry: the lists and the roster are the same, so nothing new to review.
        assert db.execute(
            "SELECT count(*) FROM alerts_alert WHERE kind = 'registry-match'"
        ).fetchone() == (raised,)
    assert f"{to_review} matches for the vetting officer to review" in again
    # Nor the vetting records, and the sweep finds nothing new.
    assert "escalated (already loaded)" in again and "sweep as of" in again
    assert "raised none new" in again
    assert f"re-vetting tasks expected {vetting[1]}, raised {vetting[1]};" in again
