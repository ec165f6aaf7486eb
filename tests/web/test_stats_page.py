"""The public statistics page, attacked by an outsider who is not signed in: they see the
published tables and download the files the publication lists, and nothing else: no withheld
count, no file planted beside them, nothing outside the folder."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from django.test import Client, override_settings

from custodes.stats.publish import Records, publish
from custodes.stats.records import STAGES
from custodes.web.trail.models import TrailEvent

pytestmark = pytest.mark.django_db

PLANTED = "planted-value-4242"  # a file's content no response may carry


def allegations() -> pd.DataFrame:
    """Records with one category small enough to be withheld: three "sexual" allegations
    among 200 others, in two years."""
    rows = []
    for i in range(203):
        group = "sexual" if i < 3 else ("force" if i % 2 else "discourtesy")
        rows.append(
            {
                "record_id": f"A{i}",
                "agency": "XF",
                "year": "2024" if i % 3 else "2025",
                "category_group": group,
                "sexual": "sexual" if group == "sexual" else "other",
                "finding": "substantiated" if i % 4 == 0 else "unfounded",
                "outcome_group": "reprimand-or-warning" if i % 4 == 0 else "none",
                "sex": "not recorded",
                "age_band": "26 to 35",
                "ethnicity": "not recorded",
                "days_band": "up to 30 days",
                "received": True,
                "closed": True,
                "finding_made": True,
                "substantiated": i % 4 == 0,
                "action_taken": i % 4 == 0,
                "dismissed": False,
                "left_under_investigation": False,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(name="folder")
def folder_fixture(tmp_path: Path) -> Path:
    out = tmp_path / "pub"
    publish(out, Records(allegations()), source="Exampleshire cases", as_of=dt.date(2025, 6, 30))
    return out


def outsider() -> Client:
    """A visitor with no account and no session."""
    return Client(enforce_csrf_checks=True)


def withheld(folder: Path) -> pd.DataFrame:
    """Return the withheld cells of the funnel, as published."""
    funnel = pd.read_csv(folder / "data" / "funnel.csv", dtype=str, keep_default_na=False)
    return funnel[funnel["suppressed"] == "True"]


def test_an_outsider_sees_the_published_tables_without_signing_in(folder: Path) -> None:
    with override_settings(PUBLIC_STATS_DIR=folder):
        response = outsider().get("/statistics/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Misconduct allegations: from receipt to outcome" in page
    assert "Exampleshire cases, as of 2025-06-30" in page
    assert "Counts under 10 are withheld" in page
    assert "The funnel, by allegation category and year" in page
    assert "Not published" in page and "subjects by sex" in page
    # Every count the funnel's CSV publishes, as it publishes it.
    funnel = pd.read_csv(folder / "data" / "funnel.csv", dtype=str, keep_default_na=False)
    counts = {v for v in funnel.loc[funnel["suppressed"] == "False", "value"] if v not in ("", "0")}
    assert counts
    for value in counts:
        assert f'<td class="n">{int(value):,}' in page, value
    # Charts by reference, never drawn inline.
    assert '<img src="/statistics/charts/funnel.svg"' in page and "<svg" not in page
    # No cookie, no session: the page asks nothing of the visitor and sets nothing.
    assert response.cookies == {}
    assert "csrfmiddlewaretoken" not in page
    assert TrailEvent.objects.count() == 0


def test_a_withheld_count_shows_as_c_and_its_value_nowhere(folder: Path) -> None:
    """The three sexual-misconduct allegations are withheld: "[c]" in their cells, and 3
    appears in no cell of the page."""
    hidden = withheld(folder)
    sexual = hidden[(hidden["category_group"] == "sexual") & (hidden["year"] == "All")]
    assert len(sexual) and (sexual["value"] == "").all()
    with override_settings(PUBLIC_STATS_DIR=folder):
        page = outsider().get("/statistics/").content.decode()
    row = re.search(
        r"<tr[^>]*><th scope=\"row\">sexual</th><th scope=\"row\">All</th>(.*?)</tr>", page
    )
    assert row is not None
    cells = re.findall(r"<td class=\"n\">(.*?)</td>", row.group(1))
    # Received, and every stage with any of them, withheld; an empty stage is a published 0.
    assert cells[0] == "[c]" and set(cells) == {"[c]", "0"}
    numbers = set(re.findall(r"<td class=\"n\">([\d,]+)", page))
    assert "3" not in numbers
    assert "substantiated" not in row.group(1)


def test_only_the_files_the_publication_lists_download(folder: Path, tmp_path: Path) -> None:
    """Listed data, package and charts download; a file planted in the folder, report.html,
    a path climbing out, and a link out of the folder are not there."""
    (folder / "data" / "planted.csv").write_text(f"value\n{PLANTED}\n", encoding="utf-8")
    (tmp_path / "outside.csv").write_text(f"value\n{PLANTED}\n", encoding="utf-8")
    meta = json.loads((folder / "publication.json").read_text(encoding="utf-8"))
    # A listed name that is a link out of the folder is refused too.
    (folder / "data" / "funnel.json").unlink()
    (folder / "data" / "funnel.json").symlink_to(tmp_path / "outside.csv")
    client = outsider()
    with override_settings(PUBLIC_STATS_DIR=folder):
        csv = client.get("/statistics/data/funnel.csv")
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
        assert csv.getvalue().startswith(b"category_group,year,measure")
        package = client.get("/statistics/datapackage.json")
        assert package.status_code == 200 and package["Content-Type"] == "application/json"
        chart = client.get(f"/statistics/charts/{meta['charts'][0]}.svg")
        assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
        assert "script-src" not in chart["Content-Security-Policy"]
        # Read whole, as the test client closes a file it streamed (closing one by hand
        # would also close the test's database connection).
        assert package.getvalue().startswith(b"{") and b"<svg" in chart.getvalue()
        for path in (
            "/statistics/data/planted.csv",
            "/statistics/report.html",
            "/statistics/publication.json",
            "/statistics/data/funnel.json",
            "/statistics/data/../../outside.csv",
            "/statistics/data/%2e%2e/%2e%2e/outside.csv",
            "/statistics/..%2f..%2foutside.csv",
            f"/statistics/{tmp_path / 'outside.csv'}",
            "/statistics//etc/passwd",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            body = response.getvalue()
            assert PLANTED.encode() not in body, path


def test_without_a_publication_the_page_says_so(tmp_path: Path) -> None:
    for folder in (None, tmp_path / "missing", tmp_path):
        with override_settings(PUBLIC_STATS_DIR=folder):
            response = outsider().get("/statistics/")
            assert response.status_code == 200
            assert "No statistics have been published here yet." in response.content.decode()
            assert outsider().get("/statistics/datapackage.json").status_code == 404


def test_the_page_holds_nothing_the_csvs_do_not(folder: Path) -> None:
    """Every count on the page is a published value of a CSV (none is worked out anew)."""
    published: set[str] = set()
    for path in (folder / "data").glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        published |= {f"{int(v):,}" for v in frame["value"] if v}
    with override_settings(PUBLIC_STATS_DIR=folder):
        page = outsider().get("/statistics/").content.decode()
    shown = set(re.findall(r"<td class=\"n\">([\d,]+)", page))
    assert shown and shown <= published
    stage_labels = {s.label for s in STAGES}
    assert "Received" in page and stage_labels & set(re.findall(r">([^<>]+)</th>", page))
